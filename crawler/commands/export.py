"""``newscrawl export`` (articles as JSON lines, CSV or Parquet) and
``newscrawl export-warc`` (stored raw pages as a WARC file).

Both stream: rows come from an SQLite cursor (``storage.export``) and are written
as they come (``crawler.utils.exporters``, ``crawler.utils.warcs``), so memory
stays flat however big the database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import click

from crawler import __version__
from crawler.commands.options import existing_db_option, exit_on_broken_pipe, since_option
from crawler.utils.exporters import atomic_output, require_pyarrow, write_csv, write_jsonl, write_parquet
from crawler.utils.warcs import write_warc
from storage import open_db
from storage.export import count_raw_pages, iter_articles, iter_raw_pages

FORMATS = ("jsonl", "csv", "parquet")


@click.command("export")
@existing_db_option("SQLite database file (opened read-only).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="jsonl: one JSON object per line; csv: a header line, lists as JSON text; "
                   "parquet: needs pyarrow (the 'parquet' extra) and -o.")
@since_option("Only articles published on or after DATE (undated ones: first seen on or after DATE).")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only articles of this site (articles.site; repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (complete or not at all)  [default: stdout]")
def export_command(db_path: Path, fmt: str, since: str | None, sites: tuple[str, ...],
                   output: Path | None) -> None:
    """Export articles, streamed in id order without loading them all in memory.

    Columns: id, url, site, site_name, title, description, authors, published,
    modified, body, body_html, language, tags, image, images, section, paywalled,
    word_count, body_hash, extractor, first_seen, last_seen, run_id, version,
    updated, story_id (authors, tags and images as lists, images as objects with
    url, caption, credit and width; paywalled true, false or empty; columns a
    database from an older newscrawl lacks come out empty). The number of
    articles written goes to stderr.
    """
    if fmt == "parquet":
        require_pyarrow()
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


@click.command("export-warc")
@existing_db_option("SQLite database file (opened read-only).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="WARC file to write; gzipped per record unless the name does not end in .gz.")
@since_option("Only pages fetched on or after DATE.")
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
    from tqdm import tqdm

    db = open_db(db_path, read_only=True)
    try:
        site_list = list(sites) or None
        total = count_raw_pages(db, sites=site_list, since=since)
        pages = tqdm(iter_raw_pages(db, sites=site_list, since=since), total=total,
                     unit="page", file=sys.stderr, disable=not progress, desc="export-warc")
        with atomic_output(output, "wb") as f:
            n = write_warc(pages, f, software=f"newscrawl {__version__}", gzip=output.name.endswith(".gz"))
        pages.close()
    finally:
        db.conn.close()
    click.echo(f"export-warc: {n} pages written to {output}", err=True)


if __name__ == "__main__":  # python -m crawler.commands.export [export|export-warc] ...
    click.Group(commands={"export": export_command, "export-warc": export_warc_command})()
