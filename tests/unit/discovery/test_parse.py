"""crawler.discovery.parse: what a document is, decided by its content (not its URL or
Content-Type), and the parser it goes to."""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery import parse_discovery_document, parse_feed, parse_sitemap
from tests.support.discovery_docs import ATOM, BASE, RSS, SM_NS, urlset


def test_parse_sitemap_also_reads_feeds_as_the_sitemaps_protocol_allows() -> None:
    parsed = parse_sitemap(RSS, BASE)
    assert parsed.kind == "rss" and parsed.entries == parse_feed(RSS, BASE).entries
    assert [e.url for e in parsed.entries] == ["https://news.example/2025/cafe", "https://news.example/2025/guid",
                                               "https://news.example/2025/real"]


def test_parse_feed_refuses_a_sitemap_with_a_reason() -> None:
    parsed = parse_feed(urlset("<url><loc>https://news.example/a</loc></url>"), BASE)
    assert parsed.kind == "unknown" and parsed.entries == []
    assert "not a feed" in (parsed.error or "")


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
