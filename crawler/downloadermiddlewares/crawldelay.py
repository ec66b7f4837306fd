"""CrawlDelayMiddleware: robots.txt ``Crawl-delay``, per host.

Scrapy reads robots.txt for ``allow``/``disallow`` only (Scrapy issue #892). Its
``RobotsTxtMiddleware`` sends the public ``robots_parsed`` signal once a host's
robots.txt is parsed, before it releases the requests that wait for it; this
component listens to it, asks the parser for the host's ``crawl_delay`` for our
user agent, and makes it the floor of that host's download delay:

* the host's downloader slot gets ``delay`` (at least the Crawl-delay) and
  ``jitter = 0`` (a random variation would go below the floor), through the
  downloader's public ``per_slot_settings`` (slots created later, or again after
  an idle slot was collected) and ``slots`` (a slot that exists already);
* requests to the host carry ``meta["autothrottle_dont_adjust_delay"] = True``,
  so AutoThrottle does not lower the delay again.

A Crawl-delay above ``NEWSCRAWL_MAX_CRAWL_DELAY`` seconds (0: no cap) is capped,
with one log line per host and the stat ``newscrawl/crawl_delay/capped``.
Stats: ``newscrawl/crawl_delay/hosts``. Runs after RobotsTxtMiddleware (100), so a
request reaches it only once its host's robots.txt is parsed.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    def __init__(self, crawler: Crawler, cap: float) -> None:
        self.crawler = crawler
        self.cap = cap
        self.delayed: set[str] = set()  # downloader slot keys given a robots.txt delay
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(crawler, crawler.settings.getfloat("NEWSCRAWL_MAX_CRAWL_DELAY"))

    def _user_agent(self, request: Request) -> str | bytes:
        s = self.crawler.settings
        return s.get("ROBOTSTXT_USER_AGENT") or request.headers.get(b"User-Agent") or s.get("USER_AGENT") or "*"

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        try:
            delay = robotparser.crawl_delay(self._user_agent(request))
        except Exception:  # a parser that cannot say: no delay
            logger.debug("no Crawl-delay from the robots.txt parser for %s", request.url, exc_info=True)
            return
        if not delay or float(delay) <= 0:
            return
        delay = float(delay)
        stats = self.crawler.stats
        assert stats is not None and self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if self.cap > 0 and delay > self.cap:
            logger.warning("robots.txt of %s asks for a Crawl-delay of %gs: capped at %gs (NEWSCRAWL_MAX_CRAWL_DELAY)",
                           key, delay, self.cap)
            stats.inc_value("newscrawl/crawl_delay/capped")
            delay = self.cap
        stats.inc_value("newscrawl/crawl_delay/hosts")
        self.delayed.add(key)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        slot_settings["jitter"] = 0.0
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0
        logger.info("Crawl-delay for %s: %gs between requests", key, delay)

    def process_request(self, request: Request) -> None:
        if not self.delayed:
            return None
        assert self.crawler.engine is not None
        if self.crawler.engine.downloader.get_slot_key(request) in self.delayed:
            request.meta["autothrottle_dont_adjust_delay"] = True
        return None
