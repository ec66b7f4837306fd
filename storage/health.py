"""Per-site health of a corpus: what ``newscrawl stats`` prints.

Named reads over ``articles``, ``urls`` and ``crawl_runs``; plain data out.
A site "looks blocked" when, in its latest run, many fetches hit a bot wall
(HTTP 403/429/503, or a challenge page the crawl recorded as ``blocked`` with a
``bot wall: ...`` reason, whatever its status), or when that run stored no new
article although the runs before it did."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

from storage.records import BOT_WALL_REASON

# urls.outcome values that mean the page was fetched and processed.
OK_OUTCOMES = ("new", "updated", "not_modified", "duplicate_url", "duplicate_text", "not_article", "skipped")
FAILURE_OUTCOMES = ("failed", "blocked")
# HTTP statuses bot walls answer with.
WALL_STATUSES = (403, 429, 503)
# Defaults of the "looks blocked" rules.
WALL_MIN = 3  # bot-wall answers in the latest run ...
WALL_SHARE = 0.3  # ... that are at least this share of its fetches
DROP_MIN_PREVIOUS = 3.0  # mean new articles per run before a drop to zero counts ...
DROP_MIN_RUNS = 2  # ... over at least this many runs (one run then a quiet one is normal)
PREVIOUS_RUNS = 3  # productive runs compared with the zero streak
HISTORY_RUNS = 20  # runs of a site looked at
# Requests of a run by kind: articles, listings, robots.txt/sitemaps/feeds.
REQUEST_KINDS = ("article_requests", "listing_requests", "discovery_requests")
# What the latest run cost a site (crawl_run_sites), in the order shown.
RUN_COST = (*REQUEST_KINDS, "new", "updated", "not_modified", "listings_not_due")


@dataclass
class SiteHealth:
    site: str
    articles: int = 0
    last_new_article: str | None = None  # max(articles.first_seen)
    last_success: str | None = None  # latest fetch that gave a page (urls, OK outcome)
    fetched: int = 0  # URLs recorded for the site (urls rows)
    failed: int = 0  # of which failed or blocked (latest fetch of each URL)
    bot_walls: int = 0  # of which 403/429/503 or challenge pages
    blocked: int = 0  # of which blocked (bot walls, robots.txt, refused addresses)
    no_date: int = 0  # articles without `published`
    no_author: int = 0  # articles without authors
    latest_run: int | None = None
    latest_fetched: int = 0
    latest_failed: int = 0
    latest_bot_walls: int = 0
    new_per_run: dict[int, int] = field(default_factory=dict)  # run id -> new articles, oldest first
    blocked_reasons: list[str] = field(default_factory=list)
    # what the site's latest run with counts cost: {"run": id, "article_requests": n, ...} (RUN_COST)
    last_run: dict[str, int] | None = None

    @property
    def last_run_requests(self) -> int:
        """Requests of the latest run: articles, listings, robots.txt/sitemaps/feeds."""
        cost = self.last_run or {}
        return sum(int(cost.get(k, 0)) for k in REQUEST_KINDS)

    @property
    def failure_rate(self) -> float:
        return self.failed / self.fetched if self.fetched else 0.0

    @property
    def latest_failure_rate(self) -> float:
        return self.latest_failed / self.latest_fetched if self.latest_fetched else 0.0

    @property
    def looks_blocked(self) -> bool:
        return bool(self.blocked_reasons)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["new_per_run"] = {str(k): v for k, v in self.new_per_run.items()}
        out.update(failure_rate=round(self.failure_rate, 4),
                   latest_failure_rate=round(self.latest_failure_rate, 4),
                   looks_blocked=self.looks_blocked)
        if out["last_run"] is not None:
            out["last_run"]["requests"] = self.last_run_requests
        return out


def _wall_sql() -> tuple[str, list[Any]]:
    """An SQL condition on ``urls`` for a bot-wall answer, with its arguments: a
    bot-wall status, or a challenge page the crawler recorded as blocked
    (``crawler.downloadermiddlewares.botwall`` writes ``bot wall: ...``; a 200
    interstitial has no telling status)."""
    marks = ",".join("?" * len(WALL_STATUSES))
    return (f"(status IN ({marks}) OR (outcome = 'blocked' AND substr(reason, 1, ?) = ?))",
            [*WALL_STATUSES, len(BOT_WALL_REASON), BOT_WALL_REASON])


def _in(values: tuple[str, ...]) -> str:
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


def site_health(
    db: sqlite_utils.Database,
    *,
    sites: list[str] | None = None,
    wall_min: int = WALL_MIN,
    wall_share: float = WALL_SHARE,
    drop_min_previous: float = DROP_MIN_PREVIOUS,
    history: int = HISTORY_RUNS,
) -> list[SiteHealth]:
    """Health of every site with articles or recorded URLs (or of ``sites``), by name."""
    names = sites or [r[0] for r in db.execute(
        "SELECT site FROM articles UNION SELECT site FROM urls WHERE site IS NOT NULL ORDER BY 1"
    ).fetchall()]
    wall, wall_args = _wall_sql()
    report: list[SiteHealth] = []
    for site in names:
        h = SiteHealth(site)
        row = db.execute(
            "SELECT count(*), max(first_seen),"
            " sum(coalesce(published, '') = ''),"
            " sum(coalesce(authors, '[]') IN ('[]', '', 'null'))"
            " FROM articles WHERE site = ?", [site]).fetchone()
        h.articles, h.last_new_article = int(row[0]), row[1]
        h.no_date, h.no_author = int(row[2] or 0), int(row[3] or 0)
        row = db.execute(
            f"SELECT count(*), sum(outcome IN {_in(FAILURE_OUTCOMES)}), sum({wall}),"
            f" max(CASE WHEN outcome IN {_in(OK_OUTCOMES)} THEN last_fetched END),"
            " sum(outcome = 'blocked')"
            " FROM urls WHERE site = ?", [*wall_args, site]).fetchone()
        h.fetched, h.failed, h.bot_walls = int(row[0]), int(row[1] or 0), int(row[2] or 0)
        h.last_success, h.blocked = row[3], int(row[4] or 0)
        runs = site_runs(db, site, limit=history)
        if runs:
            h.latest_run = runs[-1]
            row = db.execute(
                f"SELECT count(*), sum(outcome IN {_in(FAILURE_OUTCOMES)}), sum({wall})"
                " FROM urls WHERE site = ? AND run_id = ?",
                [*wall_args, site, h.latest_run]).fetchone()
            h.latest_fetched, h.latest_failed = int(row[0]), int(row[1] or 0)
            h.latest_bot_walls = int(row[2] or 0)
            new = dict(db.execute(
                f"SELECT run_id, count(*) FROM articles WHERE site = ?"
                f" AND run_id IN ({','.join('?' * len(runs))}) GROUP BY run_id",
                [site, *runs]).fetchall())
            h.new_per_run = {run: int(new.get(run, 0)) for run in runs}
        h.last_run = last_run_cost(db, site)
        h.blocked_reasons = _blocked_reasons(h, wall_min, wall_share, drop_min_previous)
        report.append(h)
    return report


def last_run_cost(db: sqlite_utils.Database, site: str) -> dict[str, int] | None:
    """The site's counts in its latest ``crawl_run_sites`` row: requests by kind
    (article pages, listing pages, robots.txt/sitemaps/feeds), new, updated, not
    modified, listings not due. None when no run recorded counts for it."""
    cur = db.execute("SELECT * FROM crawl_run_sites WHERE site = ? ORDER BY run_id DESC LIMIT 1", [site])
    row = cur.fetchone()
    if row is None:
        return None
    values = dict(zip([d[0] for d in cur.description], row))
    return {"run": int(values["run_id"]), **{k: int(values.get(k) or 0) for k in RUN_COST}}


def site_runs(db: sqlite_utils.Database, site: str, *, limit: int = HISTORY_RUNS) -> list[int]:
    """The last ``limit`` runs that crawled ``site``, oldest first: runs whose command
    names it (crawls) or that left a URL or an article of it (imports, older runs)."""
    rows = db.execute(
        """
        SELECT run_id FROM urls WHERE site = :site AND run_id IS NOT NULL
        UNION SELECT run_id FROM articles WHERE site = :site AND run_id IS NOT NULL
        UNION SELECT id FROM crawl_runs WHERE json_valid(command) AND EXISTS (
            SELECT 1 FROM json_each(crawl_runs.command, '$.sites') WHERE value = :site)
        ORDER BY 1 DESC LIMIT :limit
        """, {"site": site, "limit": limit}).fetchall()
    return sorted(int(r[0]) for r in rows)


def _blocked_reasons(h: SiteHealth, wall_min: int, wall_share: float,
                     drop_min_previous: float) -> list[str]:
    reasons: list[str] = []
    if h.latest_run is not None:
        walls, fetched, where = h.latest_bot_walls, h.latest_fetched, f"in run {h.latest_run}"
    else:
        walls, fetched, where = h.bot_walls, h.fetched, "overall"
    if walls >= wall_min and fetched and walls / fetched >= wall_share:
        reasons.append(f"{walls} of {fetched} fetches {where} were HTTP "
                       f"{'/'.join(map(str, WALL_STATUSES))} or challenge pages")
    counts = list(h.new_per_run.items())
    streak = 0
    while streak < len(counts) and counts[-1 - streak][1] == 0:
        streak += 1
    before = [n for _, n in counts[: len(counts) - streak][-PREVIOUS_RUNS:]]
    if streak and len(before) >= DROP_MIN_RUNS and sum(before) / len(before) >= drop_min_previous:
        zero_runs = ", ".join(str(run) for run, _ in counts[len(counts) - streak:])
        reasons.append(f"no new articles in run{'s' if streak > 1 else ''} {zero_runs} after "
                       f"{', '.join(map(str, before))} in the runs before")
    return reasons
