"""TrapGuardMiddleware: bound the URL explosions of crawler traps.

Depth, the per-site page budget and the pagination limit already bound a
crawl; this spider middleware catches what slips between them when links are
followed: an endless calendar (``/events/2025/03`` -> ``/events/2025/04`` ...),
faceted search (``?q=...&sort=...``), session IDs that make every URL new
(``;jsessionid=...``, ``?PHPSESSID=...``), relative-link loops
(``/a/b/a/b/a/b/``) and absurdly long URLs.

For every page request the spider yields:

* session-ID parameters are removed from the URL (so the variants are one
  request; :func:`strip_session_ids`);
* a URL longer than ``NEWSCRAWL_MAX_URL_LENGTH``, with more than
  ``NEWSCRAWL_MAX_PATH_SEGMENTS`` path segments, or repeating a path segment
  more than ``NEWSCRAWL_MAX_SEGMENT_REPEATS`` times is dropped;
* link-followed URLs are grouped by shape (:func:`url_shape`: digit runs and
  opaque tokens replaced, query values ignored) and, per site, at most
  ``NEWSCRAWL_MAX_URLS_PER_PATTERN`` distinct URLs of one shape are followed.
  URLs from sitemaps and feeds are not counted: publishers list them on purpose.

A dropped request becomes a ``FailureItem`` (outcome ``skipped``, reason
``trap: ...``) so the URL is recorded with why; stats ``newscrawl/trap/<kind>``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.items import FailureItem
from crawler.utils.urls import canonical_key, host_of
from storage.records import Outcome

# Parameters that only ever carry a session: always removed.
SESSION_PARAMS = frozenset({
    "jsessionid", "phpsessid", "sessionid", "session_id", "sessid", "aspsessionid",
    "cfid", "cftoken", "zenid", "osCsid".lower(),
})
# Short names that are session IDs only when the value looks like one (``sid=42`` may be a story).
MAYBE_SESSION_PARAMS = frozenset({"sid", "s", "sess", "session"})
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9_-]{16,}$|^[0-9a-f]{24,}$", re.IGNORECASE)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# The most URLs remembered as already recorded (so a trap linked from every page is recorded once).
_MAX_REMEMBERED = 100_000


def _is_token(value: str) -> bool:
    return bool(_TOKEN.match(value) or _UUID.match(value))


def strip_session_ids(url: str) -> str:
    """``url`` without session-ID path parameters and query parameters."""
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v) for k, v in query
        if not (k.lower() in SESSION_PARAMS or (k.lower() in MAYBE_SESSION_PARAMS and _is_token(v)))
    ]
    if path == parts.path and len(kept) == len(query):
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(kept, doseq=True), parts.fragment))


def _segment_shape(segment: str) -> str:
    if _is_token(segment):
        return "{id}"
    return _DIGITS.sub("{n}", segment)


def url_shape(url: str) -> str:
    """The URL with what varies in a trap abstracted away: digit runs become
    ``{n}``, opaque tokens (hashes, UUIDs, session-like strings) ``{id}``, and
    the query keeps only its sorted parameter names. Article slugs stay as they are."""
    parts = urlsplit(url)
    path = "/".join(_segment_shape(s) for s in parts.path.split("/"))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def trap_reason(url: str, max_length: int, max_segments: int, max_repeats: int) -> tuple[str, str] | None:
    """(stat kind, reason) when the URL itself looks like a trap, else None."""
    if max_length and len(url) > max_length:
        return "url_too_long", f"trap: URL longer than {max_length} characters"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if max_segments and len(segments) > max_segments:
        return "path_too_deep", f"trap: more than {max_segments} path segments"
    if max_repeats and segments:
        most = max(segments.count(s) for s in set(segments))
        if most > max_repeats:
            return "repeating_path", f"trap: a path segment repeated {most} times"
    return None


class TrapGuardMiddleware:
    def __init__(
        self, crawler: Crawler, *, max_per_pattern: int, max_url_length: int,
        max_path_segments: int, max_segment_repeats: int, strip_sessions: bool,
    ) -> None:
        self.crawler = crawler
        self.max_per_pattern = max_per_pattern
        self.max_url_length = max_url_length
        self.max_path_segments = max_path_segments
        self.max_segment_repeats = max_segment_repeats
        self.strip_sessions = strip_sessions
        self.shapes: dict[tuple[str, str], set[str]] = {}
        self.recorded: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrapGuardMiddleware:
        s = crawler.settings
        return cls(
            crawler,
            max_per_pattern=s.getint("NEWSCRAWL_MAX_URLS_PER_PATTERN", 300),
            max_url_length=s.getint("NEWSCRAWL_MAX_URL_LENGTH", 2000),
            max_path_segments=s.getint("NEWSCRAWL_MAX_PATH_SEGMENTS", 15),
            max_segment_repeats=s.getint("NEWSCRAWL_MAX_SEGMENT_REPEATS", 3),
            strip_sessions=s.getbool("NEWSCRAWL_STRIP_SESSION_IDS", True),
        )

    def _inc(self, kind: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newscrawl/trap/{kind}")

    def check(self, request: Request) -> Request | FailureItem | None:
        """The request to send (maybe with a cleaned URL), a FailureItem recording
        why it is dropped, or None (dropped and already recorded)."""
        meta = request.meta
        if meta.get("newscrawl_role") != "page":
            return request
        original_url = request.url
        if self.strip_sessions:
            url = strip_session_ids(request.url)
            if url != request.url:
                self._inc("session_id_stripped")
                request = request.replace(url=url)
        found = trap_reason(request.url, self.max_url_length, self.max_path_segments, self.max_segment_repeats)
        if found is None and self.max_per_pattern and meta.get("newscrawl_source") == "link":
            key = canonical_key(request.url)
            site = meta.get("newscrawl_site") or host_of(request.url)
            seen = self.shapes.setdefault((site, url_shape(key)), set())
            if key not in seen:
                if len(seen) >= self.max_per_pattern:
                    found = ("pattern_limit",
                             f"trap: more than {self.max_per_pattern} URLs like {url_shape(key)}")
                else:
                    seen.add(key)
        if found is None:
            return request
        kind, reason = found
        self._inc(kind)
        release = getattr(self.crawler.spider, "release_page_budget", None)
        if release is not None:
            release(meta.get("newscrawl_site") or "", original_url)
        key = canonical_key(request.url)
        if key in self.recorded:
            return None
        if len(self.recorded) < _MAX_REMEMBERED:
            self.recorded.add(key)
        return FailureItem(
            url=request.url, site=meta.get("newscrawl_site") or host_of(request.url), reason=reason,
            outcome=Outcome.SKIPPED, source=meta.get("newscrawl_source"), found_on=meta.get("newscrawl_found_on"),
            discovery=meta.get("newscrawl_discovery"),
        )

    def _filter(self, item: Any) -> Any:
        return self.check(item) if isinstance(item, Request) else item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for item in result:
            out = self._filter(item)
            if out is not None:
                yield out

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in result:
            out = self._filter(item)
            if out is not None:
                yield out
