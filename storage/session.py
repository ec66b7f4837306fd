"""``IngestSession``: one writer's run into a newscrawl database.

Every way pages come into the database (a crawl's ``StorePipeline``, the
cluster's writer, ``import-warc``, ``reextract``) is a thin adapter over one
session, which owns the steps they share:

1. the run lock (``storage.lock``: one writer per database, unless this process
   holds it already) and marking runs a killed process left ``running``;
2. the run row (``crawl_runs``: kind, command, extractor, status, counters);
3. batched transactions (``WriteBatch``: by count, by age, or when the caller
   says) with one savepoint per item, so one bad item never undoes the others;
4. outcome counting, per run and per site, only once a transaction is committed
   (an item reported stored is stored);
5. closing: the last commit, ``crawl_run_sites``, the run's status and counters,
   a WAL checkpoint, and a ``RunSummary`` for ``crawler.ingest.summary``.

Scrapy-free and click-free: plain data in, plain data out.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.batch import WriteBatch
from storage.db import open_db
from storage.lock import CrawlLock, held_here
from storage.queries import (
    failures_by_reason,
    finish_run,
    mark_interrupted_runs,
    record_discovery,
    record_document,
    record_failure,
    record_listing_not_modified,
    record_not_modified,
    record_signal,
    record_site_counts,
    SITE_COUNTS,
    start_run,
    store_page,
)
from storage.recheck import RecheckPolicy, RevisitPolicy
from storage.neardup import Signature
from storage.records import ExtractedPage, Outcome, PageRecord, StoreResult
from storage.reextract import Reextracted, ReextractResult, reextract_article

# urls.outcome -> crawl_run_sites column
SITE_COLUMN = {
    Outcome.NEW: "new", Outcome.UPDATED: "updated", Outcome.DUPLICATE_URL: "duplicates",
    Outcome.DUPLICATE_TEXT: "duplicates", Outcome.NOT_MODIFIED: "not_modified",
    Outcome.FAILED: "failed", Outcome.BLOCKED: "blocked",
}
# what a fetched page turned out to be: crawl_run_sites.article_requests / listing_requests
ARTICLE_OUTCOMES = frozenset({Outcome.NEW, Outcome.UPDATED, Outcome.NOT_MODIFIED, Outcome.DUPLICATE_URL,
                              Outcome.DUPLICATE_TEXT})


@dataclass
class RunCounts:
    """What a run did, counted once committed."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    sites: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    reextracted: Counter[Reextracted] = field(default_factory=Counter)
    changed_fields: Counter[str] = field(default_factory=Counter)  # reextract: articles per changed column
    store_errors: int = 0
    commits: int = 0

    @property
    def failures(self) -> int:
        return sum(n for o, n in self.outcomes.items() if o.is_failure)

    @property
    def duplicates(self) -> int:
        return sum(n for o, n in self.outcomes.items() if o.is_duplicate)

    def stats(self) -> dict[str, int]:
        """As ``crawl_runs.stats`` names them (``newscrawl/outcome/new``, ...)."""
        out = {f"newscrawl/outcome/{o.value}": n for o, n in sorted(self.outcomes.items())}
        if self.reextracted:
            out["newscrawl/reextract/pages"] = sum(self.reextracted.values())
            out.update({f"newscrawl/reextract/{r.value}": n for r, n in sorted(self.reextracted.items())})
            out.update({f"newscrawl/reextract/field/{c}": n for c, n in sorted(self.changed_fields.items())})
        out["newscrawl/store_error"] = self.store_errors
        out["newscrawl/commits"] = self.commits
        return out

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> RunCounts:
        """The counts back from ``stats()`` (e.g. a crawl's Scrapy stats)."""
        counts = cls()

        def number(key: str) -> int:
            return int(stats.get(key) or 0)

        for outcome in Outcome:
            if number(f"newscrawl/outcome/{outcome.value}"):
                counts.outcomes[outcome] = number(f"newscrawl/outcome/{outcome.value}")
        for result in Reextracted:
            if number(f"newscrawl/reextract/{result.value}"):
                counts.reextracted[result] = number(f"newscrawl/reextract/{result.value}")
        prefix = "newscrawl/reextract/field/"
        counts.changed_fields.update({k[len(prefix):]: number(k) for k in stats if k.startswith(prefix)})
        counts.store_errors = number("newscrawl/store_error")
        counts.commits = number("newscrawl/commits")
        return counts


