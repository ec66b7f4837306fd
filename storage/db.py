"""Opening a newscrawl database: pragmas, then pending migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from storage.migrations import MIGRATIONS


def open_db(path: str | Path, *, migrate: bool = True, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the SQLite file at ``path`` in WAL mode and
    bring its schema up to date with the append-only migrations.

    ``read_only`` opens through a ``mode=ro`` URI: used by readers that run
    beside a crawl (the skip-known middleware, ``serve``, ``export``)."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        return db
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout = 10000")
    db.enable_wal()
    # WAL + NORMAL: a committed transaction survives a process crash; only an
    # OS crash / power loss can lose the last transactions.
    db.execute("PRAGMA synchronous = NORMAL")
    # 64 MB of page cache (default 2 MB): the indexes the dedup lookups walk stay
    # in memory as the database grows, which keeps the per-article cost flat
    db.execute("PRAGMA cache_size = -65536")
    db.execute("PRAGMA foreign_keys = ON")
    if migrate:
        MIGRATIONS.apply(db)
    return db
