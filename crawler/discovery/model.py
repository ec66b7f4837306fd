"""Result types of discovery parsing and the normalisers every parser shares:
absolute http(s) URLs and ISO 8601 dates.  Both normalisers return None instead
of raising, because their input comes straight from untrusted documents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit


@dataclass(frozen=True)
class Entry:
    """One URL found in a sitemap or feed, with what the document said about it."""

    url: str
    source: str  # "sitemap" | "news-sitemap" | "rss" | "atom" | "jsonfeed"
    lastmod: str | None = None
    published: str | None = None
    title: str | None = None
    language: str | None = None  # news:language
    keywords: tuple[str, ...] = ()  # news:keywords, split on commas


@dataclass
class Parsed:
    """What one discovery document held.  ``error`` says why the document was
    refused or only partly read; ``entries`` may still hold what was recovered."""

    kind: str  # "sitemapindex" | "urlset" | "rss" | "atom" | "jsonfeed" | "unknown"
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None


def join_errors(*errors: str | None) -> str | None:
    kept = [e for e in errors if e]
    return "; ".join(kept) if kept else None


def internal_error(exc: BaseException) -> Parsed:
    """Last line of defence of the public parsers; the fuzz tests assert it never fires."""
    return Parsed("unknown", [], f"internal error: {type(exc).__name__}: {exc}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_URL_LENGTH = 8192  # sitemaps.org allows 2048; anything far longer is junk or an attack


def absolute_url(raw: str | None, base_url: str) -> str | None:
    """``raw`` resolved against ``base_url`` when it is (or becomes) an http(s) URL with a
    host; None for javascript:, mailto:, data:, garbage and empty values."""
    if not raw:
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_URL_LENGTH or _CONTROL.search(raw):
        return None
    try:
        url = urljoin(base_url, raw) if base_url else raw
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:  # urlsplit refuses e.g. unbalanced IPv6 brackets
        return None
    return url


_W3C = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?")
_ISOISH = re.compile(r"[0-9T:+\-.Z ]+")


def iso_date(raw: str | None) -> str | None:
    """ISO 8601 for a W3C datetime, a looser ISO form or an RFC 822 date, timezone kept;
    a date without a time stays date-only.  None for anything unparseable."""
    if not raw:
        return None
    text = " ".join(raw.split())
    if not text or len(text) > 64:
        return None
    if _W3C.fullmatch(text) and _valid_w3c(text):
        return text
    if _ISOISH.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            has_time = any(c in text for c in "T :")
            return parsed.isoformat() if has_time else parsed.date().isoformat()
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _valid_w3c(text: str) -> bool:
    """Checks the calendar (month 13, Feb 30) that the W3C pattern lets through."""
    try:
        if len(text) <= 10:
            date.fromisoformat((text + "-01-01")[:10] if len(text) < 10 else text)
        else:
            datetime.fromisoformat(re.sub(r"\.\d+", "", text))
    except ValueError:
        return False
    return True


def unique(entries: list[Entry]) -> list[Entry]:
    """First entry per URL, order kept: documents repeat URLs, callers need not care."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.url not in seen:
            seen.add(entry.url)
            kept.append(entry)
    return kept
