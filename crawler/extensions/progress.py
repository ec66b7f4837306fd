"""ProgressExtension: a progress line on stderr every few seconds."""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    def g(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    pages = g("response_received_count")
    dups = g("newscrawl/outcome/duplicate_url") + g("newscrawl/outcome/duplicate_text")
    failed = g("newscrawl/outcome/failed") + g("newscrawl/outcome/blocked") + g("newscrawl/extract_failed")
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (
        f"[newscrawl] {elapsed:6.0f}s  fetched {pages} ({rate:.1f}/s)  "
        f"articles {g('newscrawl/outcome/new')} new, {dups} duplicate  "
        f"not articles {g('newscrawl/outcome/not_article')}  skipped known {g('newscrawl/skipped_known')}  "
        f"failed {failed}"
    )


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressExtension":
        interval = crawler.settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        assert self.crawler.stats is not None
        print(progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started), file=sys.stderr, flush=True)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
