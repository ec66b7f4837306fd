"""`newscrawl reextract` on a database built by storing hand-written pages."""

from __future__ import annotations

import json
import re
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from crawler.ingest.analysis import analyze_page
from crawler.commands import reextract as reextract_module
from crawler.commands.reextract import reextract_command
from crawler.extraction import EXTRACTOR_VERSION
from storage.neardup import band_keys, unpack
from storage.records import text_hash
from tests.support import workers_helpers as helpers
from tests.support.db import read_rows
from tests.support.factories import news_page_html
from tests.support.newscrawl import summary_figure
from tests.support.stored_articles import TOPICS, age_articles, write_news_db


@pytest.fixture
def news_db(tmp_path: Path) -> Path:
    return write_news_db(tmp_path / "news.db")


def rows(path: Path, sql: str = "SELECT * FROM articles ORDER BY id") -> list[dict[str, Any]]:
    return read_rows(path, sql)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(reextract_command, ["--no-progress", "--jobs", "1", *args])


def test_reextract_restores_fields_and_body_hash(news_db: Path) -> None:
    before = rows(news_db)
    age_articles(news_db)

    result = invoke("--db", str(news_db))

    assert result.exit_code == 0, result.output
    after = rows(news_db)
    for old, new in zip(before, after):
        for column in ("title", "authors", "published", "body", "tags", "body_hash", "word_count"):
            assert new[column] == old[column], column
        assert new["extractor"] == EXTRACTOR_VERSION
    assert after[0]["body_hash"] == text_hash(after[0]["body"])
    assert summary_figure(result.output, "articles changed") == 4
    assert summary_figure(result.output, "title") == 4
    assert summary_figure(result.output, "failures") == 0
    # full-text search follows the restored body
    fts = rows(news_db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Advertisement'")
    assert fts == []


def test_near_duplicate_signature_follows_the_new_body(news_db: Path) -> None:
    conn = sqlite3.connect(news_db)
    with conn:  # a signature from another text, as if the body had been different
        conn.execute("UPDATE articles SET body = 'Something else entirely.' WHERE id = 1")
        old_blob = conn.execute("SELECT minhash FROM article_signatures WHERE article_id = 2").fetchone()[0]
        conn.execute("DELETE FROM minhash_bands WHERE article_id = 1")
        conn.execute("UPDATE article_signatures SET minhash = ? WHERE article_id = 1", [old_blob])
        conn.executemany("INSERT OR IGNORE INTO minhash_bands VALUES (?, ?, 1)",
                         list(enumerate(band_keys(unpack(old_blob)))))
    conn.close()

    assert invoke("--db", str(news_db)).exit_code == 0

    expected = analyze_page(news_page_html(*TOPICS["tram"]), "https://daily.example/news/2025/03/tram.html")
    sig = rows(news_db, "SELECT minhash FROM article_signatures WHERE article_id = 1")[0]["minhash"]
    assert expected.signature is not None and sig == expected.signature.minhash
    bands = rows(news_db, "SELECT band, key FROM minhash_bands WHERE article_id = 1 ORDER BY band")
    assert [(b["band"], b["key"]) for b in bands] == list(enumerate(expected.signature.bands))


def test_dry_run_reports_and_writes_nothing(news_db: Path) -> None:
    age_articles(news_db)
    aged = rows(news_db)

    result = invoke("--db", str(news_db), "--dry-run")

    assert result.exit_code == 0, result.output
    assert rows(news_db) == aged
    assert "dry run" in result.output
    assert summary_figure(result.output, "articles would change") == 4
    assert summary_figure(result.output, "published") == 4
    assert "examples (would change):" in result.output
    assert "title: OLD Council expands tram network -> Council expands tram network" in result.output


def test_site_filter(news_db: Path) -> None:
    age_articles(news_db)

    result = invoke("--db", str(news_db), "--site", "wire")

    assert result.exit_code == 0, result.output
    titles = {r["site"] + ":" + r["title"] for r in rows(news_db)}
    assert "wire:Museum returns ship's figurehead" in titles
    assert sum(t.startswith("daily:OLD ") for t in titles) == 3
    assert summary_figure(result.output, "pages") == 1


def test_since_filter(news_db: Path) -> None:
    age_articles(news_db)
    conn = sqlite3.connect(news_db)
    with conn:
        conn.execute("UPDATE articles SET first_seen = '2020-01-01T00:00:00+00:00' WHERE id != 2")
    conn.close()

    result = invoke("--db", str(news_db), "--since", "2024-06-01")

    assert result.exit_code == 0, result.output
    assert summary_figure(result.output, "pages") == 1
    assert [r["title"].startswith("OLD ") for r in rows(news_db)] == [True, False, True, True]
    assert invoke("--db", str(news_db), "--since", "last week").exit_code == 2


def test_failed_and_unreadable_pages_are_reported_and_nothing_else_is_lost(
    news_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker raises for URLs containing "/fail" (the harbour article, id 3).
    monkeypatch.setattr(reextract_module, "WORKER_FUNC", f"{helpers.__name__}:reanalyze_or_fail")
    age_articles(news_db)
    conn = sqlite3.connect(news_db)
    with conn:  # the museum article's stored page is damaged
        conn.execute("UPDATE pages SET html = x'00010203' WHERE article_id = 4")
    conn.close()
    aged = rows(news_db)

    result = invoke("--db", str(news_db), "--jobs", "2")

    assert result.exit_code == 0, result.output
    after = rows(news_db)
    assert summary_figure(result.output, "failures") == 2
    assert "ValueError: bad page" in result.output
    assert "unreadable page: error:" in result.output  # zlib.error
    assert after[2] == aged[2] and after[3] == aged[3]
    assert not after[0]["title"].startswith("OLD ") and not after[1]["title"].startswith("OLD ")
    assert summary_figure(result.output, "articles changed") == 2


def test_body_that_collides_with_another_article_is_reported(news_db: Path) -> None:
    # Article 2's stored page now holds article 1's text: re-extraction would give
    # it article 1's body, which the UNIQUE(body_hash) constraint forbids.
    conn = sqlite3.connect(news_db)
    tram = conn.execute("SELECT html, codec FROM pages WHERE article_id = 1").fetchone()
    with conn:
        conn.execute("UPDATE pages SET html = ?, codec = ? WHERE article_id = 2", tram)
    conn.close()
    before = rows(news_db)

    result = invoke("--db", str(news_db))

    assert result.exit_code == 0, result.output
    assert summary_figure(result.output, "body conflicts") == 1
    assert "article 2: new body is already article 1's" in result.output
    assert rows(news_db) == [
        {**r, "extractor": EXTRACTOR_VERSION} for r in before
    ]


def test_page_no_longer_an_article_keeps_the_stored_article(news_db: Path) -> None:
    conn = sqlite3.connect(news_db)
    listing = b"<html><head><title>News</title></head><body><a href='/a'>A</a></body></html>"
    with conn:
        conn.execute("UPDATE pages SET html = ?, codec = 'zlib' WHERE article_id = 1",
                     [zlib.compress(listing)])
    conn.close()
    before = rows(news_db)

    result = invoke("--db", str(news_db))

    assert result.exit_code == 0, result.output
    assert rows(news_db)[0]["body"] == before[0]["body"]
    assert summary_figure(result.output, "no longer articles") == 1


def test_a_reextraction_is_recorded_as_a_run(news_db: Path) -> None:
    age_articles(news_db, "site = 'daily'")
    runs_before = rows(news_db, "SELECT * FROM crawl_runs")

    assert invoke("--db", str(news_db), "--dry-run").exit_code == 0
    assert rows(news_db, "SELECT * FROM crawl_runs") == runs_before  # a dry run records nothing

    result = invoke("--db", str(news_db))

    assert result.exit_code == 0, result.output
    (run,) = rows(news_db, "SELECT * FROM crawl_runs WHERE kind = 'reextract'")
    assert (run["status"], run["extractor"]) == ("finished", EXTRACTOR_VERSION)
    assert run["started"] <= run["finished"]
    stats = json.loads(run["stats"])
    assert stats["newscrawl/reextract/pages"] == 4
    assert stats["newscrawl/reextract/changed"] == 3
    assert stats["newscrawl/reextract/unchanged"] == 1
    assert stats["newscrawl/reextract/field/title"] == 3
    assert stats["newscrawl/reextract/field/tags"] == 3
    assert "newscrawl/reextract/field/image" not in stats
    assert json.loads(run["command"])["command"] == "reextract"
    assert f"run {run['id']}, database" in result.output


def _as_before_record_fields(path: Path) -> None:
    """Make ``path`` a database from before migration 0012 (no images, body_html,
    section, paywalled columns; the migration not applied)."""
    conn = sqlite3.connect(path)
    with conn:
        for column in ("images", "body_html", "section", "paywalled"):
            conn.execute(f"ALTER TABLE articles DROP COLUMN {column}")
        conn.execute("ALTER TABLE article_versions DROP COLUMN body_html")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0012_article_record_fields'")
    conn.close()


def test_reextract_fills_the_record_fields_of_a_database_from_before_them(news_db: Path) -> None:
    _as_before_record_fields(news_db)
    assert "body_html" not in {r["name"] for r in rows(news_db, "PRAGMA table_info(articles)")}

    result = invoke("--db", str(news_db))

    assert result.exit_code == 0, result.output
    after = rows(news_db)
    assert len(after) == 4
    for row in after:
        assert row["body_html"].startswith("<p>") and row["extractor"] == EXTRACTOR_VERSION
        images = json.loads(row["images"])
        assert images and images[0]["url"] == row["image"]  # the lead image: og:image
        assert row["paywalled"] is None and row["section"] is None  # the pages say nothing
    # the same paragraphs as the body, which did not change
    from crawler.extraction.bodyhtml import body_paragraphs, html_paragraphs
    assert all(html_paragraphs(r["body_html"]) == body_paragraphs(r["body"]) for r in after)
    assert summary_figure(result.output, "articles changed") == 4
    assert summary_figure(result.output, "body_html") == 4
    assert not re.search(r"^\s*body\s+\d", result.output, re.M)  # the text stayed the same
    # run again: nothing left to fill
    again = invoke("--db", str(news_db))
    assert again.exit_code == 0 and summary_figure(again.output, "articles changed") == 0
