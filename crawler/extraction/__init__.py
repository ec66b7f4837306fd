"""Page analysis: extract an article's text and metadata from HTML, and judge
whether the page is an article at all.

Contract (used by the crawl pipeline, `newscrawl extract` and re-extraction):
``extract_page(html, url, headers=None) -> Extraction`` (``crawler.extraction.result``:
url, canonical_url, title, authors, published (ISO 8601 or None), body, language,
site, description, tags, image, is_article, reason, signals, extractor; ``as_dict()``
is JSON-safe).  It never touches the network.

Stages, one module each: decode (bytes to text) -> document (one lxml parse) ->
metadata (JSON-LD, meta tags) -> titles / authors / dates -> body (trafilatura plus
line filters) -> detect (article or not).
"""

from __future__ import annotations

from crawler.extraction.page import EXTRACTOR_VERSION, extract_page
from crawler.extraction.result import Extraction

__all__ = ["EXTRACTOR_VERSION", "Extraction", "extract_page"]
