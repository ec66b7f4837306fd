"""Running one cluster worker in this process (``newscrawl crawl --redis URL``)."""

from __future__ import annotations

import time
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.distributed.config import redis_settings
from crawler.ingest.summary import format_summary
from crawler.runner import CrawlResult, build_settings, run_summary


def worker_settings(redis_url: str, overrides: dict[str, Any] | None = None, *, prefix: str | None = None) -> Settings:
    """Project settings, then the worker overrides, then ``overrides`` (``-s``)."""
    extra = {"prefix": prefix} if prefix else {}
    return build_settings({**redis_settings(redis_url, "worker", **extra), **(overrides or {})})


def run_worker(settings: Settings) -> CrawlResult:
    """Crawl from the shared frontier until it has been empty for
    ``NEWSCRAWL_REDIS_IDLE_CLOSE`` seconds."""
    from crawler.spiders.cluster import RedisNewsSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RedisNewsSpider)
    started = time.monotonic()
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    return CrawlResult(crawler.stats.get_stats(), time.monotonic() - started, "")


def worker_summary(result: CrawlResult) -> str:
    s = result.stats

    def g(key: str) -> int:
        return int(s.get(key, 0) or 0)

    return format_summary(run_summary(result, kind="worker", details=[
        ("pages fetched", g("response_received_count")),
        ("pages queued", f"{g('newscrawl/redis/queued/PageItem')} (to the writer)"),
        ("failures queued", g("newscrawl/redis/queued/FailureItem")),
        ("skipped (stored)", g("newscrawl/skipped_known")),
        ("leases requeued", f"{g('newscrawl/redis/leases_requeued')} (from workers that died)"),
    ]))
