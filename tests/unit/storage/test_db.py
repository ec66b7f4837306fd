"""storage.open_db: the schema, its migrations, WAL mode."""

from storage import MIGRATIONS, open_db


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
