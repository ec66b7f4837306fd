"""``newscrawl serve``: datasette over a real crawl of the sample web, with our
metadata, read-only; one-shot ``--get`` smoke tests, a live server on
127.0.0.1, and headless Chromium checking what a reader sees."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import load_manifest
from crawler.utils.urls import canonical_key
from storage import open_db
from storage.queries import store_page
from tests.support.db import read_rows
from tests.support.factories import extraction, record
from tests.support.waiting import HANG

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>document.title='pwned'</script>"
# what body_html holds: structural HTML, which datasette must show as text
BODY_HTML = ('<p>Harmless first paragraph about the <a href="https://harbour.example/" '
             'rel="nofollow noopener noreferrer">harbour</a>.</p><h2>Rendered-marker</h2>')
CANNED = {"latest_articles", "articles_per_site_per_day", "duplicates", "failures_by_reason", "runs"}


@dataclass
class ServedDb:
    path: Path
    name: str  # the database's name in datasette URLs
    script_article: int  # an article whose title and body hold SCRIPT


@pytest.fixture(scope="module")
def served_db(crawled_db: Path) -> Iterator[ServedDb]:
    """Both sample sites crawled once, plus one hostile article stored like any other."""
    path = crawled_db
    db = open_db(path)
    body = f"Harmless first paragraph about the harbour.\nThen {SCRIPT} in the text.\nThe end."
    url = "http://hostile.example/news/escaping"
    rec = record(canonical_key(url), fetched_url=url, site="hostile.example", signed=True,
                 html=f"<html><body>{body}</body></html>".encode(),
                 ex=extraction(url=url, title=f"Escaping test {SCRIPT}", body=body, authors=["Mallory"],
                               published="2025-03-29T10:00:00+00:00", reason="test",
                               body_html=BODY_HTML))
    result = store_page(db, rec)
    assert result.outcome == "new" and result.article_id is not None
    db.conn.close()
    yield ServedDb(path, path.stem, result.article_id)


def serve(*args: str | os.PathLike[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.serve", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    if check:
        assert proc.returncode == 0, f"stdout:\n{proc.stdout[:3000]}\nstderr:\n{proc.stderr}"
    return proc


def get_json(db: ServedDb, path: str) -> Any:
    return json.loads(serve("--db", db.path, "--get", path).stdout)


# -- metadata ----------------------------------------------------------------------------


def test_body_html_is_shown_as_text_never_rendered(served_db: ServedDb) -> None:
    row = get_json(served_db, f"/{served_db.name}/articles/{served_db.script_article}.json?_shape=array")
    assert row[0]["body_html"] == BODY_HTML
    page = serve("--db", served_db.path, "--get",
                 f"/{served_db.name}/articles/{served_db.script_article}").stdout
    assert "&lt;h2&gt;Rendered-marker&lt;/h2&gt;" in page
    assert "<h2>Rendered-marker" not in page and '<a href="https://harbour.example/"' not in page
    columns = get_json(served_db, "/-/metadata.json")["databases"][served_db.name]["tables"][
        "articles"]["columns"]
    assert "never rendered" in columns["body_html"]
    assert {"images", "section", "paywalled", "body_html"} <= set(columns)


def test_metadata_describes_tables_and_columns(served_db: ServedDb) -> None:
    meta = get_json(served_db, "/-/metadata.json")
    section = meta["databases"][served_db.name]
    articles = section["tables"]["articles"]
    assert articles["description"].startswith("One row per distinct article")
    assert articles["columns"]["url"].startswith("Canonical URL key")
    assert set(articles["columns"]) >= {"id", "url", "site", "title", "body", "published", "authors"}
    assert {"articles", "article_urls", "pages", "urls", "crawl_runs"} <= set(section["tables"])
    has_versions = bool(sqlite3.connect(served_db.path).execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'article_versions'").fetchone())
    assert set(section["queries"]) == CANNED | ({"article_versions"} if has_versions else set())
    assert all("requires" not in q for q in section["queries"].values())


def copy_db(src: Path, dst: Path) -> sqlite3.Connection:
    """With SQLite's backup API (a file copy would miss the -wal file); the copy, open."""
    source = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    source.backup(target)
    source.close()
    return target


