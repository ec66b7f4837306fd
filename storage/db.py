"""Opening a newscrawl database: a read-only look at the file first, then
pragmas and pending migrations."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import sqlite_utils

from storage.migrations import MIGRATIONS

# ``PRAGMA quick_check`` reads every page (about 1.5 GB/s from the page cache):
# done up front for files up to this size; a bigger file gets the header, size
# and schema checks only, and damage found later is reported when it is met.
QUICK_CHECK_MAX_BYTES = 1 << 30

_MAGIC = b"SQLite format 3\x00"


class DatabaseFileError(Exception):
    """The file at ``path`` cannot be used as a newscrawl database. Raised before
    anything was written to it (or created beside it)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


def _begins(data: bytes) -> str:
    text = data[:24].decode("utf-8", "replace")
    if "".join(text.split()).isprintable() and "\ufffd" not in text:
        return f"it begins {text!r}"
    return f"it begins with the bytes {data[:16].hex(' ')}"


def _nearest_existing(path: Path) -> Path:
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def _check_creatable(path: Path) -> None:
    parent = _nearest_existing(path.absolute())
    if not parent.is_dir():
        raise DatabaseFileError(path, f"cannot create the database: {parent} is not a directory")
    try:  # os.access() is not enough: root may not write in /proc, nor anyone on a read-only mount
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as e:
        raise DatabaseFileError(
            path, f"cannot create the database: cannot write in {parent} ({e.strerror or e})") from None


def _check_header(path: Path, header: bytes, size: int) -> None:
    """The 100-byte SQLite header and the file's size against it
    (https://www.sqlite.org/fileformat2.html#the_database_header)."""
    if len(header) < 100 or not header.startswith(_MAGIC):
        raise DatabaseFileError(path, f"not an SQLite database ({_begins(header)})")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DatabaseFileError(path, f"damaged SQLite database: bad page size {page_size} in its header")
    if header[18] > 2 or header[19] > 2:
        raise DatabaseFileError(
            path, f"SQLite file format version {header[19]} is newer than this SQLite reads")
    if header[21:24] != b"\x40\x20\x20":
        raise DatabaseFileError(path, "damaged SQLite database: bad payload fractions in its header")
    pages = int.from_bytes(header[28:32], "big")
    # the in-header page count is only valid when the change counter matches "version valid for"
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        raise DatabaseFileError(
            path, f"damaged SQLite database, truncated: its header says {pages} pages of {page_size} "
                  f"bytes ({pages * page_size} bytes), the file has {size} bytes")


def _read_only_uri(path: Path) -> str:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not (Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()):
        # No WAL in use: read the file as it is, without the -wal/-shm files a
        # read-only connection to a WAL database would create beside it.
        uri += "&immutable=1"
    return uri


def check_db_file(path: str | Path, *, create: bool = False, thorough: bool = True) -> None:
    """Raise :class:`DatabaseFileError` unless ``path`` is a newscrawl database
    (of any schema version), or, with ``create``, a file that may become one: a
    missing file in a writable place, an empty file or an SQLite database
    without tables.

    Only reads: never writes to the file, never leaves a -wal/-shm file beside it.
    ``thorough`` adds ``PRAGMA quick_check`` for files up to QUICK_CHECK_MAX_BYTES."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise DatabaseFileError(path, "does not exist")
        _check_creatable(path)
        return
    if path.is_dir():
        raise DatabaseFileError(path, "a directory, not a database file")
    try:
        with open(path, "rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise DatabaseFileError(path, f"cannot read it: {e.strerror or e}") from None
    if size == 0:
        if create:
            return
        raise DatabaseFileError(path, "an empty file, not a newscrawl database")
    try:
        _check_header(path, header, size)
    except DatabaseFileError:
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size:
            pass  # a checkpoint in progress: the header may run ahead of the file's size
        else:
            raise
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    except sqlite3.Error as e:
        raise DatabaseFileError(path, f"cannot open it: {e}") from None
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        ours = "_sqlite_migrations" in tables and conn.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATIONS.name]
        ).fetchone()[0] > 0
        if not tables:
            if create:
                return
            raise DatabaseFileError(path, "an SQLite database without tables, not a newscrawl database")
        if not ours:
            shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
            raise DatabaseFileError(
                path, f"an SQLite database of another program, not newscrawl's "
                      f"(tables {shown}; no newscrawl migrations)")
        if thorough and size <= QUICK_CHECK_MAX_BYTES:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
            if rows != ["ok"]:
                # one row may hold several lines ("*** in database main ***\nPage 3: ...")
                lines = [ln.strip() for row in rows for ln in row.splitlines()
                         if ln.strip() and not ln.startswith("***")]
                raise DatabaseFileError(
                    path, f"damaged SQLite database (quick_check: {'; '.join(lines[:2])})")
    except sqlite3.DatabaseError as e:
        raise DatabaseFileError(path, f"damaged SQLite database ({e})") from None
    finally:
        conn.close()


def open_db(path: str | Path, *, migrate: bool = True, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the SQLite file at ``path`` in WAL mode and
    bring its schema up to date with the append-only migrations.

    ``read_only`` opens through a ``mode=ro`` URI: used by readers that run
    beside a crawl (the skip-known middleware, ``serve``, ``export``).

    The file is looked at read-only first (:func:`check_db_file`, without the
    full-file ``quick_check``): a file that is not a newscrawl database raises
    :class:`DatabaseFileError` and is left as it was."""
    path = Path(path)
    check_db_file(path, create=not read_only, thorough=False)
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        return db
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False)
    except (OSError, sqlite3.Error) as e:
        why = getattr(e, "strerror", None) or e
        raise DatabaseFileError(path, f"cannot create the database: {why}") from None
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
