"""FrontierExtension: leases, run changes and "frontier empty for N seconds" in a worker.

- A request's lease is released once Scrapy is done with it: its callback or
  errback has run and every item it produced has gone through the pipelines
  (so ``RedisQueuePipeline`` has pushed it) and every request it produced is in
  the frontier (``crawler.compat.on_response_finished``: a private Scrapy API,
  checked by ``tests/unit/test_compat.py`` and by the distributed tests, which fail on
  leases left behind if it moves).
- Every ``tick`` seconds: renew this worker's leases, put expired leases (a dead
  worker's) back in the frontier, follow the current run id, and wake the
  engine, which otherwise polls an idle scheduler only every 5 seconds.
- On ``spider_idle``: keep the worker open while any request waits or is leased
  anywhere in the cluster, and until the frontier has been empty for
  ``NEWSCRAWL_REDIS_IDLE_CLOSE`` seconds. The last worker of a run deletes its
  duplicate filter and page budgets.

Stats: ``newscrawl/redis/leases_released``, ``newscrawl/redis/leases_requeued``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler.compat import on_response_finished, wake_engine
from crawler.distributed.config import cluster_keys, redis_client
from crawler.distributed.frontier import LEASE_META, RedisScheduler, RunDupeFilter
from crawler.distributed.keys import current_run, frontier_size

logger = logging.getLogger(__name__)


class FrontierExtension:
    def __init__(self, crawler: Crawler, idle_close: float, tick: float = 1.0) -> None:
        self.crawler = crawler
        self.idle_close = idle_close
        self.tick = tick
        self.keys = cluster_keys(crawler.settings)
        self.server = redis_client(crawler.settings)
        self.idle_since: float | None = None
        self.loop: task.LoopingCall | None = None
        self.scheduler: RedisScheduler | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FrontierExtension":
        if not crawler.settings.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured("NEWSCRAWL_REDIS_URL is not set")
        return cls(crawler, crawler.settings.getfloat("NEWSCRAWL_REDIS_IDLE_CLOSE"))

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def spider_opened(self) -> None:
        engine = self.crawler.engine
        assert engine is not None
        scheduler = engine.scheduler
        if not isinstance(scheduler, RedisScheduler):
            raise NotConfigured("FrontierExtension needs SCHEDULER = RedisScheduler")
        self.scheduler = scheduler
        on_response_finished(self.crawler, self.release)
        self.loop = task.LoopingCall(self.maintain)
        self.loop.start(self.tick, now=True)

    def release(self, request: Request) -> None:
        member = request.meta.pop(LEASE_META, None)
        if member is None or self.scheduler is None:
            return
        self.scheduler.leases.release(member)
        self.stats.inc_value("newscrawl/redis/leases_released")

    def maintain(self) -> None:
        if self.scheduler is None:
            return
        try:
            leases = self.scheduler.leases
            leases.renew()
            requeued = leases.requeue_expired()
            if requeued:
                self.stats.inc_value("newscrawl/redis/leases_requeued", requeued)
                logger.info("requeued %d expired leases (a worker died?)", requeued)
            df = self.scheduler.df
            if isinstance(df, RunDupeFilter):
                key = self.keys.dupefilter(current_run(self.server, self.keys))
                if key != df.key:
                    logger.info("new crawl run: duplicate filter %s", key)
                    df.key = key
                df.touch()
            if frontier_size(self.server, self.keys) != (0, 0):
                self.idle_since = None
        except Exception:  # Redis unreachable for a moment: try again next tick
            logger.exception("frontier maintenance failed")
            return
        wake_engine(self.crawler)

    def spider_idle(self) -> None:
        waiting, leased = frontier_size(self.server, self.keys)
        now = time.monotonic()
        if waiting or leased:
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("frontier empty for %.0fs: closing", now - self.idle_since)

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if reason != "finished" or frontier_size(self.server, self.keys) != (0, 0):
            return
        run = current_run(self.server, self.keys)
        self.server.delete(self.keys.dupefilter(run), self.keys.budget(run))
