"""Property tests: generated XML-ish, HTML-ish and raw input fed to every public
discovery function.  Nothing may raise, the last-resort "internal error" guard must
never be what caught a problem, and every entry must be an absolute http(s) URL."""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.discovery import (
    Parsed,
    feed_links,
    is_probably_discovery_url,
    parse_discovery_document,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE = "https://news.example/dir/page"

TAGS = [
    "urlset", "url", "loc", "lastmod", "sitemapindex", "sitemap", "news:news", "news:title",
    "news:publication_date", "news:publication", "news:language", "news:keywords", "image:image",
    "image:loc", "rss", "channel", "item", "link", "guid", "pubDate", "title", "dc:date",
    "content:encoded", "feed", "entry", "published", "updated", "rdf:RDF", "feedburner:origLink",
    "html", "head", "body", "xhtml:link",
]  # fmt: skip
NAMESPACES = [
    ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"',
    ' xmlns="http://www.w3.org/2005/Atom"',
    ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"',
    ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
    ' rel="alternate"', ' rel="self"', ' href="/x"', ' href="javascript:x"', ' isPermaLink="false"',
    ' xml:base="//other.example/"', ' type="html"', "",
]  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from([
        "https://news.example/a", "/rel/b", "//cdn.example/c", "javascript:alert(1)", "mailto:x@y",
        "http://[::1", "https://x:99999/", "2025-03-27", "2025-03-27T10:00:00+01:00",
        "Thu, 27 Mar 2025 10:00:00 +0100", "2025-13-45", "&amp;", "&nbsp;", "&xxe;", "&#0;",
        "&#x110000;", "<![CDATA[<p>x</p>]]>", "]]>", "&", "<", "\u0000", "\ufeff", "é",
    ]),
    st.text(max_size=30),
)  # fmt: skip


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(draw(st.lists(st.sampled_from(NAMESPACES), max_size=3)))
    if depth >= 3 or draw(st.booleans()):
        body = draw(TEXTS)
    else:
        body = "".join(draw(st.lists(elements(depth + 1), max_size=4)))
    closing = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", "", "</other>"]))
    return f"<{tag}{attrs}>{body}{closing}"


PROLOGS = st.sampled_from([
    "", '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<?xml version="1.0" encoding="no-such-encoding"?>', "\ufeff  \n",
    '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaa">]>',
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', "<!DOCTYPE html>",
])  # fmt: skip


SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
ATOM = 'xmlns="http://www.w3.org/2005/Atom"'
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
TEMPLATES = [
    f"<urlset {SM}><url><loc>{{}}</loc><lastmod>{{}}</lastmod></url>{{}}</urlset>",
    "<sitemapindex><sitemap><loc>{}</loc><lastmod>{}</lastmod></sitemap>{}</sitemapindex>",
    (
        f"<urlset {NEWS}><url><loc>{{}}</loc><news:news><news:publication_date>{{}}"
        "</news:publication_date><news:title>{}</news:title></news:news></url></urlset>"
    ),
    "<rss><channel><item><link>{}</link><pubDate>{}</pubDate><title>{}</title></item></channel></rss>",
    "<rss><channel><item><guid>{}</guid><dc:date>{}</dc:date>{}</item></channel></rss>",
    (
        f'<feed {ATOM}><entry><link href="{{}}"/><updated>{{}}</updated>'
        '<title type="html">{}</title></entry></feed>'
    ),
    f'<rdf:RDF {RDF}><item rdf:about="{{}}"><dc:date>{{}}</dc:date>{{}}</item></rdf:RDF>',
]  # fmt: skip


@st.composite
def templated(draw: st.DrawFn) -> str:
    """Well-formed skeletons with generated values: these reach the entry-building code."""
    template = draw(st.sampled_from(TEMPLATES))
    return template.format(*(draw(TEXTS.map(lambda t: t.replace("<", "&lt;"))) for _ in range(3)))


@st.composite
def xml_documents(draw: st.DrawFn) -> bytes:
    text = draw(PROLOGS) + draw(st.one_of(elements(), templated()))
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1251"]))
    data = text.encode(encoding, "replace")
    if draw(st.booleans()):
        data = gzip.compress(data)
        data = data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data
    return data


def link_tag(rel: str, mime: str, href: str, quote: str) -> str:
    return f"<link rel={quote}{rel}{quote} type={quote}{mime}{quote} href={quote}{href}{quote}>"


LINK_MIMES = ["application/rss+xml", "application/atom+xml; charset=x", "application/feed+json"]
html_pages = st.lists(
    st.one_of(
        st.builds(
            link_tag,
            st.sampled_from(["alternate", "ALTERNATE home", "stylesheet", "", "alternate\x00"]),
            st.sampled_from([*LINK_MIMES, "text/css", ""]),
            TEXTS,
            st.sampled_from(['"', "'", ""]),
        ),
        st.sampled_from(["<head>", "</head>", "<!--", "-->", '<base href="/b/">', "<link", ">"]),
        st.text(max_size=20),
    ),
    max_size=12,
).map("".join)

raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda b: b"\x1f\x8b" + b),
    st.binary(max_size=300).map(gzip.compress),
)


def check(parsed: Parsed) -> None:
    assert isinstance(parsed, Parsed)
    assert parsed.kind in {"sitemapindex", "urlset", "rss", "atom", "jsonfeed", "unknown"}
    assert not (parsed.error or "").startswith("internal error"), parsed.error
    assert "root:x:0:0" not in repr(parsed)
    for entry in parsed.entries:
        parts = urlsplit(entry.url)
        assert parts.scheme in ("http", "https") and parts.hostname, entry.url


def check_all_parsers(data: bytes) -> None:
    check(parse_sitemap(data, BASE))
    check(parse_feed(data, BASE))
    check(parse_discovery_document(data, BASE))
    check(parse_discovery_document(data, BASE, content_type="text/plain"))
    check(parse_sitemap(data, BASE, max_size=64))


@FUZZ
@given(xml_documents())
def test_xml_like_documents_never_break_the_parsers(data: bytes) -> None:
    check_all_parsers(data)


@FUZZ
@given(raw_bytes)
def test_raw_bytes_never_break_the_parsers(data: bytes) -> None:
    check_all_parsers(data)
    assert isinstance(feed_links(data, BASE), list)
    assert isinstance(sitemaps_from_robots(data, BASE), list)


@FUZZ
@given(html_pages, st.sampled_from([BASE, "", "not a url", "http://[::1"]))
def test_html_like_pages_never_break_the_text_functions(page: str, base: str) -> None:
    for url in feed_links(page, base) + feed_links(page.encode("utf-8", "replace"), base):
        assert urlsplit(url).scheme in ("http", "https")
    for url in sitemaps_from_robots(page.replace(">", "\nSitemap: "), base):
        assert urlsplit(url).scheme in ("http", "https")
    check(parse_discovery_document(page.encode("utf-8", "replace"), base))


@FUZZ
@given(st.one_of(st.text(max_size=80), TEXTS.map(lambda t: "https://news.example/" + t)))
def test_url_guess_never_raises(url: str) -> None:
    assert is_probably_discovery_url(url) in (None, "sitemap", "feed")
