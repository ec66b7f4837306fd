"""StorePipeline: deduplicate and store in SQLite, counting every outcome.

Stats (all under ``newscrawl/``): ``outcome/new``, ``outcome/duplicate_url``,
``outcome/duplicate_text``, ``outcome/not_article``, ``outcome/failed``,
``outcome/blocked``, ``outcome/skipped``, ``store_error``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.items import FailureItem, PageItem
from crawler.urls import canonical_key, is_http_url
from storage import open_db
from storage.queries import PageRecord, finish_run, record_failure, start_run, store_page


def article_key_for(page_url: str, canonical_url: str | None) -> str:
    """Respect ``rel=canonical`` unless it is unusable: not http(s), or the
    site's root for a page that is not (a common CMS mistake)."""
    if canonical_url and is_http_url(canonical_url):
        canon_path = urlsplit(canonical_url).path.strip("/")
        page_path = urlsplit(page_url).path.strip("/")
        if canon_path or not page_path:
            return canonical_key(canonical_url)
    return canonical_key(page_url)


class StorePipeline:
    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.db: Any = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        return cls(crawler, crawler.settings.get("NEWSCRAWL_DB"))

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

    def spider_closed(self, reason: str) -> None:
        if self.db is None or self.run_id is None:
            return
        status = "finished" if reason == "finished" else reason
        finish_run(self.db, self.run_id, status, self.stats.get_stats())
        self.db.conn.close()
        self.db = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FailureItem):
            self._store_failure(item)
        elif isinstance(item, PageItem) and item.extracted is not None:
            self._store_page(item)
        return item

    def _store_failure(self, item: FailureItem) -> None:
        record_failure(
            self.db, url_key=canonical_key(item.url), fetched_url=item.url, site=item.site,
            reason=item.reason, outcome=item.outcome, status=item.status, run_id=self.run_id,
            source=item.source, found_on=item.found_on, discovery=item.discovery,
        )
        self.stats.inc_value(f"newscrawl/outcome/{item.outcome}")
        self.stats.inc_value(f"newscrawl/reason/{item.reason.split(':')[0]}")

    def _store_page(self, item: PageItem) -> None:
        ex = item.extracted or {}
        url_key = canonical_key(item.url)
        rec = PageRecord(
            url_key=url_key,
            fetched_url=item.url,
            site=item.site,
            status=item.status,
            html=item.body,
            extracted=ex,
            article_key=article_key_for(item.url, ex.get("canonical_url")),
            alias_keys=[canonical_key(item.requested_url)],
            headers=item.headers,
            fetched_at=item.fetched_at,
            run_id=self.run_id,
            source=item.source,
            found_on=item.found_on,
            discovery=item.discovery,
            signature=ex.pop("signature", None),
        )
        try:
            result = store_page(self.db, rec)
        except Exception as e:  # one bad page never stops the crawl
            self.stats.inc_value("newscrawl/store_error")
            record_failure(
                self.db, url_key=url_key, fetched_url=item.url, site=item.site,
                reason=f"store error: {type(e).__name__}: {e}", status=item.status, run_id=self.run_id,
            )
            return
        self.stats.inc_value(f"newscrawl/outcome/{result.outcome}")
        # The raw HTML is stored; drop it from the item so nothing downstream holds it.
        item.body = b""
