"""RenderPipeline: pages that need JavaScript, rendered in headless Chromium.

Between ExtractPipeline and StorePipeline. A page whose analysis found an
application shell (``Analysis.shell``: article metadata, no text, scripts, an
empty mount point; ``crawler.rendering.shell``) is rendered in the browser
(``crawler.rendering``), and the rendered DOM goes through the same analysis
(the extraction worker pool), bot-wall check, deduplication and storage as any
page: the item's body becomes the rendered DOM (``PageItem.rendered`` names the
browser; ``pages.rendered`` records it), so ``reextract`` extracts it as it is.
Every other page passes through untouched, and a crawl that meets no shell
never starts the browser.

Modes: ``NEWSCRAWL_RENDER`` (``auto``: shells only; ``always``: every HTML page;
``never``), or a site's ``render`` in the sites file. A shell that is not
rendered (``never``, no browser installed, a browser that does not start) is
recorded as ``not_article: needs JavaScript rendering (<why, how to enable>)``
and counted for the crawl summary.

Bounded cost: ``NEWSCRAWL_RENDER_CONCURRENCY`` pages at once, each within
``NEWSCRAWL_RENDER_TIMEOUT`` seconds (``rendering: timeout: ...`` otherwise),
the browser restarted when it dies (the page it was rendering is tried once
more) or passes ``NEWSCRAWL_RENDER_MAX_MEMORY`` MB. Every request a page makes
is fetched through Scrapy's downloader (``ExecutionEngine.download_async``): the
network policy, robots.txt, retries, size limits and bot-wall detection of the
crawl apply to it; refused ones are aborted. They share a download slot of their
own (``newscrawl-render``, configured in ``DOWNLOAD_SLOTS``), so a page loads
as in a browser instead of queueing behind the crawl's pages and their delays.

Stats: ``newscrawl/render/<...>``: ``rendered``, ``articles``, ``not_rendered``
(and ``not_rendered_why``), ``failed``, ``timeout``, ``seconds``,
``requests`` (the pages' requests answered), ``downloads`` (of which fetched by the
downloader), ``cached``, ``aborted``, ``refused``, ``fetch_failed``,
``browser_launches``, ``browser_crashes``, ``retried``, ``restarts/memory``,
``peak_memory_mb``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from crawler.ingest.analysis import Analysis
from crawler.items import FailureItem, PageItem
from crawler.pipelines.extract import extraction_pool
from crawler.rendering.browser import BrowserManager, BrowserUnavailable, find_browser
from crawler.rendering.render import (
    AssetCache,
    BrowserCrashed,
    Fetched,
    FetchRequest,
    PageCrashed,
    Refused,
    RenderFailed,
    RenderResult,
    RenderTimeout,
    render_page,
)
from crawler.resolver import refused_name_reason
from crawler.utils.botwall import wall_reason
from crawler.utils.failures import RequestRefused
from crawler.utils.pool import JobFailure
from storage.records import BOT_WALL_REASON, Outcome

LOG = logging.getLogger(__name__)

NEEDS_JS = "not_article: needs JavaScript rendering"
RENDER_ROLE = "render"  # request meta newscrawl_role of the requests pages make
RENDER_SLOT = "newscrawl-render"  # their download slot (its concurrency and delay: DOWNLOAD_SLOTS in settings)
NO_BROWSER_HOW = "install chromium (apt-get install chromium) or set NEWSCRAWL_BROWSER_PATH to render such pages"


def not_rendered_reason(why: str) -> str:
    return f"{NEEDS_JS} ({why})"


def rendered_headers(headers: dict[str, str]) -> dict[str, str]:
    """The page's headers describing its rendered DOM: UTF-8 HTML, no transfer encoding."""
    out = {k: v for k, v in headers.items()
           if k.lower() not in ("content-type", "content-encoding", "content-length", "transfer-encoding")}
    out["Content-Type"] = "text/html; charset=utf-8"
    return out


