"""The three entry points the spider calls on response bodies.  Each takes any bytes
and returns a ``Parsed``; none raises.  Content decides what a document is: gzip by
its magic bytes, XML by its root element, never the URL or a Content-Type alone."""

from __future__ import annotations

from crawler.discovery.feeds import from_feed_root, from_json_feed
from crawler.discovery.model import Parsed, internal_error, join_errors
from crawler.discovery.sitemaps import from_sitemap_root, from_text
from crawler.discovery.xmlsafe import (
    local_name,
    looks_like_html,
    looks_like_markup,
    parse_xml,
    read_body,
    strip_prolog_noise,
)

SITEMAP_MAX_SIZE = 50 * 2**20  # the sitemaps.org limit for an uncompressed sitemap
FEED_MAX_SIZE = 10 * 2**20

_SITEMAPS = frozenset({"sitemap", "text"})
_FEEDS = frozenset({"feed", "json"})


def parse_sitemap(body: bytes, base_url: str, max_size: int = SITEMAP_MAX_SIZE) -> Parsed:
    """A sitemap index, urlset (Google News included) or plain-text sitemap.  RSS and
    Atom are read too, since the sitemaps protocol accepts feeds as sitemaps."""
    return _parse(body, base_url, max_size, _SITEMAPS | {"feed"}, None)


def parse_feed(body: bytes, base_url: str, max_size: int = FEED_MAX_SIZE) -> Parsed:
    """An RSS 2.0/0.9x, RSS 1.0 (RDF), Atom or JSON feed."""
    return _parse(body, base_url, max_size, _FEEDS, None)


def parse_discovery_document(
    body: bytes,
    base_url: str,
    content_type: str | None = None,
    max_size: int = SITEMAP_MAX_SIZE,
) -> Parsed:
    """Whichever sitemap or feed ``body`` holds; "unknown" with an error for HTML and
    anything else.  ``content_type`` only breaks ties for bodies that are not markup."""
    return _parse(body, base_url, max_size, _SITEMAPS | _FEEDS, content_type)


def _parse(
    body: bytes, base_url: str, max_size: int, accept: frozenset[str], content_type: str | None
) -> Parsed:
    try:
        data, error = read_body(body, max_size)
        if error is not None and _is_text(data):
            data = data[: data.rfind(b"\n") + 1]  # a cut text sitemap: whole lines only
        parsed = _dispatch(data, base_url or "", accept, (content_type or "").lower())
    # The contract is "never raises"; the fuzz tests assert this guard never fires.
    except Exception as exc:  # noqa: BLE001
        return internal_error(exc)
    parsed.error = join_errors(error, parsed.error)
    return parsed


def _is_text(data: bytes) -> bool:
    stripped = strip_prolog_noise(data)
    return not looks_like_markup(stripped) and stripped[:1] not in (b"{", b"[")


def _dispatch(data: bytes, base_url: str, accept: frozenset[str], content_type: str) -> Parsed:
    stripped = strip_prolog_noise(data)
    if not stripped:
        return Parsed("unknown", [], "empty document")
    if looks_like_html(stripped) or (not looks_like_markup(stripped) and "html" in content_type):
        return Parsed("unknown", [], "an HTML page, not a sitemap or feed")
    if stripped[:1] in (b"{", b"["):
        if "json" not in accept:
            return Parsed("unknown", [], "JSON, not a sitemap")
        return from_json_feed(stripped, base_url) or Parsed("unknown", [], "JSON, not a JSON Feed")
    if not looks_like_markup(stripped):
        if "text" in accept:
            return from_text(stripped, base_url)
        return Parsed("unknown", [], "not XML")
    root, error = parse_xml(stripped)
    if root is None:
        return Parsed("unknown", [], error)
    parsed = from_sitemap_root(root, base_url) if "sitemap" in accept else None
    parsed = parsed or (from_feed_root(root, base_url) if "feed" in accept else None)
    if parsed is None:
        wanted = " or ".join(sorted(accept - {"text", "json"}))
        return Parsed(
            "unknown", [], join_errors(error, f"not a {wanted}: root <{local_name(root)}>")
        )
    parsed.error = error
    return parsed
