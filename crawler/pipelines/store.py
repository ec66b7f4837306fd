"""StorePipeline: the crawl's adapter over ``storage.session.IngestSession``.

The session deduplicates and stores (run lock and row, batched transactions with
a savepoint per item, outcomes counted once committed). This pipeline feeds it
the spider's items, commits every ``NEWSCRAWL_COMMIT_SECONDS`` from a reactor
timer (the reactor may sit idle while a batch is open) and when the crawl
closes (also on Ctrl-C/SIGTERM), and mirrors the session's committed counts into
Scrapy's stats: ``newscrawl/outcome/<outcome>``, ``newscrawl/store_error``,
``newscrawl/commits``. Per-site counts go to ``crawl_run_sites`` when the run ends.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from twisted.internet import task

from crawler.ingest.records import page_record
from crawler.items import DiscoveryItem, FailureItem, NotModifiedItem, PageItem
from crawler.sites import Site
from crawler.utils.urls import canonical_key
from storage.recheck import RecheckPolicy
from storage.session import IngestSession

_DISCOVERED = ("newscrawl/site/", "/discovered")


def recheck_policy(site: Site, settings: BaseSettings) -> RecheckPolicy:
    """A site's re-check policy: its own values, else the ``NEWSCRAWL_RECHECK_*`` settings."""

    def pick(value: float | None, key: str) -> float:
        return float(value) if value is not None else settings.getfloat(key)

    old = pick(site.recheck_old_days, "NEWSCRAWL_RECHECK_OLD_DAYS")
    return RecheckPolicy(
        young_days=pick(site.recheck_days, "NEWSCRAWL_RECHECK_DAYS"),
        young_every_hours=pick(site.recheck_every_hours, "NEWSCRAWL_RECHECK_EVERY_HOURS"),
        old_every_days=old or None,
    )


class StorePipeline:
    def __init__(self, crawler: Crawler, db_path: str, commit_items: int = 100, commit_seconds: float = 1.0) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.commit_items = commit_items
        self.commit_seconds = commit_seconds
        self.session: IngestSession | None = None
        self._mirrored = -1  # the session's commit count when its counts were last mirrored
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        s = crawler.settings
        return cls(
            crawler, s.get("NEWSCRAWL_DB"), s.getint("NEWSCRAWL_COMMIT_ITEMS"), s.getfloat("NEWSCRAWL_COMMIT_SECONDS")
        )

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        spider = self.crawler.spider
        sites: list[Site] = list(getattr(spider, "sites", []))
        self.session = IngestSession(
            self.db_path, kind="crawl",
            command={"spider": getattr(spider, "name", None), "sites": [s.name for s in sites]},
            commit_items=self.commit_items,
            commit_seconds=0,  # time-based commits come from the timer below
            policies={site.name: recheck_policy(site, self.crawler.settings) for site in sites},
        ).open()
        self.stats.set_value("newscrawl/run_id", self.session.run_id)
        if self.commit_seconds > 0:
            self.timer = task.LoopingCall(self.commit)
            self.timer.start(self.commit_seconds, now=False)

    def commit(self) -> None:
        if self.session is not None and self.session.db is not None:
            self.session.commit()
            self._mirror_stats()

    def _mirror_stats(self) -> None:
        """Scrapy's stats show what the session has committed."""
        assert self.session is not None
        if self.session.counts.commits == self._mirrored:
            return
        self._mirrored = self.session.counts.commits
        for key, value in self.session.counts.stats().items():
            self.stats.set_value(key, value)

    def close_spider(self) -> None:
        self.commit()

    def spider_closed(self, reason: str) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        session, self.session = self.session, None
        if session is None or session.db is None:
            return
        session.commit()
        stats = self.stats.get_stats()
        for key, value in stats.items():
            if key.startswith(_DISCOVERED[0]) and key.endswith(_DISCOVERED[1]):
                session.set_discovered(key[len(_DISCOVERED[0]):-len(_DISCOVERED[1])], int(value))
        summary = session.close("finished" if reason == "finished" else reason, stats)
        for key, value in summary.counts.stats().items():
            self.stats.set_value(key, value)

    def process_item(self, item: Any) -> Any:
        assert self.session is not None
        store_item(self.session, item)
        self._mirror_stats()
        return item


def store_item(session: IngestSession, item: Any) -> None:
    """One of the spider's items into the session (the cluster's writer calls this too)."""
    if isinstance(item, FailureItem):
        session.record_failure(
            url_key=canonical_key(item.url), fetched_url=item.url, site=item.site, reason=item.reason,
            outcome=item.outcome, status=item.status, source=item.source, found_on=item.found_on,
            discovery=item.discovery,
        )
    elif isinstance(item, PageItem) and item.analysis is not None:
        session.store_page(page_record(
            url=item.url, html=item.body, analysis=item.analysis, site=item.site,
            status=item.status, requested_url=item.requested_url, headers=item.headers,
            fetched_at=item.fetched_at, source=item.source, found_on=item.found_on,
            discovery=item.discovery, rendered=item.rendered,
        ))
        # The raw HTML is stored; drop it from the item so nothing downstream holds it.
        item.body = b""
    elif isinstance(item, NotModifiedItem):
        session.record_not_modified(url_key=canonical_key(item.url), fetched_url=item.url, site=item.site,
                                    status=item.status, reason=item.reason, headers=item.headers)
    elif isinstance(item, DiscoveryItem):
        session.record_discovery(url_key=canonical_key(item.url), site=item.site, source=item.source,
                                 discovery=item.discovery, found_on=item.found_on)
