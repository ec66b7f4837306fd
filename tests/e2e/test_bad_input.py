"""Bad input gets one sentence, not a traceback (issue 16).

Each case runs the real ``newscrawl`` command in a subprocess and checks: a
non-zero exit status, exactly one line on stderr naming the file / site / key
and the problem, no "Traceback", and nothing touched (the bad file's bytes, no
-wal/-shm/.lock file beside it, no database created, no request sent)."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import commands
from storage import MIGRATIONS, open_db
from tests.support.factories import news_page_html
from tests.support.hostile_site import closed_port
from tests.support.warc_files import CCNewsFile, paragraphs

# --- helpers ----------------------------------------------------------------------------


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def listing(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def one_error_line(proc: Any) -> str:
    """The single line a refused command printed on stderr (asserting it is one)."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def newscrawl_db(path: Path, *, stop_before: str | None = None) -> Path:
    """A real newscrawl database with some pages of data, closed cleanly (no -wal/-shm)."""
    db = open_db(path, migrate=False)
    MIGRATIONS.apply(db, stop_before=stop_before)
    with db.conn:
        for i in range(200):
            db.execute("INSERT INTO crawl_runs (started, status, stats) VALUES (?, 'finished', ?)",
                       [f"2025-03-01T00:00:{i % 60:02d}", "x" * 400])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("VACUUM")  # no free pages: every page of the file is in use
    db.conn.close()
    assert listing(path.parent) == {path.name}
    return path


def _text(path: Path, good: Path) -> None:
    path.write_text("These are my notes, not a database.\n")


def _truncated(path: Path, good: Path) -> None:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage_in_the_middle(path: Path, good: Path) -> None:
    data = bytearray(good.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle:middle + 4 * 4096] = b"\xde\xad\xbe\xef" * 4096
    path.write_bytes(bytes(data))


def _other_program(path: Path, good: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('buy milk')")
    conn.commit()
    conn.close()


# name -> (how to make the file, what the error line must say)
BAD_DATABASES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "text-file": (_text, "not an SQLite database"),
    "truncated": (_truncated, "truncated"),
    "garbage-in-the-middle": (_garbage_in_the_middle, "damaged SQLite database"),
    "other-program": (_other_program, "database of another program"),
}


DB_COMMANDS = ["crawl", "demo", "reextract", "import-warc", "export", "export-warc", "serve", "stats",
               "history", "writer"]


def db_command_args(command: str, tmp_path: Path) -> list[str]:
    """The arguments besides --db that ``command`` needs. Nothing here may reach
    beyond 127.0.0.1: URLs point at a closed local port."""
    warc = tmp_path / "one.warc.gz"
    if not warc.exists():
        f = CCNewsFile()
        f.response("https://alpha.example/news/a", "2025-03-01T10:00:00Z",
                   news_page_html("A", paragraphs(1), "Ann", published="2025-03-01T09:00:00Z", jsonld=True))
        warc.write_bytes(f.buf.getvalue())
    port = closed_port()
    return {
        "crawl": [f"http://127.0.0.1:{port}/"],
        "demo": [],
        "reextract": ["--no-progress"],
        "import-warc": [str(warc), "--no-progress"],
        "export": [],
        "export-warc": ["-o", str(tmp_path / "out.warc.gz"), "--no-progress"],
        "serve": ["--get", "/"],
        "stats": [],
        "history": ["https://alpha.example/news/a"],
        "writer": ["--redis", f"redis://127.0.0.1:{port}/0"],
    }[command]


# --- 1. --db that is not a newscrawl database ------------------------------------------


def test_every_command_that_takes_db_is_covered() -> None:
    takes_db = {name for name, cmd in commands().items()
                if any("--db" in p.opts for p in cmd.params)}
    assert takes_db == set(DB_COMMANDS)


