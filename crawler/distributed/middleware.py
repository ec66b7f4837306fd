"""RedisSkipKnownMiddleware: the incremental skip of ``SkipKnownMiddleware``,
against the writer's ``PREFIX:known`` set instead of the SQLite file (which
workers on other machines do not have).

The writer seeds the set from the database when it starts and adds every
stored article's URL keys after each commit, so the rule is the same as in a
single-machine crawl: an article URL already stored is not downloaded again;
listing pages, sitemaps, feeds and robots.txt always are; a request can opt
out with ``meta["newscrawl_recheck"] = True``.
"""

from __future__ import annotations

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.distributed.config import cluster_keys, redis_client
from crawler.middlewares import KnownURL
from crawler.urls import canonical_key


class RedisSkipKnownMiddleware:
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

    def process_request(self, request: Request) -> None:
        if request.meta.get("newscrawl_role") != "page" or request.meta.get("newscrawl_recheck"):
            return None
        if self.server.sismember(self.known_key, canonical_key(request.url)):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/skipped_known")
            raise KnownURL(f"already stored: {request.url}")
        return None