def test_article_versions_query_follows_the_table(served_db: ServedDb, tmp_path: Path) -> None:
    with_table = copy_db(served_db.path, tmp_path / "versions.db")
    # The table as migration 0005 creates it (created here if this schema predates it).
    with_table.execute(
        "CREATE TABLE IF NOT EXISTS article_versions (id INTEGER PRIMARY KEY, article_id INTEGER,"
        " version INTEGER, first_seen TEXT, replaced_at TEXT, changed TEXT, title TEXT,"
        " authors TEXT, published TEXT, body TEXT, body_hash TEXT, run_id INTEGER)")
    with_table.execute(
        "INSERT INTO article_versions (article_id, version, first_seen, replaced_at, changed, title,"
        " authors, published, body, body_hash) VALUES (1, 1, '2025-03-01', '2025-03-02',"
        " '[\"title\"]', 'Old title', '[]', NULL, 'old body', 'x')")
    with_table.commit()
    with_table.close()
    out = json.loads(serve("--db", tmp_path / "versions.db", "--get",
                           "/versions/article_versions.json?article_id=1&_shape=array").stdout)
    assert [(r["version"], r["title"], r["body"]) for r in out] == [(1, "Old title", "old body")]

    without = copy_db(served_db.path, tmp_path / "plain.db")
    without.execute("DROP TABLE IF EXISTS article_versions")
    without.commit()
    without.close()
    meta = json.loads(serve("--db", tmp_path / "plain.db", "--get", "/-/metadata.json").stdout)
    assert set(meta["databases"]["plain"]["queries"]) == CANNED
    assert "article_versions" not in meta["databases"]["plain"]["tables"]


def test_full_text_search_and_facets(served_db: ServedDb) -> None:
    data = get_json(served_db, f"/{served_db.name}/articles.json?_search=ferry&_size=max")
    title = data["columns"].index("title")
    titles = sorted(row[title] for row in data["rows"])
    # What SQLite's own full-text index finds for the word.
    want = read_rows(served_db.path, "SELECT a.title, a.site FROM articles a JOIN articles_fts f"
                                     " ON a.rowid = f.rowid WHERE articles_fts MATCH 'ferry'")
    assert titles == sorted(r["title"] for r in want)
    assert 0 < len(titles) < len(load_manifest()["articles"])  # the search narrowed the table
    assert any("Ferry strike" in t for t in titles)
    assert {"site", "language", "published"} <= set(data["facet_results"])
    sites = {r["value"]: r["count"] for r in data["facet_results"]["site"]["results"]}
    assert sites == Counter(r["site"] for r in want)


@pytest.mark.parametrize("query", sorted(CANNED))
def test_canned_queries_run(served_db: ServedDb, query: str) -> None:
    params = "&site=" if query == "failures_by_reason" else ""
    rows = get_json(served_db, f"/{served_db.name}/{query}.json?_shape=array{params}")
    assert isinstance(rows, list) and rows, f"{query} returned no rows"
    if query == "duplicates":
        # The wire service republishes daily stories: copies on another site.
        assert any(r["syndicated"] == 1 and r["site"] != r["article_site"] for r in rows), rows
    if query == "failures_by_reason":
        assert {"http 404", "robots.txt disallowed"} <= {r["reason"] for r in rows}
    if query == "runs":
        assert rows[0]["status"] == "finished"
        assert rows[0]["new_articles"] == len(load_manifest()["articles"])  # the crawl's
    if query == "latest_articles":
        assert rows[0]["title"].startswith("Escaping test")  # the newest published


