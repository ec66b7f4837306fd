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
    # this run's sitemap/feed dates for the URL: the latest of any kind, and of lastmod/updated
    signal_modified: str | None = None
    signal_lastmod: str | None = None
    listing: str | None = None  # listing kind by URL and depth (crawler.utils.listings)
    links_hash: str | None = None  # of its same-site links, when they were extracted
    not_modified: bool = False  # a listing page that answered 304: the body is its stored copy
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
    signal_modified: str | None = None  # this run's sitemap/feed date for the URL
    listing: str | None = None  # set for a listing page (its kind), not an article
    links_hash: str | None = None


@dataclass
class DocumentItem:
    """A robots.txt, sitemap or feed as fetched (200), kept for the next run's
    conditional GET when the server gave validators."""

    url: str
    site: str
    kind: str  # robots | sitemap | feed
    headers: dict[str, str]
    body: bytes


@dataclass
class DiscoveryItem:
    """What a news sitemap or feed says of a URL (title, dates), recorded
    whichever of the URL's discoveries led to its request."""

    url: str
    site: str
    source: str
    discovery: dict[str, Any]
    found_on: str | None = None
