"""Finding discovery documents before fetching them: feed ``<link>`` tags in an HTML
head, and a guess from a URL alone so ``newscrawl crawl URL`` can be handed a sitemap
or feed directly.  Regular expressions here are linear: no backtracking on hostile HTML."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.discovery.model import absolute_url

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
_HEAD_LIMIT = 1024 * 1024  # feed links live in <head>; never scan a whole huge page

_TAG = re.compile(r"<(link|base)\b([^<>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=<>"'/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s<>"']+))?""")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Absolute hrefs of ``<link rel="alternate">`` tags with an RSS, Atom or JSON Feed
    type in the document head, deduplicated, in document order.  Honours ``<base href>``."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    head = _without_comments(html[:_HEAD_LIMIT])
    end = _HEAD_END.search(head)
    head = head[: end.start()] if end else head
    base, found = base_url, []
    seen_base = False
    for match in _TAG.finditer(head):
        attrs = _attributes(match.group(2))
        if match.group(1).lower() == "base":
            if not seen_base and attrs.get("href"):  # only the first <base> counts
                seen_base = True
                try:
                    base = urljoin(base_url, attrs["href"])
                except ValueError:
                    pass
            continue
        rels = attrs.get("rel", "").lower().split()
        mime = attrs.get("type", "").partition(";")[0].strip().lower()
        if "alternate" in rels and mime in FEED_TYPES:
            url = absolute_url(attrs.get("href"), base)
            if url and url not in found:
                found.append(url)
    return found


def _attributes(source: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, value in _ATTR.findall(source):
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        attrs.setdefault(name.lower(), htmllib.unescape(value))
    return attrs


def _without_comments(text: str) -> str:
    """Text with ``<!-- ... -->`` removed (an unclosed comment runs to the end)."""
    kept, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0:
        kept.append(text[pos:start])
        end = text.find("-->", start + 4)
        if end < 0:
            return "".join(kept)
        pos = end + 3
    kept.append(text[pos:])
    return "".join(kept)


_SITEMAP_FILE = re.compile(r"\.(xml|txt)(\.gz)?$")
_FEED_SEGMENTS = frozenset({"feed", "feeds", "rss", "rss2", "atom"})
_FEED_FILES = frozenset({"rss.xml", "atom.xml", "feed.xml", "index.xml", "feed.json", "rss2.xml"})
_FEED_SUFFIXES = (".rss", ".atom", ".rdf")
_FEED_HOSTS = ("feeds.", "feed.", "rss.")
_FEED_QUERY = frozenset({"rss", "rss2", "atom", "feed", "rdf"})


def is_probably_discovery_url(url: str) -> str | None:
    """Whether ``url`` looks like a "sitemap" or a "feed" (or None), from the URL alone."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    path = parts.path.lower()
    segments = [s for s in path.split("/") if s]
    name = segments[-1] if segments else ""
    if "sitemap" in path and _SITEMAP_FILE.search(name):
        return "sitemap"
    if (
        name.endswith(_FEED_SUFFIXES)
        or name in _FEED_FILES
        or _FEED_SEGMENTS.intersection(segments)
        or host.startswith(_FEED_HOSTS)
        or any(
            k.lower() in ("feed", "format", "type") and v.lower() in _FEED_QUERY for k, v in query
        )
    ):
        return "feed"
    return None
