"""Named writes and reads on the newscrawl schema. Plain data in and out."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

import sqlite_utils

from storage.neardup import similarity, unpack
from storage.pages import DEFAULT_CODEC, compress_html, decompress_html, sha1

# Outcomes recorded in urls.outcome (and counted by the pipelines).
NEW = "new"
DUPLICATE_URL = "duplicate_url"
DUPLICATE_TEXT = "duplicate_text"
NOT_ARTICLE = "not_article"
FAILED = "failed"
SKIPPED = "skipped"
BLOCKED = "blocked"

# Estimated Jaccard similarity of 5-word shingles from which two texts are one
# article (a syndicated copy with another standfirst or sign-off line).
NEAR_DUPLICATE_THRESHOLD = 0.8


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_WS = re.compile(r"\s+")


def text_hash(body: str) -> str:
    """Hash of the body with whitespace folded and case ignored: the exact-duplicate key."""
    folded = _WS.sub(" ", body).strip().casefold()
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()


@dataclass
class PageRecord:
    """One fetched page and what extraction said of it."""

    url_key: str  # canonical key of the fetched URL
    fetched_url: str
    site: str
    status: int
    html: bytes
    extracted: dict[str, Any]
    article_key: str  # canonical key the article is stored under (rel=canonical or url_key)
    alias_keys: list[str] = field(default_factory=list)  # other keys naming the same page
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = field(default_factory=utcnow)
    run_id: int | None = None
    source: str | None = None
    found_on: str | None = None
    discovery: dict[str, Any] | None = None
    signature: dict[str, Any] | None = None  # storage.neardup.text_signature(body)


@dataclass
class StoreResult:
    outcome: str
    article_id: int | None
    similarity: float | None = None  # for a near-identical duplicate_text


def start_run(db: sqlite_utils.Database, command: dict[str, Any]) -> int:
    with db.atomic():
        cur = db.execute(
            "INSERT INTO crawl_runs (started, status, command) VALUES (?, 'running', ?)",
            [utcnow(), json.dumps(command, default=str)],
        )
    return int(cur.lastrowid or 0)


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, stats: dict[str, Any]) -> None:
    with db.atomic():
        db.execute(
            "UPDATE crawl_runs SET finished = ?, status = ?, stats = ? WHERE id = ?",
            [utcnow(), status, json.dumps(stats, default=str, sort_keys=True), run_id],
        )


def _upsert_url(
    db: sqlite_utils.Database,
    *,
    url_key: str,
    fetched_url: str | None,
    site: str,
    status: int | None,
    outcome: str,
    reason: str | None,
    article_id: int | None,
    fetched_at: str,
    run_id: int | None,
    source: str | None,
    found_on: str | None,
    discovery: dict[str, Any] | None,
    signals: dict[str, Any] | None = None,
) -> None:
    db.execute(
        """
        INSERT INTO urls (url, fetched_url, site, first_seen, last_fetched, status, outcome, reason,
                          article_id, fetch_count, source, found_on, discovery, run_id, signals)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
        ON CONFLICT(url) DO UPDATE SET
            fetched_url = excluded.fetched_url,
            last_fetched = excluded.last_fetched,
            status = excluded.status,
            outcome = excluded.outcome,
            reason = excluded.reason,
            article_id = coalesce(excluded.article_id, urls.article_id),
            fetch_count = urls.fetch_count + 1,
            source = CASE WHEN excluded.source IN ('news-sitemap', 'rss', 'atom', 'jsonfeed')
                               AND coalesce(urls.source, '') NOT IN ('news-sitemap', 'rss', 'atom', 'jsonfeed')
                          THEN excluded.source ELSE coalesce(urls.source, excluded.source) END,
            found_on = coalesce(urls.found_on, excluded.found_on),
            discovery = CASE WHEN urls.discovery IS NULL THEN excluded.discovery
                             WHEN excluded.discovery IS NULL THEN urls.discovery
                             ELSE json_patch(urls.discovery, excluded.discovery) END,
            run_id = excluded.run_id,
            signals = excluded.signals
        """,
        [
            url_key, fetched_url, site, fetched_at, fetched_at, status, outcome, reason,
            article_id, source, found_on,
            json.dumps(discovery, sort_keys=True) if discovery else None, run_id,
            json.dumps(signals, sort_keys=True, default=str) if signals else None,
        ],
    )


def record_failure(
    db: sqlite_utils.Database,
    *,
    url_key: str,
    fetched_url: str | None,
    site: str,
    reason: str,
    outcome: str = FAILED,
    status: int | None = None,
    run_id: int | None = None,
    source: str | None = None,
    found_on: str | None = None,
    discovery: dict[str, Any] | None = None,
    fetched_at: str | None = None,
) -> None:
    """A URL that produced no article: fetch error, HTTP error, refused, not HTML."""
    with db.atomic():
        _upsert_url(
            db, url_key=url_key, fetched_url=fetched_url, site=site, status=status,
            outcome=outcome, reason=reason, article_id=None, fetched_at=fetched_at or utcnow(),
            run_id=run_id, source=source, found_on=found_on, discovery=discovery,
        )


def record_discovery(
    db: sqlite_utils.Database,
    *,
    url_key: str,
    site: str,
    source: str,
    discovery: dict[str, Any],
    found_on: str | None = None,
    run_id: int | None = None,
) -> None:
    """What a sitemap or feed said of a URL, merged into its ``urls`` row (a new
    row has outcome ``discovered`` until the URL is fetched)."""
    now = utcnow()
    with db.atomic():
        db.execute(
            """
            INSERT INTO urls (url, site, first_seen, outcome, source, found_on, discovery, run_id)
            VALUES (?, ?, ?, 'discovered', ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                source = CASE WHEN coalesce(urls.source, '') NOT IN ('news-sitemap', 'rss', 'atom', 'jsonfeed')
                              THEN excluded.source ELSE urls.source END,
                found_on = coalesce(urls.found_on, excluded.found_on),
                discovery = json_patch(coalesce(urls.discovery, '{}'), excluded.discovery)
            """,
            [url_key, site, now, source, found_on, json.dumps(discovery, sort_keys=True), run_id],
        )


def _insert_article(db: sqlite_utils.Database, rec: PageRecord, body_hash: str) -> int:
    ex = rec.extracted
    body = ex.get("body") or ""
    cur = db.execute(
        """
        INSERT INTO articles (url, site, site_name, title, authors, published, body, language,
                              description, tags, image, word_count, body_hash, extractor,
                              first_seen, last_seen, run_id, page_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            rec.article_key, rec.site, ex.get("site"), ex.get("title"),
            json.dumps(list(ex.get("authors") or []), ensure_ascii=False), ex.get("published"),
            body, ex.get("language"), ex.get("description"),
            json.dumps(list(ex.get("tags") or []), ensure_ascii=False), ex.get("image"),
            len(body.split()), body_hash, ex.get("extractor"), rec.fetched_at, rec.fetched_at,
            rec.run_id, rec.url_key,
        ],
    )
    return int(cur.lastrowid or 0)


