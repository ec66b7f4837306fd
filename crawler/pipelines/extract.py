"""ExtractPipeline: extraction and article detection in worker processes.

The pipeline owns the crawl's pool of worker processes (one per core by default),
started when the crawl opens so that their imports overlap its first downloads.
The spider analyses each page there (``analyse_page``) before it yields the item,
because the workers also read the links it follows; an item that reaches this
pipeline unanalysed is analysed here. The reactor only awaits a future, so
downloading goes on while pages are extracted. A page whose extraction fails or
exceeds its time budget becomes a FailureItem with the reason; the crawl goes on.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from scrapy.crawler import Crawler

from crawler.ingest.analysis import ANALYZE_PAGE, Analysis, crawl_headers
from crawler.items import FailureItem, NotModifiedItem, PageItem
from crawler.utils.pool import ExtractionPool, JobFailure
from storage.pages import sha1

# The running crawl's pool, for the spider and the stages after this one (RenderPipeline
# analyses rendered pages with the same workers).
_POOLS: weakref.WeakKeyDictionary[Crawler, ExtractionPool] = weakref.WeakKeyDictionary()


def extraction_pool(crawler: Crawler) -> ExtractionPool | None:
    """The ExtractPipeline's worker pool of this crawl, while it is open."""
    return _POOLS.get(crawler)


def unchanged_page(item: PageItem) -> NotModifiedItem | None:
    """A re-check whose server ignored the conditional GET and sent the same bytes: no work."""
    if item.known_hash and sha1(item.body) == item.known_hash:
        return NotModifiedItem(url=item.url, site=item.site, status=item.status, reason="unchanged content",
                               headers=item.headers, signal_modified=item.signal_modified)
    return None


async def analyse_page(crawler: Crawler, item: PageItem, follow: bool = False) -> PageItem | FailureItem:
    """The page analysed in the crawl's workers (with its links read when ``follow``),
    or the failure to record; the item unanalysed when the crawl has no pool."""
    pool = extraction_pool(crawler)
    if pool is None:
        return item
    headers = crawl_headers(item.headers, item.listing, follow)
    result: Analysis | JobFailure = await asyncio.wrap_future(pool.submit(item.body, item.url, headers))
    if isinstance(result, JobFailure):
        assert crawler.stats is not None
        crawler.stats.inc_value("newscrawl/extract_failed")
        return FailureItem(
            url=item.url, site=item.site, reason=f"extraction: {result.error}",
            status=item.status, source=item.source, found_on=item.found_on,
            discovery=item.discovery,
        )
    item.analysis = result
    return item


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
        # eager: the workers import the extraction stack while robots.txt, sitemaps and
        # the first pages download
        self.pool = ExtractionPool(processes=self.processes, timeout=self.timeout, func=ANALYZE_PAGE, eager=True)
        _POOLS[self.crawler] = self.pool

    def close_spider(self) -> None:
        _POOLS.pop(self.crawler, None)
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        if item.not_modified:
            # a listing page that answered 304: nothing new to extract
            return NotModifiedItem(url=item.url, site=item.site, status=304, reason="http 304 not modified",
                                   headers=item.headers, listing=item.listing or "page", links_hash=item.links_hash)
        if item.analysis is not None:
            return item
        return unchanged_page(item) or await analyse_page(self.crawler, item)
