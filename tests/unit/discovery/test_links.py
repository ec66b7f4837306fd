"""crawler.discovery.links: feed links in a page's head, and URLs that look like
sitemaps or feeds."""

from __future__ import annotations

import pytest

from crawler.discovery import feed_links, is_probably_discovery_url
from tests.support.discovery_docs import BASE


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
