"""Downloader middlewares."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.urls import canonical_key
from storage import open_db
from storage.queries import is_known_article_url


class KnownURL(IgnoreRequest):
    """The request names an article that is already stored."""


class SkipKnownMiddleware:
    """Incremental crawls: never download again an article URL already stored.

    Listing pages, sitemaps, feeds and robots.txt are always fetched (they are
    how new articles are found); a request can opt out with
    ``meta["newscrawl_recheck"] = True``."""

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
        if request.meta.get("newscrawl_role") != "page" or request.meta.get("newscrawl_recheck"):
            return None
        if self.db is None:
            if not Path(self.db_path).exists():
                return None
            self.db = open_db(self.db_path, read_only=True)
        if is_known_article_url(self.db, canonical_key(request.url)):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/skipped_known")
            raise KnownURL(f"already stored: {request.url}")
        return None
