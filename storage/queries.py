"""Named writes and reads on the newscrawl schema. Plain data in and out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import sqlite_utils

from storage.articles import (
    insert_article,
    insert_signature,
    is_same_article,
    near_duplicate,
    new_version,
    replace_article_fields,
    should_replace,
)
from storage.pages import DEFAULT_CODEC, compress_html, decompress_html, sha1
from storage.recheck import (
    EVERY_RUN_LISTINGS,
    RecheckPolicy,
    RevisitPolicy,
    later,
    next_check,
    next_interval,
    parse_http_date,
    parse_time,
)
from storage.records import Outcome, PageRecord, StoreResult, utcnow

__all__ = [
    "start_run", "finish_run", "mark_interrupted_runs", "record_failure", "record_discovery", "record_not_modified",
    "store_page", "is_known_article_url", "recheck_state", "listing_state", "page_html", "article_url_keys",
    "failures_by_reason", "record_site_counts", "record_signal", "record_document", "document_state",
    "document_copy", "record_listing_not_modified",
]

# What wrote a run (crawl_runs.kind).
RUN_KINDS = ("crawl", "import-warc", "reextract", "writer")


def start_run(
    db: sqlite_utils.Database, command: dict[str, Any], *, kind: str = "crawl", extractor: str | None = None
) -> int:
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}")
    with db.atomic():
        cur = db.execute(
            "INSERT INTO crawl_runs (started, status, command, kind, extractor) VALUES (?, 'running', ?, ?, ?)",
            [utcnow(), json.dumps(command, default=str), kind, extractor],
        )
    return int(cur.lastrowid or 0)


def mark_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Runs still ``running`` when a new run holds the lock were killed."""
    with db.atomic():
        cur = db.execute(
            "UPDATE crawl_runs SET status = 'interrupted', finished = coalesce(finished, ?) WHERE status = 'running'",
            [utcnow()],
        )
    return int(cur.rowcount or 0)


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
    outcome: Outcome,
    reason: str | None,
    article_id: int | None,
    fetched_at: str,
    run_id: int | None,
    source: str | None,
    found_on: str | None,
    discovery: dict[str, Any] | None,
    signals: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
) -> None:
    state = state or {}
    db.execute(
        """
        INSERT INTO urls (url, fetched_url, site, first_seen, last_fetched, status, outcome, reason,
                          article_id, fetch_count, source, found_on, discovery, run_id, signals,
                          etag, last_modified, content_hash, next_check,
                          signal_modified, listing, links_hash, revisit_interval, next_visit)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
            signals = coalesce(excluded.signals, urls.signals),
            -- a fetch that failed, or found no article (a paywall, an error page), keeps
            -- the stored article's validators and re-check time: it is tried again
            etag = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped', 'not_article')
                        THEN urls.etag ELSE excluded.etag END,
            last_modified = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped', 'not_article')
                                 THEN urls.last_modified ELSE excluded.last_modified END,
            content_hash = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped', 'not_article')
                                THEN urls.content_hash ELSE coalesce(excluded.content_hash, urls.content_hash) END,
            next_check = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped', 'not_article')
                              THEN urls.next_check ELSE excluded.next_check END,
            -- the edit signal the page was fetched under; kept when this fetch gave no page
            signal_modified = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped', 'not_article')
                                   THEN urls.signal_modified
                                   ELSE coalesce(excluded.signal_modified, urls.signal_modified) END,
            -- a listing's revisit state moves only when it was fetched and read
            listing = coalesce(excluded.listing, urls.listing),
            links_hash = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped')
                              THEN urls.links_hash ELSE coalesce(excluded.links_hash, urls.links_hash) END,
            revisit_interval = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped')
                                    THEN urls.revisit_interval ELSE excluded.revisit_interval END,
            next_visit = CASE WHEN excluded.outcome IN ('failed', 'blocked', 'skipped')
                              THEN urls.next_visit ELSE excluded.next_visit END
        """,
        [
            url_key, fetched_url, site, fetched_at, fetched_at, status, outcome, reason,
            article_id, source, found_on,
            json.dumps(discovery, sort_keys=True) if discovery else None, run_id,
            json.dumps(signals, sort_keys=True, default=str) if signals else None,
            state.get("etag"), state.get("last_modified"), state.get("content_hash"), state.get("next_check"),
            state.get("signal_modified"), state.get("listing"), state.get("links_hash"),
            state.get("revisit_interval"), state.get("next_visit"),
        ],
    )


