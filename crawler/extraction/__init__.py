"""Page analysis: extract an article's text and metadata from HTML, and judge
whether the page is an article at all.

Contract (used by the crawl pipeline, `newscrawl extract` and re-extraction):
``extract_page(html, url, headers=None) -> dict`` returns a JSON-safe dict with
keys url, canonical_url, title, authors (list), published (ISO 8601 or None),
body, language, site, description, tags (list), image, is_article (bool),
reason (str), signals (dict), extractor (str).  It never touches the network.
"""

from __future__ import annotations

from typing import Any

import trafilatura

EXTRACTOR_VERSION = f"newscrawl-0 trafilatura-{trafilatura.__version__}"


def extract_page(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    d = doc.as_dict() if doc is not None else {}
    body = d.get("text") or ""
    authors = [a.strip() for a in (d.get("author") or "").split(";") if a.strip()]
    tags = [t.strip() for t in (d.get("tags") or []) if t and t.strip()]
    is_article = len(body) >= 300 and bool(d.get("title"))
    return {
        "url": url,
        "canonical_url": None,
        "title": d.get("title"),
        "authors": authors,
        "published": d.get("date"),
        "body": body,
        "language": d.get("language"),
        "site": d.get("sitename"),
        "description": d.get("description"),
        "tags": tags,
        "image": d.get("image"),
        "is_article": is_article,
        "reason": "article" if is_article else "not_article: text_length",
        "signals": {"text_length": len(body)},
        "extractor": EXTRACTOR_VERSION,
    }
