"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.ingest.analysis import Analysis
from storage.records import Outcome


@dataclass
class PageItem:
    """A fetched HTML page, before and after extraction."""

    url: str  # final URL (after redirects)
    requested_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    site: str
    fetched_at: str
    source: str  # start | sitemap | news-sitemap | rss | atom | link
    found_on: str | None = None
    discovery: dict[str, Any] | None = None
    depth: int = 0
    known_hash: str | None = None  # content hash stored for this URL, on a re-check
    analysis: Analysis | None = None  # set by ExtractPipeline
    rendered: str | None = None  # the browser that rendered ``body`` (RenderPipeline), e.g. "Chromium 156..."


@dataclass
class FailureItem:
    """A URL that yielded no page to extract, and why."""

    url: str
    site: str
    reason: str
    outcome: Outcome = Outcome.FAILED  # FAILED, BLOCKED or SKIPPED
    status: int | None = None
    source: str | None = None
    found_on: str | None = None
    discovery: dict[str, Any] | None = field(default=None)


@dataclass
class NotModifiedItem:
    """A re-checked article page that has not changed (HTTP 304 or same bytes)."""

    url: str
    site: str
    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DiscoveryItem:
    """What a news sitemap or feed says of a URL (title, dates), recorded
    whichever of the URL's discoveries led to its request."""

    url: str
    site: str
    source: str
    discovery: dict[str, Any]
    found_on: str | None = None
