"""Distributed crawling on Redis: N workers share one frontier, one writer stores.

What lives here is the cluster's plumbing; its Scrapy components sit with the
others of their kind:

- ``config.redis_settings(url, role)``: the Scrapy setting overrides of a worker.
- ``frontier``: the shared request queue with leases (a killed worker's requests
  come back), the run-scoped duplicate filter, the scheduler adapter.
- ``keys``: the Redis key names of one cluster (a prefix each).
- ``queue``: encoded items on a reliable list, from workers to the writer.
- ``enqueue``: start URLs and sites files into the shared frontier.
- ``worker``: runs a worker crawl; ``writer``: the single process that stores
  the items in SQLite (through ``storage.session.IngestSession``), then acknowledges.
- Components: ``crawler.spiders.cluster.RedisNewsSpider``,
  ``crawler.extensions.frontier.FrontierExtension``,
  ``crawler.pipelines.redisqueue.RedisQueuePipeline``,
  ``crawler.downloadermiddlewares.clusterknown.RedisSkipKnownMiddleware``.
"""
