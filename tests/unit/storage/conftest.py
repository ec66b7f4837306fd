"""The database the storage unit tests write to: a fresh, migrated file per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from storage import open_db


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "news.db")
