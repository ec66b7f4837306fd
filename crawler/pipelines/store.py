"""StorePipeline: deduplicate and store in SQLite, counting every outcome.

Writes are batched: one transaction is committed every
``NEWSCRAWL_COMMIT_ITEMS`` items or ``NEWSCRAWL_COMMIT_SECONDS`` seconds,
whichever comes first, and when the crawl closes (also on Ctrl-C/SIGTERM).
Outcome stats are counted only once their transaction is committed, so an
item reported stored is stored; each item runs in its own savepoint, so one
bad item never undoes the others.

Stats (all under ``newscrawl/``): ``outcome/new``, ``outcome/duplicate_url``,
``outcome/duplicate_text``, ``outcome/not_article``, ``outcome/failed``,
``outcome/blocked``, ``outcome/skipped``, ``store_error``, ``commits``.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.ingest import page_record
from crawler.items import DiscoveryItem, FailureItem, PageItem
from crawler.urls import canonical_key
from storage import open_db
from storage.queries import finish_run, record_discovery, record_failure, start_run, store_page


class StorePipeline:
    def __init__(self, crawler: Crawler, db_path: str, commit_items: int = 100, commit_seconds: float = 1.0) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.commit_items = max(1, commit_items)
        self.commit_seconds = commit_seconds
        self.db: Any = None
        self.run_id: int | None = None
        self.uncommitted: list[str] = []  # stat keys waiting for their commit
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

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)
        spider = self.crawler.spider
        command = {
            "spider": getattr(spider, "name", None),
            "sites": [s.name for s in getattr(spider, "sites", [])],
        }
        self.run_id = start_run(self.db, command)
        self.stats.set_value("newscrawl/run_id", self.run_id)
        if self.commit_seconds > 0:
            self.timer = task.LoopingCall(self.commit)
            self.timer.start(self.commit_seconds, now=False)

    def commit(self) -> None:
        if self.db is None:
            return
        if self.db.conn.in_transaction:
            self.db.conn.commit()
            self.stats.inc_value("newscrawl/commits")
        for key in self.uncommitted:
            self.stats.inc_value(key)
        self.uncommitted.clear()

    def _count(self, key: str) -> None:
        self.uncommitted.append(key)
        if len(self.uncommitted) >= self.commit_items:
            self.commit()

    def _begin(self) -> None:
        if not self.db.conn.in_transaction:
            self.db.execute("BEGIN")

    def close_spider(self) -> None:
        self.commit()

    def spider_closed(self, reason: str) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.db is None or self.run_id is None:
            return
        self.commit()
        status = "finished" if reason == "finished" else reason
        finish_run(self.db, self.run_id, status, self.stats.get_stats())
        self.db.conn.close()
        self.db = None

    def process_item(self, item: Any) -> Any:
        self._begin()
        if isinstance(item, FailureItem):
            self._store_failure(item)
        elif isinstance(item, PageItem) and item.extracted is not None:
            self._store_page(item)
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
        self._count(f"newscrawl/outcome/{item.outcome}")

    def _store_page(self, item: PageItem) -> None:
        rec = page_record(
            url=item.url, html=item.body, extracted=item.extracted or {}, site=item.site,
            status=item.status, requested_url=item.requested_url, headers=item.headers,
            fetched_at=item.fetched_at, run_id=self.run_id, source=item.source,
            found_on=item.found_on, discovery=item.discovery,
        )
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
        self._count(f"newscrawl/outcome/{result.outcome}")
        # The raw HTML is stored; drop it from the item so nothing downstream holds it.
        item.body = b""
