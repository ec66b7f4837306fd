"""crawler.discovery: robots, sitemaps, feeds and feed links, parsed from documents
built here; the hostile ones (entities, XXE, gzip bombs) check each protection."""

from __future__ import annotations

import gzip
import http.server
import os
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.discovery import (
    Entry,
    Parsed,
    feed_links,
    is_probably_discovery_url,
    parse_discovery_document,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)
from crawler.discovery.model import iso_date

BASE = "https://news.example/section/page.html"
SM_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def urlset(*urls: str, ns: str = SM_NS, extra_ns: str = "") -> bytes:
    xmlns = f' xmlns="{ns}"' if ns else ""
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f"{prolog}<urlset{xmlns}{extra_ns}>{''.join(urls)}</urlset>".encode()


def urls_of(parsed: Parsed) -> list[str]:
    return [e.url for e in parsed.entries]


# robots.txt


def test_sitemaps_from_robots_reads_all_sitemap_lines_absolute_deduplicated_in_order() -> None:
    robots = (
        "\ufeffUser-agent: *\nDisallow: /private\n"
        "# Sitemap: https://news.example/commented-out.xml\n"
        "Sitemap: https://news.example/sitemap_index.xml\n"
        "SITEMAP:/news-sitemap.xml   # relative, trailing comment\n"
        "  sitemap :  https://cdn.example/s.xml.gz\n"
        "Sitemap: https://news.example/sitemap_index.xml\n"
        "Sitemap: javascript:alert(1)\nSitemap:\nSitemaps-extra: https://no.example/\n"
    )
    assert sitemaps_from_robots(robots, "https://news.example/robots.txt") == [
        "https://news.example/sitemap_index.xml",
        "https://news.example/news-sitemap.xml",
        "https://cdn.example/s.xml.gz",
    ]


def test_sitemaps_from_robots_without_sitemap_lines_is_empty() -> None:
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n", "https://news.example/") == []
    assert sitemaps_from_robots("", "https://news.example/") == []


# sitemaps


def test_sitemap_index_lists_child_sitemaps_including_gzipped_ones() -> None:
    body = (
        f'<sitemapindex xmlns="{SM_NS}">'
        "<sitemap><loc>https://news.example/sitemap-1.xml.gz</loc>"
        "<lastmod>2025-03-27T10:00:00+01:00</lastmod></sitemap>"
        "<sitemap><loc>/sitemap-2.xml</loc></sitemap></sitemapindex>"
    ).encode()
    parsed = parse_sitemap(body, BASE)
    assert parsed.kind == "sitemapindex" and parsed.error is None
    assert parsed.entries == [
        Entry(
            "https://news.example/sitemap-1.xml.gz", "sitemap", lastmod="2025-03-27T10:00:00+01:00"
        ),
        Entry("https://news.example/sitemap-2.xml", "sitemap"),
    ]


def test_gzipped_sitemap_is_recognised_by_magic_bytes_not_by_name() -> None:
    body = gzip.compress(urlset("<url><loc>https://news.example/a</loc></url>"))
    for parse in (parse_sitemap, parse_discovery_document):
        parsed = parse(body, "https://news.example/sitemap.xml")
        assert (parsed.kind, urls_of(parsed), parsed.error) == (
            "urlset",
            ["https://news.example/a"],
            None,
        )


def test_concatenated_gzip_members_are_one_document() -> None:
    doc = urlset("<url><loc>https://news.example/a</loc></url>")
    body = gzip.compress(doc[:40]) + gzip.compress(doc[40:]) + b"\n\0trailing junk"
    assert urls_of(parse_sitemap(body, BASE)) == ["https://news.example/a"]


def test_a_flood_of_empty_gzip_members_is_refused_quickly() -> None:
    body = gzip.compress(b"") * 500_000
    started = time.monotonic()
    parsed = parse_sitemap(body, BASE)
    assert time.monotonic() - started < 2
    assert parsed.error and "gzip members" in parsed.error


def test_news_sitemap_keeps_publication_date_title_language_and_keywords() -> None:
    body = urlset(
        "<url><loc>https://news.example/2025/03/27/story</loc>"
        "<news:news><news:publication><news:name>Example News</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2025-03-27T10:15:00+01:00</news:publication_date>"
        "<news:title>Rates &amp; markets</news:title>"
        "<news:keywords>economy, rates ,</news:keywords></news:news></url>",
        extra_ns=f' xmlns:news="{NEWS_NS}"',
    )
    assert parse_sitemap(body, BASE).entries == [
        Entry(
            "https://news.example/2025/03/27/story",
            "news-sitemap",
            published="2025-03-27T10:15:00+01:00",
            title="Rates & markets",
            language="en",
            keywords=("economy", "rates"),
        )
    ]


