"""ExtractPipeline: run extraction and article detection in worker processes.

The reactor only awaits a future; the CPU work happens in a pool of worker
processes (one per core by default), so downloading goes on while pages are
extracted. A page whose extraction fails or exceeds its time budget becomes a
FailureItem with the reason; the crawl goes on.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from scrapy.crawler import Crawler

from crawler.ingest.analysis import ANALYZE_PAGE, Analysis
from crawler.items import FailureItem, NotModifiedItem, PageItem
from crawler.utils.pool import ExtractionPool, JobFailure
from storage.pages import sha1


# The running crawl's pool, for the stages after this one (RenderPipeline analyses
# rendered pages with the same workers).
_POOLS: weakref.WeakKeyDictionary[Crawler, ExtractionPool] = weakref.WeakKeyDictionary()


def extraction_pool(crawler: Crawler) -> ExtractionPool | None:
    """The ExtractPipeline's worker pool of this crawl, while it is open."""
    return _POOLS.get(crawler)


class ExtractPipeline:
    def __init__(self, crawler: Crawler, processes: int | None, timeout: float) -> None:
        self.crawler = crawler
        self.processes = processes
        self.timeout = timeout
        self.pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        s = crawler.settings
        return cls(crawler, s.getint("NEWSCRAWL_EXTRACT_PROCESSES") or None, s.getfloat("NEWSCRAWL_EXTRACT_TIMEOUT"))

    def open_spider(self) -> None:
        self.pool = ExtractionPool(processes=self.processes, timeout=self.timeout, func=ANALYZE_PAGE)
        _POOLS[self.crawler] = self.pool

    def close_spider(self) -> None:
        _POOLS.pop(self.crawler, None)
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        assert self.pool is not None and self.crawler.stats is not None
        if item.known_hash and sha1(item.body) == item.known_hash:
            # a re-check whose server ignored the conditional GET: same bytes, no work
            return NotModifiedItem(url=item.url, site=item.site, status=item.status,
                                   reason="unchanged content", headers=item.headers)
        result: Analysis | JobFailure = await asyncio.wrap_future(
            self.pool.submit(item.body, item.url, item.headers))
        if isinstance(result, JobFailure):
            self.crawler.stats.inc_value("newscrawl/extract_failed")
            return FailureItem(
                url=item.url, site=item.site, reason=f"extraction: {result.error}",
                status=item.status, source=item.source, found_on=item.found_on,
                discovery=item.discovery,
            )
        item.analysis = result
        return item
