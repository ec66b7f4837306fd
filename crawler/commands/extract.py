"""``newscrawl extract``: re-run extraction on saved pages (HTML files or WARC archives)
and print one JSON object per page."""

from __future__ import annotations

import json
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click

from crawler.commands.options import exit_on_broken_pipe, warn
from crawler.extraction import Extraction
from crawler.utils.pool import ExtractionPool, JobFailure
from crawler.utils.warcs import ReadCounts, is_warc, iter_responses, open_maybe_gzip

# Runs in the worker processes; it decodes bytes using the HTTP charset from `headers`.
WORKER_FUNC = "crawler.extraction:extract_page"


@dataclass
class Stats:
    pages: int = 0
    articles: int = 0
    failed: int = 0
    skipped: int = 0  # records that are not HTML pages: requests, 404s, images...
    broken: int = 0  # records or files that could not be read
    unreadable_files: int = 0


def iter_html_file(path: Path, url: str | None, stats: Stats) -> Iterator[tuple[bytes, str, None]]:
    try:
        with open_maybe_gzip(path) as f:
            html = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        click.echo(f"error: cannot read {path}: {exc}", err=True)
        stats.unreadable_files += 1
        return
    yield html, url or path.resolve().as_uri(), None


def iter_warc(path: Path, stats: Stats) -> Iterator[tuple[bytes, str, dict[str, str]]]:
    """HTML pages of a WARC file: (payload, WARC-Target-URI, HTTP headers)."""
    counts = ReadCounts()
    try:
        for resp in iter_responses(path, counts, warn, errors=False):
            yield resp.html, resp.url, resp.headers
    finally:
        stats.skipped += counts.skipped + counts.filtered
        stats.broken += counts.damaged


def iter_pages(
    paths: list[Path], warc_paths: set[Path], url: str | None, stats: Stats
) -> Iterator[tuple[bytes, str, dict[str, str] | None]]:
    for path in paths:
        if path in warc_paths:
            yield from iter_warc(path, stats)
        else:
            yield from iter_html_file(path, url, stats)


@click.command("extract")
@click.argument(
    "files", nargs=-1, required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@click.option("--url", help="URL of the page, for a single HTML file "
              "(default: the file's file:// URL).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: all cores]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=20.0,
              show_default=True, help="Time budget per page in seconds; slower pages fail.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write JSON lines to this file  [default: stdout]")
@click.option("--progress/--no-progress", default=False, help="Show a progress bar on stderr.")
def extract_command(
    files: tuple[Path, ...], url: str | None, jobs: int | None, timeout: float,
    output: IO[str], progress: bool,
) -> None:
    """Re-run extraction on saved pages and print one JSON object per page.

    FILES are HTML files (optionally gzipped) or WARC archives (.warc or .warc.gz;
    recognised by their content, not their name).  From a WARC, every HTTP 200
    response with an HTML payload is extracted, with the URL from WARC-Target-URI
    and the charset from the HTTP Content-Type header; other records are skipped,
    damaged ones are reported on stderr.

    Each output line holds the extracted fields (url, title, authors, published,
    body, language, site, description, tags, image, is_article, reason, ...) and
    "ok": true, or for a page that failed {"url", "ok": false, "error"}.  Lines come
    in input order.  A summary goes to stderr.  Exit status is 0 once the input was
    read, even if some pages failed.
    """
    paths = list(files)
    warc_paths: set[Path] = set()
    for path in paths:
        try:
            if is_warc(path):
                warc_paths.add(path)
        except (OSError, EOFError, zlib.error) as exc:
            raise click.ClickException(f"cannot read {path}: {exc}") from None
    if url is not None and (len(paths) != 1 or warc_paths):
        raise click.UsageError(
            "--url applies to a single HTML file (WARC records carry their URLs)"
        )

    stats = Stats()
    started = time.monotonic()
    pages = iter_pages(paths, warc_paths, url, stats)
    try:
        with ExtractionPool(processes=jobs, timeout=timeout, func=WORKER_FUNC,
                            queue_ahead=True) as pool:
            results = pool.imap(pages)
            if progress:
                from tqdm import tqdm

                results = tqdm(results, unit="page", file=sys.stderr)
            for result in results:
                stats.pages += 1
                if isinstance(result, JobFailure):
                    stats.failed += 1
                    line = {"url": result.url, "ok": False, "error": result.error}
                else:
                    extraction: Extraction = result
                    stats.articles += extraction.is_article
                    line = {**extraction.as_dict(), "ok": True}
                output.write(json.dumps(line, ensure_ascii=False))
                output.write("\n")
                output.flush()
    except BrokenPipeError:
        exit_on_broken_pipe()

    elapsed = max(time.monotonic() - started, 1e-9)
    click.echo(
        f"extract: {stats.pages} pages, {stats.articles} articles, {stats.failed} failed, "
        f"{stats.pages / elapsed:.1f} pages/s; {stats.skipped} records skipped, "
        f"{stats.broken} damaged",
        err=True,
    )
    if stats.unreadable_files:
        sys.exit(1)


if __name__ == "__main__":
    extract_command()
