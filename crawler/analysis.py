"""What a worker process does with one page: extraction and article detection,
plus the near-duplicate signature of an article's text (CPU work that belongs
off the event loop)."""

from __future__ import annotations

from typing import Any

from crawler.extraction import extract_page
from storage.neardup import text_signature


def analyze_page(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    result = extract_page(html, url, headers)
    if result.get("is_article") and result.get("body"):
        result["signature"] = text_signature(result["body"])
    return result
