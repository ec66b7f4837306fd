"""``newscrawl export-warc`` and ``newscrawl import-warc``: a real crawl of the
sample web exported as a WARC and imported into a fresh database gives the same
articles; a CC-NEWS-style file (many hosts, requests, revisits, non-HTML,
errors, truncated records) goes through the crawl's dedup and storage path."""

from __future__ import annotations

import gzip
import json
import re
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage import open_db
from storage.queries import page_html
from tests.support.db import read_rows as rows
from crawler.demo import load_manifest
from crawler.extraction import EXTRACTOR_VERSION
from tests.support.factories import news_page_html
from tests.support.newscrawl import summary_figure
from tests.support.warc_files import CCNewsFile, paragraphs


def run(module: str, *args: str | os.PathLike[str], check: bool = True
        ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", module, *map(str, args)],
                          capture_output=True, text=True, timeout=180, env=env, check=False)
    if check:
        assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def export_warc(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    return run("crawler.commands.export", "export-warc", "--no-progress", *args)


def import_warc(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    return run("crawler.commands.import_warc", "--jobs", "2", *args)


def read_records(path: Path) -> list[dict[str, Any]]:
    out = []
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            out.append({
                "type": rec.rec_type,
                "warc": dict(rec.rec_headers.headers),
                "http": rec.http_headers,
                "payload": rec.content_stream().read(),
            })
    return out


# -- export-warc ------------------------------------------------------------------------


def test_export_warc_writes_a_valid_warc_of_every_stored_page(crawled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pages.warc.gz"
    export_warc("--db", crawled_db, "-o", out)
    with open(out, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", str(out)],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr

    records = read_records(out)
    pages = rows(crawled_db, "SELECT id, url, fetched_at, status, headers FROM pages ORDER BY id")
    assert records[0]["type"] == "warcinfo"
    assert [r["type"] for r in records[1:]] == ["response", "request"] * len(pages)
    db = open_db(crawled_db, read_only=True)
    for page, response, request in zip(pages, records[1::2], records[2::2]):
        assert response["warc"]["WARC-Target-URI"] == page["url"] == request["warc"]["WARC-Target-URI"]
        assert response["warc"]["WARC-Date"] == page["fetched_at"].replace("+00:00", "Z")
        assert request["warc"]["WARC-Concurrent-To"] == response["warc"]["WARC-Record-ID"]
        assert response["http"].get_statuscode() == str(page["status"])
        stored_headers = json.loads(page["headers"])
        assert response["http"].get_header("Content-Type") == stored_headers["Content-Type"]
        assert response["http"].get_header("Server") == "newscrawl-demo"
        assert response["payload"] == page_html(db, page["id"])
        assert request["http"].protocol == "GET"  # warcio splits the request line
        assert request["http"].statusline.endswith(" HTTP/1.1")
    db.conn.close()


def test_round_trip_export_import_reproduces_the_articles(crawled_db: Path, tmp_path: Path) -> None:
    warc = tmp_path / "pages.warc.gz"
    export_warc("--db", crawled_db, "-o", warc)
    fresh = tmp_path / "fresh.db"
    proc = import_warc(warc, "--db", fresh, "--no-progress")

    columns = "id, url, site, site_name, title, authors, published, body, language, description," \
              " tags, image, word_count, body_hash, extractor, first_seen, last_seen"
    original = rows(crawled_db, f"SELECT {columns} FROM articles ORDER BY id")
    imported = rows(fresh, f"SELECT {columns} FROM articles ORDER BY id")
    assert len(original) == len(load_manifest()["articles"]) and imported == original
    assert summary_figure(proc.stdout, "articles stored") == len(original)
    # The syndicated copy is linked again, not stored twice.
    duplicates = "SELECT url, article_id FROM article_urls WHERE relation = 'duplicate' ORDER BY url"
    assert rows(fresh, duplicates) == rows(crawled_db, duplicates) != []
    page_cols = "SELECT url, article_id, fetched_at, status, sha1 FROM pages ORDER BY id"
    assert rows(fresh, page_cols) == rows(crawled_db, page_cols)
    (run,) = rows(fresh, "SELECT * FROM crawl_runs")
    assert run["status"] == "finished" and json.loads(run["command"])["command"] == "import-warc"
    assert json.loads(run["stats"])["newscrawl/outcome/new"] == len(original)
    assert rows(fresh, "SELECT count(*) AS n FROM articles WHERE run_id = ?", (run["id"],))[0]["n"] \
        == len(original)


# -- a CC-NEWS-style file ---------------------------------------------------------------

ALPHA_ONE = "https://www.alpha.example/news/2025/03/harbour-vote"
ALPHA_TWO = "https://www.alpha.example/news/2025/02/old-storm"
BETA = "https://beta.example/story/tariff-talks"
GAMMA_COPY = "https://gamma.example/wire/harbour-vote"


@pytest.fixture(scope="module")
def cc_news_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = CCNewsFile()
    f.request(ALPHA_ONE, "2025-03-01T10:00:00Z")
    f.response(ALPHA_ONE, "2025-03-01T10:00:01Z",
               news_page_html("Harbour vote passes", paragraphs(1), "Ann Alpha",
                              published="2025-03-01T09:00:00Z", jsonld=True))
    f.metadata(ALPHA_ONE, "2025-03-01T10:00:01Z")
    beta = news_page_html("Tariff talks resume", paragraphs(2), "Ben Beta",
                          published="2025-03-02T08:00:00Z", jsonld=True)
    f.response(BETA, "2025-03-02T11:00:00Z", gzip.compress(beta),
               extra=[("Content-Encoding", "gzip")])
    # A syndicated copy: the same text on another site.
    f.response(GAMMA_COPY, "2025-03-02T12:00:00Z",
               news_page_html("Harbour vote passes", paragraphs(1), "Ann Alpha",
                              published="2025-03-01T09:00:00Z", jsonld=True))
    f.response("https://www.alpha.example/img/logo.png", "2025-03-02T12:00:01Z",
               b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
    f.response("https://beta.example/story/blocked", "2025-03-02T12:00:02Z",
               b"<html><title>Just a moment...</title></html>", status="403 Forbidden")
    f.response("https://beta.example/old", "2025-03-02T12:00:03Z", b"", status="301 Moved Permanently",
               extra=[("Location", BETA)])
    f.revisit(ALPHA_ONE, "2025-03-03T10:00:00Z")
    f.response("https://beta.example/story/huge", "2025-03-03T10:00:01Z",
               news_page_html("Huge", paragraphs(3), "Ben Beta",
                              published="2025-03-03T08:00:00Z", jsonld=True),
               warc_extra={"WARC-Truncated": "length"})
    f.response(ALPHA_TWO, "2025-02-01T10:00:00Z",
               news_page_html("Storm damages pier", paragraphs(4), "Ann Alpha",
                              published="2025-02-01T09:00:00Z", jsonld=True))
    cut = f.response("https://beta.example/story/cut", "2025-03-04T10:00:00Z",
                     news_page_html("Cut", paragraphs(5), "Ben Beta",
                                    published="2025-03-04T08:00:00Z", jsonld=True), write=False)
    path = tmp_path_factory.mktemp("cc-news") / "CC-NEWS-test.warc.gz"
    path.write_bytes(f.buf.getvalue() + cut[: len(cut) // 2])  # the file ends mid-record
    return path


def test_import_cc_news_style_warc(cc_news_warc: Path, tmp_path: Path) -> None:
    db = tmp_path / "cc.db"
    proc = import_warc(cc_news_warc, "--db", db, "--no-progress")
    articles = rows(db, "SELECT url, site, title, authors, first_seen FROM articles ORDER BY url")
    assert [(a["url"], a["site"]) for a in articles] == [
        ("https://alpha.example/news/2025/02/old-storm", "alpha.example"),
        ("https://alpha.example/news/2025/03/harbour-vote", "alpha.example"),
        ("https://beta.example/story/tariff-talks", "beta.example"),
    ]
    assert json.loads(articles[2]["authors"]) == ["Ben Beta"]  # the gzip-encoded payload was decoded
    assert articles[1]["first_seen"] == "2025-03-01T10:00:01+00:00"  # WARC-Date is the fetch time
    copy = rows(db, "SELECT outcome, site, article_id FROM urls WHERE url = ?", (GAMMA_COPY,))
    harbour = rows(db, "SELECT id FROM articles WHERE url LIKE '%harbour-vote'")[0]["id"]
    assert copy == [{"outcome": "duplicate_text", "site": "gamma.example", "article_id": harbour}]
    blocked = rows(db, "SELECT status, outcome, reason FROM urls WHERE url LIKE '%/story/blocked'")
    assert blocked == [{"status": 403, "outcome": "failed", "reason": "http 403"}]
    fetched = {r["url"] for r in rows(db, "SELECT url FROM urls")}
    assert not any(u.endswith(("logo.png", "/old", "/huge", "/cut")) for u in fetched), fetched
    (run,) = rows(db, "SELECT status, stats, kind, extractor FROM crawl_runs")
    stats = json.loads(run["stats"])
    assert (run["status"], run["kind"], run["extractor"]) == ("finished", "import-warc", EXTRACTOR_VERSION)
    assert stats["newscrawl/outcome/new"] == 3 and stats["newscrawl/outcome/duplicate_text"] == 1
    assert stats["newscrawl/outcome/failed"] == 1
    assert stats["newscrawl/import/damaged"] == 2  # WARC-Truncated, and the cut final record
    assert stats["newscrawl/import/skipped"] == 6  # warcinfo, request, metadata, png, 301, revisit
    assert "truncated by the crawler (length)" in proc.stderr
    assert "/story/cut: record truncated" in proc.stderr
    assert re.search(r"^  articles stored +3$", proc.stdout, re.M), proc.stdout
    assert re.search(r"^  failures +1$", proc.stdout, re.M), proc.stdout


def test_import_filters_by_site_and_date(cc_news_warc: Path, tmp_path: Path) -> None:
    db = tmp_path / "alpha.db"
    import_warc(cc_news_warc, "--db", db, "--site", "alpha.example", "--since", "2025-02-15",
                "--no-progress")
    assert [r["url"] for r in rows(db, "SELECT url FROM articles")] == [
        "https://alpha.example/news/2025/03/harbour-vote"]
    assert {r["site"] for r in rows(db, "SELECT site FROM urls")} == {"alpha.example"}


def test_import_again_finds_only_known_articles(cc_news_warc: Path, tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    import_warc(cc_news_warc, "--db", db, "--no-progress")
    import_warc(cc_news_warc, "--db", db, "--no-progress")
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 3
    second = json.loads(rows(db, "SELECT stats FROM crawl_runs WHERE id = 2")[0]["stats"])
    assert second.get("newscrawl/outcome/new", 0) == 0
    assert second["newscrawl/outcome/duplicate_url"] == 4


def test_import_rejects_a_file_that_is_not_a_warc(tmp_path: Path) -> None:
    bogus = tmp_path / "page.html"
    bogus.write_text("<html></html>")
    proc = run("crawler.commands.import_warc", bogus, "--db", tmp_path / "x.db", check=False)
    assert proc.returncode == 2 and "is not a WARC file" in proc.stderr
    assert not (tmp_path / "x.db").exists()