@pytest.mark.parametrize("bad", sorted(BAD_DATABASES))
@pytest.mark.parametrize("command", DB_COMMANDS)
def test_a_bad_db_file_is_refused_in_one_line_and_left_untouched(
    command: str, bad: str, tmp_path: Path, run_newscrawl: Any,
) -> None:
    make, problem = BAD_DATABASES[bad]
    good = newscrawl_db(tmp_path / "good" / "news.db")
    here = tmp_path / "here"
    here.mkdir()
    path = here / "news.db"
    make(path, good)
    digest, before = sha1(path), listing(here)
    proc = run_newscrawl(command, "--db", path, *db_command_args(command, tmp_path), check=False)
    line = one_error_line(proc)
    assert str(path) in line and problem in line, line
    assert sha1(path) == digest
    assert listing(here) == before  # no -wal, -shm or .lock beside it


@pytest.mark.parametrize("command", ["stats", "export", "history", "reextract", "serve", "export-warc"])
def test_a_missing_db_is_refused_by_commands_that_read_one(
    command: str, tmp_path: Path, run_newscrawl: Any,
) -> None:
    path = tmp_path / "no-such-dir" / "news.db"
    proc = run_newscrawl(command, "--db", path, *db_command_args(command, tmp_path), check=False)
    line = one_error_line(proc)
    assert f"{path}: does not exist" in line
    assert not path.parent.exists()