def test_urlset_resolves_relative_locs_and_drops_non_http_ones() -> None:
    body = urlset(
        "<url><loc>\n  ../other/a.html \n</loc><lastmod>2025-03-27</lastmod></url>",
        "<url><loc>//cdn.example/b</loc><lastmod>not a date</lastmod></url>",
        "<url><loc>javascript:alert(1)</loc></url><url><loc>mailto:desk@news.example</loc></url>",
        "<url><loc>data:text/html,hi</loc></url><url><loc>ftp://news.example/f</loc></url>",
        "<url><loc></loc></url><url><lastmod>2025-01-01</lastmod></url>",
        "<url><loc>https://news.example/q?a=1&amp;b=2</loc></url>",
    )
    parsed = parse_sitemap(body, BASE)
    assert parsed.entries == [
        Entry("https://news.example/other/a.html", "sitemap", lastmod="2025-03-27"),
        Entry("https://cdn.example/b", "sitemap"),
        Entry("https://news.example/q?a=1&b=2", "sitemap"),
    ]


def test_repeated_urls_are_listed_once() -> None:
    loc = "<url><loc>https://news.example/a</loc></url>"
    assert urls_of(parse_sitemap(urlset(loc, loc, loc), BASE)) == ["https://news.example/a"]


def test_image_video_and_xhtml_extensions_are_not_entries() -> None:
    body = urlset(
        "<url><loc>https://news.example/a</loc>"
        "<image:image><image:loc>https://img.example/a.jpg</image:loc></image:image>"
        "<video:video><video:content_loc>https://vid.example/a.mp4</video:content_loc>"
        "<video:player_loc>https://vid.example/p</video:player_loc></video:video>"
        '<xhtml:link rel="alternate" hreflang="de" href="https://news.example/de/a"/></url>',
        extra_ns=' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
        ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml"',
    )
    assert urls_of(parse_sitemap(body, BASE)) == ["https://news.example/a"]


@pytest.mark.parametrize(
    "ns",
    [
        "",
        SM_NS,
        "https://www.sitemaps.org/schemas/sitemap/0.9",
        "http://www.google.com/schemas/sitemap/0.84",
    ],
)
def test_sitemap_namespace_variants_are_accepted(ns: str) -> None:
    parsed = parse_sitemap(urlset("<url><loc>https://news.example/a</loc></url>", ns=ns), BASE)
    assert (parsed.kind, urls_of(parsed)) == ("urlset", ["https://news.example/a"])


def test_bom_leading_whitespace_and_declared_encoding_are_handled() -> None:
    body = (
        b"\xef\xbb\xbf \r\n\t"
        + '<?xml version="1.0" encoding="windows-1251"?>'
        f'<urlset xmlns="{SM_NS}" xmlns:news="{NEWS_NS}"><url><loc>https://news.example/a</loc>'
        "<news:news><news:title>Новости дня</news:title></news:news></url></urlset>".encode(
            "cp1251"
        )
    )
    parsed = parse_sitemap(body, BASE)
    assert parsed.error is None
    assert [e.title for e in parsed.entries] == ["Новости дня"]


def test_utf16_document_with_bom_is_decoded() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>https://news.example/é</loc></url></urlset>'
    assert urls_of(parse_sitemap(doc.encode("utf-16"), BASE)) == ["https://news.example/é"]


def test_bare_ampersand_in_loc_keeps_the_whole_url() -> None:
    body = urlset("<url><loc>https://news.example/q?id=1&page=2&amp;x=3</loc></url>")
    assert urls_of(parse_sitemap(body, BASE)) == ["https://news.example/q?id=1&page=2&x=3"]


def test_plain_text_sitemap_lists_one_url_per_line() -> None:
    body = b"https://news.example/a\r\n\n  https://news.example/b  \nnot a url\n/relative\nhttps://news.example/a\n"
    parsed = parse_sitemap(body, BASE)
    assert (parsed.kind, urls_of(parsed)) == (
        "urlset",
        ["https://news.example/a", "https://news.example/b"],
    )
    assert parse_discovery_document(body, BASE).entries == parsed.entries


def test_parse_sitemap_also_reads_feeds_as_the_sitemaps_protocol_allows() -> None:
    parsed = parse_sitemap(RSS, BASE)
    assert parsed.kind == "rss" and parsed.entries


