"""Reading an article's versions."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils


def article_versions(db: sqlite_utils.Database, url_key: str) -> list[dict[str, Any]] | None:
    """All versions of the article named by ``url_key``, oldest first, the
    current one last (``current`` True). None when no article has that URL."""
    row = db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url_key]).fetchone()
    if row is None:
        return None
    article_id = row[0]
    # ``modified`` came with migration 0009; a database opened read-only may predate it
    has_modified = any(c[1] == "modified" for c in db.execute("PRAGMA table_info(articles)").fetchall())
    modified = "modified" if has_modified else "NULL AS modified"
    out = []
    for r in db.query(
        f"SELECT version, first_seen, replaced_at, changed, title, authors, published, {modified}, body"
        " FROM article_versions WHERE article_id = ? ORDER BY version",
        [article_id],
    ):
        r = dict(r)
        r.update(current=False, changed=json.loads(r["changed"]), authors=json.loads(r["authors"] or "[]"))
        out.append(r)
    cur = dict(next(db.query(
        "SELECT id, url, version, coalesce(updated, first_seen) AS first_seen, title, authors, published,"
        f" {modified}, body"
        " FROM articles WHERE id = ?",
        [article_id],
    )))
    cur.update(current=True, replaced_at=None, changed=out[-1]["changed"] if out else [],
               authors=json.loads(cur["authors"] or "[]"))
    out.append(cur)
    return out
