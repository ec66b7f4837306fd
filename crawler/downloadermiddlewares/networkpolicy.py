"""Where the crawler may connect: http(s) only, and no private networks.

A public news site must not be able to make newscrawl fetch from the machine
it runs on or its network: a link or redirect to ``http://169.254.169.254/``
(cloud metadata), ``http://10.0.0.1/admin`` or ``http://localhost:8080/`` is
refused. Addresses that are not globally routable are allowed only when one of
the crawl's own start URLs (or sitemap/feed URLs, or site hosts) is on such a
network: crawling ``http://127.0.0.1:8000/`` allows loopback, crawling
``http://10.1.2.3/`` allows 10.0.0.0/8; nothing else opens up.

The policy is the pure function :func:`refusal_reason` (and
:func:`is_allowed_target`). Two downloader middlewares apply it:

* :class:`NetworkPolicyMiddleware` (before robots.txt handling): a request
  whose scheme is not http(s), or whose host is an IP literal (any spelling the
  resolver accepts: ``2130706433``, ``0x7f.1``, ``[::ffff:10.0.0.1]``) or a
  ``localhost`` name on a refused network, fails before any connection.
* :class:`RedirectGuardMiddleware` (before Scrapy's redirect handling): a
  redirect to a refused target fails on the URL that redirected, a redirect
  loop is reported as such (instead of the looping request vanishing in the
  duplicate filter), and a response whose peer address (a host name that
  resolved to a private address) is refused is dropped.

Host names are resolved by Twisted only when connecting, so a public name that
resolves to a private address is caught after the connection, from
``response.ip_address``; see the README's security notes.

Settings: ``NEWSCRAWL_ALLOW_PRIVATE`` (turn the address checks off),
``NEWSCRAWL_ALLOWED_NETWORKS`` (extra CIDR networks to allow).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.utils.failures import RequestRefused
from crawler.utils.urls import canonical_key
from storage.records import Outcome

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# The blocks a non-public start URL opens up (the whole block its address is in).
SPECIAL_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
        "100.64.0.0/10", "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10", "::/128",
    )
)
LOOPBACK_NETWORKS: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def parse_ip(host: str) -> IPAddress | None:
    """The address an IP-literal host names, in any spelling the system resolver
    accepts (``127.1``, ``2130706433``, ``0x7f000001``, ``[::1]``); IPv4-mapped
    IPv6 addresses are unwrapped. None for a host name."""
    host = host.strip().strip("[]").rstrip(".").lower()
    host = host.split("%", 1)[0]  # IPv6 zone id
    if not host:
        return None
    try:
        ip: IPAddress = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host) or not any(c.isdigit() for c in host):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return mapped
    return ip


def is_localhost_name(host: str) -> bool:
    host = host.strip().rstrip(".").lower()
    return host in LOCALHOST_NAMES or host.endswith(".localhost")


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not public ("loopback", "private", ...); None if public."""
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def allowed_networks_for(hosts: Iterable[str], extra: Iterable[str] = ()) -> list[Network]:
    """Networks a crawl starting at ``hosts`` (host names, IP literals, with or
    without a port) may reach besides the public Internet."""
    networks: list[Network] = [ipaddress.ip_network(n, strict=False) for n in extra]
    for host in hosts:
        host = _strip_port(host)
        if is_localhost_name(host):
            networks.extend(LOOPBACK_NETWORKS)
            continue
        ip = parse_ip(host)
        if ip is None or address_kind(ip) is None:
            continue
        if ip.is_loopback:
            networks.extend(LOOPBACK_NETWORKS)
            continue
        block = next((n for n in SPECIAL_NETWORKS if ip in n), None)
        networks.append(block or ipaddress.ip_network(ip))
    return list(dict.fromkeys(networks))


def _strip_port(host: str) -> str:
    host = host.strip()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def _in(ip: IPAddress, networks: Iterable[Network]) -> bool:
    return any(ip.version == n.version and ip in n for n in networks)


def refusal_reason(host: str, allowed: Iterable[Network]) -> str | None:
    """Why connecting to ``host`` (a name or IP literal) is refused, or None.

    Host names other than ``localhost`` pass: they can only be judged once resolved.
    """
    allowed = list(allowed)
    if is_localhost_name(host):
        return None if _in(ipaddress.ip_address("127.0.0.1"), allowed) else f"refused: loopback host {host}"
    ip = parse_ip(host)
    if ip is None:
        return None
    return address_refusal(ip, allowed)


