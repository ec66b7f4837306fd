"""StorePipeline: deduplicate and store in SQLite, counting every outcome.

Writes are batched: one transaction is committed every
``NEWSCRAWL_COMMIT_ITEMS`` items or ``NEWSCRAWL_COMMIT_SECONDS`` seconds,
whichever comes first, and when the crawl closes (also on Ctrl-C/SIGTERM).
Outcome stats are counted only once their transaction is committed, so an
item reported stored is stored; each item runs in its own savepoint, so one
bad item never undoes the others.

Stats (all under ``newscrawl/``): ``outcome/new``, ``outcome/updated``,
``outcome/duplicate_url``, ``outcome/duplicate_text``, ``outcome/not_article``,
``outcome/not_modified``, ``outcome/failed``, ``outcome/blocked``,
``outcome/skipped``, ``store_error``, ``commits``; per-site counts go to
``crawl_run_sites`` when the run ends.

The pipeline takes the database's run lock (``storage.lock``) unless this
process already holds it (``newscrawl crawl`` takes it first, to fail fast with
a clear message), and marks runs left ``running`` by a killed process as
``interrupted``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.ingest.records import page_record
from crawler.items import DiscoveryItem, FailureItem, NotModifiedItem, PageItem
from storage.lock import CrawlLock, held_here
from crawler.utils.urls import canonical_key
from storage import open_db
from storage.batch import WriteBatch
from storage.queries import (
    finish_run,
    mark_interrupted_runs,
    record_discovery,
    record_failure,
    record_not_modified,
    record_site_counts,
    start_run,
    store_page,
)
from storage.recheck import RecheckPolicy

# urls.outcome -> crawl_run_sites column
_SITE_COLUMN = {
    "new": "new", "updated": "updated", "duplicate_url": "duplicates", "duplicate_text": "duplicates",
    "not_modified": "not_modified", "failed": "failed", "blocked": "blocked",
}


class StorePipeline:
    def __init__(self, crawler: Crawler, db_path: str, commit_items: int = 100, commit_seconds: float = 1.0) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.commit_items = max(1, commit_items)
        self.commit_seconds = commit_seconds
        self.db: Any = None
        self.batch: WriteBatch | None = None
        self.run_id: int | None = None
        self.uncommitted: list[tuple[str, str, bool]] = []  # (site, outcome, fetched) awaiting commit
        self.site_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.policies: dict[str, RecheckPolicy] = {}
        self.lock: CrawlLock | None = None
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        s = crawler.settings
        return cls(
            crawler, s.get("NEWSCRAWL_DB"), s.getint("NEWSCRAWL_COMMIT_ITEMS"), s.getfloat("NEWSCRAWL_COMMIT_SECONDS")
        )

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def _policy_for(self, site: Any) -> RecheckPolicy:
        s = self.crawler.settings

        def pick(value: float | None, key: str) -> float:
            return float(value) if value is not None else s.getfloat(key)

        old = pick(site.recheck_old_days, "NEWSCRAWL_RECHECK_OLD_DAYS")
        return RecheckPolicy(
            young_days=pick(site.recheck_days, "NEWSCRAWL_RECHECK_DAYS"),
            young_every_hours=pick(site.recheck_every_hours, "NEWSCRAWL_RECHECK_EVERY_HOURS"),
            old_every_days=old or None,
        )

    def open_spider(self) -> None:
        if not held_here(self.db_path):
            self.lock = CrawlLock(self.db_path).acquire(wait=False)
        self.db = open_db(self.db_path)
        mark_interrupted_runs(self.db)
        spider = self.crawler.spider
        self.policies = {site.name: self._policy_for(site) for site in getattr(spider, "sites", [])}
        command = {
            "spider": getattr(spider, "name", None),
            "sites": [s.name for s in getattr(spider, "sites", [])],
        }
        # time-based commits come from the timer below (the reactor may sit idle)
        self.batch = WriteBatch(self.db, self.commit_items, max_seconds=0)
        self.run_id = start_run(self.db, command)
        self.stats.set_value("newscrawl/run_id", self.run_id)
        if self.commit_seconds > 0:
            self.timer = task.LoopingCall(self.commit)
            self.timer.start(self.commit_seconds, now=False)

    def commit(self) -> None:
        if self.batch is None:
            return
        self.batch.commit()
        self._publish()

    def _publish(self) -> None:
        """Count what the last commit made durable."""
        assert self.batch is not None
        self.stats.set_value("newscrawl/commits", self.batch.commits)
        for site, outcome, fetched in self.uncommitted:
            self.stats.inc_value(f"newscrawl/outcome/{outcome}")
            if outcome in _SITE_COLUMN:
                self.site_counts[site][_SITE_COLUMN[outcome]] += 1
            if fetched:
                self.site_counts[site]["fetched"] += 1
        self.uncommitted.clear()

    def _count(self, site: str, outcome: str, fetched: bool = False) -> None:
        self.uncommitted.append((site, outcome, fetched))
        assert self.batch is not None
        if self.batch.done():
            self._publish()

    def close_spider(self) -> None:
        self.commit()

    def spider_closed(self, reason: str) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.db is None or self.run_id is None:
            return
        self.commit()
        status = "finished" if reason == "finished" else reason
        stats = self.stats.get_stats()
        for key, value in stats.items():
            if key.startswith("newscrawl/site/") and key.endswith("/discovered"):
                self.site_counts[key[len("newscrawl/site/"):-len("/discovered")]]["discovered"] = int(value)
        record_site_counts(self.db, self.run_id, self.site_counts)
        finish_run(self.db, self.run_id, status, stats)
        # fold the WAL into the main file, so a plain copy of news.db is complete
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.conn.close()
        self.db = None
        self.batch = None
        if self.lock is not None:
            self.lock.release()

    def process_item(self, item: Any) -> Any:
        assert self.batch is not None
        self.batch.begin()
        if isinstance(item, FailureItem):
            self._store_failure(item)
        elif isinstance(item, PageItem) and item.extracted is not None:
            self._store_page(item)
        elif isinstance(item, NotModifiedItem):
            record_not_modified(
                self.db, url_key=canonical_key(item.url), fetched_url=item.url, status=item.status,
                reason=item.reason, recheck=self.policies.get(item.site), run_id=self.run_id, headers=item.headers,
            )
            self._count(item.site, "not_modified", fetched=True)
        elif isinstance(item, DiscoveryItem):
            record_discovery(
                self.db, url_key=canonical_key(item.url), site=item.site,
                source=item.source, discovery=item.discovery, found_on=item.found_on, run_id=self.run_id,
            )
        return item

    def _store_failure(self, item: FailureItem) -> None:
        record_failure(
            self.db, url_key=canonical_key(item.url), fetched_url=item.url, site=item.site,
            reason=item.reason, outcome=item.outcome, status=item.status, run_id=self.run_id,
            source=item.source, found_on=item.found_on, discovery=item.discovery,
        )
        self._count(item.site, item.outcome, fetched=item.status is not None)

    def _store_page(self, item: PageItem) -> None:
        rec = page_record(
            url=item.url, html=item.body, extracted=item.extracted or {}, site=item.site,
            status=item.status, requested_url=item.requested_url, headers=item.headers,
            fetched_at=item.fetched_at, run_id=self.run_id, source=item.source,
            found_on=item.found_on, discovery=item.discovery,
        )
        rec.recheck = self.policies.get(item.site)
        url_key = rec.url_key
        try:
            result = store_page(self.db, rec)
        except Exception as e:  # one bad page never stops the crawl (its savepoint is rolled back)
            self.stats.inc_value("newscrawl/store_error")
            record_failure(
                self.db, url_key=url_key, fetched_url=item.url, site=item.site,
                reason=f"store error: {type(e).__name__}: {e}", status=item.status, run_id=self.run_id,
            )
            return
        self._count(item.site, result.outcome, fetched=True)
        # The raw HTML is stored; drop it from the item so nothing downstream holds it.
        item.body = b""
