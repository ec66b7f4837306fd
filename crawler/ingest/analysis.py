"""What a worker process does with one page: extraction and article detection,
plus, for an article, the near-duplicate signature of its text and its
compressed raw HTML (CPU work that belongs off the event loop)."""

from __future__ import annotations

from typing import Any

from crawler.extraction import extract_page
from storage.neardup import text_signature
from storage.pages import DEFAULT_CODEC, compress_html, decompress_html
from storage.records import text_hash

# Re-extraction sends pages as stored (compressed) and names their codec in this
# pseudo-header: decompressing is then the worker's job, not the parent's.
STORED_CODEC_HEADER = "x-newscrawl-stored-codec"


def _add_text_keys(result: dict[str, Any]) -> bool:
    """For an article: its near-duplicate signature and exact-duplicate body hash."""
    if not (result.get("is_article") and result.get("body")):
        return False
    result["signature"] = text_signature(result["body"])
    result["body_hash"] = text_hash(result["body"])
    return True


def analyze_page(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    result = extract_page(html, url, headers)
    if _add_text_keys(result):
        raw = html.encode("utf-8") if isinstance(html, str) else bytes(html)
        result["compressed_html"] = (DEFAULT_CODEC, compress_html(raw, DEFAULT_CODEC))
    return result


def reanalyze_stored_page(blob: bytes, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Re-extraction of a stored page: ``blob`` is compressed with the codec named
    in ``headers[STORED_CODEC_HEADER]``. No compressed copy is returned (the page
    is already stored)."""
    headers = dict(headers or {})
    codec = headers.pop(STORED_CODEC_HEADER, "")
    try:
        html = decompress_html(bytes(blob), codec)
    except Exception as e:
        raise ValueError(f"unreadable page: {type(e).__name__}: {e}") from None
    result = extract_page(html, url, headers)
    _add_text_keys(result)
    return result