def address_refusal(ip: IPAddress, allowed: Iterable[Network]) -> str | None:
    kind = address_kind(ip)
    if kind is None or _in(ip, allowed):
        return None
    return f"refused: {kind} address {ip}"


def is_allowed_target(host_or_ip: str, allowed_networks: Iterable[Network]) -> bool:
    """Whether newscrawl may connect to ``host_or_ip`` given the allowed networks."""
    return refusal_reason(host_or_ip, allowed_networks) is None


def scheme_refusal(url: str) -> str | None:
    scheme = urlsplit(url).scheme.lower()
    return None if scheme in ALLOWED_SCHEMES else f"refused: {scheme or 'no'} scheme"


class TargetPolicy:
    """The allowed networks of one crawl, from its spider's sites."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.enabled = not s.getbool("NEWSCRAWL_ALLOW_PRIVATE")
        self.extra = s.getlist("NEWSCRAWL_ALLOWED_NETWORKS")
        self.allowed: list[Network] = allowed_networks_for((), self.extra)
        self._sites: list[Any] | None = None
        crawler.signals.connect(self.refresh, signal=signals.spider_opened)

    def refresh(self) -> None:
        """Recompute the allowed networks from the spider's sites (which a
        distributed worker may reload while it runs)."""
        sites = list(getattr(self.crawler.spider, "sites", None) or [])
        if sites == self._sites:
            return
        self._sites = sites
        hosts: list[str] = []
        for site in sites:
            hosts.extend(site.hosts)
            for url in [*site.start_urls, *site.sitemaps, *site.feeds]:
                hosts.append(urlsplit(url).hostname or "")
        self.allowed = allowed_networks_for(hosts, self.extra)

    def url_refusal(self, url: str) -> str | None:
        reason = scheme_refusal(url)
        if reason or not self.enabled:
            return reason
        host = urlsplit(url).hostname or ""
        reason = refusal_reason(host, self.allowed)
        if reason:  # rare: make sure the sites have not changed before refusing
            self.refresh()
            reason = refusal_reason(host, self.allowed)
        return reason

    def address_refusal(self, ip: IPAddress) -> str | None:
        reason = address_refusal(ip, self.allowed)
        if reason:
            self.refresh()
            reason = address_refusal(ip, self.allowed)
        return reason


def _policy(crawler: Crawler) -> TargetPolicy:
    # One policy per crawler, shared by both middlewares.
    policy = getattr(crawler, "_newscrawl_target_policy", None)
    if policy is None:
        policy = TargetPolicy(crawler)
        crawler._newscrawl_target_policy = policy  # type: ignore[attr-defined]
    return policy


class NetworkPolicyMiddleware:
    """Refuse, before any connection, requests to other schemes and to private
    IP literals or ``localhost`` (unless a start URL is on that network)."""

    def __init__(self, crawler: Crawler, policy: TargetPolicy) -> None:
        self.crawler = crawler
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkPolicyMiddleware:
        return cls(crawler, _policy(crawler))

    def process_request(self, request: Request) -> None:
        reason = self.policy.url_refusal(request.url)
        if reason:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/security/refused")
            raise RequestRefused(reason, outcome=Outcome.BLOCKED)


class RedirectGuardMiddleware:
    """Check redirects before Scrapy follows them, and the address a response came from."""

    def __init__(self, crawler: Crawler, policy: TargetPolicy) -> None:
        self.crawler = crawler
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler, _policy(crawler))

    def _refuse(self, reason: str, outcome: Outcome, stat: str) -> RequestRefused:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newscrawl/{stat}")
        return RequestRefused(reason, outcome=outcome)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.policy.enabled and response.ip_address is not None:
            ip = parse_ip(str(response.ip_address))
            reason = self.policy.address_refusal(ip) if ip is not None else None
            if reason:
                host = urlsplit(request.url).hostname
                raise self._refuse(f"{reason} (resolved from {host})", Outcome.BLOCKED, "security/refused")
        if response.status not in REDIRECT_STATUSES or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        reason = self.policy.url_refusal(target)
        if reason:
            raise self._refuse(reason.replace("refused: ", "refused: redirect to ", 1), Outcome.BLOCKED, "security/refused")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonical_key(target) in {canonical_key(u) for u in chain}:
            raise self._refuse("redirect loop", Outcome.FAILED, "redirect_loop")
        return response
