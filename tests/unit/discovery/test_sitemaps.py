"""crawler.discovery.sitemaps: Sitemap lines of robots.txt, sitemap indexes, urlsets
(plain, news, text), read through parse_sitemap."""

from __future__ import annotations

import pytest

from crawler.discovery import Entry, parse_discovery_document, parse_sitemap, sitemaps_from_robots
from tests.support.discovery_docs import BASE, NEWS_NS, SM_NS, urls_of, urlset


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


def test_plain_text_sitemap_lists_one_url_per_line() -> None:
    body = b"https://news.example/a\r\n\n  https://news.example/b  \nnot a url\n/relative\nhttps://news.example/a\n"
    parsed = parse_sitemap(body, BASE)
    assert (parsed.kind, urls_of(parsed)) == (
        "urlset",
        ["https://news.example/a", "https://news.example/b"],
    )
    assert parse_discovery_document(body, BASE).entries == parsed.entries
