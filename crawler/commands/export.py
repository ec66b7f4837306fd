"""``newscrawl export`` (articles as JSON lines, CSV or Parquet) and
``newscrawl export-warc`` (stored raw pages as a WARC file).

Both stream: rows come from an SQLite cursor and are written as they come, so
memory stays flat however big the database."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import click

from crawler import __version__
from crawler.commands.options import BadInput, existing_db_option, exit_on_broken_pipe
from storage import open_db
from storage.export import (
    ARTICLE_COLUMNS,
    LIST_COLUMNS,
    count_raw_pages,
    iter_articles,
    iter_raw_pages,
)

FORMATS = ("jsonl", "csv", "parquet")
# Rows per Parquet row group: bounds memory while writing.
PARQUET_BATCH = 1000
# Stored HTML is already decoded (Scrapy undid gzip/br and chunking), so these
# headers would misdescribe the payload written to the WARC.
PAYLOAD_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def parse_since(value: str | None) -> str | None:
    """Validate an ISO 8601 date or datetime given to ``--since``."""
    if value is None:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--since: expected an ISO date such as 2025-03-01, got {value!r}") from None
    return value


@contextmanager
def atomic_output(path: Path, mode: str, **kwargs: Any) -> Iterator[IO[Any]]:
    """Write to ``path.part`` and rename it to ``path`` only once complete."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, mode, **kwargs) as f:
            yield f
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


# -- articles ---------------------------------------------------------------------------


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One header line, then one line per article; lists as JSON text."""
    writer = csv.DictWriter(out, fieldnames=list(ARTICLE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        for column in LIST_COLUMNS:
            row[column] = json.dumps(row[column], ensure_ascii=False)
        writer.writerow(row)
        n += 1
    return n


def _require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise click.ClickException(
            "--format parquet needs pyarrow, which is not installed: "
            "pip install 'newscrawl[parquet]' (or pip install pyarrow)"
        ) from None
    return pyarrow


def parquet_schema(pa: Any) -> Any:
    types = {"id": pa.int64(), "word_count": pa.int64(), "run_id": pa.int64(),
             "version": pa.int64(), "story_id": pa.int64(),
             "authors": pa.list_(pa.string()), "tags": pa.list_(pa.string())}
    return pa.schema([(c, types.get(c, pa.string())) for c in ARTICLE_COLUMNS])


def write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Row groups of ``PARQUET_BATCH`` articles, written as they fill."""
    pa = _require_pyarrow()
    import pyarrow.parquet as pq

    schema = parquet_schema(pa)
    n = 0
    with atomic_output(path, "wb") as f, pq.ParquetWriter(f, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        # An empty export still gets a valid file with the schema.
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


@click.command("export")
@existing_db_option("SQLite database file (opened read-only).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="jsonl: one JSON object per line; csv: a header line, lists as JSON text; "
                   "parquet: needs pyarrow (the 'parquet' extra) and -o.")
@click.option("--since", metavar="DATE",
              help="Only articles published on or after DATE (ISO 8601; undated ones: "
                   "first seen on or after DATE).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only articles of this site (articles.site; repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (complete or not at all)  [default: stdout]")
def export_command(db_path: Path, fmt: str, since: str | None, sites: tuple[str, ...],
                   output: Path | None) -> None:
    """Export articles, streamed in id order without loading them all in memory.

    Columns: id, url, site, site_name, title, description, authors, published,
    body, language, tags, image, word_count, body_hash, extractor, first_seen,
    last_seen, run_id, version, updated, story_id (authors and tags as lists;
    columns a database from an older newscrawl lacks come out empty). The number
    of articles written goes to stderr.
    """
    since = parse_since(since)
    if fmt == "parquet":
        _require_pyarrow()
        if output is None:
            raise click.UsageError("--format parquet writes a file: give -o FILE")
    db = open_db(db_path, read_only=True)
    try:
        rows = iter_articles(db, sites=list(sites) or None, since=since)
        writers: dict[str, Callable[[Iterable[dict[str, Any]], IO[str]], int]] = {
            "jsonl": write_jsonl, "csv": write_csv,
        }
        if fmt == "parquet":
            assert output is not None
            n = write_parquet(rows, output)
        elif output is None:
            try:
                n = writers[fmt](rows, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:
                exit_on_broken_pipe()
        else:
            with atomic_output(output, "w", encoding="utf-8", newline="") as f:
                n = writers[fmt](rows, f)
    finally:
        db.conn.close()
    click.echo(f"export: {n} articles ({fmt})", err=True)


# -- raw pages as WARC ----------------------------------------------------------------


def warc_date(fetched_at: str) -> str:
    """``pages.fetched_at`` (ISO 8601) as a WARC-Date (UTC, seconds, ``Z``)."""
    when = datetime.fromisoformat(fetched_at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_response_headers(status: int, headers: dict[str, str], length: int) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    pairs = [(k, v) for k, v in headers.items() if k.lower() not in PAYLOAD_HEADERS]
    pairs.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {phrase}", pairs, protocol="HTTP/1.1")


def http_request_headers(url: str) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)],
                            protocol="HTTP/1.1", is_http_request=True)


