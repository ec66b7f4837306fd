"""Batched write transactions: one ``BEGIN IMMEDIATE`` ... ``COMMIT`` per batch of
items, committed by count or by age. Shared by every writer (the crawl's
StorePipeline, WARC import, re-extraction); items inside use savepoints
(``db.atomic()``), so one failing item never undoes the others."""

from __future__ import annotations

import time

import sqlite_utils


class WriteBatch:
    def __init__(self, db: sqlite_utils.Database, max_items: int = 100, max_seconds: float = 1.0) -> None:
        self.db = db
        self.max_items = max(1, max_items)
        self.max_seconds = max_seconds
        self.pending = 0
        self.commits = 0
        self.opened = time.monotonic()

    def begin(self) -> None:
        # IMMEDIATE: take the write lock at the start, never fail later on a stale snapshot
        if not self.db.conn.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.opened = time.monotonic()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.commit()
            self.commits += 1
        self.pending = 0

    def due(self) -> bool:
        return self.pending >= self.max_items or (
            self.max_seconds > 0 and time.monotonic() - self.opened >= self.max_seconds
        )

    def done(self) -> bool:
        """Count one written item; commit when the batch is full or old. True if committed."""
        self.pending += 1
        if self.due():
            self.commit()
            return True
        return False
