"""Page analysis: extract an article's text and metadata from HTML, and judge
whether the page is an article at all.

Contract (used by the crawl pipeline, `newscrawl extract` and re-extraction):
``extract_page(html, url, headers=None) -> dict`` returns a JSON-safe dict with
keys url, canonical_url, title, authors (list), published (ISO 8601 or None),
body, language, site, description, tags (list), image, is_article (bool),
reason (str), signals (dict), extractor (str).  It never touches the network.

Stages, one module each: decode (bytes to text) -> document (one lxml parse) ->
metadata (JSON-LD, meta tags) -> titles / authors / dates -> body (trafilatura plus
line filters) -> detect (article or not).
"""

from __future__ import annotations

from crawler.extraction.page import EXTRACTOR_VERSION, extract_page

__all__ = ["EXTRACTOR_VERSION", "extract_page"]
