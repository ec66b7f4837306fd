"""RedisSkipKnownMiddleware: ``SkipKnownMiddleware``'s incremental rules against
the writer's ``PREFIX:known`` hash instead of the SQLite file (which workers on
other machines do not have).

The hash maps each stored article URL key to ``storage.queries.recheck_state``
as the writer saw it after its commit (and for every stored article when the
writer starts). As in a single-machine crawl: a stored article URL is not
downloaded again unless the site signals an edit (a newer sitemap/feed date than
the state's ``signal``) or its re-check is due, and then with a conditional GET;
listing pages, sitemaps, feeds and robots.txt are always fetched (listing revisit
intervals are a single-machine feature).
"""

from __future__ import annotations

import json
from typing import Any

import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.distributed.config import cluster_keys, redis_client
from crawler.downloadermiddlewares.skipknown import SkipKnownMiddleware


class RedisSkipKnownMiddleware(SkipKnownMiddleware):
    """SkipKnownMiddleware's rules; the stored articles' states come from the
    writer's Redis hash instead of SQLite."""

    def __init__(self, crawler: Crawler, server: redis.Redis, known_key: str) -> None:
        self.crawler = crawler
        self.server = server
        self.known_key = known_key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedisSkipKnownMiddleware":
        s = crawler.settings
        if not s.getbool("NEWSCRAWL_INCREMENTAL") or not s.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured
        return cls(crawler, redis_client(s), cluster_keys(s).known)

    def known_state(self, url_key: str) -> dict[str, Any] | None:
        raw = self.server.hget(self.known_key, url_key)
        return json.loads(raw) if raw is not None else None

    def listing_state(self, url_key: str) -> dict[str, Any] | None:
        # listing revisit intervals are not published to Redis: a cluster fetches
        # every listing page on every run
        return None

    def document_state(self, url_key: str) -> dict[str, Any] | None:
        return None  # stored copies of documents are kept by single-machine crawls only

    def document_copy(self, url_key: str) -> tuple[bytes, str | None] | None:
        return None