def _response_headers(response: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in response.headers.items():
        name = key.decode("latin-1")
        sep = "\n" if name.lower() == "set-cookie" else ", "
        out[name] = sep.join(v.decode("latin-1") for v in values)
    return out


class RenderPipeline:
    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.mode = s.get("NEWSCRAWL_RENDER") or "auto"
        self.concurrency = max(1, s.getint("NEWSCRAWL_RENDER_CONCURRENCY"))
        self.budget = s.getfloat("NEWSCRAWL_RENDER_TIMEOUT") or s.getfloat("DOWNLOAD_TIMEOUT") or 30.0
        self.max_memory_mb = s.getfloat("NEWSCRAWL_RENDER_MAX_MEMORY") or float("inf")
        # a request of a page being rendered outlives the page's budget a little at most
        self.download_timeout = min(s.getfloat("DOWNLOAD_TIMEOUT") or 180.0, self.budget + 5)
        self.browser_setting = s.get("NEWSCRAWL_BROWSER_PATH") or ""
        self.user_agent = s.get("USER_AGENT") or None
        self.manager: BrowserManager | None = None
        self.unavailable = ""  # why there is no browser to render with
        self.cache = AssetCache()
        self.sites: dict[str, Any] = {}
        self._semaphore: asyncio.Semaphore | None = None
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderPipeline:
        return cls(crawler)

    # -- lifecycle -------------------------------------------------------------------

    def open_spider(self) -> None:
        self.sites = {site.name: site for site in getattr(self.crawler.spider, "sites", None) or []}
        executable, why = find_browser(self.browser_setting)
        if executable is None:
            self.unavailable = f"no browser: {why}"
        else:  # nothing starts until a page needs it
            self.manager = BrowserManager(executable, max_memory_mb=self.max_memory_mb, stat=self._stat)

    async def close_spider(self) -> None:
        if self.manager is not None:
            await self.manager.close()

    # -- stats -----------------------------------------------------------------------

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def _stat(self, key: str, value: float = 1) -> None:
        if key == "peak_memory_mb":
            self.stats.max_value(f"newscrawl/render/{key}", value)
        else:
            self.stats.inc_value(f"newscrawl/render/{key}", value)

    # -- items -----------------------------------------------------------------------

    def mode_for(self, site: str) -> str:
        s = self.sites.get(site)
        return getattr(s, "render", None) or self.mode

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.analysis is None or item.rendered:
            return item
        shell = item.analysis.shell
        mode = self.mode_for(item.site)
        if mode == "never" or (mode == "auto" and not shell):
            if shell:
                if getattr(self.sites.get(item.site), "render", None) == "never":
                    self._not_rendered(item, 'rendering is off for this site (render = "never")',
                                       'set render = "auto" for it in the sites file to render such pages')
                else:
                    self._not_rendered(item, "rendering is off (NEWSCRAWL_RENDER=never)",
                                       "-s NEWSCRAWL_RENDER=auto renders such pages")
            return item
        if self.manager is None or self.manager.unavailable:
            if shell:
                why = f"no browser: {self.manager.unavailable}" if self.manager else self.unavailable
                self._not_rendered(item, why, NO_BROWSER_HOW)
            return item
        return await self._render(item, shell)

    def _not_rendered(self, item: PageItem, why: str, how: str) -> None:
        """Record a shell as a page that needs JavaScript (``why`` not rendered, ``how`` to have it rendered)."""
        assert item.analysis is not None
        ex = item.analysis.extraction
        ex.signals["shell"] = item.analysis.shell
        ex.reason = not_rendered_reason(why)
        self._stat("not_rendered")
        self.stats.set_value("newscrawl/render/not_rendered_why", f"{why}; {how}")
        if why not in self._warned:
            self._warned.add(why)
            LOG.warning("%s needs JavaScript rendering, not rendered: %s; %s", item.url, why, how)

    def _failure(self, item: PageItem, reason: str, outcome: Outcome = Outcome.FAILED) -> FailureItem:
        self._stat("failed")
        return FailureItem(url=item.url, site=item.site, reason=reason, outcome=outcome, status=item.status,
                           source=item.source, found_on=item.found_on, discovery=item.discovery)

    async def _render(self, item: PageItem, shell: str | None) -> Any:
        assert self.manager is not None
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        result: RenderResult | None = None
        async with self._semaphore:
            for attempt in (1, 2):
                try:
                    b = await self.manager.acquire()
                except BrowserUnavailable as e:
                    if shell:
                        self._not_rendered(item, f"no browser: {e}", NO_BROWSER_HOW)
                    return item
                try:
                    result = await render_page(
                        self.manager, b, url=item.url, status=item.status, headers=item.headers, body=item.body,
                        fetch=lambda fr: self._fetch(item, fr), budget=self.budget,
                        user_agent=self.user_agent, cache=self.cache)
                    break
                except BrowserCrashed as e:
                    if attempt == 2:
                        return self._failure(item, f"rendering: the browser crashed ({e})")
                    self._stat("retried")
                except PageCrashed as e:
                    if attempt == 2:
                        return self._failure(item, f"rendering: {e}")
                    self._stat("retried")
                except RenderTimeout as e:
                    self._stat("timeout")
                    return self._failure(item, f"rendering: timeout: {e}")
                except RenderFailed as e:
                    return self._failure(item, f"rendering: {e}")
                finally:
                    await self.manager.release(b)
        assert result is not None
        return await self._analyse(item, shell, result)

    async def _analyse(self, item: PageItem, shell: str | None, result: RenderResult) -> Any:
        for key, n in (("requests", result.requests), ("cached", result.cached),
                       ("aborted", result.aborted), ("refused", len(result.refused)),
                       ("fetch_failed", result.failed)):
            if n:
                self._stat(key, n)
        self._stat("seconds", round(result.seconds, 3))
        for reason in result.refused[:3]:
            LOG.info("rendering %s: a request was refused: %s", item.url, reason)
        html = result.html.encode("utf-8")
        headers = rendered_headers(item.headers)
        wall = wall_reason(200, html)
        if wall:
            return self._failure(item, wall, Outcome.BLOCKED)
        pool = extraction_pool(self.crawler)
        if pool is None:
            return self._failure(item, "rendering: no extraction pool")
        analysis: Analysis | JobFailure = await asyncio.wrap_future(pool.submit(html, item.url, headers))
        if isinstance(analysis, JobFailure):
            self.stats.inc_value("newscrawl/extract_failed")
            return self._failure(item, f"extraction: {analysis.error}")
        ex = analysis.extraction
        if not ex.is_article:
            if result.walls:
                return self._failure(item, f"{result.walls[0]} (on a request of the page)", Outcome.BLOCKED)
            if result.timed_out:
                self._stat("timeout")
                return self._failure(item, f"rendering: timeout: still loading after {self.budget:g}s")
        self._stat("rendered")
        ex.signals.update(rendered=True, render_seconds=round(result.seconds, 2),
                          render_requests=result.requests + result.cached)
        if shell:
            ex.signals["shell"] = shell
        if result.timed_out:
            ex.signals["render_timed_out"] = True
        if ex.is_article:
            self._stat("articles")
            ex.reason = f"{ex.reason} (rendered with JavaScript)"
        else:
            ex.reason = f"{ex.reason} (after JavaScript rendering)"
        analysis.shell = None
        item.body, item.headers, item.analysis = html, headers, analysis
        item.rendered = self.manager.version if self.manager else "browser"
        return item

    # -- the requests a page makes ---------------------------------------------------------

    async def _fetch(self, item: PageItem, fr: FetchRequest) -> Fetched:
        """One request of a page being rendered, through Scrapy's downloader (its
        middlewares: network policy, robots.txt, retries, bot walls)."""
        engine = self.crawler.engine
        assert engine is not None
        request = Request(
            fr.url, method=fr.method, headers=fr.headers, body=fr.body or b"", dont_filter=True,
            meta={"newscrawl_role": RENDER_ROLE, "newscrawl_site": item.site, "newscrawl_page": item.url,
                  "download_timeout": self.download_timeout, "download_slot": RENDER_SLOT,
                  "autothrottle_dont_adjust_delay": True},
        )
        try:
            response = await engine.download_async(request)
        except RequestRefused as e:
            raise Refused(e.reason, wall=e.reason.startswith(BOT_WALL_REASON)) from None
        except IgnoreRequest as e:
            raise Refused("robots.txt disallowed" if "robots.txt" in str(e) else f"ignored: {e}") from None
        except (DNSLookupError, CannotResolveHostError):
            refused = refused_name_reason(self.crawler, urlsplit(fr.url).hostname or "")
            if refused:
                raise Refused(refused) from None
            raise
        self._stat("downloads")
        return Fetched(response.status, _response_headers(response), response.body)
