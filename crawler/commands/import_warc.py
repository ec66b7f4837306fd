"""``newscrawl import-warc``: ingest WARC files (our own exports, CC-NEWS,
any crawler's) through the crawl's extraction, dedup and storage path.

The click adapter: responses are read by ``crawler.utils.warcs.iter_responses``,
analysed in an ``ExtractionPool`` (``crawler.ingest.analysis``), turned into
records (``crawler.ingest.records``) and stored by an ``IngestSession`` of kind
``import-warc``, exactly as a crawl would. 4xx/5xx responses are recorded as
failures (``http 403``, ...) so ``newscrawl stats`` sees bot walls. Results are
stored in input order, so the first copy of a text wins, as in the crawl that
wrote the file.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import click

from crawler.commands.options import db_option, open_session, since_option, warn
from crawler.extraction import EXTRACTOR_VERSION
from crawler.ingest.analysis import ANALYZE_PAGE, Analysis
from crawler.ingest.records import page_record
from crawler.ingest.summary import format_summary
from crawler.utils.pool import ExtractionPool, Job, JobFailure
from crawler.utils.urls import canonical_key, host_of
from crawler.utils.warcs import ReadCounts, WarcResponse, fetched_at_of, is_warc, iter_responses
from storage.records import Outcome
from storage.session import IngestSession


def store_response(session: IngestSession, resp: WarcResponse, result: Analysis | JobFailure | None) -> None:
    """One response into the session: an error answer, a failed extraction, or a page."""
    site = host_of(resp.url)
    if result is None or isinstance(result, JobFailure):
        reason = f"http {resp.status}" if result is None else f"extraction: {result.error}"
        session.record_failure(url_key=canonical_key(resp.url), fetched_url=resp.url, site=site,
                               reason=reason, status=resp.status, fetched_at=resp.fetched_at, source="warc")
        return
    session.store_page(page_record(url=resp.url, html=resp.html, analysis=result, site=site,
                                   status=resp.status, headers=resp.headers, fetched_at=resp.fetched_at,
                                   source="warc"))


@click.command("import-warc")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@db_option(create=True)
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="Only records of this host (without www.; repeatable).")
@since_option("Only records fetched on or after DATE.")
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
    deduplication and storage, recorded as one run of kind import-warc (site = host).

    Reads CC-NEWS-style files: many sites, non-HTML and non-response records
    (skipped), truncated records (reported and skipped). A summary goes to stdout.
    """
    if since is not None:
        since = fetched_at_of(since)  # compare like WARC dates, in UTC
    for path in files:
        try:
            if not is_warc(path):
                raise click.BadParameter(f"{path} is not a WARC file", param_hint="FILES")
        except (OSError, EOFError, zlib.error) as exc:
            raise click.ClickException(f"cannot read {path}: {exc}") from None
    from tqdm import tqdm

    hosts = set(sites) or None
    counts = ReadCounts()
    session = IngestSession(
        db_path, kind="import-warc", extractor=EXTRACTOR_VERSION, wait=wait,
        command={"command": "import-warc", "files": [str(p) for p in files],
                 "sites": sorted(hosts or []), "since": since},
    )
    open_session(session)
    bar = tqdm(total=sum(os.path.getsize(p) for p in files), unit="B", unit_scale=True,
               file=sys.stderr, disable=not progress, desc="import-warc")

    def jobs_from_files() -> Iterator[tuple[WarcResponse, Job]]:
        for path in files:
            for resp in iter_responses(path, counts, warn, hosts=hosts, since=since, progress=bar):
                if resp.status != 200:
                    store_response(session, resp, None)
                    continue
                yield resp, (resp.html, resp.url, resp.headers)

    status = "failed"
    try:
        with ExtractionPool(processes=jobs, timeout=timeout, func=ANALYZE_PAGE,
                            queue_ahead=True) as pool:
            for resp, result in pool.imap_tagged(jobs_from_files(), ordered=True):
                store_response(session, resp, result)
                bar.set_postfix(new=session.counts.outcomes[Outcome.NEW], refresh=False)
        status = "finished"
    except KeyboardInterrupt:
        status = "shutdown"
        raise
    finally:
        bar.close()
        stats = {"newscrawl/import/records": counts.records, "newscrawl/import/skipped": counts.skipped,
                 "newscrawl/import/filtered": counts.filtered, "newscrawl/import/damaged": counts.damaged}
        summary = session.close(status, stats)
    summary.details += [("records read", counts.records), ("skipped records", counts.skipped),
                        ("filtered out", counts.filtered), ("damaged records", counts.damaged)]
    click.echo(format_summary(summary))


if __name__ == "__main__":
    import_warc_command()
