"""Everything that knows the database's shape. Never imports scrapy or crawler.

``open_db``, ``check_db_file``, ``DatabaseFileError`` and ``MIGRATIONS`` are loaded on
first use: the pure modules here (``storage.recheck``, ``storage.records``, ...) are
imported by code that never opens a database, and sqlite-utils costs ~0.2 s to import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.db import DatabaseFileError, check_db_file, open_db
    from storage.migrations import MIGRATIONS

__all__ = ["open_db", "check_db_file", "DatabaseFileError", "MIGRATIONS"]


def __getattr__(name: str) -> Any:
    if name in ("open_db", "check_db_file", "DatabaseFileError"):
        from storage import db

        return getattr(db, name)
    if name == "MIGRATIONS":
        from storage.migrations import MIGRATIONS

        return MIGRATIONS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