# feeds

RSS = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>Example</title><link>https://news.example/</link>
<atom:link rel="self" href="https://news.example/feed" type="application/rss+xml"/>
<item><title>Caf\xe9 opens</title><link>/2025/cafe</link>
  <pubDate>Thu, 27 Mar 2025 10:00:00 +0100</pubDate>
  <content:encoded><![CDATA[<p>Body with <a href="https://elsewhere.example/">a link</a></p>]]></content:encoded></item>
<item><title>Guid only</title><guid>https://news.example/2025/guid</guid><dc:date>2025-03-27T11:00:00Z</dc:date></item>
<item><title>Opaque guid</title><guid isPermaLink="false">https://news.example/2025/opaque</guid></item>
<item><title>Tracked</title><link>https://feedproxy.example/~r/x/123</link>
  <feedburner:origLink>https://news.example/2025/real</feedburner:origLink>
  <pubDate>garbage date</pubDate></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


def test_rss2_items_give_link_title_and_rfc822_date_as_iso_with_timezone() -> None:
    parsed = parse_feed(RSS, "https://news.example/feed")
    assert (parsed.kind, parsed.error) == ("rss", None)
    assert parsed.entries == [
        Entry(
            "https://news.example/2025/cafe",
            "rss",
            published="2025-03-27T10:00:00+01:00",
            title="Café opens",
        ),
        Entry(
            "https://news.example/2025/guid",
            "rss",
            published="2025-03-27T11:00:00Z",
            title="Guid only",
        ),
        Entry("https://news.example/2025/real", "rss", title="Tracked"),
    ]


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/base/">
<title>Blog</title><link rel="self" href="https://blog.example/atom.xml"/>
<entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; brave</title>
  <link rel="self" href="/self/1"/><link rel="edit" href="/edit/1"/>
  <link rel="enclosure" href="/audio.mp3"/><link href="posts/1"/>
  <id>tag:blog.example,2025:1</id>
  <published>2025-03-27T10:00:00Z</published><updated>2025-03-28T09:30:00-05:00</updated></entry>
<entry><title>Two alternates</title>
  <link rel="alternate" type="application/pdf" href="https://blog.example/2.pdf"/>
  <link rel="alternate" type="text/html" href="https://blog.example/2.html"/></entry>
<entry><title>No link</title><id>https://blog.example/3</id></entry>
</feed>"""


def test_atom_entries_prefer_alternate_links_and_keep_published_and_updated() -> None:
    parsed = parse_feed(ATOM, "https://blog.example/atom.xml")
    assert (parsed.kind, parsed.error) == ("atom", None)
    assert parsed.entries == [
        Entry(
            "https://blog.example/base/posts/1",
            "atom",
            lastmod="2025-03-28T09:30:00-05:00",
            published="2025-03-27T10:00:00Z",
            title="Bold & brave",
        ),
        Entry("https://blog.example/2.html", "atom", title="Two alternates"),
    ]


def test_rss1_rdf_items_are_read() -> None:
    body = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://news.example/"><title>c</title><link>https://news.example/</link></channel>
      <item rdf:about="https://news.example/r/1"><title>One</title><link>https://news.example/r/1</link>
        <dc:date>2025-03-27</dc:date></item>
      <item rdf:about="https://news.example/r/2"><title>Two</title></item></rdf:RDF>"""
    parsed = parse_discovery_document(body, BASE)
    assert (parsed.kind, parsed.error) == ("rss", None)
    assert parsed.entries == [
        Entry("https://news.example/r/1", "rss", published="2025-03-27", title="One"),
        Entry("https://news.example/r/2", "rss", title="Two"),
    ]


def test_json_feed_items_are_read() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
        b'{"id": "1", "url": "/j/1", "title": "J", "date_published": "2025-03-27T10:00:00-05:00"},'
        b'{"id": "2", "external_url": "https://elsewhere.example/2", "date_modified": "2025-03-28"},'
        b'{"id": "3", "url": 42}, "not an item"]}'
    )
    parsed = parse_feed(body, BASE)
    assert parsed.kind == "jsonfeed"
    assert parsed.entries == [
        Entry(
            "https://news.example/j/1", "jsonfeed", published="2025-03-27T10:00:00-05:00", title="J"
        ),
        Entry("https://elsewhere.example/2", "jsonfeed", lastmod="2025-03-28"),
    ]


