"""Downloader middlewares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.utils.urls import canonical_key
from storage import open_db
from storage.queries import recheck_state


class KnownURL(IgnoreRequest):
    """The request names an article that is already stored."""


class SkipKnownMiddleware:
    """Incremental crawls: an article URL already stored is not downloaded
    again unless its re-check is due (``urls.next_check``, set from the site's
    re-check policy); then it is fetched with a conditional GET
    (If-None-Match / If-Modified-Since) so an unchanged page costs a 304.

    Listing pages, sitemaps, feeds and robots.txt are always fetched (they are
    how new articles are found)."""

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
        if request.meta.get("newscrawl_role") != "page" or "newscrawl_known_hash" in request.meta:
            return None
        state = self.known_state(canonical_key(request.url))
        if state is not None:
            apply_recheck_state(request, state, self.crawler)
        return None

    def known_state(self, url_key: str) -> dict[str, Any] | None:
        """The stored article's re-check state for this URL key; None if not stored."""
        if self.db is None:
            if not Path(self.db_path).exists():
                return None
            self.db = open_db(self.db_path, read_only=True)
        return recheck_state(self.db, url_key)


def apply_recheck_state(request: Request, state: dict[str, Any], crawler: Crawler) -> None:
    """For a stored article's URL: skip it (KnownURL) unless its re-check is due;
    then make the request a conditional GET that may answer 304."""
    assert crawler.stats is not None
    if not state.get("due"):
        crawler.stats.inc_value("newscrawl/skipped_known")
        raise KnownURL(f"already stored: {request.url}")
    crawler.stats.inc_value("newscrawl/rechecked")
    request.meta["newscrawl_known_hash"] = state.get("content_hash")
    request.meta["handle_httpstatus_list"] = [304]
    if state.get("etag"):
        request.headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        request.headers["If-Modified-Since"] = state["last_modified"]
