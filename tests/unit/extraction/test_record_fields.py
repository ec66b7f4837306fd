"""Unit tests for the record fields of issue 17: images (srcset, lazy loading, captions
and credits), body_html (sanitising, agreement with body), paywall, section, live blogs
and the visible "Updated" time."""

from __future__ import annotations

import json

import lxml.html
import pytest

from crawler.extraction import extract_page
from crawler.extraction.bodyhtml import (Block, body_paragraphs, html_paragraphs, render,
                                         sanitize)
from crawler.extraction.dates import parse_shown_date, pick_modified
from crawler.extraction.images import image_source, largest_candidate, split_credit
from crawler.extraction.liveblog import live_entries
from crawler.extraction.metadata import read_metadata
from crawler.extraction.paywall import declared_access, paywall_state
from crawler.extraction.sections import pick_section

BASE = "https://news.example/a/story"
PROSE = ("The council met on Tuesday to discuss the harbour plans, which have been "
         "debated for several years by residents and businesses alike. ")


def _tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def _page(head: str = "", body: str = "") -> str:
    return (f"<html lang='en'><head><title>Harbour plans</title>{head}</head><body><main><article>"
            f"<h1>Harbour plans</h1>{body}</article></main></body></html>")


def _jsonld(obj: dict[str, object]) -> str:
    return f"<script type='application/ld+json'>{json.dumps(obj)}</script>"


@pytest.mark.parametrize("text, caption, credit", [
    ("Soldiers in Pyongyang on July 8, 2019 (Kim Won Jin / AFP)",
     "Soldiers in Pyongyang on July 8, 2019", "Kim Won Jin / AFP"),
    ("A crowd gathers. Photo: Jane Doe/Reuters", "A crowd gathers.", "Photo: Jane Doe/Reuters"),
    ("Der Slowene wurde disqualifiziert Foto: AFP/Philipp Guelland",
     "Der Slowene wurde disqualifiziert", "Foto: AFP/Philipp Guelland"),
    ("Kwasi Kwarteng and Liz Truss. John Smith/Getty Images",
     "Kwasi Kwarteng and Liz Truss.", "John Smith/Getty Images"),
    ("Photo: Jane Doe. A crowd gathers in the square", "A crowd gathers in the square",
     "Photo: Jane Doe"),
    ("Protesters in Paris (AFP)", "Protesters in Paris", "AFP"),
    ("Smoke rises over the city. © Jane Doe", "Smoke rises over the city.", "© Jane Doe"),
    # no credit: a parenthesis that names no agency, a word that only looks like a label
    ("The minister (left) speaks to reporters", "The minister (left) speaks to reporters", ""),
    ("Images of the war are shown in Kyiv", "Images of the war are shown in Kyiv", ""),
])
def test_credits_are_split_from_captions(text: str, caption: str, credit: str) -> None:
    assert split_credit(text) == (caption, credit)


def test_the_largest_srcset_candidate_wins() -> None:
    assert largest_candidate("a.jpg 480w, b.jpg 1200w, c.jpg 800w") == ("b.jpg", 1200)
    assert largest_candidate("a.jpg, b.jpg 2x") == ("b.jpg", None)
    # commas inside candidate URLs (image CDNs) do not split them
    assert largest_candidate("https://cdn.example/w_300,h_200/a.jpg 300w, "
                             "https://cdn.example/w_900,h_600/a.jpg 900w") == \
        ("https://cdn.example/w_900,h_600/a.jpg", 900)


@pytest.mark.parametrize("img, expected", [
    ('<img src="/p/a.jpg" width="800">', ("https://news.example/p/a.jpg", 800)),
    ('<img src="data:image/gif;base64,R0l" data-src="/p/lazy.jpg">',
     ("https://news.example/p/lazy.jpg", None)),
    ('<img data-srcset="/p/s.jpg 400w, /p/l.jpg 1400w" src="/p/s.jpg">',
     ("https://news.example/p/l.jpg", 1400)),
    ('<img src="https://t.example/pixel.gif" width="1" height="1">', None),
    ('<img src="data:image/png;base64,iVBOR">', None),
    ('<img src="/static/icons/share.svg">', None),
    ('<img class="author-avatar" src="/p/jane.jpg">', None),
    ('<img src="/p/x.jpg" width="32" height="32">', None),
])
def test_image_sources(img: str, expected: tuple[str, int | None] | None) -> None:
    el = next(_tree(f"<p>{img}</p>").iter("img"))
    assert image_source(el, BASE) == expected


def test_body_html_is_sanitised_whatever_the_page_held() -> None:
    dirty = ('<p onclick="x()">Hi <a href="javascript:alert(1)">there</a>'
             '<a href="https://ok.example/" style="color:red" target="_blank">ok</a></p>'
             '<script>alert(1)</script><iframe src="https://evil.example/"></iframe>'
             '<img src="x" onerror="alert(1)"><svg><g onload="x()"/></svg>')
    clean = sanitize(dirty)
    for bad in ("onclick", "javascript:", "style=", "<script", "alert(1)", "<iframe", "onerror",
                "<svg", "target="):
        assert bad not in clean, bad
    assert '<a href="https://ok.example/" rel="nofollow noopener noreferrer">ok</a>' in clean


def test_a_hostile_page_gives_safe_body_html() -> None:
    body = "".join(f"<p>{PROSE}{i} <a href='javascript:steal()'>link</a> "
                   f"<b onmouseover='x()'>bold</b></p>" for i in range(5))
    html = _page(_jsonld({"@type": "NewsArticle", "headline": "Harbour plans",
                          "datePublished": "2025-03-01"}),
                 body + "<p><img src=x onerror=alert(1)></p><script>document.write('x')</script>")
    out = extract_page(html, BASE, strict=True)
    assert out.is_article and out.body_html
    assert "javascript:" not in out.body_html and "onmouseover" not in out.body_html
    assert "onerror" not in out.body_html and "<script" not in out.body_html
    assert html_paragraphs(out.body_html) == body_paragraphs(out.body)