@pytest.mark.parametrize("command", ["crawl", "import-warc", "demo", "writer"])
def test_a_db_under_a_file_is_refused_by_commands_that_create_one(
    command: str, tmp_path: Path, run_newscrawl: Any,
) -> None:
    (tmp_path / "afile").write_text("x")
    path = tmp_path / "afile" / "news.db"
    proc = run_newscrawl(command, "--db", path, *db_command_args(command, tmp_path), check=False)
    line = one_error_line(proc)
    assert str(path) in line and f"{tmp_path / 'afile'} is not a directory" in line
    assert listing(tmp_path) == {"afile", "one.warc.gz"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only directory")
def test_a_db_in_a_directory_that_is_not_writable_is_refused(tmp_path: Path, run_newscrawl: Any) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        proc = run_newscrawl("crawl", f"http://127.0.0.1:{closed_port()}/", "--db", locked / "news.db",
                             check=False)
        line = one_error_line(proc)
        assert str(locked / "news.db") in line and "cannot write in" in line
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_db_where_even_root_cannot_write_is_refused(run_newscrawl: Any) -> None:
    proc = run_newscrawl("import-warc", "--db", "/proc/newscrawl-test.db", "/proc/version", check=False)
    # (import-warc checks --db before its FILES are read)
    line = one_error_line(proc)
    assert "/proc/newscrawl-test.db: cannot create the database: cannot write in /proc" in line


def test_an_older_newscrawl_database_still_opens_and_migrates(tmp_path: Path, run_newscrawl: Any,
                                                              db_rows: Any) -> None:
    path = newscrawl_db(tmp_path / "old.db", stop_before="0005_incremental_state_and_versions")
    proc = run_newscrawl("stats", "--db", path)
    assert "no sites in this database yet" in proc.stdout
    warc = Path(db_command_args("import-warc", tmp_path)[0])
    run_newscrawl("import-warc", warc, "--db", path, "--no-progress")
    applied = [r["name"] for r in db_rows(path, "SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == [m.name for m in MIGRATIONS._migrations]
    assert db_rows(path, "SELECT count(*) AS n FROM articles") == [{"n": 1}]


# --- 2. the sites file --------------------------------------------------------------------

SITE_ONE = '[[site]]\nname = "daily"\nurl = "{daily}"\n\n'


@pytest.mark.parametrize("option, message", [
    ("folow_depth = 3", "unknown key 'folow_depth' (did you mean 'follow_depth'?)"),
    ('follow_depth = "three"', 'follow_depth must be an integer >= 0, got "three"'),
    ("max_pages = -1", "max_pages must be an integer >= 0 (0: no budget), got -1"),
    ("allow = 5", "allow must be a regular expression or a list of them, got 5"),
    ('use_feeds = "yes"', 'use_feeds must be true or false, got "yes"'),
    ("window_days = -2", "window_days must be a number >= 0, got -2"),
    ('deny = ["("]', "deny must be a regular expression or a list of them: bad pattern '('"),
])
@pytest.mark.parametrize("command", ["crawl", "enqueue"])
def test_a_bad_sites_file_key_is_refused_before_anything_is_fetched(
    command: str, option: str, message: str, tmp_path: Path, run_newscrawl: Any, sample_server: Any,
) -> None:
    sites = tmp_path / "sites.toml"
    wire = sample_server.url("wire", "/")
    sites.write_text(SITE_ONE.format(daily=sample_server.url("daily", "/"))
                     + f'[[site]]\nurl = "{wire}"\n{option}\n')
    db = tmp_path / "news.db"
    extra = ["--db", db] if command == "crawl" else ["--redis", f"redis://127.0.0.1:{closed_port()}/0"]
    proc = run_newscrawl(command, "--sites", sites, *extra, check=False)
    line = one_error_line(proc)
    assert line == f"Error: {sites}: site #2 ({wire}): {message}" or (
        line.startswith(f"Error: {sites}: site #2 ({wire}): {message}")), line
    assert sample_server.paths() == []
    assert not db.exists()


@pytest.mark.parametrize("content, message", [
    (None, "sites file not found"),
    ("site = [\n", "invalid TOML"),
    ("[[stie]]\nurl = 'https://x.org/'\n", "no [[site]] entries (found 'stie': did you mean 'site'?)"),
])
def test_a_sites_file_that_is_missing_or_not_toml_is_refused(
    content: str | None, message: str, tmp_path: Path, run_newscrawl: Any,
) -> None:
    sites = tmp_path / "sites.toml"
    if content is not None:
        sites.write_text(content)
    proc = run_newscrawl("crawl", "--sites", sites, "--db", tmp_path / "news.db", check=False)
    line = one_error_line(proc)
    assert str(sites) in line and message in line, line
    assert listing(tmp_path) <= {"sites.toml"}


def test_a_bad_sites_file_given_as_a_setting_is_refused(tmp_path: Path, run_newscrawl: Any) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "x"\nurl = "https://x.org/"\nfolow_depth = 1\n')
    proc = run_newscrawl("crawl", f"http://127.0.0.1:{closed_port()}/", "-s",
                         f"NEWSCRAWL_SITES_FILE={sites}", "--db", tmp_path / "news.db", check=False)
    line = one_error_line(proc)
    assert f"{sites}: site #1 (x): unknown key 'folow_depth'" in line
    assert listing(tmp_path) == {"sites.toml"}


# --- 3. -s KEY=VALUE -----------------------------------------------------------------------


@pytest.mark.parametrize("setting, message", [
    ("NEWSCRAWL_FOLOW_DEPTH=3", "-s NEWSCRAWL_FOLOW_DEPTH: unknown setting (did you mean 'NEWSCRAWL_FOLLOW_DEPTH'?)"),
    ("DOWNLOAD_DELAYS=1", "-s DOWNLOAD_DELAYS: unknown setting (did you mean 'DOWNLOAD_DELAY'?)"),
    ("NEWSCRAWL_FOLLOW_DEPTH=abc", "-s NEWSCRAWL_FOLLOW_DEPTH=abc: expected an integer"),
    ("NEWSCRAWL_INCREMENTAL=maybe", "-s NEWSCRAWL_INCREMENTAL=maybe: expected a boolean"),
    ("DOWNLOAD_TIMEOUT=soon", "-s DOWNLOAD_TIMEOUT=soon: expected a number"),
    ("RETRY_HTTP_CODES=500,lots", "-s RETRY_HTTP_CODES=500,lots: expected a list of integers"),
    ("DOWNLOADER_MIDDLEWARES=x", "-s DOWNLOADER_MIDDLEWARES=x: expected a JSON object"),
    ("NEWSCRAWL_MAX_PAGES_PER_SITE=-1", "-s NEWSCRAWL_MAX_PAGES_PER_SITE=-1: expected a number >= 0"),
    ("NEWSCRAWL_DB", "-s NEWSCRAWL_DB: expected KEY=VALUE"),
])
def test_a_bad_setting_is_refused_before_anything_is_fetched(
    setting: str, message: str, tmp_path: Path, run_newscrawl: Any, sample_server: Any,
) -> None:
    db = tmp_path / "news.db"
    proc = run_newscrawl("crawl", sample_server.url("daily", "/"), "--db", db, "-s", setting, check=False)
    line = one_error_line(proc)
    assert line.startswith(f"Error: {message}"), line
    assert sample_server.paths() == []
    assert not db.exists()


@pytest.mark.parametrize("command", ["demo", "enqueue"])
def test_other_commands_check_settings_too(command: str, tmp_path: Path, run_newscrawl: Any) -> None:
    args = ["--db", tmp_path / "d.db"] if command == "demo" else [
        "https://x.org/", "--redis", f"redis://127.0.0.1:{closed_port()}/0"]
    proc = run_newscrawl(command, *args, "-s", "NEWSCRAWL_FOLLOW_DEPTH=deep", check=False)
    assert "expected an integer" in one_error_line(proc)
    assert listing(tmp_path) == set()


# --- 4. network failures -------------------------------------------------------------------


def test_a_host_that_refuses_connections_is_one_line_per_failure_and_a_reason_in_urls(
    tmp_path: Path, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...], db_rows: Any,
) -> None:
    port = closed_port()
    db = tmp_path / "news.db"
    proc = run_newscrawl("crawl", f"http://127.0.0.1:{port}/", "--db", db, *crawl_fast_settings,
                         "-s", "RETRY_TIMES=0", check=False)
    assert "crawl finished" in proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    robots = [line for line in proc.stderr.splitlines() if "[scrapy.downloadermiddlewares.robotstxt]" in line]
    assert len(robots) == 1, proc.stdout + proc.stderr
    assert robots[0].endswith(f"robots.txt of http://127.0.0.1:{port} not fetched (connection refused); "
                              "its pages are requested as if it allowed them")
    # every other line is a log line or the summary: none is a traceback's continuation
    assert not [line for line in proc.stderr.splitlines() if line.startswith(("  File ", "    "))]
    rows = db_rows(db, "SELECT url, reason FROM urls ORDER BY url")
    assert rows == [{"url": f"https://127.0.0.1:{port}/", "reason": "connection refused"},
                    {"url": f"https://127.0.0.1:{port}/sitemap.xml", "reason": "connection refused"}]


def test_a_host_that_does_not_speak_http_is_a_bad_response_not_a_dump_of_twisted_failures(
    tmp_path: Path, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...], db_rows: Any,
) -> None:
    # A real TCP server that greets every connection like an SSH server and hangs up.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        proc = run_newscrawl("crawl", f"http://127.0.0.1:{port}/", "--db", tmp_path / "news.db",
                             *crawl_fast_settings, "-s", "RETRY_TIMES=0", check=False)
    finally:
        listener.close()
    assert "crawl finished" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    # Scrapy's own retry line shows the repr; our summary, robots line and urls table name the error
    robots = [line for line in proc.stderr.splitlines() if "[scrapy.downloadermiddlewares.robotstxt]" in line]
    assert len(robots) == 1 and robots[0].endswith("not fetched (bad response: non-integer status code); "
                                                   "its pages are requested as if it allowed them"), proc.stderr
    assert "twisted" not in proc.stdout, proc.stdout
    reasons = {r["reason"] for r in db_rows(tmp_path / "news.db", "SELECT reason FROM urls")}
    assert reasons == {"bad response: non-integer status code"}, proc.stdout
    assert "bad response: non-integer status code" in proc.stdout