def write_warc(pages: Iterable[dict[str, Any]], out: IO[bytes], *, gzip: bool = True) -> int:
    """A warcinfo record, then a response and a request record per page.

    The response carries the stored HTTP status and headers (less the payload
    encoding headers, see ``PAYLOAD_HEADERS``) and the stored HTML; WARC-Date is
    the fetch time. The request record (method, path, Host: the original request
    headers are not stored) is WARC-Concurrent-To its response.
    """
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=gzip, warc_version="1.0")
    info = writer.create_warcinfo_record(
        "newscrawl-export.warc", {"software": f"newscrawl {__version__}",
                                  "format": "WARC File Format 1.0",
                                  "description": "raw pages stored by newscrawl"})
    writer.write_record(info)
    n = 0
    for page in pages:
        html: bytes = page["html"]
        date = warc_date(page["fetched_at"])
        response = writer.create_warc_record(
            page["url"], "response", payload=BytesIO(html), length=len(html),
            http_headers=http_response_headers(int(page["status"] or 200), page["headers"], len(html)),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(response)
        request = writer.create_warc_record(
            page["url"], "request", http_headers=http_request_headers(page["url"]),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        n += 1
    return n


@click.command("export-warc")
@existing_db_option("SQLite database file (opened read-only).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="WARC file to write; gzipped per record unless the name does not end in .gz.")
@click.option("--since", metavar="DATE", help="Only pages fetched on or after DATE (ISO 8601).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only pages of this site (repeatable).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
def export_warc_command(db_path: Path, output: Path, since: str | None, sites: tuple[str, ...],
                        progress: bool) -> None:
    """Write the stored raw pages as a WARC file (request and response records).

    Each stored page becomes a response record with its original HTTP status,
    headers and fetch time, and a request record. `newscrawl import-warc` reads
    it back.
    """
    since = parse_since(since)
    from tqdm import tqdm

    db = open_db(db_path, read_only=True)
    try:
        site_list = list(sites) or None
        total = count_raw_pages(db, sites=site_list, since=since)
        pages = tqdm(iter_raw_pages(db, sites=site_list, since=since), total=total,
                     unit="page", file=sys.stderr, disable=not progress, desc="export-warc")
        with atomic_output(output, "wb") as f:
            n = write_warc(pages, f, gzip=output.name.endswith(".gz"))
        pages.close()
    finally:
        db.conn.close()
    click.echo(f"export-warc: {n} pages written to {output}", err=True)


if __name__ == "__main__":  # python -m crawler.commands.export [export|export-warc] ...
    click.Group(commands={"export": export_command, "export-warc": export_warc_command})()
