"""Fuzzing extraction: whatever HTML (or bytes) a site serves, no exception escapes.

``crawler.extraction.extract_page`` promises never to raise on bad input, and
``crawler.ingest.analysis.analyze_page`` (what the crawl's worker processes run) builds
on it. Hypothesis generates broken, nested, mis-encoded and mislabelled
documents; each call must return a dict with the fields the pipelines read.

Bad input is not an excuse for an extractor bug: ``extract_page`` runs in strict mode
(an exception inside the extractor propagates), and ``analyze_page``, which runs in the
crawl's lenient mode, must come back without an ``error`` signal.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import Extraction
from crawler.ingest.analysis import Analysis, analyze_page
from crawler.extraction import extract_page

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])

TAGS = ["html", "head", "body", "title", "meta", "p", "div", "span", "article", "main", "section",
        "h1", "h2", "a", "br", "img", "script", "style", "noscript", "template", "svg", "math",
        "table", "tr", "td", "ul", "li", "iframe", "time", "figure", "figcaption", "x-widget",
        "aside", "nav", "footer", "header", "pre", "textarea", "object", "base"]
ATTRS = ["class", "id", "href", "src", "content", "name", "property", "charset", "http-equiv",
         "datetime", "lang", "rel", "itemprop", "style", "onload", "data-x"]
NASTY = [
    "<!--", "-->", "<![CDATA[", "]]>", "</", "<", ">", "&", "&#0;", "&#x110000;", "&#xD800;",
    "&nbsp", "&amp;amp;", "<?xml version='1.0' encoding='utf-16'?>", "<!DOCTYPE html>",
    "<!DOCTYPE x [<!ENTITY a 'b'>]>", "\x00", "\ufeff", "\u202e", "\r\n", "<meta charset=shift_jis>",
    '<meta http-equiv="Content-Type" content="text/html; charset=bogus-42">', "<body><body>",
    "</html></html>", "<script>", "</script>", "<p>" * 5, "javascript:alert(1)",
    '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "yesterday"',
    '<meta property="article:published_time" content="99999-99-99T99:99">',
]
CHARSETS = ["utf-8", "UTF-8", "latin-1", "windows-1251", "shift_jis", "euc-kr", "iso-8859-7",
            "utf-16", "bogus", "", "utf-8; q=0", "x-user-defined", "gb18030"]

text = st.text(max_size=80)
attr = st.tuples(st.sampled_from(ATTRS), st.one_of(text, st.sampled_from(NASTY + CHARSETS)))


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attrs, kids, close: (
            f"<{tag}" + "".join(f' {k}="{v}"' for k, v in attrs) + ">" + "".join(kids)
            + (f"</{tag}>" if close else "")
        ),
        st.sampled_from(TAGS), st.lists(attr, max_size=3), st.lists(children, max_size=5), st.booleans(),
    )


fragment = st.recursive(st.one_of(text, st.sampled_from(NASTY)), _element, max_leaves=40)
documents = st.lists(fragment, min_size=0, max_size=8).map("".join)
headers = st.one_of(
    st.none(),
    st.builds(lambda cs: {"Content-Type": f"text/html; charset={cs}"}, st.sampled_from(CHARSETS)),
    st.builds(lambda v: {"content-type": v}, text),
)


@st.composite
def encoded(draw: st.DrawFn) -> bytes | str:
    doc = draw(documents)
    how = draw(st.sampled_from(["str", "utf-8", "cp1251", "shift_jis", "utf-16", "bom", "cut", "raw"]))
    if how == "str":
        return doc
    if how == "raw":
        return draw(st.binary(max_size=2000))
    if how == "bom":
        return b"\xef\xbb\xbf" + doc.encode("utf-8", "surrogatepass")
    if how == "cut":  # truncated mid-character
        data = doc.encode("utf-8", "surrogatepass")
        return data[: draw(st.integers(0, len(data)))]
    return doc.encode(how, "replace")


def _check(result: Any) -> None:
    extraction = result.extraction if isinstance(result, Analysis) else result
    assert isinstance(extraction, Extraction)
    assert isinstance(extraction.is_article, bool)
    assert "error" not in extraction.signals, extraction.signals["error"]
    assert not extraction.reason.startswith("not_article: extraction error"), extraction.reason
    json.dumps(extraction.as_dict())  # plain data: it crosses a process boundary and lands in SQLite


@FUZZ
@given(encoded(), headers)
def test_analyze_page_never_raises(html: bytes | str, hdrs: dict[str, str] | None) -> None:
    _check(analyze_page(html, "https://news.example/2025/05/some-story", hdrs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), headers, st.sampled_from(["https://news.example/", "https://news.example/a/b?c=d",
                                                           "not a url", ""]))
def test_extract_page_never_raises_on_arbitrary_bytes(data: bytes, hdrs: dict[str, str] | None, url: str) -> None:
    _check(extract_page(data, url, hdrs, strict=True))
