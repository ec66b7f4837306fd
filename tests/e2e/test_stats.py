"""``newscrawl stats``: per-site health of a database from real crawls of the
sample web, then with later runs that hit a bot wall or stop finding articles."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import load_manifest
from crawler.demo import sample_server as make_sample_server
from crawler.utils.urls import canonical_key, host_of
from storage import open_db
from storage.queries import finish_run, record_failure, start_run, store_page
from tests.support.db import read_rows
from tests.support.factories import extraction, not_article, record


@pytest.fixture(scope="module")
def crawled_twice(run_newscrawl: Any, crawl_fast_settings: tuple[str, ...],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """Both sample sites crawled twice (the second run finds nothing new):
    the database and the site names by sample host (``daily``, ``wire``)."""
    db = tmp_path_factory.mktemp("stats-crawl") / "news.db"
    with make_sample_server() as server:
        for _ in range(2):
            run_newscrawl("crawl", server.url("daily", "/"), server.url("wire", "/"), "--db", db,
                          *crawl_fast_settings)
        names = {host: host_of(server.url(host, "/")) for host in ("daily", "wire")}
    yield db, names


def stats(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.stats", *map(str, args)],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def stats_json(db: Path, *args: str) -> dict[str, dict[str, Any]]:
    lines = stats("--db", db, "--json", *args).stdout.splitlines()
    return {h["site"]: h for h in map(json.loads, lines)}


def scalar(db: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def test_healthy_sites(crawled_twice: tuple[Path, dict[str, str]]) -> None:
    db, names = crawled_twice
    out = stats("--db", db).stdout
    for host, site in names.items():
        articles = scalar(db, "SELECT count(*) FROM articles WHERE site = ?", (site,))
        assert articles == sum(a["host"] == host for a in load_manifest()["articles"])
        failed = scalar(db, "SELECT count(*) FROM urls WHERE site = ? AND outcome IN ('failed', 'blocked')", (site,))
        fetched = scalar(db, "SELECT count(*) FROM urls WHERE site = ?", (site,))
        line = next(x for x in out.splitlines() if x.startswith(site))
        assert re.match(rf"{re.escape(site)}\s+{articles}\s", line), line
        assert f"{failed}/{fetched} " in line, line
    # A second run right after the first finds nothing new: that is not a block.
    assert out.rstrip().endswith("no site looks blocked"), out

    report = stats_json(db)
    daily = report[names["daily"]]
    assert daily["new_per_run"] == {"1": daily["articles"], "2": 0}
    assert daily["latest_run"] == 2 and daily["failed"] == 4  # 3 robots.txt, 1 http 404
    runs = {r["id"]: r for r in read_rows(db, "SELECT id, started, finished FROM crawl_runs")}
    assert daily["last_new_article"] == scalar(db, "SELECT max(first_seen) FROM articles WHERE site = ?",
                                               (names["daily"],))
    assert runs[1]["started"] <= daily["last_new_article"] <= runs[1]["finished"]  # found by run 1
    assert runs[2]["started"] <= daily["last_success"] <= runs[2]["finished"]  # run 2 fetched pages too
    assert daily["no_date"] == 0 and daily["no_author"] == 0 and not daily["looks_blocked"]
    only = stats_json(db, "--site", names["wire"])
    assert list(only) == [names["wire"]]


def copy_db(src: Path, dst: Path) -> None:
    """With SQLite's backup API: a file copy would miss what is still in the -wal file."""
    source = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _article(site: str, n: int, run_id: int, *, dated: bool = True, authors: bool = True) -> Any:
    """Article ``n`` stored by run ``run_id``: distinct words, with or without a date and authors."""
    url = f"http://{site}/news/extra-{run_id}-{n}"
    words = " ".join(f"w{run_id}x{n}x{i}" for i in range(80))
    ex = extraction(body=words, url=url, title=f"Extra {run_id} {n}", reason="test",
                    published="2026-01-01T09:00:00+00:00" if dated else None,
                    authors=["A. Writer"] if authors else [])
    return record(canonical_key(url), fetched_url=url, site=site, run_id=run_id, ex=ex, signed=True,
                  fetched_at=f"2026-01-0{run_id}T10:00:{n:02d}+00:00")


