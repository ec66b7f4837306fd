"""RedisSkipKnownMiddleware: ``SkipKnownMiddleware``'s incremental rules against
the writer's ``PREFIX:known`` hash instead of the SQLite file (which workers on
other machines do not have).

The hash maps each stored article URL key to ``storage.queries.recheck_state``
as the writer saw it after its commit (and for every stored article when the
writer starts). As in a single-machine crawl: a stored article URL is not
downloaded again unless its re-check is due, and then with a conditional GET;
listing pages, sitemaps, feeds and robots.txt are always fetched.
"""

from __future__ import annotations

import json

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.distributed.config import cluster_keys, redis_client
from crawler.middlewares import apply_recheck_state
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
        # SkipKnownMiddleware's rules; only the state lookup (Redis, not SQLite) differs.
        if request.meta.get("newscrawl_role") != "page" or "newscrawl_known_hash" in request.meta:
            return None
        raw = self.server.hget(self.known_key, canonical_key(request.url))
        if raw is not None:
            apply_recheck_state(request, json.loads(raw), self.crawler)
        return None
