"""crawler.downloadermiddlewares.metarefresh: Scrapy's verdict, without decoding pages
that cannot hold a refresh tag."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.metarefresh import MetaRefreshMiddleware, may_refresh

FILLER = "<p>" + "Words of an ordinary article paragraph. " * 40 + "</p>"


def page(head: str, body: str = FILLER, charset: str = "utf-8") -> bytes:
    html = f'<html><head><meta charset="{charset}">{head}</head><body>{body}</body></html>'
    return html.encode(charset)


PAGES = {
    "plain": page("<title>News</title>"),
    "refresh": page('<meta http-equiv="refresh" content="0; url=/next">'),
    "upper case": page('<META HTTP-EQUIV="REFRESH" CONTENT="1;URL=/next">'),
    "refresh past the window": page("<title>x</title>", FILLER * 20 + '<meta http-equiv="refresh" content="0; url=/n">'),
    "refresh in a script": page('<script>/* refresh */</script>'),
    "utf-16": "<html><head><meta http-equiv='refresh' content='0; url=/next'></head><body>é</body></html>"
              .encode("utf-16"),
    "cyrillic before the tag": page("<title>" + "Новини дня " * 300 + "</title>"
                                    '<meta http-equiv="refresh" content="0; url=/next">'),
}


def answer(mw: ScrapyMetaRefresh, body: bytes) -> str:
    request = Request("https://news.test/start")
    response = HtmlResponse("https://news.test/start", body=body, request=request,
                            headers={"Content-Type": "text/html"})
    result = mw.process_response(request, response)
    return result.url if isinstance(result, Request) else "no redirect"


@pytest.mark.parametrize("name", list(PAGES))
def test_same_verdict_as_scrapy(name: str) -> None:
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    ours, scrapys = MetaRefreshMiddleware.from_crawler(crawler), ScrapyMetaRefresh.from_crawler(crawler)
    assert answer(ours, PAGES[name]) == answer(scrapys, PAGES[name])


def test_the_pages_that_redirect_do() -> None:
    mw = MetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={"METAREFRESH_ENABLED": True}))
    assert answer(mw, PAGES["refresh"]) == "https://news.test/next"
    assert answer(mw, PAGES["upper case"]) == "https://news.test/next"
    assert answer(mw, PAGES["cyrillic before the tag"]) == "https://news.test/next"
    assert answer(mw, PAGES["plain"]) == "no redirect"


def test_only_pages_without_the_word_skip_the_check() -> None:
    assert not may_refresh(PAGES["plain"])
    assert not may_refresh(PAGES["refresh past the window"])
    assert may_refresh(PAGES["refresh"]) and may_refresh(PAGES["upper case"])
    assert may_refresh(PAGES["utf-16"])  # not ASCII-compatible: Scrapy decides