def test_parse_feed_refuses_a_sitemap_with_a_reason() -> None:
    parsed = parse_feed(urlset("<url><loc>https://news.example/a</loc></url>"), BASE)
    assert parsed.kind == "unknown" and parsed.entries == []
    assert "not a feed" in (parsed.error or "")


# dates


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2025-03-27", "2025-03-27"),
        ("2025-03", "2025-03"),
        ("2025-03-27T10:00Z", "2025-03-27T10:00Z"),
        (" 2025-03-27T10:00:00.5+05:30 ", "2025-03-27T10:00:00.5+05:30"),
        ("2025-03-27 10:00:00+0000", "2025-03-27T10:00:00+00:00"),
        ("2025-03-27T10:00:00", "2025-03-27T10:00:00"),
        ("Thu, 27 Mar 2025 10:00:00 GMT", "2025-03-27T10:00:00+00:00"),
        ("Thu, 27 Mar 2025 10:00:00 -0500", "2025-03-27T10:00:00-05:00"),
        ("2025-02-30", None),
        ("2025-13-01T00:00:00Z", None),
        ("yesterday", None),
        ("Thu, 99 Foo 2025", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_normalise_to_iso_8601_keeping_timezone(
    raw: str | None, expected: str | None
) -> None:
    assert iso_date(raw) == expected


# sniffing and malformed input


@pytest.mark.parametrize(
    "body, kind",
    [
        (urlset("<url><loc>https://news.example/a</loc></url>"), "urlset"),
        (
            f'<sitemapindex xmlns="{SM_NS}"><sitemap><loc>https://news.example/s.xml</loc></sitemap></sitemapindex>'.encode(),
            "sitemapindex",
        ),
        (RSS, "rss"),
        (ATOM, "atom"),
        (gzip.compress(ATOM), "atom"),
    ],
)
def test_discovery_document_kind_is_sniffed_from_content(body: bytes, kind: str) -> None:
    parsed = parse_discovery_document(body, BASE, content_type="text/html")
    assert parsed.kind == kind and parsed.entries and parsed.error is None


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>x</title></head><body>https://news.example/a</body></html>",
        b'<?xml version="1.0"?>\n<!-- x --><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        b"",
        b"   \n\t ",
        b'{"not": "a feed"}',
        b"\x00\x01\x02\xff\xfe\xfd random",
        b"<unclosed",
        b"<svg><rect/></svg>",
    ],
)
def test_non_discovery_documents_are_unknown_with_a_reason(body: bytes) -> None:
    parsed = parse_discovery_document(body, BASE)
    assert parsed.kind == "unknown" and parsed.entries == [] and parsed.error


def test_malformed_xml_recovers_parsed_entries_and_says_why() -> None:
    body = urlset(
        "<url><loc>https://news.example/a</loc></url><url><loc>https://news.example/b</loc></url>"
    )[:-30]  # cut inside the second <url>
    parsed = parse_sitemap(body, BASE)
    assert parsed.kind == "urlset"
    assert "https://news.example/a" in urls_of(parsed)
    assert parsed.error and "malformed XML" in parsed.error


def test_truncated_gzip_reports_truncation_and_keeps_what_was_read() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(2000)))
    body = gzip.compress(doc)
    parsed = parse_sitemap(body[: len(body) // 2], BASE)
    assert parsed.error and "truncated gzip" in parsed.error
    assert 0 < len(parsed.entries) < 2000


def test_corrupt_gzip_is_an_error_not_an_exception() -> None:
    body = gzip.compress(urlset())[:10] + b"\x00garbage\xff" * 10
    parsed = parse_sitemap(body, BASE)
    assert parsed.kind == "unknown" and parsed.error and "gzip" in parsed.error


def test_deeply_nested_xml_is_handled_quickly() -> None:
    body = b"<urlset>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</urlset>"
    started = time.monotonic()
    parsed = parse_sitemap(body, BASE)
    assert time.monotonic() - started < 5
    assert parsed.entries == []


# hostile documents


def test_gzip_bomb_stops_at_max_size_quickly_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (20 * 2**20), compresslevel=9)
    assert len(bomb) < 100_000
    started = time.monotonic()
    tracemalloc.start()
    try:
        parsed = parse_sitemap(bomb, BASE, max_size=2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 8 * 2**20  # the 20 MB were never held
    assert parsed.error and "decompressed size exceeds 1048576 bytes" in parsed.error
    assert parsed.entries == []


def test_oversized_gzip_sitemap_keeps_entries_before_the_limit() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(100_000)))
    parsed = parse_sitemap(gzip.compress(doc), BASE, max_size=100_000)
    assert parsed.error and "decompressed size exceeds" in parsed.error
    assert 1000 < len(parsed.entries) < 100_000


