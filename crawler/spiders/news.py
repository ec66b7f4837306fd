"""NewsSpider: from homepages (or sitemap/feed URLs) to article pages.

Discovery: robots.txt ``Sitemap:`` lines (else ``/sitemap.xml``), sitemap
indexes, gzip and Google News sitemaps, RSS/Atom feeds advertised with
``<link rel="alternate">``, and link-following inside the site up to a depth.
Every HTML page becomes a ``PageItem``; extraction and article detection
happen in the pipelines, off the event loop. Every failure becomes a
``FailureItem`` with its reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.exceptions import CannotResolveHostError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.discovery import (
    feed_links,
    is_probably_discovery_url,
    parse_discovery_document,
    sitemaps_from_robots,
)
from crawler.utils.failures import describe_failure
from crawler.items import DiscoveryItem, DocumentItem, FailureItem, NotModifiedItem, PageItem
from crawler.downloadermiddlewares.skipknown import KnownURL, ListingNotDue
from crawler.resolver import refused_name_reason
from crawler.utils.since import parse_since
from crawler.sites import Site, load_sites, site_from_url
from crawler.discovery.pagelinks import page_links
from crawler.pipelines.extract import analyse_page, unchanged_page
from crawler.utils.editsignals import EditSignals
from crawler.utils.listings import links_hash, listing_kind
from crawler.utils.urls import canonical_key, clean_url, host_of, is_http_url
from storage.recheck import parse_time
from storage.records import utcnow
from storage.records import Outcome

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SPLIT = re.compile(r"\s+")  # URLs may hold commas
# "Next page" of a listing: followed at the listing's own depth, up to a limit.
# Sources whose entries carry a title/date worth recording even when the URL's
# request came from elsewhere (a plain sitemap listing the same article).
_RICH_SOURCES = ("news-sitemap", "rss", "atom", "jsonfeed")
_PAGINATION = re.compile(r"(/page/\d+/?$)|([?&](page|p|pg)=\d+)", re.I)
_DISCOVERY_ROLES = ("robots", "sitemap", "feed")


def _headers(response: Response) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


# Listing kinds fetched after the articles that sitemaps, feeds and front pages list.
_DEEP_LISTINGS = frozenset({"tag", "topic", "author", "archive", "search", "pagination"})


def page_priority(url: str, source: str, depth: int) -> int:
    """Articles first: start pages (where new articles show up), then what sitemaps
    and feeds list and what front pages link to, nearest first; tag, author,
    archive, search and deep pagination pages last. A run with a page budget or a
    time limit spends it on articles."""
    if source == "start":
        return 10
    if source != "link":
        return 0  # sitemap, news-sitemap, feed entries: article URLs
    return -depth - (10 if listing_kind(url, depth, source) in _DEEP_LISTINGS else 0)


def build_sites(urls: list[str], sites_file: str | None, follow_depth: int, max_pages: int) -> list[Site]:
    """Sites from start URLs (homepages, sitemaps or feeds) and a sites file."""
    sites = load_sites(sites_file, follow_depth=follow_depth, max_pages=max_pages) if sites_file else []
    by_host: dict[str, Site] = {host: site for site in sites for host in site.hosts}
    for url in urls:
        kind = is_probably_discovery_url(url)
        host = host_of(url)
        site = by_host.get(host) or next((s for s in sites if s.owns(host)), None)
        if site is None:
            site = site_from_url(url, follow_depth=follow_depth, max_pages=max_pages)
            site.start_urls = []
            by_host[host] = site
            sites.append(site)
        if kind == "sitemap":
            site.sitemaps.append(url)
        elif kind == "feed":
            site.feeds.append(url)
        elif clean_url(url) not in site.start_urls:
            site.start_urls.append(clean_url(url))
    return sites


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, url: str | None = None, sites: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_arg = url or ""
        self.sites_arg = sites
        self.sites: list[Site] = []
        # page budget: the distinct pages (canonical keys) requested per site, kept
        # only for sites with a budget, so never more than max_pages keys each
        self.budgeted: defaultdict[str, set[str]] = defaultdict(set)
        # what this run's sitemaps and feeds say of each URL's last change
        self.edit_signals = EditSignals()
        # stored articles skipped before a sitemap/feed gave their signal this run: URL
        # key -> the signal the skip was decided on; a newer one asks again
        self.skipped_known: dict[int, str | None] = {}
        # hashes of the canonical keys of the pages this spider has asked for: a link to
        # one of them again (most links on listing and article pages) is dropped before a
        # Request is built for the duplicate filter to drop (~0.2 ms each, on the event loop)
        self.requested: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "NewsSpider":
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        urls = [u for u in _SPLIT.split(spider.url_arg) if u]
        bad = [u for u in urls if not is_http_url(u)]
        if bad:
            raise ValueError(f"not http(s) URLs: {', '.join(bad)}")
        spider.sites = build_sites(
            urls,
            spider.sites_arg or s.get("NEWSCRAWL_SITES_FILE") or None,
            s.getint("NEWSCRAWL_FOLLOW_DEPTH"),
            s.getint("NEWSCRAWL_MAX_PAGES_PER_SITE"),
        )
        if not spider.sites:
            raise ValueError("nothing to crawl: give -a url=URL or -a sites=FILE")
        spider.sitemap_fallback = s.getbool("NEWSCRAWL_SITEMAP_FALLBACK")
        spider.follow_from_sitemap = s.getbool("NEWSCRAWL_FOLLOW_FROM_SITEMAP")
        spider.max_pagination = s.getint("NEWSCRAWL_MAX_PAGINATION")
        since = s.get("NEWSCRAWL_SINCE")
        spider.since = parse_since(since) if since else None
        spider.default_window_days = s.getfloat("NEWSCRAWL_WINDOW_DAYS")
        crawler.signals.connect(spider.count_discovery_response, signal=signals.response_received)
        return spider

    # --- requests ----------------------------------------------------------------

    def cutoff(self, site: Site) -> datetime | None:
        """Sitemap/feed entries dated before this are not fetched."""
        window = site.window_days if site.window_days is not None else self.default_window_days
        limits = [t for t in (self.since,) if t is not None]
        if window:
            limits.append(datetime.now(timezone.utc) - timedelta(days=window))
        return max(limits) if limits else None

    def _site_for(self, url: str) -> Site | None:
        host = host_of(url)
        for site in self.sites:
            if site.owns(host):
                return site
        return None

    def _discovery_request(self, url: str, site: Site, role: str, **meta: Any) -> Request:
        return Request(
            url,
            callback=self.parse_robots if role == "robots" else self.parse_discovery,
            errback=self.on_error,
            priority=20,
            meta={"newscrawl_role": role, "newscrawl_site": site.name, **meta},
        )

    def page_request(
        self, url: str, site: Site, *, source: str, depth: int,
        found_on: str | None = None, discovery: dict[str, Any] | None = None, pagination: int = 0,
    ) -> Request | None:
        if site.max_pages and not self.spend_page_budget(site, url):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/page_budget_exhausted")
            return None
        self.requested.add(hash(canonical_key(url)))
        return Request(
            clean_url(url),
            callback=self.parse_page,
            errback=self.on_error,
            priority=page_priority(url, source, depth),
            meta={
                "newscrawl_role": "page",
                "newscrawl_site": site.name,
                "newscrawl_source": source,
                "newscrawl_depth": depth,
                "newscrawl_found_on": found_on,
                "newscrawl_discovery": discovery,
                "newscrawl_pagination": pagination,
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites:
            roots = dict.fromkeys(
                f"{p.scheme}://{p.netloc}" for p in map(urlsplit, site.start_urls + site.sitemaps + site.feeds)
            )
            if site.use_sitemaps:
                for root in roots:
                    # not exempt from RobotsTxtMiddleware: then every request to the host,
                    # this one too, waits for Scrapy's own robots.txt and its Crawl-delay
                    yield self._discovery_request(f"{root}/robots.txt", site, "robots")
                for url in site.sitemaps:
                    yield self._discovery_request(url, site, "sitemap")
            for url in site.feeds:
                yield self._discovery_request(url, site, "feed")
            for url in site.start_urls:
                request = self.page_request(url, site, source="start", depth=0)
                if request is not None:
                    yield request

    # --- callbacks ---------------------------------------------------------------

    def _fallback_sitemap(self, robots_url: str, site: Site) -> Request:
        """``/sitemap.xml`` at the root of a site whose robots.txt names no sitemap."""
        root = robots_url.rsplit("/robots.txt", 1)[0]
        return self._discovery_request(f"{root}/sitemap.xml", site, "sitemap", newscrawl_fallback=True)

    def _document(self, response: Response, site: Site) -> Iterator[DocumentItem]:
        """A discovery document as fetched, kept for the next run's conditional GET
        (not when it came from that copy: the server said it had not changed)."""
        if response.meta.get("newscrawl_not_modified"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"newscrawl/not_modified/{response.meta['newscrawl_role']}")
        elif response.status == 200:
            yield DocumentItem(url=response.url, site=site.name, kind=response.meta["newscrawl_role"],
                               headers=_headers(response), body=response.body)

    def parse_robots(self, response: Response) -> Iterator[Request | DocumentItem]:
        site = self._site(response)
        yield from self._document(response, site)
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        sitemaps = sitemaps_from_robots(text, response.url)
        if not sitemaps and self.sitemap_fallback:
            yield self._fallback_sitemap(response.url, site)
        for url in sitemaps:
            yield self._discovery_request(url, site, "sitemap")

    def parse_discovery(self, response: Response) -> Iterator[Any]:
        site = self._site(response)
        yield from self._document(response, site)
        parsed = parse_discovery_document(response.body, response.url, response.headers.get("Content-Type", b"").decode("latin-1"))
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"newscrawl/discovery/{parsed.kind}")
        if parsed.error and not (parsed.kind == "unknown" and response.meta.get("newscrawl_fallback")):
            yield FailureItem(
                url=response.url, site=site.name, reason=f"{response.meta['newscrawl_role']}: {parsed.error}",
                status=response.status, source=response.meta["newscrawl_role"],
            )
        for entry in parsed.entries:
            if parsed.kind == "sitemapindex":
                yield self._discovery_request(entry.url, site, "sitemap")
                continue
            entry_site = self._site_for(entry.url)
            if entry_site is None:
                stats.inc_value("newscrawl/discovery/offsite")
                continue
            stats.inc_value(f"newscrawl/site/{entry_site.name}/discovered")
            cutoff = self.cutoff(entry_site)
            if cutoff is not None:
                dated = parse_time(entry.published) or parse_time(entry.lastmod)
                if dated is not None and dated < cutoff:
                    stats.inc_value("newscrawl/discovery/too_old")
                    continue
            discovery = {k: v for k, v in (("lastmod", entry.lastmod), ("published", entry.published), ("title", entry.title)) if v}
            if entry.source in _RICH_SOURCES and discovery:
                yield DiscoveryItem(
                    url=entry.url, site=entry_site.name, source=entry.source, found_on=response.url,
                    discovery=discovery,
                )
            key = canonical_key(entry.url)
            moved = self.edit_signals.see(key, lastmod=entry.lastmod, published=entry.published)
            request = self.page_request(
                entry.url, entry_site, source=entry.source, depth=1, found_on=response.url,
                discovery=discovery or None,
            )
            if request is not None:
                if moved and self._ask_again(key):
                    # skipped earlier this run without this signal (e.g. linked from the
                    # homepage before this sitemap was read): the duplicate filter would drop it
                    stats.inc_value("newscrawl/rechecked/asked_again")
                    request = request.replace(dont_filter=True)
                yield request

    def _ask_again(self, key: str) -> bool:
        """Whether a stored article skipped earlier this run was skipped on an older
        signal than the one now known (then it is asked for again, once)."""
        if hash(key) not in self.skipped_known:
            return False
        decided = parse_time(self.skipped_known[hash(key)])
        latest = parse_time(self.edit_signals.get(key).latest)
        if decided is not None and (latest is None or latest <= decided):
            return False
        del self.skipped_known[hash(key)]
        return True

    def count_discovery_response(self, response: Response, request: Request) -> None:
        """Requests for robots.txt, sitemaps and feeds answered, per site (``crawl_run_sites``)."""
        role = request.meta.get("newscrawl_role")
        if role in _DISCOVERY_ROLES:
            name = request.meta.get("newscrawl_site")
        elif role is None and request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
            site = self._site_for(request.url)  # Scrapy's own robots.txt request
            name = site.name if site is not None else None
        else:
            return
        if name:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"newscrawl/site/{name}/discovery_requests")

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        site = self._site(response)
        meta = response.meta
        source = meta.get("newscrawl_source", "link")
        discovery = meta.get("newscrawl_discovery")
        requested = (meta.get("redirect_urls") or [response.request.url])[0]
        signal = self.edit_signals.for_keys(list(dict.fromkeys(map(canonical_key, (requested, response.url)))),
                                            discovery)
        ctype = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
        if not isinstance(response, TextResponse) or (ctype and ctype not in _HTML_TYPES):
            yield FailureItem(
                url=response.url, site=site.name, reason=f"not html: {ctype or type(response).__name__}",
                outcome=Outcome.SKIPPED, status=response.status, source=source,
                found_on=meta.get("newscrawl_found_on"), discovery=discovery,
            )
            return
        if response.status == 304:
            yield NotModifiedItem(url=response.url, site=site.name, status=304, reason="http 304 not modified",
                                  headers=_headers(response), signal_modified=signal.latest)
            return
        if meta.get("newscrawl_not_modified"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/not_modified/listing")
        depth = meta.get("newscrawl_depth", 0)
        from_listing = source in ("start", "link") or self.follow_from_sitemap
        follow = depth < site.follow_depth and from_listing
        item = PageItem(
            url=response.url,
            requested_url=requested,
            status=response.status,
            headers=_headers(response),
            body=response.body,
            site=site.name,
            fetched_at=utcnow(),
            source=source,
            found_on=meta.get("newscrawl_found_on"),
            discovery=discovery,
            depth=depth,
            known_hash=meta.get("newscrawl_known_hash"),
            signal_modified=signal.latest,
            signal_lastmod=signal.lastmod,
            listing=listing_kind(response.url, depth, source),
            not_modified=bool(meta.get("newscrawl_not_modified")),
        )
        links: list[str] | None = None
        out: Any = unchanged_page(item)  # a re-checked article whose bytes did not change
        if out is None and item.not_modified and not follow:
            out = item  # a listing read from its stored copy, links not followed: nothing to analyse
        if out is None:
            # Analysed now, in the extraction workers, which also read the page's links
            # from the tree they parse (off the event loop): its follow-up requests go
            # out once it is analysed.
            out = await analyse_page(self.crawler, item, follow)
            if isinstance(out, FailureItem):
                yield out
                return
        if follow:
            assert self.crawler.stats is not None
            if isinstance(out, PageItem) and out.analysis is not None and out.analysis.extraction.links is not None:
                links = out.analysis.extraction.links
                out.analysis.extraction.links = None  # used here; not carried to storage
                self.crawler.stats.inc_value("newscrawl/links/read_by_worker")
            else:  # not analysed (unchanged bytes, or no extraction pool in this crawl)
                links = page_links(response)
                self.crawler.stats.inc_value("newscrawl/links/read_here")
            # the page's same-site links: a listing page whose links did not change
            # since its last visit is revisited less often
            links = [u for u in links if is_http_url(u) and site.owns(host_of(u))]
            if isinstance(out, PageItem):
                out.links_hash = links_hash(links)
        # The page's follow-up requests before the page itself: once its record is
        # stored, a cluster worker killed mid-callback must not have lost its links (the
        # page's lease goes back to the frontier, but a listing stored this run is not due
        # again, so nobody would read them).
        if depth == 0 and site.use_feeds:
            for url in feed_links(response.body, response.url):
                yield self._discovery_request(url, site, "feed")
        if links is not None:
            for request in self._follow_links(links, response, site, depth, meta.get("newscrawl_pagination", 0)):
                yield request
        yield out

    def _follow_links(
        self, links: list[str], response: TextResponse, site: Site, depth: int, pagination: int
    ) -> Iterator[Request]:
        requested = self.requested
        repeated = 0
        for url in links:
            if hash(canonical_key(url)) in requested:
                repeated += 1
                continue
            path = urlsplit(url).path or "/"
            if site.allow and not any(p.search(path) for p in site.allow):
                continue
            if any(p.search(path) for p in site.deny):
                continue
            if _PAGINATION.search(url) and depth > 0:
                if pagination >= self.max_pagination:
                    continue
                request = self.page_request(
                    url, site, source="link", depth=depth, found_on=response.url, pagination=pagination + 1
                )
            else:
                request = self.page_request(url, site, source="link", depth=depth + 1, found_on=response.url)
            if request is not None:
                yield request
        if repeated:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/links/already_requested", repeated)

    def on_error(self, failure: Failure) -> Iterator[FailureItem | Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(KnownURL, ListingNotDue):
            # an article already stored, or a listing not due, is not downloaded: it
            # costs no page budget
            self.release_page_budget(request.meta.get("newscrawl_site") or "", request.url)
            if failure.check(KnownURL):
                self.skipped_known[hash(canonical_key(request.url))] = request.meta.get("newscrawl_decided_signal")
            return
        meta = request.meta
        role = meta.get("newscrawl_role")
        reason, status, outcome = describe_failure(failure)
        refused = refused_name_reason(self.crawler, urlsplit(request.url).hostname or "")
        if refused and failure.check(DNSLookupError, CannotResolveHostError):
            reason, outcome = refused, Outcome.BLOCKED
        stats = self.crawler.stats
        assert stats is not None
        if role == "robots" or (meta.get("newscrawl_fallback") and status == 404):
            # No robots.txt or no /sitemap.xml is normal, not a failure.
            stats.inc_value(f"newscrawl/{role}_missing")
            if role == "robots" and self.sitemap_fallback:
                yield self._fallback_sitemap(request.url, self._site_by_name(meta["newscrawl_site"]))
            return
        # a failure after redirects belongs to the URL that was linked, not the last hop
        url = (meta.get("redirect_urls") or [request.url])[0]
        yield FailureItem(
            url=url, site=meta.get("newscrawl_site") or host_of(url), reason=reason,
            outcome=outcome, status=status, source=meta.get("newscrawl_source") or role,
            found_on=meta.get("newscrawl_found_on"), discovery=meta.get("newscrawl_discovery"),
        )

    def spend_page_budget(self, site: Site, url: str) -> bool:
        """Take a place in the site's page budget for this page, unless it has
        one already (a URL linked again costs nothing: the dupefilter drops it)."""
        key, spent = canonical_key(url), self.budgeted[site.name]
        if key in spent:
            return True
        if len(spent) >= site.max_pages:
            return False
        spent.add(key)
        return True

    def release_page_budget(self, site_name: str, url: str) -> None:
        """A page request dropped before download (e.g. as a crawler trap) gives
        its place in the site's page budget back."""
        self.budgeted.get(site_name, set()).discard(canonical_key(url))

    # --- helpers -----------------------------------------------------------------

    def _site_by_name(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def _site(self, response: Response) -> Site:
        return self._site_by_name(response.meta["newscrawl_site"])
