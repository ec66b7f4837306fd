"""``newscrawl stats``: per-site health of a database (``storage.health``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crawler.commands.options import existing_db_option
from storage import open_db
from storage.health import (
    DROP_MIN_PREVIOUS,
    RUN_COST,
    WALL_MIN,
    WALL_SHARE,
    SiteHealth,
    site_health,
)

# Runs shown in the "new per run" column (oldest first).
SHOWN_RUNS = 5


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _when(value: str | None) -> str:
    # ISO 8601 to the minute: enough to see staleness, narrow enough for a table.
    return value.replace("T", " ")[:16] if value else "never"


def _aligned(rows: list[tuple[str, ...]], numeric: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
            for row in rows]


def format_table(report: list[SiteHealth]) -> str:
    header = ("site", "articles", "last new article", "last success", "failed (latest run)",
              "bot walls", "no date", "no author", "new per run")
    rows = [header]
    for h in report:
        latest = (f"{h.latest_failed}/{h.latest_fetched} {_pct(h.latest_failed, h.latest_fetched)}"
                  if h.latest_run is not None else "-")
        rows.append((
            h.site, str(h.articles), _when(h.last_new_article), _when(h.last_success),
            f"{h.failed}/{h.fetched} {_pct(h.failed, h.fetched)} ({latest})",
            str(h.bot_walls), _pct(h.no_date, h.articles), _pct(h.no_author, h.articles),
            " ".join(str(n) for n in list(h.new_per_run.values())[-SHOWN_RUNS:]) or "-",
        ))
    lines = _aligned(rows, numeric={1, 5, 6, 7})
    costs = [h for h in report if h.last_run is not None]
    if costs:
        lines += ["", "What the latest run cost (requests by kind; articles new, updated, not modified;"
                      " listings skipped as not due):"]
        cost_rows = [("site", "run", "requests", "articles", "listings", "robots/sitemaps/feeds", "new",
                      "updated", "not modified", "listings not due")]
        for h in costs:
            c = h.last_run
            cost_rows.append((h.site, str(c["run"]), str(h.last_run_requests), *(str(c[k]) for k in RUN_COST)))
        lines += _aligned(cost_rows, numeric=set(range(1, 10)))
    blocked = [h for h in report if h.looks_blocked]
    lines.append("")
    if blocked:
        lines.append(f"{len(blocked)} site(s) look blocked:")
        for h in blocked:
            for reason in h.blocked_reasons:
                lines.append(f"  {h.site}: {reason}")
    else:
        lines.append("no site looks blocked")
    return "\n".join(lines)


@click.command("stats")
@existing_db_option("SQLite database file (opened read-only).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only this site (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per site instead.")
@click.option("--wall-min", type=click.IntRange(min=1), default=WALL_MIN, show_default=True,
              help="Bot-wall answers (HTTP 403/429/503, challenge pages) in a site's latest "
                   "run from which it looks blocked ...")
@click.option("--wall-share", type=click.FloatRange(0, 1), default=WALL_SHARE, show_default=True,
              help="... if they are at least this share of its fetches in that run.")
@click.option("--drop-min", type=click.FloatRange(min=0), default=DROP_MIN_PREVIOUS,
              show_default=True,
              help="Runs with no new article at the end flag a site whose (at least 2) "
                   "runs before stored at least this many per run on average.")
def stats_command(db_path: Path, sites: tuple[str, ...], as_json: bool, wall_min: int,
                  wall_share: float, drop_min: float) -> None:
    """Per-site health: articles, last success, failure rates, missing fields,
    and the sites that look blocked.

    Columns: articles stored; when the last new article was stored; the last
    fetch that gave a page; failed or robots-blocked URLs (each URL counted by
    its latest fetch), overall and in the site's latest run; bot-wall answers;
    share of articles without a date or an author; new articles in the site's
    last 5 runs (oldest first). Then what each site's latest run cost: requests
    for article pages, listing pages and robots.txt/sitemaps/feeds; articles new,
    updated (new versions) and not modified (re-checked, unchanged); listing pages
    skipped because their revisit was not due. Exit status 0 whether or not a
    site looks blocked.
    """
    db = open_db(db_path, read_only=True)
    try:
        report = site_health(db, sites=list(sites) or None, wall_min=wall_min,
                             wall_share=wall_share, drop_min_previous=drop_min)
    finally:
        db.conn.close()
    if as_json:
        for h in report:
            sys.stdout.write(json.dumps(h.as_dict(), ensure_ascii=False) + "\n")
        return
    if not report:
        click.echo("no sites in this database yet")
        return
    click.echo(format_table(report))


if __name__ == "__main__":
    stats_command()
