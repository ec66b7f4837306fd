"""crawler.ingest.analysis: what a worker computes for storage besides the extraction."""

from __future__ import annotations

from crawler.ingest.analysis import analyze_page
from storage.neardup import text_signature
from storage.records import text_hash
from tests.support.factories import STORY, news_page_html


def test_an_article_gets_its_body_hash_and_signature_a_listing_none() -> None:
    html = news_page_html("Ferry operators publish emissions figures", STORY.split(". "))
    result = analyze_page(html, "https://daily.example/news/2025/03/ferry.html")
    assert result.extraction.is_article and result.body_hash == text_hash(result.extraction.body)
    assert result.signature == text_signature(result.extraction.body)
    listing = analyze_page("<html><body><ul><li><a href=/a>a</a></li></ul></body></html>", "https://daily.example/")
    assert not listing.extraction.is_article
    assert (listing.body_hash, listing.signature, listing.compressed) == (None, None, None)