_ARTICLE_FIELDS = ("title", "authors", "published", "body", "language", "description", "tags", "image")


def _article_values(rec: PageRecord) -> dict[str, Any]:
    ex = rec.extracted
    body = ex.get("body") or ""
    return {
        "site": rec.site, "site_name": ex.get("site"), "title": ex.get("title"),
        "authors": json.dumps(list(ex.get("authors") or []), ensure_ascii=False),
        "published": ex.get("published"), "body": body, "language": ex.get("language"),
        "description": ex.get("description"),
        "tags": json.dumps(list(ex.get("tags") or []), ensure_ascii=False), "image": ex.get("image"),
        "word_count": len(body.split()), "body_hash": text_hash(body), "extractor": ex.get("extractor"),
        "page_key": rec.url_key,
    }


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _should_replace(db: sqlite_utils.Database, article_id: int, rec: PageRecord, outcome: str) -> bool:
    """Whether this page, rather than the one the article's fields came from,
    is the article's own: its ``rel=canonical`` page, or an earlier-published
    original of a syndicated copy that happened to be stored first."""
    if rec.url_key != rec.article_key:
        return False  # this page itself points elsewhere
    url, page_key, published = db.execute(
        "SELECT url, page_key, published FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if page_key == rec.url_key:
        return False
    if outcome == DUPLICATE_URL:
        return bool(url == rec.url_key)
    mine, theirs = _parse_time(rec.extracted.get("published")), _parse_time(published)
    return mine is not None and theirs is not None and mine < theirs


def _replace_article_fields(db: sqlite_utils.Database, article_id: int, rec: PageRecord) -> None:
    values = _article_values(rec)
    clash = db.execute(
        "SELECT 1 FROM articles WHERE body_hash = ? AND id != ?", [values["body_hash"], article_id]
    ).fetchone()
    if clash:
        values.pop("body_hash")  # keep the old hash rather than break uniqueness
    if rec.url_key != db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]:
        if db.execute("SELECT 1 FROM articles WHERE url = ?", [rec.url_key]).fetchone() is None:
            db.execute(
                "UPDATE article_urls SET relation = 'duplicate' WHERE article_id = ? AND relation = 'canonical'",
                [article_id],
            )
            values["url"] = rec.url_key
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*values.values(), article_id])
    if "url" in values:
        db.execute(
            "INSERT INTO article_urls (url, article_id, relation, site, first_seen) VALUES (?, ?, 'canonical', ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET relation = 'canonical'",
            [rec.url_key, article_id, rec.site, rec.fetched_at],
        )
    if rec.signature:
        db.execute("DELETE FROM minhash_bands WHERE article_id = ?", [article_id])
        db.execute("DELETE FROM article_signatures WHERE article_id = ?", [article_id])
        _insert_signature(db, article_id, rec.signature)