@pytest.mark.parametrize("command", ["enqueue", "writer", "crawl"])
def test_a_redis_nobody_listens_on_is_one_line(command: str, tmp_path: Path, run_newscrawl: Any) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    args = {"enqueue": ["https://x.org/"], "writer": ["--db", tmp_path / "w.db"], "crawl": []}[command]
    proc = run_newscrawl(command, "--redis", url, *args, check=False)
    line = one_error_line(proc)
    assert line.startswith(f"Error: cannot reach Redis at {url}: ") and "refused" in line, line
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("command", ["enqueue", "writer", "crawl"])
def test_a_redis_url_that_is_not_one_is_one_line(command: str, tmp_path: Path, run_newscrawl: Any) -> None:
    args = {"enqueue": ["https://x.org/"], "writer": ["--db", tmp_path / "w.db"], "crawl": []}[command]
    proc = run_newscrawl(command, "--redis", "127.0.0.1:6379", *args, check=False)
    assert one_error_line(proc).startswith("Error: --redis 127.0.0.1:6379: not a Redis URL")


# --- 5. a WARC damaged half-way ------------------------------------------------------------


def damaged_warc(tmp_path: Path, how: str) -> tuple[Path, list[str]]:
    """A WARC of 6 articles damaged in the 4th: (path, the URLs before the damage)."""
    f = CCNewsFile()
    urls = [f"https://alpha.example/news/{i}" for i in range(6)]
    ends = []
    for i, url in enumerate(urls):
        f.response(url, "2025-03-01T10:00:00Z",
                   news_page_html(f"Title {i}", paragraphs(10 + i), "Ann", published="2025-03-01T09:00:00Z", jsonld=True))
        ends.append(len(f.buf.getvalue()))
    data = f.buf.getvalue()
    if how == "cut":  # the file ends half-way through the 4th record
        data = data[: (ends[2] + ends[3]) // 2]
    else:  # garbage instead of the 4th record's first bytes, then the rest
        data = data[: ends[2]] + b"\x00garbage\x01" * 50 + data[ends[2] + 500:]
    path = tmp_path / f"{how}.warc.gz"
    path.write_bytes(data)
    return path, urls[:3]


@pytest.mark.parametrize("how", ["cut", "garbage"])
def test_import_warc_keeps_what_it_read_before_the_damage(
    how: str, tmp_path: Path, run_newscrawl: Any, db_rows: Any,
) -> None:
    warc, before = damaged_warc(tmp_path, how)
    db = tmp_path / "news.db"
    proc = run_newscrawl("import-warc", warc, "--db", db, "--no-progress")
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and str(warc) in warnings[0], proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert re.search(r"^  damaged records +1$", proc.stdout, re.M), proc.stdout
    stored = [r["url"] for r in db_rows(db, "SELECT url FROM articles ORDER BY url")]
    assert stored == before


@pytest.mark.parametrize("how", ["cut", "garbage"])
def test_extract_keeps_what_it_read_before_the_damage(how: str, tmp_path: Path, run_newscrawl: Any) -> None:
    import json

    warc, before = damaged_warc(tmp_path, how)
    proc = run_newscrawl("extract", warc)
    assert "Traceback" not in proc.stderr
    assert [json.loads(line)["url"] for line in proc.stdout.splitlines()] == before
    warning, summary = proc.stderr.strip().splitlines()  # the damage in one line, then the summary
    assert warning.startswith(f"warning: {warc}") and "1 damaged" in summary, proc.stderr


# --- 6. other values -----------------------------------------------------------------------


@pytest.mark.parametrize("command, extra", [
    ("crawl", ["http://127.0.0.1:9/", "--db", "{tmp}/news.db"]),
    ("export", ["--db", "{good}"]),
    ("export-warc", ["--db", "{good}", "-o", "{tmp}/out.warc.gz"]),
    ("reextract", ["--db", "{good}"]),
    ("import-warc", ["--db", "{tmp}/news.db", "{good}"]),
])
def test_a_since_that_is_not_a_date_is_one_line(command: str, extra: list[str], tmp_path: Path,
                                               run_newscrawl: Any) -> None:
    good = newscrawl_db(tmp_path / "good" / "news.db")
    tmp = tmp_path / "out"
    tmp.mkdir()
    args = [a.format(tmp=tmp, good=good) for a in extra]
    proc = run_newscrawl(command, *args, "--since", "last tuesday", check=False)
    line = one_error_line(proc)
    assert line.startswith("Error: --since: ") and "'last tuesday'" in line, line
    assert listing(tmp) == set()