def test_oversized_uncompressed_body_is_cut_with_an_error() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(1000)))
    parsed = parse_sitemap(doc, BASE, max_size=2000)
    assert parsed.error and "document size exceeds 2000 bytes" in parsed.error
    assert len(parsed.entries) < 100


def laughs(levels: int) -> bytes:
    decls = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    top = f"&lol{levels};"
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{decls}]><rss><channel><item>'
        f"<title>A{top}B</title><link>https://news.example/ok</link></item>"
        f"<item><title>t</title><link>https://news.example/{top}</link></item></channel></rss>"
    ).encode()


def test_billion_laughs_returns_fast_with_nothing_expanded() -> None:
    started = time.monotonic()
    parsed = parse_feed(laughs(9), BASE)
    assert time.monotonic() - started < 2
    assert parsed.error and "entities" in parsed.error
    assert len(repr(parsed)) < 2_000
    assert "lollol" not in repr(parsed)


def test_small_entity_expansion_is_not_performed_either() -> None:
    # 1000 x "lol" stays under libxml2's own amplification guard: only our parser
    # settings keep it unexpanded, and an entity inside a link drops that entry.
    parsed = parse_feed(laughs(3), BASE)
    assert parsed.entries == [Entry("https://news.example/ok", "rss", title="AB")]
    assert parsed.error and "not expanded" in parsed.error


XXE_DOCUMENTS = {
    "sitemap": (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{uri}">]>'
        f'<urlset xmlns:news="{NEWS_NS}"><url><loc>https://news.example/a</loc>'
        "<news:news><news:title>T&xxe;</news:title></news:news></url>"
        "<url><loc>https://news.example/&xxe;</loc></url></urlset>"
    ),
    "feed": (
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{uri}">]><rss><channel><item>'
        "<title>&xxe;</title><link>https://news.example/b</link>"
        "</item><item><link>https://news.example/&xxe;</link></item></channel></rss>"
    ),
}


@pytest.mark.parametrize("kind", sorted(XXE_DOCUMENTS))
def test_xxe_file_entity_is_never_read(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT\n")
    body = XXE_DOCUMENTS[kind].replace("{uri}", secret.as_uri()).encode()
    parsed = parse_discovery_document(body, BASE)
    assert "TOP-SECRET" not in repr(parsed)
    assert len(parsed.entries) == 1  # the entry whose URL held the entity is dropped
    assert parsed.error and "not expanded" in parsed.error


def test_xxe_etc_passwd_does_not_leak() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&xxe;</title><link>https://news.example/b</link></item></channel></rss>"
    )
    assert "root:" not in repr(parse_discovery_document(body, BASE))


def test_external_parameter_entity_is_not_expanded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "PARAM-LEAK">')
    for doctype in (
        f'<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>',
        f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">',
    ):
        body = f"{doctype}<rss><channel><item><title>x&leak;y</title><link>https://news.example/c</link></item></channel></rss>"
        parsed = parse_feed(body.encode(), BASE)
        assert "PARAM-LEAK" not in repr(parsed)
        assert [e.title for e in parsed.entries] == ["xy"]


@pytest.fixture
def opened_file(tmp_path: Path) -> Iterator[tuple[str, Callable[[], bool]]]:
    """A named pipe and a probe telling whether anyone opened it for reading: the one
    way to see that a parser loaded an external DTD even when it then used nothing."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    pipe = tmp_path / "external.dtd"
    os.mkfifo(pipe)
    opened: list[bool] = []

    def writer() -> None:
        fd = os.open(pipe, os.O_WRONLY)  # blocks until a reader opens the pipe
        opened.append(True)
        os.write(fd, b'<!ENTITY leak "PIPE-LEAK">')
        os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    yield pipe.as_uri(), lambda: bool(opened)
    if not opened:  # release the writer
        fd = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        thread.join(5)
        os.close(fd)
    thread.join(5)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss SYSTEM "{uri}">',
        '<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{uri}"> %ext;]>',
        '<!DOCTYPE rss [<!ENTITY ext SYSTEM "{uri}">]>',
    ],
    ids=["external-dtd", "parameter-entity", "general-entity"],
)
def test_external_dtds_and_entities_are_never_opened(
    opened_file: tuple[str, Callable[[], bool]], doctype: str
) -> None:
    uri, was_opened = opened_file
    body = (
        doctype.format(uri=uri) + "<rss><channel><item><title>a&ext;&leak;b</title>"
        "<link>https://news.example/e</link></item></channel></rss>"
    )
    parsed = parse_feed(body.encode(), BASE)
    assert not was_opened()
    assert [e.title for e in parsed.entries] == ["ab"]


def test_libxml2_resource_limits_stay_on() -> None:
    # huge_tree=False keeps libxml2's depth (256) and text-node (10 MB) limits.
    deep = b"<rss><channel>" + b"<x>" * 1000 + b"</x>" * 1000 + b"</channel></rss>"
    assert "depth" in (parse_feed(deep, BASE).error or "")
    big = b"<rss><channel><item><title>" + b"x" * (11 * 2**20) + b"</title></item></channel></rss>"
    assert "Text node too long" in (parse_feed(big, BASE, max_size=12 * 2**20).error or "")


@pytest.fixture
def request_log() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path it is asked for; yields (base URL, log)."""
    log: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            body = b'<!ENTITY leak "NET-LEAK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()


