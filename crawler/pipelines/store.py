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
from crawler.items import DiscoveryItem, DocumentItem, FailureItem, NotModifiedItem, PageItem
from crawler.sites import Site
from crawler.utils.urls import canonical_key
from crawler.utils.editsignals import EditSignals
from storage.recheck import RecheckPolicy, RevisitPolicy, later
from storage.session import IngestSession

# per-site counts the spider and the middlewares keep in Scrapy's stats, as
# newscrawl/site/<site>/<column>, recorded in crawl_run_sites at the end of the run
_SITE_STATS = ("discovered", "discovery_requests", "listings_not_due")


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


def revisit_policy(settings: BaseSettings) -> RevisitPolicy:
    """Listing pages' revisit intervals: ``NEWSCRAWL_LISTING_REVISIT_MIN`` / ``_MAX`` seconds."""
    low = max(0.0, settings.getfloat("NEWSCRAWL_LISTING_REVISIT_MIN"))
    return RevisitPolicy(min_seconds=low, max_seconds=max(low, settings.getfloat("NEWSCRAWL_LISTING_REVISIT_MAX")))


class StorePipeline:
    def __init__(self, crawler: Crawler, db_path: str, commit_items: int = 100, commit_seconds: float = 1.0) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.commit_items = commit_items
        self.commit_seconds = commit_seconds
        self.session: IngestSession | None = None
        self._mirrored = -1  # the session's commit count when its counts were last mirrored
        self.timer: task.LoopingCall | None = None
        # URL key -> the edit signal a page of this run was stored under; one that
        # moved later in the run (a sitemap read after the page) is recorded at the end
        self.stored_signals: dict[str, str | None] = {}
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
            revisit=revisit_policy(self.crawler.settings),
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
        self._record_late_signals(session)
        session.commit()
        stats = self.stats.get_stats()
        for key, value in stats.items():
            if key.startswith("newscrawl/site/"):
                site, _, column = key[len("newscrawl/site/"):].rpartition("/")
                if site and column in _SITE_STATS:
                    session.set_site_count(site, column, int(value))
        summary = session.close("finished" if reason == "finished" else reason, stats)
        for key, value in summary.counts.stats().items():
            self.stats.set_value(key, value)

    def process_item(self, item: Any) -> Any:
        assert self.session is not None
        signals = self._edit_signals()
        if signals is not None and isinstance(item, (PageItem, NotModifiedItem)):
            # sitemaps read while the page was being extracted count too
            keys = _item_keys(item)
            signal = signals.for_keys(keys, getattr(item, "discovery", None))
            item.signal_modified = signal.latest
            if isinstance(item, PageItem):
                item.signal_lastmod = signal.lastmod
            if (isinstance(item, NotModifiedItem) and item.listing is None) or (
                    isinstance(item, PageItem) and item.analysis and item.analysis.extraction.is_article):
                self.stored_signals[keys[-1]] = signal.latest
        store_item(self.session, item)
        self._mirror_stats()
        return item

    def _edit_signals(self) -> EditSignals | None:
        signals = getattr(self.crawler.spider, "edit_signals", None)
        return signals if isinstance(signals, EditSignals) else None

    def _record_late_signals(self, session: IngestSession) -> None:
        """Pages stored before this run's sitemap or feed gave their date: record
        it now, so the next run compares with what the site said this run."""
        signals = self._edit_signals()
        if signals is None:
            return
        for key, used in self.stored_signals.items():
            signal = signals.get(key)
            if signal and later(signal.latest, used) != used:
                session.record_signal(url_key=key, signal_modified=signal.latest, signal_lastmod=signal.lastmod)
        self.stored_signals.clear()


def _item_keys(item: PageItem | NotModifiedItem) -> list[str]:
    """A page's URL keys: the one requested first, the one it was stored under last."""
    requested = getattr(item, "requested_url", None) or item.url
    return list(dict.fromkeys((canonical_key(requested), canonical_key(item.url))))


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
            discovery=item.discovery, signal_modified=item.signal_modified, signal_lastmod=item.signal_lastmod,
            listing=item.listing, links_hash=item.links_hash, rendered=item.rendered,
        ))
        # The raw HTML is stored; drop it from the item so nothing downstream holds it.
        item.body = b""
    elif isinstance(item, NotModifiedItem):
        session.record_not_modified(url_key=canonical_key(item.url), fetched_url=item.url, site=item.site,
                                    status=item.status, reason=item.reason, headers=item.headers,
                                    signal_modified=item.signal_modified, listing=item.listing,
                                    links_hash=item.links_hash)
    elif isinstance(item, DocumentItem):
        session.record_document(url_key=canonical_key(item.url), fetched_url=item.url, kind=item.kind,
                                site=item.site, headers=item.headers, body=item.body)
        item.body = b""
    elif isinstance(item, DiscoveryItem):
        session.record_discovery(url_key=canonical_key(item.url), site=item.site, source=item.source,
                                 discovery=item.discovery, found_on=item.found_on)
