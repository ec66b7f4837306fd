"""Re-extraction over stored raw HTML: choosing each article's page, comparing
fresh extraction output with the stored row, and writing the changes.

Plain data in and out; the extraction itself happens elsewhere (the caller runs
it in worker processes) and the writes go through ``storage.session.IngestSession``
(its ``reextracted``), which batches, counts and records the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlite_utils

from storage.articles import body_holder, paywall_flag, replace_signature
from storage.export import LIST_COLUMNS
from storage.neardup import Signature
from storage.records import ExtractedPage, text_hash

# Article columns re-extraction may change, with the extraction attribute each comes from.
FIELDS: dict[str, str] = {
    "title": "title",
    "authors": "authors",
    "published": "published",
    "modified": "modified",
    "body": "body",
    "language": "language",
    "site_name": "site",
    "description": "description",
    "tags": "tags",
    "image": "image",
    "images": "images",
    "body_html": "body_html",
    "section": "section",
    "paywalled": "paywalled",
}
# Columns a crawl may fill from elsewhere (``modified`` from the sitemap's lastmod when
# the page gives no date): a page that says nothing keeps the stored value.
KEEP_WHEN_MISSING = frozenset({"modified"})
_ARTICLE_COLUMNS = ["id", "url", "extractor", "body_hash", *FIELDS]


class Reextracted(StrEnum):
    """What re-extracting one article's page did to it."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_ARTICLE = "not_article"  # no longer judged an article: kept as stored
    CONFLICT = "conflict"  # its new body is another article's: kept as stored
    FAILED = "failed"  # extraction failed, or the page or article is gone


@dataclass
class ArticleChange:
    article_id: int
    url: str
    changes: dict[str, tuple[Any, Any]]  # column -> (old, new), in stored form
    body_hash: str | None = None  # new hash when the body changed
    signature: Signature | None = None  # of the new body


@dataclass
class ReextractResult:
    """One article's re-extraction: what happened, and why or what changed."""

    article_id: int
    url: str
    outcome: Reextracted
    detail: str = ""  # the reason (failed, not_article) or the holder's id (conflict)
    change: ArticleChange | None = None


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
    if column in LIST_COLUMNS:
        return json.dumps(list(value or []), ensure_ascii=False)
    if column in ("body", "body_html"):
        return value or ""
    if column == "paywalled":
        return paywall_flag(value)
    return value


def diff_article(
    row: dict[str, Any], extraction: ExtractedPage, *, body_hash: str | None = None,
    signature: Signature | None = None,
) -> ArticleChange:
    """Compare a stored ``articles`` row with fresh extraction output."""
    changes: dict[str, tuple[Any, Any]] = {}
    for column, attr in FIELDS.items():
        old = row.get(column)
        value = getattr(extraction, attr, None)
        if value is None and column in KEEP_WHEN_MISSING:
            continue
        if column in LIST_COLUMNS:
            # compare as lists so formatting differences are not changes
            fresh = list(value or [])
            try:
                # NULL: never extracted with this field (a database from before it)
                same = old is not None and json.loads(old) == fresh
            except ValueError:
                same = False
            if not same:
                changes[column] = (old, json.dumps(fresh, ensure_ascii=False))
            continue
        new = stored_form(column, value)
        if old != new:
            changes[column] = (old, new)
    change = ArticleChange(int(row["id"]), str(row["url"]), changes)
    if "body" in changes:
        change.body_hash = body_hash or text_hash(extraction.body or "")
        change.signature = signature
    return change


def article_row(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    cur = db.execute(f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles WHERE id = ?", [article_id])
    row = cur.fetchone()
    return dict(zip(_ARTICLE_COLUMNS, row)) if row else None


def reextract_article(
    db: sqlite_utils.Database, article_id: int, extraction: ExtractedPage, extractor: str, *,
    body_hash: str | None = None, signature: Signature | None = None, dry_run: bool = False,
) -> ReextractResult:
    """Compare one article with its page's fresh extraction and, unless ``dry_run``,
    write what changed (row and signature together, in a savepoint)."""
    row = article_row(db, article_id)
    if row is None:
        return ReextractResult(article_id, "", Reextracted.FAILED, "article is gone")
    url = str(row["url"])
    if not extraction.is_article or not (extraction.body or "").strip():
        # Keep the stored article rather than blank it; say why.
        return ReextractResult(article_id, url, Reextracted.NOT_ARTICLE, extraction.reason or "empty body")
    change = diff_article(row, extraction, body_hash=body_hash, signature=signature)
    if not change.changes:
        if row["extractor"] != extractor and not dry_run:
            db.execute("UPDATE articles SET extractor = ? WHERE id = ?", [extractor, article_id])
        return ReextractResult(article_id, url, Reextracted.UNCHANGED)
    if change.body_hash is not None:
        holder = body_holder(db, change.body_hash, article_id)
        if holder is not None:
            return ReextractResult(article_id, url, Reextracted.CONFLICT, str(holder), change)
    if not dry_run:
        write_change(db, change, extractor)
    return ReextractResult(article_id, url, Reextracted.CHANGED, change=change)


def write_change(db: sqlite_utils.Database, change: ArticleChange, extractor: str) -> None:
    columns = {column: new for column, (_, new) in change.changes.items()}
    columns["extractor"] = extractor
    if change.body_hash is not None:
        columns["body_hash"] = change.body_hash
        columns["word_count"] = len(columns["body"].split())
    assignments = ", ".join(f"{column} = ?" for column in columns)
    with db.atomic():  # the row and its signature together, or neither
        db.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*columns.values(), change.article_id])
        if change.body_hash is not None:
            replace_signature(db, change.article_id, change.signature)
