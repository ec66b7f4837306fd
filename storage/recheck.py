"""When to look at a stored article again. Pure."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class RecheckPolicy:
    """Articles younger than ``young_days`` (by publication date, else first
    seen) are re-checked every ``young_every_hours`` (0: every run); older ones
    every ``old_every_days`` (None: never)."""

    young_days: float = 2.0
    young_every_hours: float = 0.0
    old_every_days: float | None = None


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date (``Last-Modified``, ``Retry-After``, ``Date``) as a datetime, naive
    when it names no zone; None when absent or unreadable."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def next_check(policy: RecheckPolicy, *, published: str | None, first_seen: str | None, now: datetime) -> str | None:
    born = parse_time(published) or parse_time(first_seen) or now
    if now - born < timedelta(days=policy.young_days):
        when = now + timedelta(hours=policy.young_every_hours)
    elif policy.old_every_days is None:
        return None
    else:
        when = now + timedelta(days=policy.old_every_days)
    return when.isoformat(timespec="seconds")


# --- edit signals: what the site says changed ------------------------------------------


def later(a: str | None, b: str | None) -> str | None:
    """The later of two ISO 8601 times (either may be None or unparseable)."""
    ta, tb = parse_time(a), parse_time(b)
    if ta is None:
        return b if tb is not None else None
    if tb is None:
        return a
    return a if ta >= tb else b


def signal_says(recorded: str | None, latest: str | None, lastmod: str | None) -> bool | None:
    """What this run's sitemap/feed signal says of a stored article.

    ``recorded``: the signal recorded at the article's last fetch (else its stored
    modified/published date); ``latest``: the latest date the site gave for the URL
    this run (lastmod, news publication date, feed updated/published); ``lastmod``:
    the latest of those that are modification dates (sitemap lastmod, feed updated).
    Both sides come from the site's own clock, never from ours.

    True: newer than recorded, re-check it whatever its age. False: the site gives a
    modification date that is not newer, skip it. None: nothing to go by (no signal,
    no recorded value, or only a publication date that is not newer): the age policy
    decides."""
    seen, before = parse_time(latest), parse_time(recorded)
    if seen is None or before is None:
        return None
    if seen > before:
        return True
    return False if parse_time(lastmod) is not None else None


# --- listing pages: revisits that adapt -------------------------------------------------

# Listing kinds fetched on every run (how new articles are found); other listings
# (tags, authors, archives, deep pagination, ...) are revisited on an interval.
EVERY_RUN_LISTINGS = frozenset({"start", "section"})


@dataclass(frozen=True)
class RevisitPolicy:
    """A listing page's revisit interval: ``min_seconds`` after a visit that found its
    same-site links changed (or its first), doubling after each visit that did not,
    up to ``max_seconds``."""

    min_seconds: float = 3600.0
    max_seconds: float = 7 * 24 * 3600.0


def next_interval(policy: RevisitPolicy, previous: float | None, changed: bool) -> float:
    if previous is None or changed or previous <= 0:
        return policy.min_seconds
    return max(policy.min_seconds, min(policy.max_seconds, previous * 2))
