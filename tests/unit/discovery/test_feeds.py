"""crawler.discovery.feeds: RSS 2.0, RSS 1.0 (RDF), Atom and JSON Feed items."""

from __future__ import annotations

from crawler.discovery import Entry, parse_discovery_document, parse_feed
from tests.support.discovery_docs import ATOM, BASE, RSS


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
