"""``newscrawl import-warc``: ingest WARC files (our own exports, CC-NEWS,
any crawler's) through the crawl's extraction, dedup and storage path.

Every HTTP 200 HTML response is analysed in an ``ExtractionPool``
(``crawler.ingest.analysis:analyze_page``), turned into a record by
``crawler.ingest.records.page_record`` and stored by ``storage.queries.store_page``,
inside one ``crawl_runs`` row, exactly as a crawl would. 4xx/5xx responses
are recorded as failures (``http 403``, ...) so ``newscrawl stats`` sees bot
walls. Requests, revisits, metadata, redirects and non-HTML payloads are
skipped; damaged or truncated records are reported on stderr and skipped.
Results are stored in input order, so the first copy of a text wins, as in
the crawl that wrote the file.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from crawler.commands.export import parse_since
from crawler.commands.options import db_option
from crawler.commands.extract import html_payload, is_warc, warn
from crawler.ingest.records import page_record
from storage.lock import acquire_or_exit
from crawler.utils.urls import canonical_key, host_of, is_http_url
from crawler.utils.warcs import http_headers, iter_records
from crawler.utils.pool import ExtractionPool
from storage import open_db
from storage.batch import WriteBatch
from storage.recheck import parse_time
from storage.queries import FAILED, finish_run, mark_interrupted_runs, record_failure, start_run, store_page

WORKER_FUNC = "crawler.ingest.analysis:analyze_page"
COMMIT_ITEMS = 100
COMMIT_SECONDS = 1.0


@dataclass
class WarcResponse:
    """An HTTP response read from a WARC file (``html`` empty unless status 200)."""

    url: str
    fetched_at: str
    status: int
    headers: dict[str, str]
    html: bytes = b""


@dataclass
class ImportCounts:
    records: int = 0
    skipped: int = 0  # not an HTML page: requests, revisits, images, redirects...
    filtered: int = 0  # left out by --site / --since
    damaged: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    extract_failed: int = 0
    store_errors: int = 0

    def stats(self) -> dict[str, Any]:
        """crawl_runs.stats, named like the crawl's counters."""
        out: dict[str, Any] = {f"newscrawl/outcome/{k}": v for k, v in sorted(self.outcomes.items())}
        out.update({
            "newscrawl/import/records": self.records, "newscrawl/import/skipped": self.skipped,
            "newscrawl/import/filtered": self.filtered, "newscrawl/import/damaged": self.damaged,
            "newscrawl/extract_failed": self.extract_failed,
            "newscrawl/store_error": self.store_errors,
        })
        return out


