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

from typing import TYPE_CHECKING, Any

from crawler.extraction.result import Extraction
from crawler.extraction.version import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from crawler.extraction.page import extract_page

__all__ = ["EXTRACTOR_VERSION", "Extraction", "extract_page"]


def __getattr__(name: str) -> Any:
    # extract_page pulls in trafilatura and lxml (~0.3 s): only code that extracts pays
    # for it, not every process that only handles results (the crawl's main process)
    if name == "extract_page":
        from crawler.extraction.page import extract_page

        return extract_page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