def test_render_keeps_only_the_kept_lines_and_places_figures() -> None:
    tree = _tree("<div><p>First paragraph of the story is long enough.</p>"
                 "<figure><img src='/p/1.jpg' width='800'></figure>"
                 "<p>Second paragraph of the story is long enough too.</p></div>")
    ps = list(tree.iter("p"))
    img = next(tree.iter("img"))
    blocks = [Block("p", ["First paragraph of the story is long enough."], source=ps[0]),
              Block("p", ["Read also: something else"]),
              Block("p", ["Second paragraph of the story is long enough too."], source=ps[1])]
    html = render(blocks, {0, 2}, base=BASE, region=ps[0].getparent(),
                  figures=[({"url": "https://news.example/p/1.jpg", "caption": "Cap",
                             "credit": "AFP", "width": 800}, img)])
    assert "Read also" not in html
    assert html.index("First paragraph") < html.index("<figure>") < html.index("Second")
    assert "<figcaption>Cap <small>AFP</small></figcaption>" in html


@pytest.mark.parametrize("obj, expected", [
    ({"isAccessibleForFree": False}, False),
    ({"isAccessibleForFree": "False"}, False),
    ({"isAccessibleForFree": "true"}, True),
    ({"isAccessibleForFree": True, "hasPart": [{"@type": "WebPageElement",
                                               "isAccessibleForFree": "false"}]}, False),
    ({}, None),
])
def test_declared_access(obj: dict[str, object], expected: bool | None) -> None:
    pm = read_metadata(_tree(_page(_jsonld({"@type": "NewsArticle", "headline": "H", **obj}))))
    assert declared_access(pm) is expected


def test_paywall_markup_counts_only_when_it_says_the_text_stops() -> None:
    box = ("<div class='paywall-box'><p>This article is for subscribers only. Subscribe to "
           "continue reading.</p></div>")
    offer = "<div class='paywall'><p>Special offer: subscribe for 1 euro.</p></div>"
    article_text = "<div class='paywall'>" + f"<p>{PROSE * 3}</p>" * 4 + "</div>"
    for body, expected in ((box, True), (offer, None), (article_text, None), ("", None)):
        tree = _tree(_page(body=f"<p>{PROSE}</p>{body}"))
        assert paywall_state(read_metadata(tree), tree) is expected, body[:40]
    tier = _tree(_page("<meta property='article:content_tier' content='locked'>"))
    assert paywall_state(read_metadata(tier), tier) is True


@pytest.mark.parametrize("head, body, expected", [
    (_jsonld({"@type": "NewsArticle", "articleSection": ["Politics", "Europe"]}), "", "Politics"),
    ("<meta property='article:section' content='Sport'>", "", "Sport"),
    (_jsonld({"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 2, "name": "World", "item": "https://news.example/world/"},
        {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://news.example/"},
        {"@type": "ListItem", "position": 3, "name": "Harbour plans"}]}), "", "World"),
    ("", "<nav class='breadcrumb'><a href='/'>Home</a> › <a href='/local/'>Local</a> › "
         "<span>Harbour plans</span></nav>", "Local"),
    ("", "", None),
])
def test_section(head: str, body: str, expected: str | None) -> None:
    tree = _tree(_page(head, body))
    assert pick_section(read_metadata(tree), tree, BASE, "Harbour plans") == expected


def test_live_blog_entries_are_chronological() -> None:
    updates = [{"@type": "BlogPosting", "headline": f"Entry {h}", "articleBody": f"Text {h}.",
                "datePublished": f"2025-01-24T{h:02d}:00:00+00:00"} for h in (11, 9, 6)]
    pm = read_metadata(_tree(_page(_jsonld({"@type": "LiveBlogPosting", "headline": "Live",
                                            "liveBlogUpdate": updates}))))
    entries = live_entries(pm)
    assert entries is not None and [e.headline for e in entries] == ["Entry 6", "Entry 9", "Entry 11"]
    # an entry without its time: the page's order stays
    del updates[0]["datePublished"]
    pm = read_metadata(_tree(_page(_jsonld({"@type": "LiveBlogPosting", "liveBlogUpdate": updates}))))
    assert [e.headline for e in live_entries(pm) or []] == ["Entry 11", "Entry 9", "Entry 6"]


@pytest.mark.parametrize("body, expected", [
    ("<p>Updated <time datetime='2025-03-27T15:40:12+02:00'>March 27</time></p>",
     "2025-03-27T15:40:12+02:00"),
    ("<time itemprop='dateModified' datetime='2025-03-28T08:00:00Z'>x</time>",
     "2025-03-28T08:00:00+00:00"),
    ("<span>Aktualisiert:</span> <time datetime='2025-03-28T09:00:00+01:00'>9 Uhr</time>",
     "2025-03-28T09:00:00+01:00"),
    ("<time class='updated'>Updated March 27, 2025 3:40 PM</time>", "2025-03-27T15:40:00"),
    ("<time datetime='2025-03-27T13:11:00+02:00'>March 27</time>", None),
])
def test_a_visible_updated_time_is_the_modification(body: str, expected: str | None) -> None:
    assert pick_modified(read_metadata(_tree(_page(body=body)))) == expected


def test_shown_dates() -> None:
    assert parse_shown_date("27 Mar 2025, 15:40 CET") == "2025-03-27T15:40:00+01:00"
    assert parse_shown_date("Updated: Mar. 3, 2025") == "2025-03-03"
    assert parse_shown_date("no date here") is None
