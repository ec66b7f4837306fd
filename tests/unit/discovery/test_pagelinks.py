"""page_links: the spider's link finder, checked against Scrapy's own LinkExtractor."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.discovery.pagelinks import page_links
from crawler.utils.urls import clean_url
from tests.support import REPO

SITE = REPO / "crawler" / "demo" / "site"


def response(body: bytes | str, url: str = "https://daily.example/news/index.html",
             encoding: str = "utf-8") -> HtmlResponse:
    data = body.encode(encoding) if isinstance(body, str) else body
    return HtmlResponse(url=url, body=data, encoding=encoding)


def scrapy_links(resp: HtmlResponse) -> list[str]:
    links = LinkExtractor(unique=True, canonicalize=False).extract_links(resp)
    return [link.url for link in links if link.url.lower().startswith(("http://", "https://"))]


def same_links(resp: HtmlResponse) -> None:
    """Same links, same order; spelled alike once the crawl's clean_url has folded
    what Scrapy's safe_url_string folds too (the case of scheme and host)."""
    ours, theirs = page_links(resp), scrapy_links(resp)
    assert [clean_url(u) for u in ours] == [clean_url(u) for u in theirs]


@pytest.mark.parametrize("page", sorted(SITE.rglob("*.html")), ids=lambda p: str(p.relative_to(SITE)))
def test_the_sample_sites_links_match_scrapys(page: Path) -> None:
    host = page.relative_to(SITE).parts[0]
    resp = response(page.read_bytes(), f"http://{host}.example/{'/'.join(page.relative_to(SITE).parts[1:])}")
    assert page_links(resp) or "<a " not in page.read_text(errors="replace")
    same_links(resp)


EDGE = """<html><head><base href="https://cdn.example/base/"></head><body>
<a href="  rel/one.html  ">relative, padded</a>
<a href="/abs/two.html#comments">fragment</a>
<a href="/abs/two.html">same page again</a>
<a href="HTTPS://Daily.EXAMPLE/Caps.html">scheme and host in capitals</a>
<a href="/path with spaces/x.html?q=a|b">unsafe characters</a>
<a href="/photo.JPG">an image</a><a href="/report.pdf?download=1">a document</a>
<a href="javascript:void(0)">js</a><a href="mailto:desk@daily.example">mail</a>
<a href="tel:+3800000">phone</a><a href="data:text/html,hi">data</a>
<a href="">empty</a><a>no href</a><a href="http://[::1">broken IPv6</a>
<a href="http://daily.example:99999/port.html">port out of range</a>
<a href="http://daily.example:abc/port.html">port not a number</a>
<a href="/tag/[world]/story.html">brackets in the path</a>
<map><area href="/map/area.html"></map>
<a href="/ünïcode/straße.html">non-ASCII path</a>
<A HREF="/upper/tag.html">upper-case tag</A>
</body></html>"""


def test_edge_cases_match_scrapy_and_are_what_a_crawl_wants() -> None:
    resp = response(EDGE)
    same_links(resp)
    links = page_links(resp)
    assert links == [
        "https://cdn.example/base/rel/one.html",
        "https://cdn.example/abs/two.html#comments",
        "https://cdn.example/abs/two.html",
        "https://Daily.EXAMPLE/Caps.html",
        "https://cdn.example/path%20with%20spaces/x.html?q=a%7Cb",
        "https://cdn.example/base/",  # the empty href: the base itself, as in a browser
        "https://cdn.example/tag/%5Bworld%5D/story.html",  # as Request() spells it
        "https://cdn.example/map/area.html",
        "https://cdn.example/%C3%BCn%C3%AFcode/stra%C3%9Fe.html",
        "https://cdn.example/upper/tag.html",
    ]


def test_a_page_in_a_legacy_encoding_gets_its_query_encoded_as_scrapy_does() -> None:
    resp = response('<a href="/suche?q=Straße">s</a><a href="/ok.html">ok</a>', encoding="cp1252")
    same_links(resp)
    assert page_links(resp) == ["https://daily.example/suche?q=Stra%DFe", "https://daily.example/ok.html"]
