"""Reading a database that a test, or a ``newscrawl`` subprocess, wrote."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def read_rows(db_path: str | os.PathLike[str], sql: str, params: Sequence[Any] = ()
              ) -> list[dict[str, Any]]:
    """Run ``sql`` on the SQLite file read-only; rows as dicts."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, tuple(params))]
    finally:
        conn.close()


def row_count(db_path: str | os.PathLike[str], table: str) -> int:
    """Rows in ``table``; 0 while the database or the table does not exist yet (a run
    in another process is still creating it)."""
    try:
        return int(read_rows(db_path, f"SELECT count(*) AS n FROM {table}")[0]["n"])
    except (FileNotFoundError, sqlite3.OperationalError):
        return 0
