"""PolicyResolver: host names are judged by the address they resolve to.

The network policy middlewares refuse private, loopback and link-local IP
literals before connecting; a host *name* can only be judged once resolved.
This resolver (``DNS_RESOLVER``) checks every answer against the crawl's
policy: a name that resolves to such an address is refused before any
connection, unless it is one of the user's own sites. Twisted reports a failed
resolution as a bare ``DNSLookupError``, so the reason is kept per name
(``refused_name_reason``) for the spider's failure record and the retry
middleware (a refusal is not retried).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawler.downloadermiddlewares.networkpolicy import _policy, parse_ip


def _refused(crawler: Crawler) -> dict[str, str]:
    refused = getattr(crawler, "_newscrawl_refused_names", None)
    if refused is None:
        refused = {}
        crawler._newscrawl_refused_names = refused  # type: ignore[attr-defined]
    return refused


def refused_name_reason(crawler: Crawler, host: str) -> str | None:
    """Why resolving ``host`` was refused in this crawl, or None."""
    return _refused(crawler).get(host.lower().rstrip("."))


def _own_site_name(crawler: Crawler, name: str) -> bool:
    for site in getattr(crawler.spider, "sites", None) or []:
        for host in site.hosts:
            own = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            if name == own or name.endswith("." + own):
                return True
    return False


class PolicyResolver(CachingThreadedResolver):
    """Installed once per process: Scrapy builds it from the CrawlerProcess, so
    the crawl's Crawler (its spider's sites, its policy) is looked up per answer."""

    owner: Any  # the CrawlerProcess (or a Crawler)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PolicyResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.owner = crawler
        return resolver

    def _crawler(self) -> Crawler | None:
        crawlers = getattr(self.owner, "crawlers", None)
        if crawlers is None:
            return self.owner if isinstance(self.owner, Crawler) else None
        return next((c for c in crawlers if c.spider is not None), None)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        d = super().getHostByName(name, timeout)
        d.addCallback(self._check, name)
        return d

    def _check(self, address: str, name: str) -> str:
        crawler = self._crawler()
        ip = parse_ip(address)
        if crawler is None or ip is None:
            return address
        policy = _policy(crawler)
        key = name.lower().rstrip(".")
        if not policy.enabled or _own_site_name(crawler, key):
            return address
        reason = policy.address_refusal(ip)
        if reason is None:
            return address
        # "refused: link-local address 169.254.169.254" -> name it
        reason = reason.replace("refused: ", f"refused: {key} resolves to ", 1)
        _refused(crawler)[key] = reason
        raise DNSLookupError(reason)
