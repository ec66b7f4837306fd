"""crawler.utils.exporters (with storage.export.iter_articles): exports stream, in
bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from crawler.utils.exporters import write_csv, write_jsonl
from storage import open_db
from storage.export import iter_articles

BIG_ARTICLES = 1500
BODY_CHARS = 20_000  # 30 MB of bodies in all


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.db"
    db = open_db(path)
    filler = "x" * BODY_CHARS
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO articles (url, site, title, body, body_hash, first_seen, last_seen)"
            " VALUES (?, 'big', ?, ?, ?, '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')",
            [(f"https://big.example/{i}", f"t{i}", f"{i} {filler}", f"{i:040x}")
             for i in range(BIG_ARTICLES)],
        )
    db.conn.close()
    return path


class CountingSink(io.StringIO):
    """Counts characters written; keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


@pytest.mark.parametrize("writer", [write_jsonl, write_csv], ids=["jsonl", "csv"])
def test_export_streams_in_bounded_memory(big_db: Path, writer: Any) -> None:
    db = open_db(big_db, read_only=True)
    sink = CountingSink()
    tracemalloc.start()
    try:
        n = writer(iter_articles(db), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        db.conn.close()
    assert n == BIG_ARTICLES and sink.chars > BIG_ARTICLES * BODY_CHARS
    # Holding every row would take > 30 MB; a streamed export holds a few rows.
    assert peak < 5_000_000, f"peak {peak} bytes"
