"""From a fetched page and its analysis to a storage record.

Shared by every way pages come in (the crawl's StorePipeline, the cluster's
writer, WARC import), so that they all deduplicate the same way."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crawler.ingest.analysis import Analysis
from crawler.utils.urls import canonical_key, is_http_url
from storage.records import PageRecord, utcnow


def article_key_for(page_url: str, canonical_url: str | None) -> str:
    """Respect ``rel=canonical`` unless it is unusable: not http(s), or the
    site's root for a page that is not (a common CMS mistake)."""
    if canonical_url and is_http_url(canonical_url):
        canon_path = urlsplit(canonical_url).path.strip("/")
        page_path = urlsplit(page_url).path.strip("/")
        if canon_path or not page_path:
            return canonical_key(canonical_url)
    return canonical_key(page_url)


def page_record(
    *,
    url: str,
    html: bytes,
    analysis: Analysis,
    site: str,
    status: int = 200,
    requested_url: str | None = None,
    headers: dict[str, str] | None = None,
    fetched_at: str | None = None,
    run_id: int | None = None,
    source: str | None = None,
    found_on: str | None = None,
    discovery: dict[str, Any] | None = None,
    signal_modified: str | None = None,
    signal_lastmod: str | None = None,
    listing: str | None = None,
    links_hash: str | None = None,
    rendered: str | None = None,
) -> PageRecord:
    """The record ``storage`` stores for one analysed page."""
    ex = analysis.extraction
    return PageRecord(
        url_key=canonical_key(url),
        fetched_url=url,
        site=site,
        status=status,
        html=html,
        extraction=ex,
        article_key=article_key_for(url, ex.canonical_url),
        alias_keys=[canonical_key(requested_url)] if requested_url else [],
        headers=headers or {},
        fetched_at=fetched_at or utcnow(),
        run_id=run_id,
        source=source,
        found_on=found_on,
        discovery=discovery,
        signature=analysis.signature,
        body_hash=analysis.body_hash,
        rendered=rendered,
        compressed=analysis.compressed,
        signal_modified=signal_modified,
        signal_lastmod=signal_lastmod,
        listing=listing,
        links_hash=links_hash,
    )
