"""crawler.downloadermiddlewares.networkpolicy: which addresses a crawl may contact (by
link, redirect or DNS answer), given where it started."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.downloadermiddlewares.networkpolicy import (
    NetworkPolicyMiddleware,
    RedirectGuardMiddleware,
    allowed_networks_for,
    is_allowed_target,
    parse_ip,
    refusal_reason,
)
from crawler.utils.failures import RequestRefused

LOOPBACK_START = allowed_networks_for(["127.0.0.1:8000"])
PUBLIC_START = allowed_networks_for(["example.org", "93.184.216.34"])


@pytest.mark.parametrize("host", [
    "169.254.169.254", "10.0.0.1", "10.255.1.2", "192.168.1.10", "172.16.5.4", "100.64.0.1",
    "0.0.0.0", "fe80::1", "fd00::5", "[fd00::5]", "::ffff:169.254.169.254", "224.0.0.1",
])
def test_private_link_local_and_metadata_addresses_are_refused(host: str) -> None:
    assert not is_allowed_target(host, PUBLIC_START)
    assert not is_allowed_target(host, LOOPBACK_START)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "app.localhost",
                                  "2130706433", "0x7f.1", "127.1"])
def test_loopback_is_refused_unless_a_start_url_is_on_loopback(host: str) -> None:
    assert not is_allowed_target(host, PUBLIC_START)
    assert is_allowed_target(host, LOOPBACK_START)


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "example.org", "news.example"])
def test_public_addresses_and_host_names_are_allowed(host: str) -> None:
    assert is_allowed_target(host, PUBLIC_START)


def test_a_private_start_url_opens_only_its_own_network() -> None:
    allowed = allowed_networks_for(["10.1.2.3"])
    assert is_allowed_target("10.200.0.9", allowed)
    assert not is_allowed_target("192.168.0.1", allowed)
    assert not is_allowed_target("169.254.169.254", allowed)
    assert not is_allowed_target("127.0.0.1", allowed)
    assert refusal_reason("169.254.169.254", allowed) == "refused: link-local address 169.254.169.254"


def test_ip_literals_in_every_spelling_are_recognised() -> None:
    assert str(parse_ip("2130706433")) == "127.0.0.1"
    assert str(parse_ip("0x7f000001")) == "127.0.0.1"
    assert str(parse_ip("[::ffff:a00:1]")) == "10.0.0.1"
    assert parse_ip("example.org") is None
    assert parse_ip("cafe.example") is None


class _Stats(dict):  # type: ignore[type-arg]
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count


def _guards(start_url: str) -> tuple[NetworkPolicyMiddleware, RedirectGuardMiddleware]:
    """Both security middlewares on a stand-in crawler whose spider starts at ``start_url``."""
    from scrapy.settings import Settings
    from scrapy.signalmanager import SignalManager

    from crawler.runner import build_settings
    from crawler.spiders.news import build_sites

    crawler = SimpleNamespace(settings=build_settings(), signals=SignalManager(), stats=_Stats(),
                              spider=SimpleNamespace(sites=build_sites([start_url], None, 2, 0)))
    assert isinstance(crawler.settings, Settings)
    return NetworkPolicyMiddleware.from_crawler(crawler), RedirectGuardMiddleware.from_crawler(crawler)


def _refusal(call: Any) -> str | None:
    try:
        call()
    except RequestRefused as e:
        return e.reason
    return None


def test_a_public_site_cannot_reach_private_addresses_by_link_redirect_or_dns() -> None:
    policy, guard = _guards("https://news.example/")
    page = Request("https://news.example/a")
    assert _refusal(lambda: policy.process_request(page)) is None
    assert _refusal(lambda: policy.process_request(Request("http://127.0.0.1:8080/"))) == \
        "refused: loopback address 127.0.0.1"
    assert _refusal(lambda: policy.process_request(Request("http://169.254.169.254/latest/"))) == \
        "refused: link-local address 169.254.169.254"
    assert _refusal(lambda: policy.process_request(Request("ftp://news.example/x"))) == "refused: ftp scheme"
    # A redirect to the metadata service, spelt as an IPv4-mapped IPv6 literal.
    moved = HtmlResponse("https://news.example/a", status=302, headers={"Location": "http://[::ffff:a9fe:a9fe]/x"},
                         ip_address=ipaddress.ip_address("93.184.216.34"))
    assert _refusal(lambda: guard.process_response(page, moved)) == \
        "refused: redirect to link-local address 169.254.169.254"
    # A public host name that resolved to a private address.
    answered = HtmlResponse("https://news.example/a", body=b"<p>hi</p>", ip_address=ipaddress.ip_address("10.1.2.3"))
    assert _refusal(lambda: guard.process_response(page, answered)) == \
        "refused: private address 10.1.2.3 (resolved from news.example)"
    public = HtmlResponse("https://news.example/a", body=b"<p>hi</p>", ip_address=ipaddress.ip_address("93.184.216.34"))
    assert guard.process_response(page, public) is public


def test_a_loopback_start_url_may_use_loopback_but_not_other_private_networks() -> None:
    policy, guard = _guards("http://127.0.0.1:8000/")
    assert _refusal(lambda: policy.process_request(Request("http://127.0.0.1:8000/a"))) is None
    assert _refusal(lambda: policy.process_request(Request("http://localhost:9000/"))) is None
    assert _refusal(lambda: policy.process_request(Request("http://10.0.0.1/"))) == "refused: private address 10.0.0.1"
    page = Request("http://127.0.0.1:8000/a", meta={"redirect_urls": ["http://127.0.0.1:8000/b"]})
    back = HtmlResponse(page.url, status=301, headers={"Location": "/b"}, ip_address=ipaddress.ip_address("127.0.0.1"))
    assert _refusal(lambda: guard.process_response(page, back)) == "redirect loop"
