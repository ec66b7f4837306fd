"""Render one fetched page in the browser and return its DOM.

The page is not downloaded again: its document request is answered with the
bytes the crawler already fetched. Every other request the page makes (scripts,
stylesheets, its JSON API) is intercepted and handed to ``fetch``, a function of
the caller's: the crawl fetches through Scrapy's downloader, so the same
network policy (private addresses, other schemes, host names resolving to
private addresses), robots.txt, retries, size limits, bot-wall detection and
politeness apply as to any request of the crawl. Images, fonts, media, other
frames and navigations away from the page are aborted; WebSockets are closed;
service workers are blocked. Each render has its own browser context (no
cookies or storage shared between pages).

A page is rendered when the network has been idle for 500 ms after it loaded,
or when its time budget runs out: then the DOM as it is is taken if the page
still answers (``RenderResult.timed_out``), and the caller decides whether that
is enough.

Small static assets (scripts, stylesheets) fetched for one page are kept in an
``AssetCache`` for the next pages of the crawl: a site's 24 article shells load
its application bundle once.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.rendering.browser import Browser, BrowserManager

# Resource types never loaded: nothing in them is text.
ABORTED_TYPES = frozenset({"image", "media", "font", "texttrack", "manifest", "eventsource", "other",
                           "ping", "beacon", "cspreport", "prefetch", "signedexchange"})
CACHED_TYPES = frozenset({"script", "stylesheet"})
# Request headers the browser sets that the crawler's downloader sets itself
_DROP_REQUEST_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "keep-alive",
                                   "te", "transfer-encoding", "upgrade", "proxy-connection",
                                   "proxy-authorization"})
# Response headers that described the bytes on the wire (the downloader decompressed them)
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                                    "keep-alive"})
SNAPSHOT_TIMEOUT = 3.0  # seconds to read the DOM of a page whose budget ran out
CLOSE_TIMEOUT = 5.0
VIEWPORT = {"width": 1280, "height": 2000}


class RenderTimeout(Exception):
    """The page did not finish loading within its time budget, and gave no DOM."""


class BrowserCrashed(Exception):
    """The browser died while rendering (killed, crashed): try the page again."""


class RenderFailed(Exception):
    """The page could not be rendered (the browser refused it)."""


class PageCrashed(RenderFailed):
    """The page's renderer process died (it may be the page, or the browser going down):
    worth one more try."""


class Refused(Exception):
    """``fetch`` would not fetch this request: the crawler's rules refuse it."""

    def __init__(self, reason: str, wall: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wall = wall  # a bot wall answered it


@dataclass
class FetchRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    resource_type: str


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


Fetch = Callable[[FetchRequest], Awaitable[Fetched]]


@dataclass
class RenderResult:
    html: str
    seconds: float
    timed_out: bool = False  # the budget ran out: this is the DOM at that moment
    requests: int = 0  # requests the page made that the crawler answered
    cached: int = 0  # ... from the asset cache
    aborted: int = 0  # not loaded (images, fonts, media, frames, other navigations)
    failed: int = 0  # fetches that failed (timeouts, connection errors)
    refused: list[str] = field(default_factory=list)  # refused by the crawler's rules, why
    walls: list[str] = field(default_factory=list)  # bot walls answered to the page's requests


class AssetCache:
    """GET answers of scripts and stylesheets, by URL, up to ``max_bytes`` (LRU);
    concurrent requests for one URL share one fetch."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_item: int = 4 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_item = max_item
        self.size = 0
        self._items: OrderedDict[str, Fetched] = OrderedDict()
        self._pending: dict[str, asyncio.Future[Fetched]] = {}

    def cacheable(self, req: FetchRequest) -> bool:
        return req.method == "GET" and req.resource_type in CACHED_TYPES

    async def get(self, req: FetchRequest, fetch: Fetch) -> tuple[Fetched, bool]:
        """(the answer, whether it came from the cache)."""
        hit = self._items.get(req.url)
        if hit is not None:
            self._items.move_to_end(req.url)
            return hit, True
        pending = self._pending.get(req.url)
        if pending is not None:
            return await asyncio.shield(pending), True
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        self._pending[req.url] = future
        try:
            fetched = await fetch(req)
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            self._pending.pop(req.url, None)
        future.set_result(fetched)
        if fetched.status == 200 and len(fetched.body) <= self.max_item:
            self._items[req.url] = fetched
            self.size += len(fetched.body)
            while self.size > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self.size -= len(old.body)
        return fetched, False


def _document_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _DROP_RESPONSE_HEADERS}


async def render_page(
    manager: BrowserManager, b: Browser, *, url: str, status: int, headers: dict[str, str],
    body: bytes, fetch: Fetch, budget: float, user_agent: str | None = None,
    cache: AssetCache | None = None,
) -> RenderResult:
    """Render the fetched page (``status``, ``headers``, ``body`` as the crawler got
    them from ``url``) in browser ``b``; raises RenderTimeout, BrowserCrashed or
    RenderFailed."""
    started = time.monotonic()
    deadline = started + budget
    result = RenderResult(html="", seconds=0.0)
    crashed = False
    context: Any = None

    def remaining() -> float:
        return max(0.001, deadline - time.monotonic())

    try:
        context = await asyncio.wait_for(b.browser.new_context(
            user_agent=user_agent, service_workers="block", viewport=VIEWPORT, accept_downloads=False,
        ), remaining())
        page = await asyncio.wait_for(context.new_page(), remaining())

        def on_crash(_page: Any) -> None:
            nonlocal crashed
            crashed = True

        page.on("crash", on_crash)
        served = False

        async def handle(route: Any) -> None:
            nonlocal served
            req = route.request
            try:
                if req.is_navigation_request():
                    if not served and req.frame == page.main_frame:
                        served = True
                        await route.fulfill(status=status, headers=_document_headers(headers), body=body)
                    else:
                        result.aborted += 1
                        await route.abort("blockedbyclient")
                    return
                if req.resource_type in ABORTED_TYPES or not req.url.startswith(("http://", "https://")):
                    result.aborted += 1
                    await route.abort("blockedbyclient")
                    return
                request_headers = {k: v for k, v in (await req.all_headers()).items()
                                   if not k.startswith(":") and k.lower() not in _DROP_REQUEST_HEADERS}
                fr = FetchRequest(req.method, req.url, request_headers, req.post_data_buffer, req.resource_type)
                try:
                    if cache is not None and cache.cacheable(fr):
                        fetched, hit = await cache.get(fr, fetch)
                        result.cached += hit
                    else:
                        fetched = await fetch(fr)
                except Refused as e:
                    (result.walls if e.wall else result.refused).append(e.reason)
                    await route.abort("blockedbyclient")
                    return
                except Exception:
                    result.failed += 1
                    await route.abort("failed")
                    return
                result.requests += 1
                await route.fulfill(status=fetched.status, headers=_document_headers(fetched.headers),
                                    body=fetched.body)
            except Exception:  # the page, its context or the browser went away meanwhile
                return

        async def close_socket(ws: Any) -> None:
            result.aborted += 1
            try:
                await ws.close()
            except Exception:
                pass

        await asyncio.wait_for(page.route("**/*", handle), remaining())
        await asyncio.wait_for(page.route_web_socket("**/*", close_socket), remaining())
        try:
            await page.goto(url, wait_until="networkidle", timeout=remaining() * 1000)
        except Exception as e:
            if not _is_timeout(e) or crashed or not b.alive:
                raise
            result.timed_out = True
        try:
            result.html = await asyncio.wait_for(
                page.content(), SNAPSHOT_TIMEOUT if result.timed_out else remaining())
        except TimeoutError:
            if result.timed_out:
                raise RenderTimeout(f"still loading after {budget:g}s") from None
            raise
    except TimeoutError:
        raise RenderTimeout(f"still loading after {budget:g}s") from None
    except (RenderTimeout, RenderFailed):
        raise
    except Exception as e:
        # a killed browser takes its pages down first: give its disconnection a moment to show
        for _ in range(10):
            if not b.alive:
                break
            await asyncio.sleep(0.1)
        if not b.alive:
            manager.mark_crashed(b)
            raise BrowserCrashed(f"{type(e).__name__}: {_short(e)}") from None
        if crashed:
            raise PageCrashed("the page crashed") from None
        raise RenderFailed(f"{type(e).__name__}: {_short(e)}") from None
    finally:
        if context is not None:
            try:
                await asyncio.wait_for(context.close(), CLOSE_TIMEOUT)
            except Exception:
                pass
        result.seconds = time.monotonic() - started
    if result.timed_out and not result.html:
        raise RenderTimeout(f"still loading after {budget:g}s")
    return result


def _is_timeout(e: BaseException) -> bool:
    try:
        from playwright.async_api import TimeoutError as PlaywrightTimeout
    except ImportError:  # pragma: no cover
        return False
    return isinstance(e, PlaywrightTimeout)


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split())
    # Playwright appends a call log: the first sentence is the error
    return text.split(" Call log:")[0][:200]
