"""RedisQueuePipeline: in a worker, hand extracted pages and failures to the writer.

Takes the place of ``StorePipeline`` (after ``ExtractPipeline``): each item is
encoded (``crawler.distributed.queue``) and pushed onto ``PREFIX:items``. The
push is synchronous, so once ``process_item`` returns the item is in Redis, and
the request's lease can be released. A Redis error fails the item; the lease is
still released, so the page is not fetched again in this run (it is counted as
``newscrawl/redis/push_error``).

Stats: ``newscrawl/redis/queued/<item class>`` (``PageItem``, ``FailureItem``, ...),
``newscrawl/redis/push_error``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.distributed.config import cluster_keys, redis_client
from crawler.distributed.queue import ItemQueue, encode_item, is_queueable
from crawler.items import DocumentItem, PageItem


class RedisQueuePipeline:
    def __init__(self, crawler: Crawler, queue: ItemQueue) -> None:
        self.crawler = crawler
        self.queue = queue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedisQueuePipeline":
        if not crawler.settings.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured("NEWSCRAWL_REDIS_URL is not set")
        return cls(crawler, ItemQueue(redis_client(crawler.settings), cluster_keys(crawler.settings)))

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        assert stats is not None
        if isinstance(item, PageItem) and item.analysis is None:
            return item  # not extracted (no ExtractPipeline): nothing the writer can store
        if isinstance(item, DocumentItem):
            return item  # stored copies for conditional GETs are a single-machine feature
        if not is_queueable(item):
            return item
        kind = type(item).__name__
        try:
            self.queue.push(encode_item(item))
        except Exception:
            stats.inc_value("newscrawl/redis/push_error")
            raise
        stats.inc_value(f"newscrawl/redis/queued/{kind}")
        if isinstance(item, PageItem):
            item.body = b""  # in Redis now; nothing downstream needs the HTML
        return item
