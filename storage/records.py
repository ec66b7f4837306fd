"""Plain data shared by the storage modules: outcomes, records, hashing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from storage.recheck import RecheckPolicy

# Outcomes recorded in urls.outcome (and counted by the pipelines).
NEW = "new"
DUPLICATE_URL = "duplicate_url"
DUPLICATE_TEXT = "duplicate_text"
NOT_ARTICLE = "not_article"
FAILED = "failed"
SKIPPED = "skipped"
BLOCKED = "blocked"
UPDATED = "updated"
NOT_MODIFIED = "not_modified"

# Estimated Jaccard similarity of 5-word shingles from which two texts are one
# article (a syndicated copy with another standfirst or sign-off line).
NEAR_DUPLICATE_THRESHOLD = 0.8
# From this similarity on, two articles are kept apart but grouped as one
# story (articles.story_id): a wire story republished with edits.
SAME_STORY_THRESHOLD = 0.5


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_WS = re.compile(r"\s+")


def text_hash(body: str) -> str:
    """Hash of the body with whitespace folded and case ignored: the exact-duplicate key."""
    folded = _WS.sub(" ", body).strip().casefold()
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()


def body_hash_of(extracted: dict[str, Any]) -> str:
    """``text_hash`` of an extraction's body: the one the worker process computed
    (``body_hash``, next to the body it hashed) or, failing that, computed here."""
    return extracted.get("body_hash") or text_hash(extracted.get("body") or "")


@dataclass
class PageRecord:
    """One fetched page and what extraction said of it."""

    url_key: str  # canonical key of the fetched URL
    fetched_url: str
    site: str
    status: int
    html: bytes
    extracted: dict[str, Any]
    article_key: str  # canonical key the article is stored under (rel=canonical or url_key)
    alias_keys: list[str] = field(default_factory=list)  # other keys naming the same page
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = field(default_factory=utcnow)
    run_id: int | None = None
    source: str | None = None
    found_on: str | None = None
    discovery: dict[str, Any] | None = None
    signature: dict[str, Any] | None = None  # storage.neardup.text_signature(body)
    recheck: RecheckPolicy | None = None  # sets urls.next_check for articles
    compressed: tuple[str, bytes] | None = None  # (codec, html compressed with it), done by a worker


@dataclass
class StoreResult:
    outcome: str
    article_id: int | None
    similarity: float | None = None  # for a near-identical duplicate_text
