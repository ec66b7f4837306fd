"""``newscrawl enqueue``: start URLs and sites into the shared frontier.

The requests are exactly those a single-machine crawl starts with:
``NewsSpider.start()`` runs here (no download, no reactor), and each request
goes through the run's duplicate filter into the frontier, as a worker's
scheduler would put it. Each site's rules go to ``PREFIX:sites`` for the
workers. Enqueueing onto an empty frontier starts a new crawl run (a fresh
duplicate filter: listing pages are fetched again, stored articles are still
skipped through the known-URL set).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from scrapy import Request
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_redis import picklecompat
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.frontier import RunDupeFilter
from crawler.distributed.keys import current_run
from crawler.spiders.cluster import RedisNewsSpider, site_to_json


@dataclass
class EnqueueResult:
    run: str
    sites: list[str]
    queued: int = 0
    seen: int = 0  # already in this run's duplicate filter
    frontier: int = 0  # requests waiting after this enqueue


class _OfflineCrawler:
    """What ``RedisNewsSpider`` needs of a ``Crawler`` to build its start requests,
    without a reactor or an engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signals = SignalManager(self)
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]
        self.request_fingerprinter = build_from_crawler(
            load_object(settings["REQUEST_FINGERPRINTER_CLASS"]), self  # type: ignore[arg-type]
        )


async def _collect(spider: RedisNewsSpider) -> list[Request]:
    return [r async for r in spider.start() if isinstance(r, Request)]


def enqueue(settings: Settings, *, url: str | None = None, sites: str | None = None) -> EnqueueResult:
    """Push the start requests for ``url`` (space-separated URLs) and/or the
    ``sites`` file. ``settings`` are a worker's (``redis_settings`` applied):
    the same follow depth, page budget and key prefix as the workers use."""
    crawler = _OfflineCrawler(settings)
    spider = RedisNewsSpider.from_crawler(crawler, url=url, sites=sites)  # type: ignore[arg-type]
    server, keys = spider.server, spider.keys
    run = current_run(server, keys, new_if_idle=True)
    result = EnqueueResult(run=run, sites=[s.name for s in spider.sites])
    pipe = server.pipeline()
    for site in spider.sites:
        pipe.hset(keys.sites, site.name, site_to_json(site))
    pipe.execute()
    queue = PriorityQueue(server, spider, keys.requests, serializer=picklecompat)
    dupefilter = RunDupeFilter(server, keys.dupefilter(run), crawler=crawler,  # type: ignore[arg-type]
                               ttl=settings.getint("NEWSCRAWL_REDIS_DUPEFILTER_TTL"))
    for request in asyncio.run(_collect(spider)):
        if not request.dont_filter and dupefilter.request_seen(request):
            result.seen += 1
            continue
        queue.push(request)
        result.queued += 1
    dupefilter.touch()
    result.frontier = len(queue)
    return result


def describe(result: EnqueueResult) -> str:
    return (
        f"newscrawl: enqueued {result.queued} start requests for {len(result.sites)} site(s)"
        f" ({', '.join(result.sites)}) in run {result.run};"
        f" {result.seen} already seen this run; {result.frontier} requests waiting"
    )