def record_failure(
    db: sqlite_utils.Database,
    *,
    url_key: str,
    fetched_url: str | None,
    site: str,
    reason: str,
    outcome: Outcome = Outcome.FAILED,
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


def _header(headers: dict[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


def _next_check(db: sqlite_utils.Database, rec: PageRecord, article_id: int | None) -> str | None:
    if rec.recheck is None or article_id is None:
        return None
    published, first_seen = db.execute(
        "SELECT published, first_seen FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return next_check(rec.recheck, published=published, first_seen=first_seen, now=datetime.now(timezone.utc))


def _revisit_state(
    db: sqlite_utils.Database, url_key: str, listing: str | None, links: str | None,
    revisit: RevisitPolicy | None, fetched_at: str,
) -> dict[str, Any]:
    """A listing page's revisit state after this visit: every run for homepages and
    section fronts; else an interval that resets to the minimum when its same-site
    links changed since the last visit (or on its first) and doubles when they did not."""
    if listing is None:
        return {}
    state: dict[str, Any] = {"listing": listing, "links_hash": links}
    if revisit is None or listing in EVERY_RUN_LISTINGS:
        return state
    row = db.execute("SELECT links_hash, revisit_interval FROM urls WHERE url = ?", [url_key]).fetchone()
    previous = row[1] if row is not None else None
    changed = row is None or (links is not None and links != row[0])
    interval = next_interval(revisit, previous, changed)
    fetched = parse_time(fetched_at) or datetime.now(timezone.utc)
    state["revisit_interval"] = int(interval)
    state["next_visit"] = (fetched + timedelta(seconds=interval)).isoformat(timespec="seconds")
    return state


def record_listing_not_modified(
    db: sqlite_utils.Database, *, url_key: str, status: int, listing: str, links_hash: str | None,
    revisit: RevisitPolicy | None = None, run_id: int | None = None, fetched_at: str | None = None,
) -> None:
    """A listing page that answered a conditional GET with 304 (and was read from
    its stored copy): its fetch and revisit state move on; it stays ``not_article``."""
    fetched_at = fetched_at or utcnow()
    with db.atomic():
        state = _revisit_state(db, url_key, listing, links_hash, revisit, fetched_at)
        db.execute(
            """
            UPDATE urls SET last_fetched = ?, status = ?, fetch_count = fetch_count + 1, run_id = ?,
                listing = ?, links_hash = coalesce(?, links_hash), revisit_interval = ?, next_visit = ?
            WHERE url = ?
            """,
            [fetched_at, status, run_id, listing, links_hash, state.get("revisit_interval"),
             state.get("next_visit"), url_key],
        )


def record_document(
    db: sqlite_utils.Database, *, url_key: str, fetched_url: str, kind: str, site: str | None,
    headers: dict[str, str], body: bytes, fetched_at: str | None = None, run_id: int | None = None,
) -> bool:
    """Keep the last copy of a robots.txt, sitemap, feed or listing page whose server
    gave validators (ETag / Last-Modified), for the next run's conditional GET.
    False (nothing kept) without validators."""
    etag, last_modified = _header(headers, "etag"), _header(headers, "last-modified")
    if not (etag or last_modified):
        db.execute("DELETE FROM documents WHERE url = ?", [url_key])
        return False
    db.execute(
        """
        INSERT OR REPLACE INTO documents (url, fetched_url, kind, site, fetched_at, etag, last_modified,
                                          content_type, codec, body, size, run_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [url_key, fetched_url, kind, site, fetched_at or utcnow(), etag, last_modified,
         _header(headers, "content-type"), DOCUMENT_CODEC, compress_html(body, DOCUMENT_CODEC), len(body), run_id],
    )
    return True


# zlib: documents are rewritten on every change, sitemaps can be large: speed over size
DOCUMENT_CODEC = "zlib"


def document_state(db: sqlite_utils.Database, url_key: str) -> dict[str, Any] | None:
    """The validators of a stored document (``documents``); None when there is none."""
    row = db.execute("SELECT etag, last_modified FROM documents WHERE url = ?", [url_key]).fetchone()
    return {"etag": row[0], "last_modified": row[1]} if row is not None else None


def document_copy(db: sqlite_utils.Database, url_key: str) -> tuple[bytes, str | None] | None:
    """A stored document's body and Content-Type; None when there is none."""
    row = db.execute("SELECT codec, body, content_type FROM documents WHERE url = ?", [url_key]).fetchone()
    return (decompress_html(row[1], row[0]), row[2]) if row is not None else None


def store_page(db: sqlite_utils.Database, rec: PageRecord) -> StoreResult:
    """Store one fetched page in one transaction (a savepoint inside a batch).

    Not an article: only its ``urls`` row. An article: when one of its URL keys
    is known, ``updated`` if this is the article's own page and its title or
    text changed (the old text becomes a version), else ``duplicate_url``; when
    its text is known or near-identical, ``duplicate_text`` (a syndicated
    copy); else ``new`` (grouped with a similar story if there is one). All its
    URL keys go to ``article_urls``, its raw HTML to ``pages``, and its fetch
    state (ETag, Last-Modified, content hash, next re-check) to ``urls``.
    """
    ex = rec.extraction
    state: dict[str, Any] = {
        "etag": _header(rec.headers, "etag"),
        "last_modified": _header(rec.headers, "last-modified"),
        "content_hash": sha1(rec.html),
        "signal_modified": rec.signal_modified,
    }
    url_args = dict(
        url_key=rec.url_key, fetched_url=rec.fetched_url, site=rec.site, status=rec.status,
        fetched_at=rec.fetched_at, run_id=rec.run_id, source=rec.source, found_on=rec.found_on,
        discovery=rec.discovery, signals=ex.signals,
    )
    with db.atomic():
        if not ex.is_article:
            state.update(_revisit_state(db, rec.url_key, rec.listing, rec.links_hash, rec.revisit, rec.fetched_at))
            if rec.listing is not None:
                record_document(db, url_key=rec.url_key, fetched_url=rec.fetched_url, kind="listing", site=rec.site,
                                headers=rec.headers, body=rec.html, fetched_at=rec.fetched_at, run_id=rec.run_id)
            _upsert_url(db, outcome=Outcome.NOT_ARTICLE, reason=ex.reason, article_id=None, state=state, **url_args)
            return StoreResult(Outcome.NOT_ARTICLE, None)
        keys = list(dict.fromkeys([rec.article_key, rec.url_key, *rec.alias_keys]))
        marks = ",".join("?" * len(keys))
        row = db.execute(f"SELECT article_id FROM article_urls WHERE url IN ({marks}) LIMIT 1", keys).fetchone()
        reason: str | None = ex.reason
        near: float | None = None
        outcome: Outcome
        if row:
            article_id = int(row[0])
            changed = new_version(db, article_id, rec)
            outcome = Outcome.UPDATED if changed else Outcome.DUPLICATE_URL
            if changed:
                reason = f"changed: {', '.join(changed)}"
        else:
            row = db.execute("SELECT id FROM articles WHERE body_hash = ?", [rec.body_key]).fetchone()
            match = (int(row[0]), 1.0, None) if row else near_duplicate(db, rec.signature)
            if match is not None and is_same_article(match):
                outcome, article_id, near = Outcome.DUPLICATE_TEXT, match[0], match[1]
                if near < 1.0:
                    reason = f"near-identical text (similarity {near:.2f}) to article {article_id}"
            else:
                story = (match[2] or match[0]) if match else None
                outcome, article_id = Outcome.NEW, insert_article(db, rec, story_id=story)
                insert_signature(db, article_id, rec.signature)
        for key in keys:
            if outcome == Outcome.NEW and key == rec.article_key:
                relation = "canonical"
            elif outcome == Outcome.DUPLICATE_TEXT and key == rec.article_key:
                relation = "duplicate"
            else:
                relation = "variant"
            db.execute(
                "INSERT OR IGNORE INTO article_urls (url, article_id, relation, site, first_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                [key, article_id, relation, rec.site, rec.fetched_at],
            )
        if outcome.is_duplicate and should_replace(db, article_id, rec, outcome):
            replace_article_fields(db, article_id, rec)
        if outcome != Outcome.NEW:
            db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [rec.fetched_at, article_id])
        page_codec, blob = rec.compressed or (DEFAULT_CODEC, compress_html(rec.html, DEFAULT_CODEC))
        db.execute(
            """
            INSERT INTO pages (url, article_id, fetched_at, status, headers, codec, html, size, sha1, run_id,
                               rendered)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                rec.fetched_url, article_id, rec.fetched_at, rec.status,
                json.dumps(rec.headers, sort_keys=True), page_codec, blob,
                len(rec.html), state["content_hash"], rec.run_id, rec.rendered,
            ],
        )
        state["next_check"] = _next_check(db, rec, article_id)
        _upsert_url(db, outcome=outcome, reason=reason, article_id=article_id, state=state, **url_args)
    return StoreResult(outcome, article_id, near)


def record_not_modified(
    db: sqlite_utils.Database,
    *,
    url_key: str,
    fetched_url: str,
    status: int,
    reason: str,
    recheck: RecheckPolicy | None = None,
    run_id: int | None = None,
    headers: dict[str, str] | None = None,
    signal_modified: str | None = None,
) -> None:
    """A re-check that found the page unchanged (HTTP 304, or the same bytes):
    no extraction, no page stored; only the URL's fetch state moves on (and the
    edit signal it was checked under is recorded)."""
    now = utcnow()
    with db.atomic():
        row = db.execute(
            "SELECT u.article_id, a.published, a.first_seen FROM urls u LEFT JOIN articles a ON a.id = u.article_id"
            " WHERE u.url = ?",
            [url_key],
        ).fetchone()
        when = None
        if row is not None and recheck is not None and row[0] is not None:
            when = next_check(recheck, published=row[1], first_seen=row[2], now=datetime.now(timezone.utc))
        etag = _header(headers or {}, "etag")
        db.execute(
            """
            UPDATE urls SET last_fetched = ?, status = ?, outcome = 'not_modified', reason = ?,
                fetch_count = fetch_count + 1, run_id = ?, next_check = ?, etag = coalesce(?, etag),
                signal_modified = coalesce(?, signal_modified)
            WHERE url = ?
            """,
            [now, status, reason, run_id, when, etag, signal_modified, url_key],
        )
        if row is not None and row[0] is not None:
            db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, row[0]])


def record_signal(
    db: sqlite_utils.Database, *, url_key: str, signal_modified: str | None, signal_lastmod: str | None,
    run_id: int | None = None,
) -> None:
    """The edit signal the site gave for a page stored in this run (``run_id``), learnt
    after it was stored: kept on its ``urls`` row, and as the article's ``modified``
    when the page gave none."""
    with db.atomic():
        row = db.execute(
            "SELECT article_id FROM urls WHERE url = ? AND run_id IS ? AND article_id IS NOT NULL"
            " AND outcome IN ('new', 'updated', 'not_modified', 'duplicate_url')",
            [url_key, run_id],
        ).fetchone()
        if row is None:
            return
        db.execute("UPDATE urls SET signal_modified = ? WHERE url = ?", [signal_modified, url_key])
        if signal_lastmod:
            db.execute("UPDATE articles SET modified = coalesce(modified, ?) WHERE id = ? AND page_key = ?",
                       [signal_lastmod, row[0], url_key])


def recheck_state(db: sqlite_utils.Database, url_key: str) -> dict[str, Any] | None:
    """For a URL key that names a stored article: whether it is due for a
    re-check, and what a conditional GET needs. None for an unknown URL."""
    row = db.execute(
        """
        SELECT u.next_check, u.etag, u.last_modified, u.content_hash, u.signal_modified, a.modified, a.published
        FROM article_urls au LEFT JOIN urls u ON u.url = au.url LEFT JOIN articles a ON a.id = au.article_id
        WHERE au.url = ?
        """,
        [url_key],
    ).fetchone()
    if row is None:
        return None
    next_at, etag, last_modified, content_hash, signal, modified, published = row
    return {
        "due": next_at is not None and next_at <= utcnow(),
        "etag": etag, "last_modified": last_modified, "content_hash": content_hash,
        # how recent the stored copy is, by the site's own clock: the latest of what its
        # sitemaps/feeds said when it was fetched, the page's dateModified (or published
        # date) and its HTTP Last-Modified. A newer sitemap/feed date means re-check it.
        "signal": later(later(signal, modified or published), http_date(last_modified)),
    }


def http_date(value: str | None) -> str | None:
    """An HTTP date (``Last-Modified``) as ISO 8601; None when absent or unreadable."""
    when = parse_http_date(value)
    return when.isoformat() if when else None


def listing_state(db: sqlite_utils.Database, url_key: str) -> dict[str, Any] | None:
    """For a URL fetched as a listing page with a revisit interval: when it is due
    next (``due``) and its interval. None when it has none (never fetched, an
    article, a failure, a page fetched every run)."""
    row = db.execute(
        "SELECT next_visit, revisit_interval, listing FROM urls WHERE url = ? AND next_visit IS NOT NULL",
        [url_key],
    ).fetchone()
    if row is None:
        return None
    return {"due": row[0] <= utcnow(), "next_visit": row[0], "interval": row[1], "listing": row[2]}


SITE_COUNTS = ("discovered", "fetched", "not_modified", "new", "updated", "duplicates", "failed", "blocked",
               "article_requests", "listing_requests", "discovery_requests", "listings_not_due")


def record_site_counts(db: sqlite_utils.Database, run_id: int, counts: dict[str, dict[str, int]]) -> None:
    """Per-site counts of a run: ``{site: {"new": 3, "fetched": 10, ...}}``."""
    with db.atomic():
        for site, c in counts.items():
            db.execute(
                f"INSERT OR REPLACE INTO crawl_run_sites (run_id, site, {', '.join(SITE_COUNTS)})"
                f" VALUES (?, ?, {', '.join('?' * len(SITE_COUNTS))})",
                [run_id, site, *(int(c.get(k, 0)) for k in SITE_COUNTS)],
            )


def is_known_article_url(db: sqlite_utils.Database, url_key: str) -> bool:
    return db.execute("SELECT 1 FROM article_urls WHERE url = ?", [url_key]).fetchone() is not None


def page_html(db: sqlite_utils.Database, page_id: int) -> bytes:
    row = db.execute("SELECT codec, html FROM pages WHERE id = ?", [page_id]).fetchone()
    if row is None:
        raise KeyError(page_id)
    return decompress_html(row[1], row[0])


def article_url_keys(db: sqlite_utils.Database) -> Iterator[str]:
    """Every URL key that names a stored article."""
    for (url,) in db.execute("SELECT url FROM article_urls"):
        yield url


def failures_by_reason(db: sqlite_utils.Database, run_id: int | None = None) -> list[tuple[str, int]]:
    sql = "SELECT reason, count(*) FROM urls WHERE outcome IN ('failed', 'blocked', 'skipped')"
    args: list[Any] = []
    if run_id is not None:
        sql += " AND run_id = ?"
        args.append(run_id)
    sql += " GROUP BY reason ORDER BY count(*) DESC"
    return [(r[0], int(r[1])) for r in db.execute(sql, args).fetchall()]