def store_page(db: sqlite_utils.Database, rec: PageRecord, *, codec: str = DEFAULT_CODEC) -> StoreResult:
    """Store one fetched page in one transaction.

    Not an article: only its ``urls`` row. An article: linked to an existing
    article when any of its URL keys is known (``duplicate_url``) or its text is
    (``duplicate_text``, e.g. a syndicated copy), else inserted (``new``). All
    its URL keys are recorded in ``article_urls`` and its raw HTML in ``pages``.
    """
    ex = rec.extracted
    with db.atomic():
        if not ex.get("is_article"):
            _upsert_url(
                db, url_key=rec.url_key, fetched_url=rec.fetched_url, site=rec.site,
                status=rec.status, outcome=NOT_ARTICLE, reason=ex.get("reason"), article_id=None,
                fetched_at=rec.fetched_at, run_id=rec.run_id, source=rec.source,
                found_on=rec.found_on, discovery=rec.discovery, signals=ex.get("signals"),
            )
            return StoreResult(NOT_ARTICLE, None)
        keys = list(dict.fromkeys([rec.article_key, rec.url_key, *rec.alias_keys]))
        marks = ",".join("?" * len(keys))
        row = db.execute(
            f"SELECT article_id FROM article_urls WHERE url IN ({marks}) LIMIT 1", keys
        ).fetchone()
        reason = ex.get("reason")
        near: float | None = None
        if row:
            outcome, article_id = DUPLICATE_URL, int(row[0])
        else:
            body_hash = text_hash(ex.get("body") or "")
            row = db.execute("SELECT id FROM articles WHERE body_hash = ?", [body_hash]).fetchone()
            match = (int(row[0]), 1.0) if row else _near_duplicate(db, rec.signature)
            if match:
                outcome, (article_id, near) = DUPLICATE_TEXT, match
                if near < 1.0:
                    reason = f"near-identical text (similarity {near:.2f}) to article {article_id}"
            else:
                outcome, article_id = NEW, _insert_article(db, rec, body_hash)
                _insert_signature(db, article_id, rec.signature)
        for key in keys:
            if outcome == NEW and key == rec.article_key:
                relation = "canonical"
            elif outcome == DUPLICATE_TEXT and key == rec.article_key:
                relation = "duplicate"
            else:
                relation = "variant"
            db.execute(
                "INSERT OR IGNORE INTO article_urls (url, article_id, relation, site, first_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                [key, article_id, relation, rec.site, rec.fetched_at],
            )
        if outcome != NEW:
            if _should_replace(db, article_id, rec, outcome):
                _replace_article_fields(db, article_id, rec)
            db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [rec.fetched_at, article_id])
        db.execute(
            """
            INSERT INTO pages (url, article_id, fetched_at, status, headers, codec, html, size, sha1, run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                rec.fetched_url, article_id, rec.fetched_at, rec.status,
                json.dumps(rec.headers, sort_keys=True), codec, compress_html(rec.html, codec),
                len(rec.html), sha1(rec.html), rec.run_id,
            ],
        )
        _upsert_url(
            db, url_key=rec.url_key, fetched_url=rec.fetched_url, site=rec.site, status=rec.status,
            outcome=outcome, reason=reason, article_id=article_id,
            fetched_at=rec.fetched_at, run_id=rec.run_id, source=rec.source,
            found_on=rec.found_on, discovery=rec.discovery, signals=ex.get("signals"),
        )
    return StoreResult(outcome, article_id, near)


def _near_duplicate(db: sqlite_utils.Database, signature: dict[str, Any] | None) -> tuple[int, float] | None:
    """The most similar stored article at or above the threshold, via LSH bands."""
    if not signature:
        return None
    bands = signature["bands"]
    clauses = " OR ".join("(band = ? AND key = ?)" for _ in bands)
    args = [v for i, key in enumerate(bands) for v in (i, key)]
    candidates = db.execute(
        f"SELECT s.article_id, s.minhash FROM article_signatures s WHERE s.article_id IN"
        f" (SELECT DISTINCT article_id FROM minhash_bands WHERE {clauses})",
        args,
    ).fetchall()
    sig = unpack(signature["minhash"])
    best: tuple[int, float] | None = None
    for article_id, blob in candidates:
        sim = similarity(sig, unpack(blob))
        if sim >= NEAR_DUPLICATE_THRESHOLD and (best is None or sim > best[1]):
            best = (int(article_id), sim)
    return best


def _insert_signature(db: sqlite_utils.Database, article_id: int, signature: dict[str, Any] | None) -> None:
    if not signature:
        return
    db.execute(
        "INSERT INTO article_signatures (article_id, shingles, minhash) VALUES (?, ?, ?)",
        [article_id, signature["shingles"], signature["minhash"]],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
        [(i, key, article_id) for i, key in enumerate(signature["bands"])],
    )


def is_known_article_url(db: sqlite_utils.Database, url_key: str) -> bool:
    return db.execute("SELECT 1 FROM article_urls WHERE url = ?", [url_key]).fetchone() is not None


def page_html(db: sqlite_utils.Database, page_id: int) -> bytes:
    row = db.execute("SELECT codec, html FROM pages WHERE id = ?", [page_id]).fetchone()
    if row is None:
        raise KeyError(page_id)
    return decompress_html(row[1], row[0])


def iter_pages(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Stored raw pages with their HTML decompressed, oldest first."""
    for row in db.query("SELECT id, url, article_id, fetched_at, status, headers, codec, html FROM pages ORDER BY id"):
        row = dict(row)
        row["html"] = decompress_html(row.pop("html"), row.pop("codec"))
        row["headers"] = json.loads(row["headers"] or "{}")
        yield row


def failures_by_reason(db: sqlite_utils.Database, run_id: int | None = None) -> list[tuple[str, int]]:
    sql = "SELECT reason, count(*) FROM urls WHERE outcome IN ('failed', 'blocked', 'skipped')"
    args: list[Any] = []
    if run_id is not None:
        sql += " AND run_id = ?"
        args.append(run_id)
    sql += " GROUP BY reason ORDER BY count(*) DESC"
    return [(r[0], int(r[1])) for r in db.execute(sql, args).fetchall()]
