"""The Scrapy setting overrides that turn a crawl into a Redis cluster worker.

``redis_settings(url, "worker")`` is applied on top of ``settings/base.py`` (at
``cmdline`` priority by ``crawler.runner.build_settings``): the scheduler and
duplicate filter move to Redis, the SQLite StorePipeline and SkipKnownMiddleware
are swapped for their Redis counterparts; extraction stays in the worker.

Our settings (defaults in ``settings/base.py``):

- ``NEWSCRAWL_REDIS_URL``: ``redis://HOST:PORT/DB``.
- ``NEWSCRAWL_REDIS_PREFIX``: prefix of every key (several clusters, one Redis).
- ``NEWSCRAWL_REDIS_IDLE_CLOSE``: a worker exits once the frontier (waiting and
  leased requests) has been empty this many seconds.
- ``NEWSCRAWL_REDIS_LEASE``: seconds before a dead worker's requests go back.
- ``NEWSCRAWL_REDIS_DUPEFILTER_TTL``: seconds a run's duplicate filter outlives it.
"""

from __future__ import annotations

from typing import Any

import redis
from scrapy.settings import BaseSettings

from crawler.distributed.keys import DEFAULT_PREFIX, ClusterKeys, connect

ROLES = ("worker",)


def redis_settings(redis_url: str, role: str = "worker", *, prefix: str = DEFAULT_PREFIX,
                   base: BaseSettings | None = None) -> dict[str, Any]:
    """Setting overrides for ``role`` (only ``"worker"``: the writer and ``enqueue``
    are not Scrapy crawls), to apply over the project settings, before ``-s``.

    The component dicts are the project's (``base``, default
    ``crawler.runner.build_settings()``) with the SQLite components swapped out."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"not a Redis URL: {redis_url!r} (expected redis://HOST:PORT/DB)")
    if base is None:
        from crawler.runner import build_settings

        base = build_settings()
    keys = ClusterKeys(prefix)
    middlewares = {
        **base.getdict("DOWNLOADER_MIDDLEWARES"),
        "crawler.downloadermiddlewares.skipknown.SkipKnownMiddleware": None,
        "crawler.downloadermiddlewares.clusterknown.RedisSkipKnownMiddleware": 50,
    }
    pipelines = {
        **base.getdict("ITEM_PIPELINES"),
        "crawler.pipelines.store.StorePipeline": None,
        "crawler.pipelines.redisqueue.RedisQueuePipeline": 800,
    }
    extensions = {
        **base.getdict("EXTENSIONS"),
        "crawler.extensions.frontier.FrontierExtension": 100,
    }
    return {
        "NEWSCRAWL_REDIS_URL": redis_url,
        "NEWSCRAWL_REDIS_PREFIX": prefix,
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.frontier.RedisScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.frontier.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "DUPEFILTER_CLASS": "crawler.distributed.frontier.RunDupeFilter",
        # Workers share the queue: one closing must never clear it.
        "SCHEDULER_PERSIST": True,
        # A blocking pop would block the reactor; FrontierExtension waits instead.
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": extensions,
    }


def cluster_keys(settings: BaseSettings) -> ClusterKeys:
    return ClusterKeys(settings.get("NEWSCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX)


def redis_client(settings: BaseSettings) -> redis.Redis:
    url = settings.get("NEWSCRAWL_REDIS_URL") or settings.get("REDIS_URL")
    if not url:
        raise ValueError("NEWSCRAWL_REDIS_URL is not set")
    return connect(url)
