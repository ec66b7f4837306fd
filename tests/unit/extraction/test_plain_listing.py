"""A page that is plainly not an article skips the body extraction, and gets the
verdict the full judgement would have given it."""

from __future__ import annotations

import pytest

from crawler.discovery.pagelinks import page_links
from crawler.extraction import extract_page

LINKS = "".join(f'<li><a href="/news/2025/03/story-number-{i}">Story number {i} of the day</a></li>'
                for i in range(40))
BODY = "".join(f"<p>Paragraph {i} of a long report on the harbour vote, with enough words in it to count "
               f"as prose that a reader would read from the start to the very end of the page.</p>"
               for i in range(12))


def page(*, head: str = "", body: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}</body></html>".encode()


TAG_PAGE = page(head='<meta property="og:type" content="website">', body=f"<h1>Energy</h1><ul>{LINKS}</ul>")
ARTICLE_HEAD = ('<meta property="og:type" content="article">'
                '<meta property="article:published_time" content="2025-03-04T09:30:00+00:00">')


@pytest.mark.parametrize("url, html, listing, reason", [
    ("https://d.test/", TAG_PAGE, "start", "not_article: homepage path"),
    ("https://d.test/tag/energy/", TAG_PAGE, "tag", "not_article: listing path /tag/energy/"),
    ("https://d.test/world/", TAG_PAGE, "section", "not_article: section or static path /world/"),
    ("https://d.test/themen/energie-wende", TAG_PAGE, "topic", "not_article: listing path /themen/energie-wende"),
    ("https://d.test/reporters/maria-okafor", TAG_PAGE, "author", "not_article: author page /reporters/maria-okafor"),
    ("https://d.test/news/world/latest", page(body=f"<ul>{LINKS}</ul>"), "page", "not_article: link_density"),
])
def test_a_plain_listing_is_judged_without_a_body(url: str, html: bytes, listing: str, reason: str) -> None:
    out = extract_page(html, url, strict=True, listing=listing, skim=True)
    assert not out.is_article and out.reason.startswith(reason), out.reason
    assert out.body == "" and out.signals["body_source"] == "none (plainly not an article)"
    # the full judgement, without the hint, reaches the same verdict
    full = extract_page(html, url, strict=True)
    assert full.is_article is False


def test_without_skim_a_listing_keeps_its_text() -> None:
    """``newscrawl extract`` asks for every page's text, articles or not."""
    out = extract_page(TAG_PAGE, "https://d.test/tag/energy/", strict=True, listing="tag")
    assert not out.is_article
    assert "Story number 39 of the day" in out.body
    assert out.signals["body_source"] != "none (plainly not an article)"


@pytest.mark.parametrize("url, listing", [
    ("https://d.test/tag/energy/harbour-vote-passes", "tag"),
    ("https://d.test/world/2025/03/harbour-vote-passes", "section"),
    ("https://d.test/harbour", "page"),
])
def test_a_page_with_article_markup_is_always_extracted(url: str, listing: str) -> None:
    out = extract_page(page(head=ARTICLE_HEAD, body=f"<article><h1>Vote</h1>{BODY}</article>"), url,
                       strict=True, listing=listing, skim=True)
    assert out.is_article, out.reason
    assert "Paragraph 11 of a long report" in out.body


def test_an_untyped_article_reached_by_a_link_is_still_recognised() -> None:
    html = page(body=f"<article><h1>Harbour vote passes</h1><p>By Ann Alpha</p>{BODY}</article>")
    out = extract_page(html, "https://d.test/news/2025/03/harbour-vote-passes", strict=True, listing="page",
                       skim=True)
    assert out.is_article, out.reason


def test_links_are_read_from_the_parsed_page_as_the_crawl_reads_them() -> None:
    from scrapy.http import HtmlResponse

    html = page(head='<base href="https://cdn.d.test/sub/">',
                body=f'<ul>{LINKS}</ul><a href="rel/x?q=é">é</a><a href="mailto:a@b">m</a>'
                     '<a href="/files/report.pdf">pdf</a><area href="/map">')
    out = extract_page(html, "https://d.test/", strict=True, links=True)
    assert out.links == page_links(HtmlResponse("https://d.test/", body=html, encoding="utf-8"))
    assert out.links[-2:] == ["https://cdn.d.test/sub/rel/x?q=%C3%A9", "https://cdn.d.test/map"]  # <base>
    assert extract_page(html, "https://d.test/", strict=True).links is None  # only when asked


def test_a_dated_article_under_a_listing_like_path_is_extracted() -> None:
    """The kind is read off the URL: a columnist's article under /columnists/ is an
    author "kind" by its path, but its date says it is one article."""
    html = page(head='<meta property="og:type" content="website">',
                body=f'<h1>Royal arrogance</h1><time datetime="2019-11-18T10:00:00Z">18 Nov 2019</time>{BODY}')
    url = "https://d.test/columnists/201911181077343476-royal-arrogance/"
    out = extract_page(html, url, strict=True, listing="author", skim=True)
    assert out.signals["body_source"] != "none (plainly not an article)"
    assert "Paragraph 11 of a long report" in out.body
    undated = extract_page(page(head='<meta property="og:type" content="website">', body=f"<h1>Ann</h1>{BODY}"),
                           "https://d.test/columnists/ann-alpha/", strict=True, listing="author", skim=True)
    assert undated.signals["body_source"] == "none (plainly not an article)"
