"""BackoffRetryMiddleware: Scrapy's retries, spaced out with exponential backoff.

Scrapy's ``RetryMiddleware`` re-sends a failed request at once, so a server
that is briefly overloaded (503) or restarting (connection refused) gets the
same request two more times within milliseconds and the page is lost. This
subclass waits before handing the retry back: ``base * 2**(n-1)`` seconds
before the n-th retry, capped at ``max``, with "equal jitter" (a random half
of the delay) so retries of many pages do not arrive together. A
``Retry-After`` header on a 429/503 (seconds, or an HTTP date) is honoured up to the cap.

The wait is an ``await`` on the event loop, never a blocking sleep. While it
waits the request keeps its place among ``CONCURRENT_REQUESTS`` (not among the
per-site download slots), so the cap also bounds how long a retry can delay a
graceful shutdown.

What is retried, and how often, is Scrapy's: ``RETRY_TIMES``,
``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``; a 404 or 410 is never retried.
Settings: ``NEWSCRAWL_RETRY_BACKOFF_BASE`` (seconds; 0 turns the backoff off),
``NEWSCRAWL_RETRY_BACKOFF_MAX``. Stats: ``newscrawl/retry/backoff_seconds``.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

from crawler.resolver import refused_name_reason
from storage.recheck import parse_http_date

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def backoff_delay(retry: int, base: float, cap: float, rand: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, ...): half of
    ``min(cap, base * 2**(retry-1))`` plus a random part of the other half."""
    if base <= 0 or retry < 1:
        return 0.0
    full = min(cap, base * 2 ** (retry - 1))
    r = random.random() if rand is None else rand
    return full / 2 + r * full / 2


def _http_date(value: bytes | None) -> datetime | None:
    when = parse_http_date(value.decode("latin-1").strip()) if value else None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def retry_after(response: Response) -> float | None:
    """``Retry-After`` in seconds: a number of seconds, or an HTTP date, counted
    from the response's own ``Date`` (the server's clock; this machine's when the
    response has none). A date already past means at once (0)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    try:
        seconds = float(text)
    except ValueError:
        when = _http_date(value)
        if when is None:
            return None
        now = _http_date(response.headers.get("Date")) or datetime.now(timezone.utc)
        return max(0.0, (when - now).total_seconds())
    return seconds if seconds >= 0 else None


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", 10.0)

    async def _wait(self, retry: Request, hint: float | None = None) -> None:
        delay = backoff_delay(retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max)
        if hint is not None and self.backoff_base > 0:
            delay = max(delay, min(hint, self.backoff_max))
        if delay <= 0:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/retry/backoff_seconds", round(delay, 3))
        await sleep(delay)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, retry_after(response) if response.status in (429, 503) else None)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if refused_name_reason(self.crawler, urlsplit(request.url).hostname or ""):
            return None  # refused by the network policy: trying again changes nothing
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result)
        return result
