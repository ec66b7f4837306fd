"""RedisNewsSpider: ``NewsSpider`` whose sites and page budgets live in Redis.

``newscrawl enqueue`` stores each site's rules in ``PREFIX:sites`` and pushes
the requests of ``NewsSpider.start()`` into the frontier. A worker starts with
no start requests of its own: it loads the sites from Redis (again whenever a
request names a site it does not know yet) and crawls whatever the frontier
holds. ``max_pages`` is counted in ``PREFIX:budget:RUN``, so it bounds the
whole cluster's run, not each worker's.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any, AsyncIterator

import redis
from scrapy.crawler import Crawler

from crawler.distributed.config import cluster_keys, redis_client
from crawler.distributed.keys import ClusterKeys, current_run
from crawler.sites import Site
from crawler.utils.urls import canonical_key
from crawler.spiders.news import NewsSpider

_RELOAD_SECONDS = 5.0
_PATTERNS = "__patterns__"
# NewsSpider.from_crawler needs something to crawl; a worker's sites come from Redis.
_PLACEHOLDER_URL = "http://newscrawl.invalid/"


def site_to_json(site: Site) -> str:
    """Every ``Site`` field; compiled patterns as their source."""
    doc: dict[str, Any] = {}
    for f in dataclasses.fields(site):
        value = getattr(site, f.name)
        if isinstance(value, list) and value and all(isinstance(v, re.Pattern) for v in value):
            value = {_PATTERNS: [v.pattern for v in value]}
        doc[f.name] = value
    return json.dumps(doc, sort_keys=True)


def site_from_json(text: str | bytes) -> Site:
    doc = json.loads(text)
    for name, value in doc.items():
        if isinstance(value, dict) and _PATTERNS in value:
            doc[name] = [re.compile(p) for p in value[_PATTERNS]]
    return Site(**doc)


def load_cluster_sites(server: redis.Redis, keys: ClusterKeys) -> list[Site]:
    return [site_from_json(v) for _, v in sorted(server.hgetall(keys.sites).items())]


class RedisNewsSpider(NewsSpider):
    name = "news-redis"

    server: redis.Redis
    keys: ClusterKeys
    _sites_loaded = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "RedisNewsSpider":
        worker = not (kwargs.get("url") or kwargs.get("sites"))
        if worker:
            # NewsSpider's own set-up (all its settings), then the cluster's sites.
            kwargs["url"] = _PLACEHOLDER_URL
        spider: RedisNewsSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.server = redis_client(crawler.settings)
        spider.keys = cluster_keys(crawler.settings)
        if worker:
            spider.url_arg = ""
            spider.sites = load_cluster_sites(spider.server, spider.keys)
            spider._sites_loaded = time.monotonic()
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if self.url_arg or self.sites_arg:
            async for request in super().start():
                yield request
        # A worker: everything comes from the shared frontier.

    def _site_by_name(self, name: str) -> Site:
        try:
            return super()._site_by_name(name)
        except KeyError:
            self.sites = load_cluster_sites(self.server, self.keys)  # enqueued after we started
            return super()._site_by_name(name)

    def _site_for(self, url: str) -> Site | None:
        return super()._site_for(url) or self._reload_site_for(url)

    def _reload_site_for(self, url: str) -> Site | None:
        # Offsite sitemap entries land here too: reload at most every few seconds.
        now = time.monotonic()
        if now - self._sites_loaded < _RELOAD_SECONDS:
            return None
        self._sites_loaded = now
        self.sites = load_cluster_sites(self.server, self.keys)
        return super()._site_for(url)

    # The page budget is cluster-wide: one hash per run holds a field per budgeted
    # page ("SITE\tKEY") and the count per site.
    def spend_page_budget(self, site: Site, url: str) -> bool:
        budget = self.keys.budget(current_run(self.server, self.keys))
        field = f"{site.name}\t{canonical_key(url)}"
        if not self.server.hsetnx(budget, field, 1):
            return True
        if int(self.server.hincrby(budget, site.name, 1)) > site.max_pages:
            self.server.hdel(budget, field)
            self.server.hincrby(budget, site.name, -1)
            return False
        return True

    def release_page_budget(self, site_name: str, url: str) -> None:
        budget = self.keys.budget(current_run(self.server, self.keys))
        if self.server.hdel(budget, f"{site_name}\t{canonical_key(url)}"):
            self.server.hincrby(budget, site_name, -1)
