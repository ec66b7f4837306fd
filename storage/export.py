"""Named reads for exporting the corpus: articles and raw pages, streamed.

Every function here iterates an SQLite cursor, so memory stays flat whatever
the size of the database; rows are plain dicts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlite_utils

from storage.pages import decompress_html

# Article columns in export order (the ``articles`` table, README "Database schema").
ARTICLE_COLUMNS: tuple[str, ...] = (
    "id", "url", "site", "site_name", "title", "description", "authors", "published", "modified", "body",
    "body_html", "language", "tags", "image", "images", "section", "paywalled", "word_count", "body_hash",
    "extractor", "first_seen", "last_seen", "run_id", "version", "updated", "story_id",
)
# Stored as JSON text, exported as lists (``images``: a list of objects).
LIST_COLUMNS: frozenset[str] = frozenset({"authors", "tags", "images"})
# Stored as 0/1/NULL, exported as true/false/null.
BOOL_COLUMNS: frozenset[str] = frozenset({"paywalled"})


def _article_filters(
    alias: str, sites: Sequence[str] | None, since: str | None
) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if sites:
        where.append(f"{alias}.site IN ({','.join('?' * len(sites))})")
        args += list(sites)
    if since:
        # Publication date; the first-seen date for undated articles. (ISO strings:
        # compared as text, exact to the day whatever the timezone offset.)
        where.append(f"coalesce(nullif({alias}.published, ''), {alias}.first_seen) >= ?")
        args.append(since)
    return (" WHERE " + " AND ".join(where)) if where else "", args


def _decode_lists(row: dict[str, Any]) -> dict[str, Any]:
    for column in LIST_COLUMNS:
        value = row.get(column)
        try:
            decoded = json.loads(value) if value else []
        except ValueError:  # written by something else: keep it, as a one-item list
            decoded = [value]
        row[column] = decoded if isinstance(decoded, list) else [decoded]
    for column in BOOL_COLUMNS:
        if row.get(column) is not None:
            row[column] = bool(row[column])
    return row


def iter_articles(
    db: sqlite_utils.Database,
    *,
    sites: Sequence[str] | None = None,
    since: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Articles in ``id`` order, one dict per row with ``ARTICLE_COLUMNS``.

    ``sites`` keeps those whose ``articles.site`` is one of them; ``since`` (an
    ISO date or datetime) those published on or after it (undated ones: first
    seen on or after it).
    ``authors``, ``tags`` and ``images`` are lists, ``paywalled`` a bool or None.
    """
    where, args = _article_filters("a", sites, since)
    # Export reads without migrating: a database from an older newscrawl may lack the
    # later columns, which then come out empty.
    present = db["articles"].columns_dict
    columns = ", ".join(f"a.{c}" if c in present else f"NULL AS {c}" for c in ARTICLE_COLUMNS)
    for row in db.query(f"SELECT {columns} FROM articles a{where} ORDER BY a.id", args):
        yield _decode_lists(dict(row))


def _page_filters(sites: Sequence[str] | None, since: str | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if sites:
        # A page belongs to the site of the URL row it was fetched as, else of its article.
        marks = ",".join("?" * len(sites))
        where.append(
            f"coalesce((SELECT u.site FROM urls u WHERE u.fetched_url = p.url LIMIT 1),"
            f" (SELECT a.site FROM articles a WHERE a.id = p.article_id)) IN ({marks})"
        )
        args += list(sites)
    if since:
        where.append("p.fetched_at >= ?")
        args.append(since)
    return (" WHERE " + " AND ".join(where)) if where else "", args


def iter_raw_pages(
    db: sqlite_utils.Database,
    *,
    sites: Sequence[str] | None = None,
    since: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Stored raw pages in fetch order (``pages.id``): ``id``, ``url``, ``article_id``,
    ``fetched_at``, ``status``, ``headers`` (dict) and ``html`` (bytes, decompressed)."""
    where, args = _page_filters(sites, since)
    sql = (
        "SELECT p.id, p.url, p.article_id, p.fetched_at, p.status, p.headers, p.codec, p.html"
        f" FROM pages p{where} ORDER BY p.id"
    )
    for row in db.query(sql, args):
        page = dict(row)
        page["html"] = decompress_html(page.pop("html"), page.pop("codec"))
        page["headers"] = json.loads(page["headers"] or "{}")
        yield page


def count_raw_pages(
    db: sqlite_utils.Database, *, sites: Sequence[str] | None = None, since: str | None = None
) -> int:
    where, args = _page_filters(sites, since)
    row = db.execute(f"SELECT count(*) FROM pages p{where}", args).fetchone()
    return int(row[0]) if row else 0
