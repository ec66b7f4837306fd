"""Downloader middlewares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.utils.editsignals import EditSignal, signal_for
from crawler.utils.listings import fetched_every_run, listing_kind
from crawler.utils.urls import canonical_key
from storage import open_db
from storage.queries import listing_state, recheck_state
from storage.recheck import signal_says


class KnownURL(IgnoreRequest):
    """The request names an article that is already stored."""


class ListingNotDue(IgnoreRequest):
    """The request names a listing page whose next revisit is not due yet."""


class SkipKnownMiddleware:
    """Incremental crawls: an article URL already stored is not downloaded
    again unless the site signals an edit or its re-check is due; then it is
    fetched with a conditional GET (If-None-Match / If-Modified-Since) so an
    unchanged page costs a 304 (``apply_recheck_state``).

    Sitemaps, feeds, robots.txt, homepages and section fronts are always fetched
    (they are how new articles are found). Other listing pages (tags, authors,
    archives, deep pagination, ...) are fetched when their revisit is due
    (``urls.next_visit``, set by storage from an interval that adapts to how
    often their links change); a URL never fetched is always fetched."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SkipKnownMiddleware":
        if not crawler.settings.getbool("NEWSCRAWL_INCREMENTAL"):
            raise NotConfigured
        return cls(crawler, crawler.settings.get("NEWSCRAWL_DB"))

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if meta.get("newscrawl_role") != "page" or "newscrawl_known_hash" in meta:
            return None
        key = canonical_key(request.url)
        state = self.known_state(key)
        if state is not None:
            signal = signal_for(self.crawler.spider, key, meta.get("newscrawl_discovery"))
            apply_recheck_state(request, state, self.crawler, signal)
            return None
        kind = listing_kind(request.url, meta.get("newscrawl_depth", 0), meta.get("newscrawl_source"))
        if not fetched_every_run(kind):
            listing = self.listing_state(key)
            if listing is not None and not listing["due"]:
                skip_listing(request, self.crawler)
        return None

    def _open(self) -> Any:
        if self.db is None:
            if not Path(self.db_path).exists():
                return None
            self.db = open_db(self.db_path, read_only=True)
        return self.db

    def known_state(self, url_key: str) -> dict[str, Any] | None:
        """The stored article's re-check state for this URL key; None if not stored."""
        db = self._open()
        return recheck_state(db, url_key) if db is not None else None

    def listing_state(self, url_key: str) -> dict[str, Any] | None:
        """The listing page's revisit state (``due``); None if it has none."""
        db = self._open()
        return listing_state(db, url_key) if db is not None else None


def skip_listing(request: Request, crawler: Crawler) -> None:
    """Drop a listing page whose revisit is not due (counted per site)."""
    assert crawler.stats is not None
    crawler.stats.inc_value("newscrawl/listing/not_due")
    site = request.meta.get("newscrawl_site")
    if site:
        crawler.stats.inc_value(f"newscrawl/site/{site}/listings_not_due")
    raise ListingNotDue(f"listing not due: {request.url}")


def apply_recheck_state(
    request: Request, state: dict[str, Any], crawler: Crawler, signal: EditSignal | None = None
) -> None:
    """For a stored article's URL: re-check it when this run's sitemap/feed date for
    it is newer than the one recorded at its last fetch (whatever its age), skip it
    when the site gives a modification date that is not newer; without a signal to
    go by, skip it (KnownURL) unless its age-based re-check is due. A re-check is a
    conditional GET that may answer 304."""
    assert crawler.stats is not None
    stats = crawler.stats
    signal = signal or EditSignal()
    says = signal_says(state.get("signal"), signal.latest, signal.lastmod)
    # what the skip was decided on: a later, newer signal this run undoes it (the spider)
    request.meta["newscrawl_decided_signal"] = signal.latest
    if says is False or (says is None and not state.get("due")):
        stats.inc_value("newscrawl/skipped_known")
        if says is False:
            stats.inc_value("newscrawl/skipped_known/signal_unchanged")
        raise KnownURL(f"already stored: {request.url}")
    stats.inc_value("newscrawl/rechecked")
    if says:
        stats.inc_value("newscrawl/rechecked/signalled")
    request.meta["newscrawl_known_hash"] = state.get("content_hash")
    request.meta["handle_httpstatus_list"] = [304]
    if state.get("etag"):
        request.headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        request.headers["If-Modified-Since"] = state["last_modified"]
