"""``newscrawl export``: articles of a real crawl of the sample web as JSON lines,
CSV and Parquet, filtered, streamed."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import load_manifest
from storage.export import ARTICLE_COLUMNS
from tests.support.db import read_rows

MANIFEST = load_manifest()


def export(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """``export ARGS`` as a real subprocess (the module's own entry point)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.export", "export", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def stored(db: Path, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    rows = read_rows(db, f"SELECT * FROM articles {where} ORDER BY id", params)
    for row in rows:
        row["authors"] = json.loads(row["authors"])
        row["tags"] = json.loads(row["tags"])
        row["images"] = json.loads(row["images"])
        row["paywalled"] = None if row["paywalled"] is None else bool(row["paywalled"])
    return rows


def test_jsonl_exports_every_article_as_stored(crawled_db: Path) -> None:
    proc = export("--db", crawled_db)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(MANIFEST["articles"])
    assert lines == [{c: row[c] for c in ARTICLE_COLUMNS} for row in stored(crawled_db)]
    assert all(isinstance(line["authors"], list) and line["authors"] for line in lines)
    # every column of the table but the internal page key
    assert set(ARTICLE_COLUMNS) == set(stored(crawled_db)[0]) - {"page_key"}
    assert {line["version"] for line in lines} == {1}
    assert f"export: {len(lines)} articles (jsonl)" in proc.stderr


def test_site_and_since_filters(crawled_db: Path) -> None:
    site = read_rows(crawled_db, "SELECT site FROM articles GROUP BY site ORDER BY count(*) LIMIT 1")[0]["site"]
    lines = [json.loads(x) for x in export("--db", crawled_db, "--site", site).stdout.splitlines()]
    assert lines and {x["site"] for x in lines} == {site}
    assert [x["id"] for x in lines] == [r["id"] for r in stored(crawled_db, "WHERE site = ?", (site,))]

    since = "2025-03-25"
    lines = [json.loads(x) for x in export("--db", crawled_db, "--since", since).stdout.splitlines()]
    want = [r["id"] for r in stored(crawled_db) if (r["published"] or r["first_seen"]) >= since]
    assert 0 < len(want) < len(MANIFEST["articles"])
    assert [x["id"] for x in lines] == want
    assert all(x["published"] >= since for x in lines)


def test_csv_round_trips_multiline_bodies(crawled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    export("--db", crawled_db, "--format", "csv", "-o", out)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    want = stored(crawled_db)
    assert [r["url"] for r in rows] == [w["url"] for w in want]
    assert list(rows[0]) == list(ARTICLE_COLUMNS)
    for row, w in zip(rows, want):
        assert row["body"] == w["body"] and "\n" in row["body"]
        assert json.loads(row["authors"]) == w["authors"]
        assert json.loads(row["images"]) == w["images"]
        assert row["paywalled"] == ("" if w["paywalled"] is None else json.dumps(w["paywalled"]))
        assert row["body_html"].startswith("<p>")
    assert not out.with_name("articles.csv.part").exists()


def test_parquet_export(crawled_db: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra (pyarrow) is not installed")
    out = tmp_path / "articles.parquet"
    export("--db", crawled_db, "--format", "parquet", "-o", out, "--site",
           read_rows(crawled_db, "SELECT site FROM articles LIMIT 1")[0]["site"])
    table = pq.read_table(out)
    assert table.column_names == list(ARTICLE_COLUMNS)
    rows = table.to_pylist()
    want = stored(crawled_db, "WHERE site = ?", (rows[0]["site"],))
    for w in want:  # a struct has every field: a width the page did not give is null
        w["images"] = [{**image, "width": image.get("width")} for image in w["images"]]
    assert rows == [{c: w[c] for c in ARTICLE_COLUMNS} for w in want]
    assert str(table.schema.field("authors").type) == "list<element: string>"
    assert str(table.schema.field("paywalled").type) == "bool"
    assert "caption" in str(table.schema.field("images").type)


# -- streaming ---------------------------------------------------------------------------


def test_a_database_from_before_the_versions_migration_exports_with_empty_columns(tmp_path: Path) -> None:
    import sqlite3

    import sqlite_utils

    from storage.migrations import MIGRATIONS

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="0005_incremental_state_and_versions")
    columns = {c.name for c in db["articles"].columns}
    assert "version" not in columns  # the state under test: an older schema
    db["articles"].insert({"url": "https://old/1", "site": "old", "title": "Kept", "body": "Text.",
                           "body_hash": "h1", "first_seen": "2025-01-01", "last_seen": "2025-01-01",
                           "authors": '["A B"]', "tags": "[]"})
    db.conn.commit()
    db.conn.close()
    lines = [json.loads(x) for x in export("--db", path).stdout.splitlines()]
    assert len(lines) == 1 and lines[0]["title"] == "Kept" and lines[0]["authors"] == ["A B"]
    assert (lines[0]["version"], lines[0]["updated"], lines[0]["story_id"]) == (None, None, None)
    assert (lines[0]["images"], lines[0]["body_html"], lines[0]["section"], lines[0]["paywalled"]) == \
        ([], None, None, None)
    # export only reads: the old database is left as it was
    assert "version" not in {c.name for c in sqlite_utils.Database(path)["articles"].columns}
