"""Distributed crawling on Redis: N workers share one frontier, one writer stores.

- ``config.redis_settings(url, role)``: the Scrapy setting overrides of a worker.
- ``frontier``: the shared request queue with leases (a killed worker's requests
  come back), the run-scoped duplicate filter, the scheduler adapter.
- ``extension.FrontierExtension``: acknowledges leases, requeues expired ones,
  closes a worker once the whole frontier has been empty for a while.
- ``spider.RedisNewsSpider``: ``NewsSpider`` with its sites and page budgets in Redis.
- ``enqueue``: start URLs and sites files into the shared frontier.
- ``items`` / ``pipeline.RedisQueuePipeline``: extracted pages into a reliable list.
- ``writer``: the single process that stores them in SQLite, then acknowledges.
- ``middleware.RedisSkipKnownMiddleware``: incremental skip from a Redis set the
  writer keeps in step with the database.
"""
