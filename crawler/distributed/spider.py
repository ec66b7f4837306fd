"""RedisNewsSpider: ``NewsSpider`` whose sites and page budgets live in Redis.

``newscrawl enqueue`` stores each site's rules in ``PREFIX:sites`` and pushes
the requests of ``NewsSpider.start()`` into the frontier. A worker starts with
no start requests of its own: it loads the sites from Redis (again whenever a
request names a site it does not know yet) and crawls whatever the frontier
holds. ``max_pages`` is counted in ``PREFIX:budget:RUN``, so it bounds the
whole cluster's run, not each worker's.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, AsyncIterator

import redis
import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.linkextractors import LinkExtractor

from crawler.distributed.config import cluster_keys, redis_client
from crawler.distributed.keys import ClusterKeys, current_run
from crawler.sites import Site
from crawler.spiders.news import NewsSpider

_RELOAD_SECONDS = 5.0


def site_to_json(site: Site) -> str:
    return json.dumps({
        "name": site.name, "start_urls": site.start_urls, "hosts": site.hosts,
        "sitemaps": site.sitemaps, "feeds": site.feeds, "follow_depth": site.follow_depth,
        "max_pages": site.max_pages, "allow": [p.pattern for p in site.allow],
        "deny": [p.pattern for p in site.deny], "use_sitemaps": site.use_sitemaps,
        "use_feeds": site.use_feeds,
    }, sort_keys=True)


def site_from_json(text: str | bytes) -> Site:
    d = json.loads(text)
    d["allow"] = [re.compile(p) for p in d.get("allow", [])]
    d["deny"] = [re.compile(p) for p in d.get("deny", [])]
    return Site(**d)


def load_cluster_sites(server: redis.Redis, keys: ClusterKeys) -> list[Site]:
    return [site_from_json(v) for _, v in sorted(server.hgetall(keys.sites).items())]


class RedisNewsSpider(NewsSpider):
    name = "news-redis"

    server: redis.Redis
    keys: ClusterKeys
    _sites_loaded = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "RedisNewsSpider":
        if kwargs.get("url") or kwargs.get("sites"):
            # Used by ``enqueue``: NewsSpider's own validation and site building.
            spider: RedisNewsSpider = super().from_crawler(crawler, *args, **kwargs)
        else:
            # A worker: NewsSpider.from_crawler would refuse to start without sites.
            spider = scrapy.Spider.from_crawler.__func__(cls, crawler, *args, **kwargs)  # type: ignore[attr-defined]
            s = crawler.settings
            spider.sitemap_fallback = s.getbool("NEWSCRAWL_SITEMAP_FALLBACK")
            spider.follow_from_sitemap = s.getbool("NEWSCRAWL_FOLLOW_FROM_SITEMAP")
            spider.max_pagination = s.getint("NEWSCRAWL_MAX_PAGINATION")
            spider.link_extractor = LinkExtractor(unique=True, canonicalize=False)
        spider.server = redis_client(crawler.settings)
        spider.keys = cluster_keys(crawler.settings)
        if not spider.sites:
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

    def page_request(self, url: str, site: Site, **kwargs: Any) -> Request | None:
        if site.max_pages:
            run = current_run(self.server, self.keys)
            if int(self.server.hincrby(self.keys.budget(run), site.name, 1)) > site.max_pages:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("newscrawl/page_budget_exhausted")
                return None
        # The cluster-wide count above replaces NewsSpider's per-process one.
        self.pages_requested[site.name] = 0
        return super().page_request(url, site, **kwargs)
