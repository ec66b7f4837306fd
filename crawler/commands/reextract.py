"""``newscrawl reextract``: re-run extraction over the raw HTML stored in a
database and update the articles whose fields change.

The click adapter: pages are read as stored (``storage.reextract``), extracted
in an ``ExtractionPool`` (all cores by default; at most 4 pages per worker in
flight, so memory stays flat however big the database; the workers decompress),
and compared and written by an ``IngestSession`` of kind ``reextract``, which
records the run: when, with which extractor, and how many articles had each
field changed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from crawler.commands.options import existing_db_option, open_session, since_option
from crawler.extraction import EXTRACTOR_VERSION
from crawler.ingest.analysis import REANALYZE_STORED_PAGE, STORED_CODEC_HEADER, Analysis
from crawler.ingest.summary import format_summary
from crawler.utils.pool import ExtractionPool, Job, JobFailure
from storage.reextract import Reextracted, ReextractResult, load_stored, select_pages
from storage.session import IngestSession

# Runs in the worker processes: extraction, article detection and the text signature;
# pages travel compressed, as stored, and are decompressed in the workers.
WORKER_FUNC = REANALYZE_STORED_PAGE
MAX_LISTED = 20  # failures, conflicts, no-longer-articles listed by name
EXAMPLES = 5  # changed articles shown field by field


def _short(value: Any, width: int = 70) -> str:
    text = " ".join(str(value).split()) if value is not None else "NULL"
    return text if len(text) <= width else text[: width - 1] + "…"


def format_details(results: dict[Reextracted, list[ReextractResult]], dry_run: bool) -> str:
    """Which articles failed, conflict or are no longer articles, and examples of changes."""
    lines: list[str] = []
    for r in results[Reextracted.FAILED][:MAX_LISTED]:
        lines.append(f"    article {r.article_id} {r.url}: {r.detail}")
    for r in results[Reextracted.CONFLICT][:MAX_LISTED]:
        lines.append(f"    article {r.article_id}: new body is already article {r.detail}'s")
    for r in results[Reextracted.NOT_ARTICLE][:MAX_LISTED]:
        lines.append(f"    article {r.article_id} {r.url}: now {r.detail}")
    if results[Reextracted.CHANGED]:
        lines.append(f"  examples ({'would change' if dry_run else 'changed'}):")
        for r in results[Reextracted.CHANGED][:EXAMPLES]:
            assert r.change is not None
            lines.append(f"    article {r.article_id} {r.url}")
            for column, (old, new) in r.change.changes.items():
                lines.append(f"      {column}: {_short(old)!s} -> {_short(new)!s}")
    return "\n".join(lines)


@click.command("reextract")
@existing_db_option()
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only articles of this site (articles.site; repeatable).")
@since_option("Only articles first seen or published on or after DATE.")
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
    article's, is kept as stored and reported. The run is recorded in
    crawl_runs (kind reextract). A summary goes to stdout.
    """
    from tqdm import tqdm

    session = open_session(IngestSession(
        db_path, kind="reextract", extractor=EXTRACTOR_VERSION, wait=wait, dry_run=dry_run,
        commit_items=batch_size, commit_seconds=2.0,
        command={"command": "reextract", "sites": list(sites), "since": since, "dry_run": dry_run},
    ))
    results: dict[Reextracted, list[ReextractResult]] = {r: [] for r in Reextracted}
    pool: ExtractionPool | None = None
    status = "failed"
    try:
        # The workers start (importing the extraction stack) while the pages are selected.
        pool = ExtractionPool(processes=jobs, timeout=timeout, func=WORKER_FUNC, eager=True,
                              queue_ahead=True)
        assert session.db is not None
        db = session.db
        pairs = select_pages(db, sites=list(sites) or None, since=since)
        bar = tqdm(total=len(pairs), unit="page", file=sys.stderr, disable=not progress, desc="reextract")

        def keep(result: ReextractResult) -> None:
            if result.outcome != Reextracted.UNCHANGED and len(results[result.outcome]) < MAX_LISTED:
                results[result.outcome].append(result)
            bar.update(1)

        def jobs_from_db() -> Iterator[tuple[int, Job]]:
            for article_id, page_id in pairs:
                try:
                    url, headers, codec, blob = load_stored(db, page_id)
                except KeyError as exc:
                    keep(session.reextract_failed(article_id, f"page {page_id}", f"unreadable page: {exc}"))
                    continue
                yield article_id, (blob, url, {**headers, STORED_CODEC_HEADER: codec})

        with pool:
            # Results come back as they complete: a slow page does not hold up the others.
            tagged = pool.imap_tagged(jobs_from_db(), ordered=False, max_in_flight=4 * pool.processes)
            for article_id, result in tagged:
                if isinstance(result, JobFailure):
                    keep(session.reextract_failed(article_id, result.url, result.error))
                    continue
                analysis: Analysis = result
                keep(session.reextracted(article_id, analysis.extraction, body_hash=analysis.body_hash,
                                         signature=analysis.signature))
        bar.close()
        status = "finished"
    except KeyboardInterrupt:
        status = "shutdown"
        raise
    finally:
        if pool is not None:
            pool.close(wait=False)  # a no-op after a clean exit of the with block
        summary = session.close(status)
    pages = sum(summary.counts.reextracted.values())
    summary.details += [("pages", pages),
                        ("rate", f"{pages / summary.elapsed if summary.elapsed else 0:.1f} pages/s")]
    click.echo(format_summary(summary))
    details = format_details(results, dry_run)
    if details:
        click.echo(details)


if __name__ == "__main__":
    reextract_command()
