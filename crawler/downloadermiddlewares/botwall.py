"""BotWallMiddleware: a challenge or captcha page is "blocked", not a broken link.

A bot wall answers 403, 429 or 503 with a challenge page ("Just a moment...",
a captcha), or 200 with an interstitial. Without this middleware the first kind
is recorded as ``failed: http 403`` like any broken link (and a 503 is retried
twice for nothing), and the second is extracted as if it were the page.

The body of such answers is read (``crawler.utils.botwall``: the first 64 KB,
after decompression) and a challenge fails the request with
``RequestRefused("bot wall: Cloudflare challenge (http 403)", outcome=BLOCKED)``:
the spider records the URL as ``blocked`` with that reason, nothing is extracted
or stored, and ``newscrawl stats`` counts it as a bot-wall answer.

Placed after HttpCompressionMiddleware (590) and before the retry middleware
(550) in ``process_response`` order. robots.txt answers are left to the robots.txt
middleware. Stats: ``newscrawl/botwall/<kind>``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.utils.botwall import MAX_WALL_SIZE, WALL_STATUSES, wall_kind
from crawler.utils.failures import RequestRefused
from storage.records import BOT_WALL_REASON, Outcome

_TEXT_TYPES = (b"text/html", b"application/xhtml", b"text/plain", b"")


class BotWallMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotWallMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        role = request.meta.get("newscrawl_role")
        if role is None or role == "robots" or not response.body:
            return response
        if response.status not in WALL_STATUSES:
            ctype = (response.headers.get("Content-Type") or b"").split(b";")[0].strip().lower()
            if response.status != 200 or ctype not in _TEXT_TYPES or len(response.body) > MAX_WALL_SIZE:
                return response
        kind = wall_kind(response.status, response.body)
        if kind is None:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/botwall/pages")
        self.crawler.stats.inc_value(f"newscrawl/botwall/{kind}")
        raise RequestRefused(f"{BOT_WALL_REASON}{kind} (http {response.status})",
                             outcome=Outcome.BLOCKED, status=response.status)
