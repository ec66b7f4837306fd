"""storage.open_db and check_db_file: the schema, its migrations, WAL mode, and a
file that is not a newscrawl database found out before anything is written."""

import hashlib
import sqlite3
from pathlib import Path

import pytest

from storage import MIGRATIONS, open_db
from storage.db import DatabaseFileError, check_db_file
from storage.queries import start_run


def test_open_db_creates_schema_in_wal_mode(tmp_path):
    db = open_db(tmp_path / "news.db")
    assert {"articles", "article_urls", "pages", "urls", "crawl_runs", "articles_fts"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied[0] == "0001_initial"
    assert applied == [m.name for m in MIGRATIONS._migrations]
    db.conn.close()
    # reopening applies nothing twice
    db = open_db(tmp_path / "news.db")
    assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(applied)




def _newscrawl_db(path, stop_before=None):
    db = open_db(path, migrate=False)
    MIGRATIONS.apply(db, stop_before=stop_before)
    with db.conn:
        for i in range(100):
            db.execute("INSERT INTO crawl_runs (started, stats) VALUES ('2025-03-01', ?)", ["x" * 500])
    db.execute("VACUUM")
    db.conn.close()  # WAL mode; the -wal and -shm files go with the last connection
    return path


def _other_program(path):
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE c (x); "
                       "CREATE TABLE d (x); CREATE TABLE e (x); CREATE TABLE f (x); CREATE TABLE g (x);")
    conn.close()
    return path


def _corrupt(path, at, data):
    raw = bytearray(path.read_bytes())
    raw[at:at + len(data)] = data
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("make, create, message", [
    (lambda p: None, False, "does not exist"),
    (lambda p: p.mkdir(), True, "a directory, not a database file"),
    (lambda p: p.write_bytes(b""), False, "an empty file, not a newscrawl database"),
    (lambda p: p.write_text("notes\n"), True, "not an SQLite database (it begins 'notes\\n')"),
    (lambda p: p.write_bytes(b"\x00\x01\x02" * 50), True, "not an SQLite database (it begins with the bytes 00 01 02"),
    (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50), True, "not an SQLite database"),
    (lambda p: _newscrawl_db(p).write_bytes(p.read_bytes()[:40960]), True,
     "damaged SQLite database, truncated: its header says"),
    (lambda p: _corrupt(_newscrawl_db(p), 16, b"\x03\x00"), True, "damaged SQLite database: bad page size 768"),
    (lambda p: _corrupt(_newscrawl_db(p), 8192, b"\xde\xad\xbe\xef" * 1024), True, "damaged SQLite database ("),
    (lambda p: _other_program(p), True,
     "an SQLite database of another program, not newscrawl's (tables a, b, c, d, e and 2 more; "
     "no newscrawl migrations)"),
    (lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 3").connection.close(), False,
     "an SQLite database without tables"),
])
def test_check_db_file_refuses_what_is_not_a_newscrawl_database(tmp_path, make, create, message):
    path = tmp_path / "news.db"
    make(path)
    before = sorted(p.name for p in tmp_path.iterdir())
    digest = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else None
    with pytest.raises(DatabaseFileError) as e:
        check_db_file(path, create=create)
    assert str(e.value).startswith(f"{path}: {message}"), str(e.value)
    assert e.value.path == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm, journal
    if digest:
        assert hashlib.sha1(path.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("make", [
    lambda p: None,  # created
    lambda p: p.write_bytes(b""),  # an empty file becomes one
    lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 3").connection.close(),  # no tables yet
])
def test_check_db_file_lets_commands_that_create_a_database_create_one(tmp_path, make):
    path = tmp_path / "sub" / "news.db"
    path.parent.mkdir()
    make(path)
    check_db_file(path, create=True)
    open_db(path).conn.close()
    check_db_file(path, create=False)


def test_check_db_file_accepts_an_older_newscrawl_database_and_open_db_migrates_it(tmp_path):
    path = _newscrawl_db(tmp_path / "old.db", stop_before="0005_incremental_state_and_versions")
    check_db_file(path, create=False)
    db = open_db(path)
    assert "article_versions" in db.table_names()
    assert [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")] == [
        m.name for m in MIGRATIONS._migrations]


def test_open_db_leaves_another_programs_database_as_it_was(tmp_path):
    path = _other_program(tmp_path / "theirs.db")
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    for read_only in (False, True):
        with pytest.raises(DatabaseFileError, match="another program"):
            open_db(path, read_only=read_only)
    assert hashlib.sha1(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]


def test_a_big_file_skips_quick_check_and_damage_found_later_is_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import storage.db
    from crawler.cli import main

    path = _newscrawl_db(tmp_path / "news.db")
    # Damage away from the schema: the pages of the urls table and its indexes, which stats reads.
    conn = sqlite3.connect(path)
    roots = [r[0] for r in conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'urls'")]
    conn.close()
    assert len(roots) >= 2
    for page in roots:
        _corrupt(path, (page - 1) * 4096, b"\xde\xad\xbe\xef" * 1024)
    size = path.stat().st_size
    with pytest.raises(DatabaseFileError, match="damaged SQLite database"):
        check_db_file(path)  # by quick_check
    monkeypatch.setattr(storage.db, "QUICK_CHECK_MAX_BYTES", size - 1)
    check_db_file(path)  # header, size and schema are fine: only reading the data tells
    result = CliRunner().invoke(main, ["stats", "--db", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"Error: {path}: damaged SQLite database "
                                     "(database disk image is malformed)"), result.output


def test_a_live_database_is_checked_through_its_wal(tmp_path):
    path = tmp_path / "news.db"
    writer = open_db(path)
    start_run(writer, {"test": True})  # committed into the -wal, not yet into the file
    assert Path(f"{path}-wal").stat().st_size > 0
    check_db_file(path, create=False)
    reader = open_db(path, read_only=True)
    assert reader.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
    reader.conn.close()
    writer.conn.close()
