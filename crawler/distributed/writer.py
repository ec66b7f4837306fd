"""The writer: the one process that stores the cluster's items in SQLite.

It takes batches from ``PREFIX:items`` (``queue.ItemQueue``) and feeds them to
the ``StorePipeline`` a single-machine crawl uses, over an ``IngestSession`` of
kind ``writer`` (same dedup, re-check policies, run records, per-site counts and
database lock), one transaction per batch; commits; publishes the re-check state
of the stored articles' URL keys to ``PREFIX:known`` (``RedisSkipKnownMiddleware``);
then acknowledges the batch. Killed at any point, it loses
nothing: unacknowledged items are taken again by the next writer (``recover``)
and ``store_page`` absorbs a page stored twice.

One writer at a time, enforced by a lock key with a short expiry
(``PREFIX:writer``): a second writer waits; a restarted writer waits at most
``lock_ttl`` seconds for the lock of the one it replaces.
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import redis
import sqlite_utils
from scrapy.settings import Settings

from crawler.distributed.keys import ClusterKeys, frontier_size
from crawler.distributed.queue import ItemQueue, decode_item
from crawler.ingest.records import article_key_for
from crawler.items import NotModifiedItem, PageItem
from crawler.pipelines.store import recheck_policy, store_item
from crawler.spiders.cluster import load_cluster_sites
from crawler.utils.urls import canonical_key
from storage.queries import article_url_keys, recheck_state
from crawler.ingest.summary import format_summary
from storage.session import IngestSession, RunSummary

logger = logging.getLogger(__name__)

# KEYS: lock; ARGV: token, ttl. Extend the lock only if it is still ours.
_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LockLost(RuntimeError):
    """Another writer took the lock (this one was stalled longer than its expiry)."""


@dataclass
class WriterResult:
    run_id: int
    stats: Counter[str] = field(default_factory=Counter)  # the session's counters, without "newscrawl/"
    elapsed: float = 0.0
    busy: float = 0.0  # seconds spent storing and committing (not waiting for items)
    status: str = "finished"
    summary: RunSummary | None = None

    @property
    def articles_per_second(self) -> float:
        """Pages stored (articles, duplicates, non-articles) per second of store-and-commit time."""
        pages = sum(self.stats[f"outcome/{o}"] for o in ("new", "updated", "duplicate_url", "duplicate_text", "not_article"))
        return pages / self.busy if self.busy > 0 else 0.0


def _item_keys(item: Any) -> list[str]:
    """The URL keys an item may have made known (``article_urls``)."""
    if isinstance(item, PageItem) and item.analysis and item.analysis.extraction.is_article:
        keys = [article_key_for(item.url, item.analysis.extraction.canonical_url), canonical_key(item.url)]
        if item.requested_url:
            keys.append(canonical_key(item.requested_url))
        return keys
    if isinstance(item, NotModifiedItem):
        return [canonical_key(item.url)]
    return []


class Writer:
    def __init__(
        self,
        server: redis.Redis,
        keys: ClusterKeys,
        db_path: str,
        *,
        settings: Settings | None = None,
        batch: int = 100,
        block: float = 1.0,
        idle_exit: float | None = None,
        lock_ttl: int = 10,
        echo: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.server = server
        self.keys = keys
        self.db_path = db_path
        self.batch = max(1, batch)
        self.block = block
        self.idle_exit = idle_exit
        self.lock_ttl = lock_ttl
        self.echo = echo
        self.queue = ItemQueue(server, keys)
        if settings is None:
            from crawler.runner import build_settings

            settings = build_settings()
        self.settings = settings
        self.token = secrets.token_hex(8)
        self.stopping = False
        self.stats: Counter[str] = Counter()  # the writer's own counters (writer/busy, writer/bad_item)
        self._refresh = server.register_script(_REFRESH)
        self._release = server.register_script(_RELEASE)

    # -- lifecycle ---------------------------------------------------------------

    def stop(self, *_: Any) -> None:
        """Finish the batch in hand, then exit (SIGTERM, SIGINT)."""
        self.stopping = True

    def _acquire(self) -> None:
        waited = False
        while not self.server.set(self.keys.writer_lock, self.token, nx=True, ex=self.lock_ttl):
            if self.stopping:
                raise KeyboardInterrupt
            if not waited:
                self.echo(f"newscrawl writer: waiting for the writer lock {self.keys.writer_lock}"
                          f" (another writer is running, or one stopped < {self.lock_ttl}s ago)")
                waited = True
            time.sleep(0.5)

    def _keep_lock(self) -> None:
        if not self._refresh(keys=[self.keys.writer_lock], args=[self.token, self.lock_ttl]):
            raise LockLost(f"lost the writer lock {self.keys.writer_lock}")

    def publish_known(self, db: sqlite_utils.Database, keys: list[str]) -> int:
        """Put the re-check state of these URL keys in ``PREFIX:known`` (unknown keys are skipped).

        Whether a re-check is due is decided here, at publication: workers see
        a stored article become due when the writer next (re)starts."""
        states = {}
        for key in dict.fromkeys(keys):
            state = recheck_state(db, key)
            if state is not None:
                states[key] = json.dumps(state, sort_keys=True, default=str)
        items = list(states.items())
        for start in range(0, len(items), 10_000):
            self.server.hset(self.keys.known, mapping=dict(items[start:start + 10_000]))
        return len(states)

    def run(self, install_signals: bool = True) -> WriterResult:
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        self._acquire()
        settings = self.settings
        session = IngestSession(
            self.db_path, kind="writer", command={"command": "writer", "prefix": self.keys.prefix},
            commit_items=self.batch + 1, commit_seconds=0,  # one transaction per batch, committed here
            policies={site.name: recheck_policy(site, settings)
                      for site in load_cluster_sites(self.server, self.keys)},
        ).open()
        assert session.run_id is not None and session.db is not None
        result = WriterResult(run_id=session.run_id)
        started = time.monotonic()
        try:
            recovered = self.queue.recover()
            known = self.publish_known(session.db, list(article_url_keys(session.db)))
            self.echo(f"newscrawl writer: run {result.run_id}, {known} known article URLs published,"
                      f" {recovered} unacknowledged items taken back")
            self._loop(session, result)
        except BaseException as e:
            result.status = "interrupted" if isinstance(e, KeyboardInterrupt) else f"error: {type(e).__name__}"
            raise
        finally:
            result.elapsed = time.monotonic() - started
            self.stats["writer/busy"] = round(result.busy, 3)
            summary = session.close(result.status, {f"newscrawl/{k}": v for k, v in self.stats.items()})
            result.summary = summary
            result.stats.update(self.stats)
            result.stats.update({k[len("newscrawl/"):]: v for k, v in summary.counts.stats().items()})
            self._release(keys=[self.keys.writer_lock], args=[self.token])
        return result

    def _loop(self, session: IngestSession, result: WriterResult) -> None:
        idle_since: float | None = None
        while not self.stopping:
            self._keep_lock()
            raws = self.queue.take(self.batch, self.block)
            if raws:
                idle_since = None
                t0 = time.monotonic()
                self.store_batch(session, raws)
                result.busy += time.monotonic() - t0
                continue
            if self.idle_exit is None:
                continue
            if self.queue.sizes() != (0, 0) or frontier_size(self.server, self.keys) != (0, 0):
                idle_since = None
                continue
            now = time.monotonic()
            idle_since = idle_since or now
            if now - idle_since >= self.idle_exit:
                self.echo(f"newscrawl writer: queue and frontier empty for {self.idle_exit:.0f}s: exiting")
                return

    def _policies_for(self, session: IngestSession, items: list[Any]) -> None:
        """Re-check policies of sites enqueued after the writer started."""
        if all(getattr(i, "site", None) in session.policies for i in items):
            return
        for site in load_cluster_sites(self.server, self.keys):
            session.policies.setdefault(site.name, recheck_policy(site, self.settings))

    def store_batch(self, session: IngestSession, raws: list[bytes]) -> None:
        items: list[Any] = []
        good: list[bytes] = []
        for raw in raws:
            try:
                items.append(decode_item(raw))
                good.append(raw)
            except ValueError as e:
                logger.error("undecodable item moved to %s: %s", self.keys.dead, e)
                self.queue.bury(raw)
                self.stats["writer/bad_item"] += 1
        self._policies_for(session, items)
        known: list[str] = []
        for item in items:
            store_item(session, item)
            known += _item_keys(item)
        session.commit()
        # Committed: now workers may skip these URLs, and the items may go.
        assert session.db is not None
        self.publish_known(session.db, known)
        self.queue.ack(good)


def summary(result: WriterResult) -> str:
    assert result.summary is not None
    result.summary.details += [
        ("commits", result.summary.counts.commits),
        ("writer throughput", f"{result.articles_per_second:.0f} pages/s while storing"),
    ]
    return format_summary(result.summary)