def test_external_entities_and_dtds_are_never_fetched(request_log: tuple[str, list[str]]) -> None:
    base, log = request_log
    body = (
        f'<!DOCTYPE rss SYSTEM "{base}/dtd" [<!ENTITY net SYSTEM "{base}/entity">'
        f'<!ENTITY % p SYSTEM "{base}/param"> %p;]>'
        "<rss><channel><item><title>&net;&leak;</title><link>https://news.example/d</link></item></channel></rss>"
    ).encode()
    parsed = parse_discovery_document(body, BASE)
    assert log == []
    assert "NET-LEAK" not in repr(parsed)


# feed links in HTML


def test_feed_links_finds_rss_atom_and_json_feed_alternates_in_the_head() -> None:
    page = b"""<!doctype html><html><head>
      <base href="https://news.example/sub/">
      <!-- <link rel="alternate" type="application/rss+xml" href="/commented.xml"> -->
      <link rel="alternate" type="application/rss+xml" title="All" href="feed.xml">
      <LINK REL="Alternate nofollow" TYPE="application/atom+xml; charset=utf-8" HREF='/atom?a=1&amp;b=2'>
      <link rel=alternate type=application/feed+json href=https://news.example/feed.json>
      <link rel="alternate" type="application/rss+xml" href="feed.xml">
      <link rel="alternate" type="application/json+oembed" href="/oembed">
      <link rel="alternate" hreflang="de" href="/de/">
      <link rel="stylesheet" type="text/css" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body><link rel="alternate" type="application/rss+xml" href="/in-body.xml"></body></html>"""
    assert feed_links(page, "https://news.example/article") == [
        "https://news.example/sub/feed.xml",
        "https://news.example/atom?a=1&b=2",
        "https://news.example/feed.json",
    ]


def test_feed_links_accepts_text_and_tolerates_broken_markup() -> None:
    assert feed_links("<link rel='alternate' type='application/rss+xml' href='/f'", BASE) == []
    assert feed_links('<link rel="alternate" type="application/rss+xml" href="/f">', BASE) == [
        "https://news.example/f"
    ]
    assert feed_links("", BASE) == [] and feed_links(b"\xff\xfe<link", BASE) == []


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://news.example/sitemap.xml", "sitemap"),
        ("https://news.example/sitemap_index.xml.gz", "sitemap"),
        ("https://news.example/news-sitemap.xml?page=2", "sitemap"),
        ("https://news.example/sitemaps/2025-03.xml", "sitemap"),
        ("https://news.example/sitemap.txt", "sitemap"),
        ("https://news.example/feed", "feed"),
        ("https://news.example/category/world/feed/", "feed"),
        ("https://news.example/rss", "feed"),
        ("https://news.example/world.rss", "feed"),
        ("https://news.example/blog.atom", "feed"),
        ("https://news.example/atom.xml", "feed"),
        ("https://feeds.example.co.uk/news/world/rss.xml", "feed"),
        ("https://news.example/?feed=rss2", "feed"),
        ("https://news.example/feedback", None),
        ("https://news.example/2025/03/rss-readers-reviewed.html", None),
        ("https://news.example/sitemap", None),
        ("https://news.example/", None),
        ("ftp://news.example/sitemap.xml", None),
        ("not a url", None),
        ("http://[::1/sitemap.xml", None),
    ],
)
def test_is_probably_discovery_url(url: str, expected: str | None) -> None:
    assert is_probably_discovery_url(url) == expected
