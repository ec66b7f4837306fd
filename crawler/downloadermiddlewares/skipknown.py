"""Downloader middlewares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.utils.editsignals import EditSignal, signal_for
from crawler.utils.listings import fetched_every_run, listing_kind
from crawler.utils.urls import canonical_key
from storage import open_db
from storage.queries import document_copy, document_state, listing_state, recheck_state
from storage.recheck import signal_says


# requests for documents whose last copy may be stored (crawler.spiders.news roles)
DOCUMENT_ROLES = ("robots", "sitemap", "feed")
_CACHED = "newscrawl_cached_doc"  # meta: the URL key of the stored copy a request was made conditional on


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
    often their links change); a URL never fetched is always fetched.

    Documents whose last copy is stored (``documents``: robots.txt, sitemaps,
    feeds, listing pages whose server gave an ETag or Last-Modified) are asked
    for with a conditional GET; a 304 is answered from the copy (flagged
    ``newscrawl_not_modified``), so its entries and links are still followed."""

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
        role = meta.get("newscrawl_role")
        if role in DOCUMENT_ROLES:
            self.ask_if_changed(request)
            return None
        if role != "page" or "newscrawl_known_hash" in meta:
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
        self.ask_if_changed(request)
        return None

    def ask_if_changed(self, request: Request) -> None:
        """A conditional GET for a document (robots.txt, sitemap, feed, listing page)
        whose last copy is stored: a 304 is then answered from that copy."""
        meta = request.meta
        if meta.pop(_CACHED, None) is not None:  # a redirect's copy of the original request
            for name in ("If-None-Match", "If-Modified-Since"):
                request.headers.pop(name, None)
        key = canonical_key(request.url)
        state = self.document_state(key)
        if state is None:
            return
        if state.get("etag"):
            request.headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            request.headers["If-Modified-Since"] = state["last_modified"]
        meta[_CACHED] = key
        meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", []), 304]

    def process_response(self, request: Request, response: Response) -> Request | Response:
        key = request.meta.get(_CACHED)
        if key is None or response.status != 304:
            return response
        copy = self.document_copy(key)
        if copy is None:  # gone meanwhile: ask again, unconditionally
            retry = request.replace(dont_filter=True)
            retry.meta.pop(_CACHED, None)
            for name in ("If-None-Match", "If-Modified-Since"):
                retry.headers.pop(name, None)
            return retry
        body, content_type = copy
        headers = Headers({"Content-Type": content_type} if content_type else {})
        for name in ("ETag", "Last-Modified", "Date"):
            if name in response.headers:
                headers[name] = response.headers[name]
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
        request.meta["newscrawl_not_modified"] = True
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/not_modified")
        return cls(url=response.url, status=200, headers=headers, body=body, request=request,
                   flags=[*response.flags, "not modified"], protocol=response.protocol)
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

    def document_state(self, url_key: str) -> dict[str, Any] | None:
        """The stored copy's validators; None if there is no copy."""
        db = self._open()
        return document_state(db, url_key) if db is not None else None

    def document_copy(self, url_key: str) -> tuple[bytes, str | None] | None:
        db = self._open()
        return document_copy(db, url_key) if db is not None else None


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