def test_writes_are_refused(served_db: ServedDb) -> None:
    before = served_db.path.stat().st_mtime_ns
    proc = serve("--db", served_db.path, "--get",
                 f"/{served_db.name}.json?sql=delete+from+articles", check=False)
    assert proc.returncode != 0
    assert served_db.path.stat().st_mtime_ns == before
    # datasette refuses any ?sql= that is not a SELECT by itself; what could write is a
    # canned query with "write": our metadata has none.
    queries = get_json(served_db, "/-/metadata.json")["databases"][served_db.name]["queries"]
    assert queries and [name for name, query in queries.items() if query.get("write")] == []


def test_not_a_newscrawl_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    proc = serve("--db", other, "--get", "/", check=False)
    assert proc.returncode == 2 and "database of another program" in proc.stderr


# -- a live server and a browser -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=HANG) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def live(served_db: ServedDb) -> Iterator[str]:
    """``newscrawl serve`` running on a free port of 127.0.0.1; its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen([sys.executable, "-m", "crawler.commands.serve", "--db", str(served_db.path),
                             "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if fetch(f"{base}/-/versions.json")[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"datasette did not start:\n{proc.communicate()[0]}")
        time.sleep(0.2)
    yield base
    proc.terminate()  # forwarded to datasette
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("serve did not stop on SIGTERM")
    with pytest.raises(OSError):
        fetch(f"{base}/-/versions.json")


def test_live_server_on_localhost(live: str, served_db: ServedDb) -> None:
    status, _, body = fetch(f"{live}/-/versions.json")
    assert status == 200 and json.loads(body)["datasette"]["version"].startswith("0.")
    status, _, body = fetch(f"{live}/{served_db.name}/articles/{served_db.script_article}")
    assert status == 200
    html = body.decode()
    assert SCRIPT not in html and "&lt;script&gt;document.title=" in html
    # Stored HTML is only ever a binary download, never a page.
    status, headers, body = fetch(f"{live}/{served_db.name}/pages/1.blob?_blob_column=html")
    assert status == 200 and headers["content-type"] == "application/binary"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-disposition"].startswith("attachment")


def dump_dom(url: str, profile: Path) -> str:
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--virtual-time-budget=3000", "--dump-dom", url],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert proc.returncode == 0 and "</html>" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def page_title(dom: str) -> str:
    match = re.search(r"<title>(.*?)</title>", dom, re.DOTALL)
    assert match, dom[:500]
    return match.group(1).strip()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium): "
                    "apt-get install -y chromium")
def test_browser_table_search_and_row(live: str, served_db: ServedDb, tmp_path: Path) -> None:
    name = served_db.name
    # The articles table: every article, facets, the search box.
    dom = dump_dom(f"{live}/{name}/articles", tmp_path / "p1")
    assert page_title(dom).startswith(f"{name}: articles")
    count = read_rows(served_db.path, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert count == len(load_manifest()["articles"]) + 1  # the crawl's and the hostile one
    assert f"{count} rows" in dom
    assert "Storm warning issued as gusts of up to 110 km/h" in dom
    assert 'name="_search"' in dom and 'class="facet-info' in dom
    assert "One row per distinct article" in dom

    # Full-text search.
    dom = dump_dom(f"{live}/{name}/articles?_search=figurehead", tmp_path / "p2")
    assert "Museum returns ship's figurehead" in dom or "Museum returns ship&#39;s figurehead" in dom
    assert "Storm warning issued" not in dom
    assert "1 row where search matches" in dom

    # An article's row: its whole body, as text; the script in it never runs.
    dom = dump_dom(f"{live}/{name}/articles/{served_db.script_article}", tmp_path / "p3")
    assert page_title(dom) != "pwned"
    assert "pwned" not in page_title(dom)
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt; in the text." in dom
    assert "Harmless first paragraph about the harbour." in dom and "The end." in dom
    assert "<script>document.title" not in dom
    # body_html: its tags shown as text in the browser, none of them an element
    assert "&lt;h2&gt;Rendered-marker&lt;/h2&gt;" in dom and "<h2>Rendered-marker" not in dom