@pytest.fixture
def later_runs(crawled_twice: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Run 3: wire answers with HTTP 403/429/503; daily stores 5 articles (2 undated,
    2 without authors). Run 4: daily again, nothing but its homepage."""
    src, names = crawled_twice
    db_path = tmp_path / "news.db"
    copy_db(src, db_path)
    daily, wire = names["daily"], names["wire"]
    db = open_db(db_path)
    run3 = start_run(db, {"spider": "news", "sites": [daily, wire]})
    # (challenge pages recorded by a real crawl: tests/test_botwalls.py)
    for i, (status, reason) in enumerate([(403, "http 403"), (429, "http 429"), (503, "http 503")]):
        record_failure(db, url_key=f"https://{wire}/walled-{i}", fetched_url=f"http://{wire}/walled-{i}",
                       site=wire, reason=reason, status=status, run_id=run3)
    for n in range(5):
        assert store_page(db, _article(daily, n, run3, dated=n >= 2, authors=n % 2 == 0)).outcome == "new"
    finish_run(db, run3, "finished", {})
    run4 = start_run(db, {"spider": "news", "sites": [daily]})
    home = f"http://{daily}/"
    homepage = record(canonical_key(home), fetched_url=home, site=daily, run_id=run4,
                      ex=not_article("not_article: homepage path", url=home))
    assert store_page(db, homepage).outcome == "not_article"
    finish_run(db, run4, "finished", {})
    db.conn.close()
    return db_path, names


def test_bot_walls_and_a_drop_to_zero_look_blocked(later_runs: tuple[Path, dict[str, str]]) -> None:
    db, names = later_runs
    daily, wire = names["daily"], names["wire"]
    report = stats_json(db)
    assert report[wire]["latest_run"] == 3
    assert report[wire]["latest_bot_walls"] == 3 and report[wire]["latest_fetched"] == 3
    assert report[wire]["blocked_reasons"] == [
        "3 of 3 fetches in run 3 were HTTP 403/429/503 or challenge pages"]
    first = scalar(db, "SELECT count(*) FROM articles WHERE site = ? AND run_id = 1", (daily,))
    assert first == sum(a["host"] == "daily" for a in load_manifest()["articles"])
    assert report[daily]["new_per_run"] == {"1": first, "2": 0, "3": 5, "4": 0}
    assert report[daily]["blocked_reasons"] == [
        f"no new articles in run 4 after {first}, 0, 5 in the runs before"]
    assert report[daily]["no_date"] == 2 and report[daily]["no_author"] == 2

    out = stats("--db", db).stdout
    assert "2 site(s) look blocked:" in out
    assert f"{wire}: 3 of 3 fetches in run 3" in out
    assert f"{daily}: no new articles in run 4" in out
    line = next(x for x in out.splitlines() if x.startswith(daily))
    pct = f"{100 * 2 / (first + 5):.0f}%"  # 2 articles without a date, 2 without authors
    assert re.search(rf"\s{pct}\s+{pct}\s+{first} 0 5 0$", line), line


def test_thresholds_are_options(later_runs: tuple[Path, dict[str, str]]) -> None:
    db, names = later_runs
    report = stats_json(db, "--wall-min", "5", "--drop-min", "20")
    assert not report[names["wire"]]["looks_blocked"]
    assert not report[names["daily"]]["looks_blocked"]


def test_empty_database(tmp_path: Path) -> None:
    db = open_db(tmp_path / "empty.db")
    db.conn.close()
    assert stats("--db", tmp_path / "empty.db").stdout.strip() == "no sites in this database yet"