def fetched_at_of(warc_date: str | None) -> str:
    """WARC-Date as ``pages.fetched_at`` (UTC ISO 8601, seconds); now when it is missing or bad."""
    when = parse_time(warc_date) or datetime.now(UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def iter_warc_responses(
    path: Path, counts: ImportCounts, *, sites: set[str] | None = None, since: str | None = None,
    progress: Any = None,
) -> Iterator[WarcResponse]:
    """HTTP responses of one WARC file that pass the filters.

    ``progress`` (a tqdm bar in bytes) is advanced by the file offset read."""

    def damaged(message: str) -> None:
        counts.damaged += 1
        warn(message)

    size = os.path.getsize(path)
    done = 0
    with open(path, "rb") as f:
        for offset, record in iter_records(f, path, damaged):
            if progress is not None:
                progress.update(offset - done)
                done = offset
            counts.records += 1
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
            http = record.http_headers
            if record.rec_type != "response" or http is None or not is_http_url(url):
                counts.skipped += 1
                continue
            fetched_at = fetched_at_of(record.rec_headers.get_header("WARC-Date"))
            if (sites and host_of(url) not in sites) or (since and fetched_at < since):
                counts.filtered += 1
                continue
            try:
                status = int(http.get_statuscode() or 0)
            except ValueError:
                status = 0
            headers = http_headers(http)
            if status >= 400:
                yield WarcResponse(url, fetched_at, status, headers)
                continue
            payload, damage = (None, None) if status != 200 else html_payload(
                record, http.get_header("Content-Type") or "")
            if damage:
                damaged(f"{path}@{offset} {url}: {damage}, skipped")
            elif payload is None:
                counts.skipped += 1
            else:
                yield WarcResponse(url, fetched_at, status, headers, payload)
    if progress is not None:
        progress.update(size - done)


class WarcImporter:
    """Stores analysed responses in batched transactions (one savepoint per page,
    as the crawl's StorePipeline does), counting outcomes."""

    def __init__(self, db: Any, run_id: int, counts: ImportCounts) -> None:
        self.db = db
        self.run_id = run_id
        self.counts = counts
        self.batch = WriteBatch(db, COMMIT_ITEMS, COMMIT_SECONDS)

    def commit(self) -> None:
        self.batch.commit()

    def failure(self, resp: WarcResponse, reason: str) -> None:
        self.batch.begin()
        record_failure(self.db, url_key=canonical_key(resp.url), fetched_url=resp.url,
                       site=host_of(resp.url), reason=reason, outcome=FAILED, status=resp.status,
                       run_id=self.run_id, fetched_at=resp.fetched_at)
        self.counts.outcomes[FAILED] += 1
        self.batch.done()

    def page(self, resp: WarcResponse, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            self.counts.extract_failed += 1
            self.failure(resp, f"extraction: {result.get('error')}")
            return
        self.batch.begin()
        rec = page_record(url=resp.url, html=resp.html, extracted=result, site=host_of(resp.url),
                          status=resp.status, headers=resp.headers, fetched_at=resp.fetched_at,
                          run_id=self.run_id, source="warc")
        try:
            outcome = store_page(self.db, rec).outcome
        except Exception as exc:  # one bad page never stops the import (its savepoint is undone)
            self.counts.store_errors += 1
            self.failure(resp, f"store error: {type(exc).__name__}: {exc}")
            return
        self.counts.outcomes[outcome] += 1
        self.batch.done()


def summary(counts: ImportCounts, run_id: int, elapsed: float) -> str:
    o = counts.outcomes
    lines = [
        f"import-warc: {counts.records} records in {elapsed:.1f}s (run {run_id})",
        f"  {'articles stored':<20}{o['new']}",
        (f"  {'duplicates':<20}{o['duplicate_url'] + o['duplicate_text']} "
         f"({o['duplicate_url']} known URL, {o['duplicate_text']} same text)"),
        f"  {'not articles':<20}{o['not_article']}",
        f"  {'failures':<20}{o['failed']} ({counts.extract_failed} extraction)",
        f"  {'skipped records':<20}{counts.skipped}",
        f"  {'filtered out':<20}{counts.filtered}",
        f"  {'damaged records':<20}{counts.damaged}",
    ]
    return "\n".join(lines)


@click.command("import-warc")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@db_option(create=True)
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="Only records of this host (without www.; repeatable).")
@click.option("--since", metavar="DATE", help="Only records fetched on or after DATE (ISO 8601).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: all cores]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=20.0,
              show_default=True, help="Time budget per page in seconds; slower pages fail.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
@click.option("--wait", is_flag=True, help="If a crawl is writing the database, wait for it.")
def import_warc_command(files: tuple[Path, ...], db_path: Path, sites: tuple[str, ...],
                        since: str | None, jobs: int | None, timeout: float,
                        progress: bool, wait: bool) -> None:
    """Ingest WARC files (.warc or .warc.gz) as a crawl would: same extraction,
    deduplication and storage, recorded as one crawl run (site = host).

    Reads CC-NEWS-style files: many sites, non-HTML and non-response records
    (skipped), truncated records (reported and skipped). A summary goes to stdout.
    """
    since_value = parse_since(since)
    if since_value is not None:
        since_value = fetched_at_of(since_value)  # compare like WARC dates, in UTC
    for path in files:
        try:
            if not is_warc(path):
                raise click.BadParameter(f"{path} is not a WARC file", param_hint="FILES")
        except (OSError, EOFError, zlib.error) as exc:
            raise click.ClickException(f"cannot read {path}: {exc}") from None
    from tqdm import tqdm

    site_set = set(sites) or None
    counts = ImportCounts()
    lock = acquire_or_exit(db_path, wait)  # one run at a time per database, like a crawl
    db = open_db(db_path)
    mark_interrupted_runs(db)
    command = {"command": "import-warc", "files": [str(p) for p in files],
               "sites": sorted(site_set or []), "since": since}
    run_id = start_run(db, command)
    importer = WarcImporter(db, run_id, counts)
    started = time.monotonic()
    bar = tqdm(total=sum(os.path.getsize(p) for p in files), unit="B", unit_scale=True,
               file=sys.stderr, disable=not progress, desc="import-warc")
    status = "failed"
    in_flight: deque[WarcResponse] = deque()

    def jobs_from_files() -> Iterator[tuple[bytes, str, dict[str, str]]]:
        for path in files:
            for resp in iter_warc_responses(path, counts, sites=site_set, since=since_value,
                                            progress=bar):
                if resp.status != 200:
                    importer.failure(resp, f"http {resp.status}")
                    continue
                in_flight.append(resp)
                yield resp.html, resp.url, resp.headers

    try:
        with ExtractionPool(processes=jobs, timeout=timeout, func=WORKER_FUNC) as pool:
            for result in pool.imap(jobs_from_files(), ordered=True):
                resp = in_flight.popleft()
                importer.page(resp, result)
                bar.set_postfix(new=counts.outcomes["new"], refresh=False)
        status = "finished"
    except KeyboardInterrupt:
        status = "shutdown"
        raise
    finally:
        bar.close()
        importer.commit()
        finish_run(db, run_id, status, counts.stats())
        db.conn.close()
        lock.release()
    click.echo(summary(counts, run_id, time.monotonic() - started))


if __name__ == "__main__":
    import_warc_command()