@dataclass
class RunSummary:
    """What ``crawler.ingest.summary.format_summary`` prints at the end of a run."""

    kind: str  # a run kind (storage.queries.RUN_KINDS), or "worker" (a cluster worker stores nothing)
    db_path: str
    run_id: int | None  # None: nothing written (a dry run, a worker)
    status: str
    elapsed: float
    counts: RunCounts
    failures: list[tuple[str, int]] = field(default_factory=list)  # (reason, count), this run
    details: list[tuple[str, Any]] = field(default_factory=list)  # the adapter's own lines


class IngestSession:
    """One run of one writer. Use as a context manager, or ``open()`` / ``close()``.

    ``commit_items`` / ``commit_seconds`` bound a transaction (``commit_seconds=0``:
    only by count and when the caller calls ``commit()``, e.g. from a timer);
    ``policies`` give each site's re-check policy (``urls.next_check``), ``revisit``
    the listing pages' revisit intervals (``urls.next_visit``);
    ``dry_run`` takes no lock, records no run and writes nothing (re-extraction's
    preview)."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        kind: str,
        command: dict[str, Any],
        extractor: str | None = None,
        commit_items: int = 100,
        commit_seconds: float = 1.0,
        wait: bool = False,
        dry_run: bool = False,
        policies: Mapping[str, RecheckPolicy] | None = None,
        revisit: RevisitPolicy | None = None,
    ) -> None:
        self.db_path = str(db_path)
        self.kind = kind
        self.command = command
        self.extractor = extractor
        self.commit_items = max(1, commit_items)
        self.commit_seconds = commit_seconds
        self.wait = wait
        self.dry_run = dry_run
        self.policies: dict[str, RecheckPolicy] = dict(policies or {})
        self.revisit = revisit
        self.counts = RunCounts()
        self.db: sqlite_utils.Database | None = None
        self.run_id: int | None = None
        self.summary: RunSummary | None = None
        self._batch: WriteBatch | None = None
        self._lock: CrawlLock | None = None
        self._uncommitted: list[tuple[str, Outcome, bool]] = []  # (site, outcome, fetched)
        self._uncommitted_reextracted: list[ReextractResult] = []
        self._started = 0.0

    # -- lifecycle ---------------------------------------------------------------

    def open(self) -> IngestSession:
        self._started = time.monotonic()
        if not self.dry_run and not held_here(self.db_path):
            self._lock = CrawlLock(self.db_path).acquire(wait=self.wait)
        try:
            self.db = open_db(self.db_path)
            if not self.dry_run:
                mark_interrupted_runs(self.db)
                self.run_id = start_run(self.db, self.command, kind=self.kind, extractor=self.extractor)
        except BaseException:
            self._release()
            raise
        self._batch = WriteBatch(self.db, self.commit_items, max_seconds=self.commit_seconds)
        return self

    def __enter__(self) -> IngestSession:
        return self.open()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.db is None:
            return
        if exc_type is None:
            self.close("finished")
        else:
            self.close("shutdown" if exc_type in (KeyboardInterrupt, SystemExit) else "failed")

    def close(self, status: str = "finished", stats: Mapping[str, Any] | None = None) -> RunSummary:
        """Commit, record the run's counts and status (``stats``: the caller's own
        counters, stored with the session's), and release the database."""
        if self.summary is not None:
            return self.summary
        assert self.db is not None, "session not open"
        failures: list[tuple[str, int]] = []
        try:
            if self.dry_run:
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
            else:
                self.commit()
                assert self.run_id is not None
                record_site_counts(self.db, self.run_id, self.counts.sites)
                finish_run(self.db, self.run_id, status, {**(stats or {}), **self.counts.stats()})
                failures = failures_by_reason(self.db, self.run_id)
                # fold the WAL into the main file, so a plain copy of news.db is complete
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.db.conn.close()
            self.db = None
            self._release()
        self.summary = RunSummary(self.kind, self.db_path, self.run_id, status,
                                  time.monotonic() - self._started, self.counts, failures)
        return self.summary

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- transactions ------------------------------------------------------------

    def commit(self) -> None:
        """Commit the open transaction and count what it made durable."""
        if self._batch is None or self.dry_run:
            return
        self._batch.commit()
        self._publish()

    def _publish(self) -> None:
        assert self._batch is not None
        self.counts.commits = self._batch.commits
        for site, outcome, fetched in self._uncommitted:
            self.counts.outcomes[outcome] += 1
            column = SITE_COLUMN.get(outcome)
            if column:
                self.counts.sites[site][column] += 1
            if fetched:
                self.counts.sites[site]["fetched"] += 1
                if outcome in ARTICLE_OUTCOMES:
                    self.counts.sites[site]["article_requests"] += 1
                elif outcome == Outcome.NOT_ARTICLE:
                    self.counts.sites[site]["listing_requests"] += 1
        self._uncommitted.clear()
        for result in self._uncommitted_reextracted:
            self._count_reextracted(result)
        self._uncommitted_reextracted.clear()

    def _begin(self) -> sqlite_utils.Database:
        assert self._batch is not None and self.db is not None, "session not open"
        if not self.dry_run:
            self._batch.begin()
        return self.db

    def _done(self, site: str | None = None, outcome: Outcome | None = None, fetched: bool = False) -> None:
        assert self._batch is not None
        if outcome is not None and site is not None:
            self._uncommitted.append((site, outcome, fetched))
        if not self.dry_run and self._batch.done():
            self._publish()

    def set_site_count(self, site: str, column: str, count: int) -> None:
        """A per-site count the caller kept itself (``crawl_run_sites``: ``discovered``,
        ``discovery_requests``, ``listings_not_due``)."""
        if column not in SITE_COUNTS:
            raise ValueError(f"not a crawl_run_sites count: {column!r}")
        self.counts.sites[site][column] = count

    # -- what comes in -------------------------------------------------------------

    def store_page(self, rec: PageRecord) -> StoreResult:
        """Store one analysed page (``store_page``'s dedup and versioning). A page
        that cannot be stored is recorded as failed with the error; the run goes on."""
        db = self._begin()
        rec.run_id = self.run_id
        if rec.recheck is None:
            rec.recheck = self.policies.get(rec.site)
        if rec.revisit is None:
            rec.revisit = self.revisit
        try:
            result = store_page(db, rec)
        except Exception as e:  # its savepoint is rolled back; the others stand
            self.counts.store_errors += 1
            reason = f"store error: {type(e).__name__}: {e}"
            record_failure(db, url_key=rec.url_key, fetched_url=rec.fetched_url, site=rec.site, reason=reason,
                           status=rec.status, run_id=self.run_id, fetched_at=rec.fetched_at)
            self._done(rec.site, Outcome.FAILED, fetched=True)
            return StoreResult(Outcome.FAILED, None)
        self._done(rec.site, result.outcome, fetched=True)
        return result

    def record_failure(
        self, *, url_key: str, fetched_url: str | None, site: str, reason: str,
        outcome: Outcome = Outcome.FAILED, status: int | None = None, source: str | None = None,
        found_on: str | None = None, discovery: dict[str, Any] | None = None, fetched_at: str | None = None,
    ) -> None:
        """A URL that gave nothing to store, and why (``fetched``: it got an HTTP answer)."""
        db = self._begin()
        record_failure(db, url_key=url_key, fetched_url=fetched_url, site=site, reason=reason, outcome=outcome,
                       status=status, run_id=self.run_id, source=source, found_on=found_on,
                       discovery=discovery, fetched_at=fetched_at)
        self._done(site, outcome, fetched=status is not None)

    def record_not_modified(self, *, url_key: str, fetched_url: str, site: str, status: int, reason: str,
                            headers: dict[str, str] | None = None, signal_modified: str | None = None,
                            listing: str | None = None, links_hash: str | None = None) -> None:
        """A re-checked article that did not change; or, with ``listing``, a listing
        page that answered 304 (it stays ``not_article``, its revisit state moves on)."""
        db = self._begin()
        if listing is not None:
            record_listing_not_modified(db, url_key=url_key, status=status, listing=listing, links_hash=links_hash,
                                        revisit=self.revisit, run_id=self.run_id)
            self._done(site, Outcome.NOT_ARTICLE, fetched=True)
            return
        record_not_modified(db, url_key=url_key, fetched_url=fetched_url, status=status, reason=reason,
                            recheck=self.policies.get(site), run_id=self.run_id, headers=headers,
                            signal_modified=signal_modified)
        self._done(site, Outcome.NOT_MODIFIED, fetched=True)

    def record_document(self, *, url_key: str, fetched_url: str, kind: str, site: str | None,
                        headers: dict[str, str], body: bytes, fetched_at: str | None = None) -> None:
        """The last copy of a robots.txt, sitemap or feed, for the next run's
        conditional GET (not an outcome: nothing is counted)."""
        db = self._begin()
        record_document(db, url_key=url_key, fetched_url=fetched_url, kind=kind, site=site, headers=headers,
                        body=body, fetched_at=fetched_at, run_id=self.run_id)
        self._done()

    def record_signal(self, *, url_key: str, signal_modified: str | None, signal_lastmod: str | None) -> None:
        """The edit signal a page stored earlier in this run turned out to have (not an outcome)."""
        db = self._begin()
        record_signal(db, url_key=url_key, signal_modified=signal_modified, signal_lastmod=signal_lastmod,
                      run_id=self.run_id)
        self._done()

    def record_discovery(self, *, url_key: str, site: str, source: str, discovery: dict[str, Any],
                         found_on: str | None = None) -> None:
        """What a news sitemap or feed said of a URL (not an outcome: nothing is counted)."""
        db = self._begin()
        record_discovery(db, url_key=url_key, site=site, source=source, discovery=discovery,
                         found_on=found_on, run_id=self.run_id)
        self._done()

    def reextracted(
        self, article_id: int, extraction: ExtractedPage, *, body_hash: str | None = None,
        signature: Signature | None = None,
    ) -> ReextractResult:
        """Compare an article with its page's fresh extraction and write what changed."""
        assert self.extractor is not None, "a reextract session names its extractor"
        db = self._begin()
        result = reextract_article(db, article_id, extraction, self.extractor, body_hash=body_hash,
                                   signature=signature, dry_run=self.dry_run)
        self._reextract_done(result)
        return result

    def reextract_failed(self, article_id: int, url: str, reason: str) -> ReextractResult:
        """An article whose page could not be re-extracted (unreadable, extraction failed)."""
        self._begin()
        result = ReextractResult(article_id, url, Reextracted.FAILED, reason)
        self._reextract_done(result)
        return result

    def _reextract_done(self, result: ReextractResult) -> None:
        if self.dry_run:  # nothing to commit: counted at once
            self._count_reextracted(result)
        else:
            self._uncommitted_reextracted.append(result)
        self._done()

    def _count_reextracted(self, result: ReextractResult) -> None:
        self.counts.reextracted[result.outcome] += 1
        if result.outcome == Reextracted.CHANGED and result.change is not None:
            self.counts.changed_fields.update(result.change.changes.keys())

