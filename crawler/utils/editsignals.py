"""What this run's sitemaps and feeds say of each URL's last change.

The spider fills an ``EditSignals`` map while it parses sitemaps and feeds
(sitemap ``lastmod``, news-sitemap ``publication_date``, feed ``updated`` and
``published``: the latest of each kind per URL), so that a request for that URL
made from anywhere (a homepage link too) is judged by it: the skip-known rule
(``crawler.downloadermiddlewares.skipknown.apply_recheck_state``) re-checks a
stored article whose signal is newer than the one recorded at its last fetch.

Dates are kept as the site wrote them, compared as timezone-aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.recheck import later


@dataclass(frozen=True)
class EditSignal:
    latest: str | None = None  # the latest date of any kind: urls.signal_modified
    lastmod: str | None = None  # the latest modification date (lastmod, feed updated)

    def merged(self, lastmod: str | None, published: str | None) -> EditSignal:
        return EditSignal(later(self.latest, later(lastmod, published)), later(self.lastmod, lastmod))

    def __bool__(self) -> bool:
        return self.latest is not None


NO_SIGNAL = EditSignal()


class EditSignals:
    """Canonical URL key -> the latest edit signal seen this run."""

    def __init__(self) -> None:
        # keyed by hash(key): a big site's sitemaps list millions of URLs
        self._by_key: dict[int, EditSignal] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def see(self, key: str, *, lastmod: str | None, published: str | None) -> bool:
        """Record a sitemap/feed entry's dates; True when the URL's signal moved.
        (``later`` passes over unreadable dates and keeps the first of two equal times,
        so ``latest`` changes only when a strictly later date arrives.)"""
        if lastmod is None and published is None:
            return False
        old = self._by_key.get(hash(key), NO_SIGNAL)
        new = old.merged(lastmod, published)
        if new == old:
            return False
        self._by_key[hash(key)] = new
        return new.latest != old.latest

    def get(self, key: str) -> EditSignal:
        return self._by_key.get(hash(key), NO_SIGNAL)

    def for_keys(self, keys: list[str], discovery: dict[str, Any] | None = None) -> EditSignal:
        """The signal for a page known under several keys (requested and final URL)."""
        signal = self.for_request(keys[0], discovery)
        for key in keys[1:]:
            other = self.get(key)
            signal = signal.merged(other.lastmod, other.latest)
        return signal

    def for_request(self, key: str, discovery: dict[str, Any] | None) -> EditSignal:
        """The signal for a request: this run's map, and what the sitemap/feed entry
        the request came from said (a cluster worker may not have parsed that one)."""
        signal = self.get(key)
        if discovery:
            lastmod, published = discovery.get("lastmod"), discovery.get("published")
            signal = signal.merged(lastmod, published)
        return signal


def signal_for(spider: Any, key: str, discovery: dict[str, Any] | None) -> EditSignal:
    """``spider.edit_signals.for_request`` for any spider (one without the map: only
    what the request carries)."""
    signals = getattr(spider, "edit_signals", None)
    return (signals if isinstance(signals, EditSignals) else _EMPTY).for_request(key, discovery)


_EMPTY = EditSignals()
