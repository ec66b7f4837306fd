"""The writer: the one process that stores the cluster's items in SQLite.

It takes batches from ``PREFIX:items`` (``queue.ItemQueue``), stores each item
with the code a single-machine crawl uses (``crawler.ingest.page_record`` then
``storage.queries.store_page`` / ``record_failure``, one savepoint per item, one
transaction per batch), commits, then publishes the stored articles' URL keys
to ``PREFIX:known`` and acknowledges the batch. Killed at any point, it loses
nothing: unacknowledged items are taken again by the next writer (``recover``)
and ``store_page`` absorbs a page stored twice.

One writer at a time, enforced by a lock key with a short expiry
(``PREFIX:writer``): a second writer waits; a restarted writer waits at most
``lock_ttl`` seconds for the lock of the one it replaces.
"""

from __future__ import annotations

import logging
import secrets
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import redis
import sqlite_utils

from crawler.distributed.keys import ClusterKeys, frontier_size
from crawler.distributed.queue import ItemQueue, decode_item
from crawler.ingest import page_record
from crawler.items import FailureItem, PageItem
from crawler.urls import canonical_key
from storage import open_db
from storage.queries import (
    DUPLICATE_TEXT, DUPLICATE_URL, NEW, NOT_ARTICLE, finish_run, record_failure, start_run, store_page,
)

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
    stats: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    busy: float = 0.0  # seconds spent storing and committing (not waiting for items)
    status: str = "finished"

    @property
    def articles_per_second(self) -> float:
        """Pages stored (articles, duplicates, non-articles) per second of store-and-commit time."""
        pages = sum(self.stats[f"outcome/{o}"] for o in (NEW, DUPLICATE_URL, DUPLICATE_TEXT, NOT_ARTICLE))
        return pages / self.busy if self.busy > 0 else 0.0


def _article_url_keys(db: sqlite_utils.Database) -> Any:
    # TODO(lead): move to storage.queries as article_url_keys(db).
    return (row[0] for row in db.execute("SELECT url FROM article_urls"))


class Writer:
    def __init__(
        self,
        server: redis.Redis,
        keys: ClusterKeys,
        db_path: str,
        *,
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
        self.token = secrets.token_hex(8)
        self.stopping = False
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

    def seed_known(self, db: sqlite_utils.Database, chunk: int = 10_000) -> int:
        """Put every stored article URL key in ``PREFIX:known`` (workers skip them)."""
        n = 0
        buf: list[str] = []
        for key in _article_url_keys(db):
            buf.append(key)
            if len(buf) >= chunk:
                self.server.sadd(self.keys.known, *buf)
                n += len(buf)
                buf.clear()
        if buf:
            self.server.sadd(self.keys.known, *buf)
            n += len(buf)
        return n

    def run(self, install_signals: bool = True) -> WriterResult:
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        self._acquire()
        db = open_db(self.db_path)
        result = WriterResult(run_id=start_run(db, {"command": "writer", "queue": self.keys.items}))
        started = time.monotonic()
        try:
            recovered = self.queue.recover()
            known = self.seed_known(db)
            self.echo(f"newscrawl writer: run {result.run_id}, {known} known article URLs published,"
                      f" {recovered} unacknowledged items taken back")
            self._loop(db, result)
        except BaseException as e:
            result.status = "interrupted" if isinstance(e, KeyboardInterrupt) else f"error: {type(e).__name__}"
            raise
        finally:
            result.elapsed = time.monotonic() - started
            stats = {f"newscrawl/{k}": v for k, v in result.stats.items()}
            stats.update({"elapsed": round(result.elapsed, 3), "busy": round(result.busy, 3)})
            finish_run(db, result.run_id, result.status, stats)
            db.conn.close()
            self._release(keys=[self.keys.writer_lock], args=[self.token])
        return result

    def _loop(self, db: sqlite_utils.Database, result: WriterResult) -> None:
        idle_since: float | None = None
        while not self.stopping:
            self._keep_lock()
            raws = self.queue.take(self.batch, self.block)
            if raws:
                idle_since = None
                t0 = time.monotonic()
                self.store_batch(db, raws, result)
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

    # -- storing -----------------------------------------------------------------

    def store_batch(self, db: sqlite_utils.Database, raws: list[bytes], result: WriterResult) -> None:
        counts: Counter[str] = Counter()
        known: list[str] = []
        good: list[bytes] = []
        db.execute("BEGIN")
        for raw in raws:
            try:
                item = decode_item(raw)
            except ValueError as e:
                logger.error("undecodable item moved to %s: %s", self.keys.dead, e)
                self.queue.bury(raw)
                counts["bad_item"] += 1
                continue
            good.append(raw)
            if isinstance(item, FailureItem):
                record_failure(
                    db, url_key=canonical_key(item.url), fetched_url=item.url, site=item.site,
                    reason=item.reason, outcome=item.outcome, status=item.status, run_id=result.run_id,
                    source=item.source, found_on=item.found_on, discovery=item.discovery,
                )
                counts[f"outcome/{item.outcome}"] += 1
            else:
                outcome, keys = self._store_page(db, item, result.run_id)
                counts[outcome] += 1
                known += keys
        db.conn.commit()
        # Committed: now the workers may skip these URLs, and the items may go.
        if known:
            self.server.sadd(self.keys.known, *known)
        self.queue.ack(good)
        counts["commits"] += 1
        result.stats.update(counts)

    def _store_page(self, db: sqlite_utils.Database, item: PageItem, run_id: int) -> tuple[str, list[str]]:
        rec = page_record(
            url=item.url, html=item.body, extracted=item.extracted or {}, site=item.site,
            status=item.status, requested_url=item.requested_url, headers=item.headers,
            fetched_at=item.fetched_at, run_id=run_id, source=item.source,
            found_on=item.found_on, discovery=item.discovery,
        )
        try:
            stored = store_page(db, rec)
        except Exception as e:  # one bad page never stops the writer (its savepoint is rolled back)
            record_failure(
                db, url_key=rec.url_key, fetched_url=item.url, site=item.site,
                reason=f"store error: {type(e).__name__}: {e}", status=item.status, run_id=run_id,
            )
            return "store_error", []
        if stored.outcome == NOT_ARTICLE:
            return f"outcome/{stored.outcome}", []
        keys = list(dict.fromkeys([rec.article_key, rec.url_key, *rec.alias_keys]))
        return f"outcome/{stored.outcome}", keys


def summary(result: WriterResult, db_path: str) -> str:
    s = result.stats
    dups = s["outcome/duplicate_url"] + s["outcome/duplicate_text"]
    return "\n".join([
        f"newscrawl writer: {result.status} after {result.elapsed:.1f}s (run {result.run_id}, database {db_path})",
        f"  articles stored    {s['outcome/new']}",
        f"  duplicates         {dups} ({s['outcome/duplicate_url']} known URL, {s['outcome/duplicate_text']} same text)",
        f"  not articles       {s['outcome/not_article']}",
        f"  failures           {s['outcome/failed'] + s['outcome/blocked'] + s['outcome/skipped']}",
        f"  store errors       {s['store_error']}",
        f"  commits            {s['commits']}",
        f"  writer throughput  {result.articles_per_second:.0f} pages/s while storing",
    ])
