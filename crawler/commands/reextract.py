"""``newscrawl reextract``: re-run extraction over the raw HTML stored in a
database and update the articles whose fields change.

The click adapter: pages are read and decompressed here, extracted in an
``ExtractionPool`` (all cores by default; at most 4 pages per worker in flight,
so memory stays flat however big the database), and compared and written by
``storage.reextract``.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from crawler.ingest.analysis import STORED_CODEC_HEADER
from crawler.commands.export import parse_since
from crawler.commands.options import existing_db_option
from storage.lock import acquire_or_exit
from crawler.utils.pool import ExtractionPool
from storage import open_db
from storage.reextract import (
    FIELDS,
    ArticleUpdater,
    ReextractReport,
    load_stored,
    select_pages,
)

# Runs in the worker processes: extraction, article detection and the text signature.
# pages travel compressed, as stored, and are decompressed in the workers
WORKER_FUNC = "crawler.ingest.analysis:reanalyze_stored_page"


def _short(value: Any, width: int = 70) -> str:
    text = " ".join(str(value).split()) if value is not None else "NULL"
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(report: ReextractReport, elapsed: float, dry_run: bool) -> str:
    verb = "would change" if dry_run else "changed"
    rate = report.pages / elapsed if elapsed > 0 else 0.0
    lines = [
        f"reextract{' (dry run, nothing written)' if dry_run else ''}: {report.pages} pages "
        f"in {elapsed:.1f}s ({rate:.1f} pages/s)",
        f"  {'articles ' + verb:<24}{report.changed}",
        f"  {'unchanged':<24}{report.unchanged}",
    ]
    for column in FIELDS:
        if report.field_changes[column]:
            lines.append(f"    {column:<22}{report.field_changes[column]}")
    lines.append(f"  {'no longer articles':<24}{len(report.not_articles)} (kept as stored)")
    lines.append(f"  {'body conflicts':<24}{len(report.conflicts)} (kept as stored)")
    lines.append(f"  {'failures':<24}{len(report.failures)}")
    for article_id, url, why in report.failures[:20]:
        lines.append(f"    article {article_id} {url}: {why}")
    for article_id, holder in report.conflicts[:20]:
        lines.append(f"    article {article_id}: new body is already article {holder}'s")
    for article_id, url, why in report.not_articles[:20]:
        lines.append(f"    article {article_id} {url}: now {why}")
    if report.examples:
        lines.append(f"  examples ({verb}):")
        for change in report.examples:
            lines.append(f"    article {change.article_id} {change.url}")
            for column, (old, new) in change.changes.items():
                lines.append(f"      {column}: {_short(old)!s} -> {_short(new)!s}")
    return "\n".join(lines)


@click.command("reextract")
@existing_db_option()
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only articles of this site (articles.site; repeatable).")
@click.option("--since", metavar="DATE",
              help="Only articles first seen or published on or after DATE (ISO 8601).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: all cores]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=20.0,
              show_default=True, help="Time budget per page in seconds; slower pages fail.")
@click.option("--dry-run", is_flag=True,
              help="Report what would change (counts per field, examples); write nothing.")
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Articles written per transaction.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
@click.option("--wait", is_flag=True, help="If a crawl or import is writing the database, wait for it.")
def reextract_command(
    db_path: Path, sites: tuple[str, ...], since: str | None, jobs: int | None, timeout: float,
    dry_run: bool, batch_size: int, progress: bool, wait: bool,
) -> None:
    """Re-run extraction over the stored raw HTML and update changed articles.

    Each article is re-extracted from its most recent page fetched at its own
    URL (else from any page stored for it). Title, authors, published, body,
    language, site_name, description, tags and image are compared with the
    stored values; changed articles are updated together with extractor,
    body_hash, word_count and the near-duplicate signature. An article whose
    page is no longer judged an article, or whose new body equals another
    article's, is kept as stored and reported. A summary goes to stdout.
    """
    from crawler.extraction import EXTRACTOR_VERSION

    since = parse_since(since)
    lock = None if dry_run else acquire_or_exit(db_path, wait)  # one writer at a time
    db = open_db(db_path)
    started = time.monotonic()
    pool: ExtractionPool | None = None
    try:
        # The workers start (importing the extraction stack) while the pages are selected.
        pool = ExtractionPool(processes=jobs, timeout=timeout, func=WORKER_FUNC, eager=True)
        pairs = select_pages(db, sites=list(sites) or None, since=since)
        with pool, ArticleUpdater(db, EXTRACTOR_VERSION, dry_run=dry_run, batch_size=batch_size) as updater:
            # Results come back as they complete (a slow page does not hold up the
            # others); the URL a result carries leads back to its article.
            in_flight: dict[str, deque[int]] = defaultdict(deque)

            def jobs_from_db() -> Iterator[tuple[bytes, str, dict[str, str]]]:
                for article_id, page_id in pairs:
                    try:
                        url, headers, codec, blob = load_stored(db, page_id)
                    except KeyError as exc:
                        updater.failed(article_id, f"page {page_id}", f"unreadable page: {exc}")
                        bar.update(1)
                        continue
                    in_flight[url].append(article_id)
                    yield blob, url, {**headers, STORED_CODEC_HEADER: codec}

            from tqdm import tqdm

            bar = tqdm(total=len(pairs), unit="page", file=sys.stderr, disable=not progress,
                       desc="reextract")
            results = pool.imap(jobs_from_db(), ordered=False, max_in_flight=4 * pool.processes)
            for result in results:
                url = str(result.get("url"))
                if url not in in_flight:  # a worker function that rewrote the URL
                    raise click.ClickException(f"{WORKER_FUNC} returned an unknown url {url!r}")
                article_id = in_flight[url].popleft()
                if not in_flight[url]:
                    del in_flight[url]
                if result.get("ok"):
                    updater.apply(article_id, result)
                else:
                    updater.failed(article_id, url, str(result.get("error")))
                bar.update(1)
            bar.close()
        elapsed = time.monotonic() - started
    finally:
        if pool is not None:
            pool.close(wait=False)  # a no-op after a clean exit of the with block
        db.conn.close()
        if lock is not None:
            lock.release()
    click.echo(format_report(updater.report, elapsed, dry_run))


if __name__ == "__main__":
    reextract_command()
