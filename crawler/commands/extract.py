"""``newscrawl extract``: re-run extraction on saved pages (HTML files or WARC archives)
and print one JSON object per page."""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from crawler.commands.options import exit_on_broken_pipe
from crawler.utils.warcs import http_headers, iter_records, record_payload
from crawler.utils.pool import ExtractionPool

# Runs in the worker processes; it decodes bytes using the HTTP charset from `headers`.
WORKER_FUNC = "crawler.extraction:extract_page"

HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Content types that say nothing either way: sniff the payload.
VAGUE_TYPES = {
    "", "text/plain", "application/octet-stream", "binary/octet-stream", "unknown/unknown"
}
BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
# Tags the WHATWG MIME sniffing algorithm accepts as the start of an HTML document.
HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)"
    rb"[\s>]",
    re.IGNORECASE,
)


def is_html(content_type: str, payload: bytes) -> bool:
    """Decide from the declared type, sniffing the payload when the type is vague."""
    mime = content_type.split(";", 1)[0].strip().lower()
    head = payload[:1024]
    if mime in HTML_TYPES:
        return not head.startswith(BINARY_MAGIC)
    if mime in VAGUE_TYPES:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return b"\0" not in head and HTML_START.match(start) is not None
    return False


def html_payload(record: Any, content_type: str) -> tuple[bytes | None, str | None]:
    """A WARC response record's payload when it is HTML: ``(payload, None)``;
    ``(None, None)`` when it is not HTML; ``(None, why)`` when the record is damaged."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime not in HTML_TYPES and mime not in VAGUE_TYPES:
        return None, None
    payload, damage = record_payload(record)
    if payload is None:
        return None, damage
    return (payload, None) if is_html(content_type, payload) else (None, None)


@dataclass
class Stats:
    pages: int = 0
    articles: int = 0
    failed: int = 0
    skipped: int = 0  # records that are not HTML pages: requests, 404s, images...
    broken: int = 0  # records or files that could not be read
    unreadable_files: int = 0


def one_line(message: str, limit: int = 240) -> str:
    """``message`` as one printable line of at most ``limit`` characters: a
    library's error about damaged data may quote that data (binary, newlines)."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(message.split()))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def warn(message: str) -> None:
    click.echo(f"warning: {one_line(message)}", err=True)


def open_maybe_gzip(path: Path) -> IO[bytes]:
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def is_warc(path: Path) -> bool:
    with open_maybe_gzip(path) as f:
        return f.read(5) == b"WARC/"


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

    def damaged(message: str) -> None:
        stats.broken += 1
        warn(message)

    with open(path, "rb") as f:
        for offset, record in iter_records(f, path, damaged):
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            http = record.http_headers
            if record.rec_type != "response" or http is None or http.get_statuscode() != "200":
                stats.skipped += 1
                continue
            payload, damage = html_payload(record, http.get_header("Content-Type") or "")
            if damage:
                damaged(f"{path}@{offset} {url}: {damage}, skipped")
            elif payload is None:
                stats.skipped += 1
            else:
                yield payload, url, http_headers(http)


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
        with ExtractionPool(processes=jobs, timeout=timeout, func=WORKER_FUNC) as pool:
            results = pool.imap(pages)
            if progress:
                from tqdm import tqdm

                results = tqdm(results, unit="page", file=sys.stderr)
            for result in results:
                stats.pages += 1
                if not result.get("ok"):
                    stats.failed += 1
                elif result.get("is_article"):
                    stats.articles += 1
                output.write(json.dumps({"url": result.get("url"), **result}, ensure_ascii=False))
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
