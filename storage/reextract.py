"""Re-extraction over stored raw HTML: choosing each article's page, comparing
fresh extraction output with the stored row, and writing the changes.

Plain data in and out; the extraction itself happens elsewhere (the caller runs
it in worker processes). Writes are batched: ``ArticleUpdater`` commits every
``batch_size`` articles, so a long run holds no huge transaction and an
interrupted one keeps what it finished.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from storage.articles import body_holder, replace_signature
from storage.batch import WriteBatch
from storage.records import body_hash_of

# Article columns re-extraction may change, with the extraction-result key each comes from.
FIELDS: dict[str, str] = {
    "title": "title",
    "authors": "authors",
    "published": "published",
    "body": "body",
    "language": "language",
    "site_name": "site",
    "description": "description",
    "tags": "tags",
    "image": "image",
}
JSON_LIST_FIELDS = frozenset({"authors", "tags"})
_ARTICLE_COLUMNS = ["id", "url", "extractor", "body_hash", *FIELDS]


@dataclass
class ArticleChange:
    article_id: int
    url: str
    changes: dict[str, tuple[Any, Any]]  # column -> (old, new), in stored form
    body_hash: str | None = None  # new hash when the body changed
    signature: dict[str, Any] | None = None  # storage.neardup.text_signature(new body)


@dataclass
class ReextractReport:
    pages: int = 0
    changed: int = 0  # articles with at least one changed field
    unchanged: int = 0
    field_changes: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (article, url, why)
    not_articles: list[tuple[int, str, str]] = field(default_factory=list)  # kept as they were
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (article, holder of the body)
    examples: list[ArticleChange] = field(default_factory=list)


def select_pages(
    db: sqlite_utils.Database, *, sites: list[str] | None = None, since: str | None = None
) -> list[tuple[int, int]]:
    """``(article_id, page_id)`` for every article to re-extract, oldest article first.

    Each article gets its most recent page fetched at one of its own URLs (the
    article's key, or a fetch recorded in ``urls`` as ``new``/``duplicate_url``);
    failing that, its most recent page of any kind (e.g. only a syndicated copy).
    ``since`` keeps articles first seen or published on or after that ISO date.
    """
    where: list[str] = []
    args: list[Any] = []
    if sites:
        where.append(f"a.site IN ({','.join('?' * len(sites))})")
        args += sites
    if since:
        where.append("(a.first_seen >= ? OR a.published >= ?)")
        args += [since, since]
    sql = f"""
        WITH ranked AS (
            SELECT p.article_id, p.id AS page_id,
                   row_number() OVER (
                       PARTITION BY p.article_id
                       ORDER BY (p.url = a.url OR u.url IS NOT NULL) DESC, p.fetched_at DESC, p.id DESC
                   ) AS rank
            FROM pages p
            JOIN articles a ON a.id = p.article_id
            LEFT JOIN urls u ON u.fetched_url = p.url AND u.article_id = p.article_id
                            AND u.outcome IN ('new', 'duplicate_url')
            {"WHERE " + " AND ".join(where) if where else ""}
        )
        SELECT article_id, page_id FROM ranked WHERE rank = 1 ORDER BY article_id
    """
    return [(int(r[0]), int(r[1])) for r in db.execute(sql, args).fetchall()]


def load_stored(db: sqlite_utils.Database, page_id: int) -> tuple[str, dict[str, str], str, bytes]:
    """One stored page as stored: (url, headers, codec, compressed html). Raises KeyError."""
    row = db.execute("SELECT url, headers, codec, html FROM pages WHERE id = ?", [page_id]).fetchone()
    if row is None:
        raise KeyError(f"page {page_id} is gone")
    url, headers, codec, blob = row
    return url, json.loads(headers or "{}"), codec, blob


def stored_form(column: str, value: Any) -> Any:
    """An extraction value as the ``articles`` column holds it."""
    if column in JSON_LIST_FIELDS:
        return json.dumps(list(value or []), ensure_ascii=False)
    if column == "body":
        return value or ""
    return value


def diff_article(row: dict[str, Any], extracted: dict[str, Any]) -> ArticleChange:
    """Compare a stored ``articles`` row with fresh extraction output."""
    changes: dict[str, tuple[Any, Any]] = {}
    for column, key in FIELDS.items():
        old = row.get(column)
        if column in JSON_LIST_FIELDS:
            # compare as lists so formatting differences are not changes
            fresh = list(extracted.get(key) or [])
            try:
                same = json.loads(old or "[]") == fresh
            except ValueError:
                same = False
            if not same:
                changes[column] = (old, json.dumps(fresh, ensure_ascii=False))
            continue
        new = stored_form(column, extracted.get(key))
        if old != new:
            changes[column] = (old, new)
    change = ArticleChange(int(row["id"]), str(row["url"]), changes)
    if "body" in changes:
        change.body_hash = body_hash_of(extracted)
        change.signature = extracted.get("signature")
    return change


def article_row(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    cur = db.execute(f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles WHERE id = ?", [article_id])
    row = cur.fetchone()
    return dict(zip(_ARTICLE_COLUMNS, row)) if row else None


class ArticleUpdater:
    """Write article changes in transactions of ``batch_size`` articles.

    ``dry_run`` computes and reports everything and writes nothing. Use as a
    context manager (the last batch is committed on a clean exit and rolled back
    on an exception)."""

    def __init__(
        self, db: sqlite_utils.Database, extractor: str, *, dry_run: bool = False,
        batch_size: int = 200, max_examples: int = 5, max_seconds: float = 2.0,
    ) -> None:
        self.db = db
        self.extractor = extractor
        self.dry_run = dry_run
        self.max_examples = max_examples
        self.report = ReextractReport()
        self.batch = WriteBatch(db, batch_size, max_seconds)

    def __enter__(self) -> ArticleUpdater:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        elif self.db.conn.in_transaction:
            self.db.conn.rollback()

    def commit(self) -> None:
        self.batch.commit()

    def failed(self, article_id: int, url: str, reason: str) -> None:
        self.report.pages += 1
        self.report.failures.append((article_id, url, reason))

    def apply(self, article_id: int, extracted: dict[str, Any]) -> ArticleChange | None:
        """Record one page's fresh extraction; returns the change (None if not applied)."""
        report = self.report
        report.pages += 1
        row = article_row(self.db, article_id)
        if row is None:
            report.failures.append((article_id, "", "article is gone"))
            return None
        if not extracted.get("is_article") or not (extracted.get("body") or "").strip():
            # Keep the stored article rather than blank it; say why.
            report.not_articles.append((article_id, row["url"], str(extracted.get("reason") or "empty body")))
            return None
        change = diff_article(row, extracted)
        if not change.changes:
            report.unchanged += 1
            if row["extractor"] != self.extractor and not self.dry_run:
                self._write("UPDATE articles SET extractor = ? WHERE id = ?", [self.extractor, article_id])
            return None
        if change.body_hash is not None:
            holder = body_holder(self.db, change.body_hash, article_id)
            if holder is not None:
                report.conflicts.append((article_id, holder))
                return None
        if not self.dry_run:
            try:
                self._write_change(change)
            except sqlite3.IntegrityError as exc:  # a race with a concurrent writer
                report.failures.append((article_id, row["url"], f"IntegrityError: {exc}"))
                return None
        report.changed += 1
        report.field_changes.update(change.changes.keys())
        if len(report.examples) < self.max_examples:
            report.examples.append(change)
        return change

    def _write(self, sql: str, args: list[Any]) -> None:
        self.batch.begin()
        self.db.execute(sql, args)
        self.batch.done()

    def _write_change(self, change: ArticleChange) -> None:
        columns = {column: new for column, (_, new) in change.changes.items()}
        columns["extractor"] = self.extractor
        if change.body_hash is not None:
            columns["body_hash"] = change.body_hash
            columns["word_count"] = len(columns["body"].split())
        assignments = ", ".join(f"{column} = ?" for column in columns)
        self.batch.begin()
        with self.db.atomic():  # the row and its signature together, or neither
            self.db.execute(
                f"UPDATE articles SET {assignments} WHERE id = ?", [*columns.values(), change.article_id]
            )
            if change.body_hash is not None:
                replace_signature(self.db, change.article_id, change.signature)
        self.batch.done()

