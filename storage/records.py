"""Plain data shared by the storage modules: outcomes, records, hashing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Protocol

from storage.neardup import Signature
from storage.recheck import RecheckPolicy, RevisitPolicy


class Outcome(StrEnum):
    """What happened to a URL (``urls.outcome``); counted by every writer."""

    NEW = "new"
    UPDATED = "updated"  # a stored article's page changed: a new version
    NOT_MODIFIED = "not_modified"  # re-checked, unchanged (304 or the same bytes)
    DUPLICATE_URL = "duplicate_url"  # another URL of a stored article
    DUPLICATE_TEXT = "duplicate_text"  # the same (or near-identical) text as a stored article
    NOT_ARTICLE = "not_article"
    FAILED = "failed"  # fetch or extraction error
    BLOCKED = "blocked"  # refused by the site (bot wall, robots.txt) or by our network policy
    SKIPPED = "skipped"  # not fetched or not extracted on purpose (not HTML, a trap, too large)
    DISCOVERED = "discovered"  # listed by a news sitemap or feed, not fetched yet

    @property
    def is_failure(self) -> bool:
        """Whether the URL gave nothing to store because something went wrong or was refused."""
        return self in (Outcome.FAILED, Outcome.BLOCKED, Outcome.SKIPPED)

    @property
    def is_duplicate(self) -> bool:
        return self in (Outcome.DUPLICATE_URL, Outcome.DUPLICATE_TEXT)


# urls.reason of a bot wall (outcome blocked): a challenge or captcha page answered
# instead of the page, e.g. "bot wall: Cloudflare challenge (http 403)". storage.health
# counts these; crawler.utils.botwall writes them.
BOT_WALL_REASON = "bot wall: "

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


class ExtractedPage(Protocol):
    """What storage reads of a page's extraction (``crawler.extraction.Extraction``
    is the one implementation): the article fields and the article judgement."""

    title: str | None
    authors: list[str]
    published: str | None
    modified: str | None
    body: str
    language: str | None
    site: str | None
    description: str | None
    tags: list[str]
    image: str | None
    images: list[dict[str, Any]]
    body_html: str
    section: str | None
    paywalled: bool | None
    is_article: bool
    reason: str
    signals: dict[str, Any]
    extractor: str


@dataclass
class PageRecord:
    """One fetched page, what extraction said of it, and where it came from."""

    url_key: str  # canonical key of the fetched URL
    fetched_url: str
    site: str
    status: int
    html: bytes
    extraction: ExtractedPage
    article_key: str  # canonical key the article is stored under (rel=canonical or url_key)
    alias_keys: list[str] = field(default_factory=list)  # other keys naming the same page
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = field(default_factory=utcnow)
    run_id: int | None = None
    source: str | None = None
    found_on: str | None = None
    discovery: dict[str, Any] | None = None
    signature: Signature | None = None  # of the body, for near-duplicate detection
    body_hash: str | None = None  # text_hash(body), when a worker computed it already
    recheck: RecheckPolicy | None = None  # sets urls.next_check for articles
    compressed: tuple[str, bytes] | None = None  # (codec, html compressed with it), done by a worker
    # The site's edit signal for this URL when it was fetched: the latest of its sitemap
    # lastmod, news-sitemap publication date and feed dates (urls.signal_modified), and
    # the latest of those that are modification dates (articles.modified when the page
    # gives no dateModified).
    signal_modified: str | None = None
    signal_lastmod: str | None = None
    # A non-article page's listing kind (start, section, tag, author, archive, search,
    # pagination, page) and the hash of its same-site links: its revisit interval.
    listing: str | None = None
    links_hash: str | None = None
    revisit: RevisitPolicy | None = None
    rendered: str | None = None  # html is the DOM a browser rendered (pages.rendered), e.g. "Chromium 156..."

    @property
    def body_key(self) -> str:
        """The exact-duplicate key of the body (the UNIQUE ``articles.body_hash``)."""
        return self.body_hash or text_hash(self.extraction.body or "")


@dataclass
class StoreResult:
    outcome: Outcome
    article_id: int | None
    similarity: float | None = None  # for a near-identical duplicate_text
