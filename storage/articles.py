"""Writes to an article row: insert, replace by the original's page, new
versions, near-duplicate signatures. Called inside store_page's transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from storage.neardup import BAND_BYTES, Signature, band_key, changed_bands, similarity, unpack
from storage.recheck import parse_time
from storage.records import (
    NEAR_DUPLICATE_THRESHOLD,
    SAME_STORY_THRESHOLD,
    Outcome,
    PageRecord,
    text_hash,
)

# Fields whose change makes a new version (the others are refreshed silently).
VERSIONED_FIELDS = ("title", "body")
COMPARED_FIELDS = ("title", "body", "authors", "published", "modified", "description", "tags", "image", "language",
                   "section", "paywalled", "images")
# What the same text's page may say differently without a new version: refreshed in place.
REFRESHED_FIELDS = ("body_html", "images", "section", "paywalled")


def paywall_flag(value: bool | None) -> int | None:
    """``articles.paywalled``: 1, 0, or NULL when the page says nothing."""
    return None if value is None else int(bool(value))


def article_values(rec: PageRecord) -> dict[str, Any]:
    ex = rec.extraction
    body = ex.body or ""
    return {
        "site": rec.site, "site_name": ex.site, "title": ex.title,
        "authors": json.dumps(list(ex.authors or []), ensure_ascii=False),
        "published": ex.published, "body": body, "language": ex.language,
        # the page's dateModified, else what the sitemap/feed said when it was fetched
        "modified": getattr(ex, "modified", None) or rec.signal_lastmod,
        "description": ex.description,
        "tags": json.dumps(list(ex.tags or []), ensure_ascii=False), "image": ex.image,
        "images": json.dumps(list(getattr(ex, "images", None) or []), ensure_ascii=False),
        "body_html": getattr(ex, "body_html", "") or "",
        "section": getattr(ex, "section", None), "paywalled": paywall_flag(getattr(ex, "paywalled", None)),
        "word_count": len(body.split()), "body_hash": rec.body_key, "extractor": ex.extractor,
        "page_key": rec.url_key,
    }


def insert_article(db: sqlite_utils.Database, rec: PageRecord, story_id: int | None = None) -> int:
    values = article_values(rec)
    values.update(url=rec.article_key, first_seen=rec.fetched_at, last_seen=rec.fetched_at,
                  run_id=rec.run_id, story_id=story_id)
    cols = ", ".join(values)
    cur = db.execute(f"INSERT INTO articles ({cols}) VALUES ({', '.join('?' * len(values))})", list(values.values()))
    article_id = int(cur.lastrowid or 0)
    if story_id is not None:
        db.execute("UPDATE articles SET story_id = ? WHERE id = ? AND story_id IS NULL", [story_id, story_id])
    return article_id


def body_holder(db: sqlite_utils.Database, body_hash: str, article_id: int) -> int | None:
    """Another article already holding this body hash (the UNIQUE constraint)."""
    row = db.execute(
        "SELECT id FROM articles WHERE body_hash = ? AND id != ?", [body_hash, article_id]
    ).fetchone()
    return int(row[0]) if row else None


def _without_hash_clash(db: sqlite_utils.Database, article_id: int, values: dict[str, Any]) -> dict[str, Any]:
    if body_holder(db, values["body_hash"], article_id) is not None:
        values.pop("body_hash")  # keep the old hash rather than break uniqueness
    return values


def should_replace(db: sqlite_utils.Database, article_id: int, rec: PageRecord, outcome: Outcome) -> bool:
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
    if outcome == Outcome.DUPLICATE_URL:
        return bool(url == rec.url_key)
    mine, theirs = parse_time(rec.extraction.published), parse_time(published)
    return mine is not None and theirs is not None and mine < theirs


def replace_article_fields(db: sqlite_utils.Database, article_id: int, rec: PageRecord) -> None:
    values = _without_hash_clash(db, article_id, article_values(rec))
    if rec.url_key != db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]:
        if db.execute("SELECT 1 FROM articles WHERE url = ?", [rec.url_key]).fetchone() is None:
            db.execute(
                "UPDATE article_urls SET relation = 'duplicate' WHERE article_id = ? AND relation = 'canonical'",
                [article_id],
            )
            values["url"] = rec.url_key
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*values.values(), article_id])
    # this page's URL is now the article's own, under this page's site
    db.execute(
        "INSERT INTO article_urls (url, article_id, relation, site, first_seen) VALUES (?, ?, 'canonical', ?, ?)"
        " ON CONFLICT(url) DO UPDATE SET relation = 'canonical', site = excluded.site",
        [rec.url_key, article_id, rec.site, rec.fetched_at],
    )
    replace_signature(db, article_id, rec.signature)


def new_version(db: sqlite_utils.Database, article_id: int, rec: PageRecord) -> list[str] | None:
    """If this page is the one the article was extracted from and its title or
    text changed, keep the current text as a version and make the new one
    current. Returns the changed fields, or None when nothing versioned changed."""
    row = db.execute(
        f"SELECT page_key, body_hash, version, coalesce(updated, first_seen), {', '.join(COMPARED_FIELDS)},"
        " body_html FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    page_key, body_hash, version, since = row[:4]
    current = dict(zip((*COMPARED_FIELDS, "body_html"), row[4:]))
    if page_key != rec.url_key:
        return None
    values = article_values(rec)
    changed = [f for f in COMPARED_FIELDS if f != "body" and values[f] != current[f]]
    # compare with the current body itself: the stored hash may be an older one kept
    # to avoid a clash with another article's body
    if values["body_hash"] != text_hash(current["body"] or ""):
        changed.insert(0, "body")
    if not any(f in VERSIONED_FIELDS for f in changed):
        # the same text: its images, section, paywall or markup told anew, and a later
        # modification date kept; no version
        refreshed = {f: values[f] for f in REFRESHED_FIELDS if values[f] != current[f]}
        if "modified" in changed and values["modified"]:
            refreshed["modified"] = values["modified"]
        if refreshed:
            sets = ", ".join(f"{k} = ?" for k in refreshed)
            db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*refreshed.values(), article_id])
        return None
    db.execute(
        """
        INSERT INTO article_versions (article_id, version, first_seen, replaced_at, changed, title, authors,
                                      published, modified, body, body_hash, run_id, body_html)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [article_id, version, since, rec.fetched_at, json.dumps(changed), current["title"], current["authors"],
         current["published"], current["modified"], current["body"], body_hash, rec.run_id, current["body_html"]],
    )
    values = _without_hash_clash(db, article_id, values)
    values.update(version=version + 1, updated=rec.fetched_at)
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*values.values(), article_id])
    replace_signature(db, article_id, rec.signature)
    return changed


def near_duplicate(
    db: sqlite_utils.Database, signature: Signature | None
) -> tuple[int, float, int | None] | None:
    """The most similar stored article at or above SAME_STORY_THRESHOLD, found
    through LSH bands: (article id, similarity, its story id)."""
    if not signature:
        return None
    bands = signature.bands
    clauses = " OR ".join("(band = ? AND key = ?)" for _ in bands)
    args = [v for i, key in enumerate(bands) for v in (i, key)]
    candidates = db.execute(
        "SELECT s.article_id, s.minhash, a.story_id FROM article_signatures s JOIN articles a ON a.id = s.article_id"
        f" WHERE s.article_id IN (SELECT DISTINCT article_id FROM minhash_bands WHERE {clauses})",
        args,
    ).fetchall()
    sig = unpack(signature.minhash)
    best: tuple[int, float, int | None] | None = None
    for article_id, blob, story_id in candidates:
        sim = similarity(sig, unpack(blob))
        if sim >= SAME_STORY_THRESHOLD and (best is None or sim > best[1]):
            best = (int(article_id), sim, story_id)
    return best


def is_same_article(match: tuple[int, float, int | None] | None) -> bool:
    return match is not None and match[1] >= NEAR_DUPLICATE_THRESHOLD


def insert_signature(db: sqlite_utils.Database, article_id: int, signature: Signature | None) -> None:
    if not signature:
        return
    db.execute(
        "INSERT INTO article_signatures (article_id, shingles, minhash) VALUES (?, ?, ?)",
        [article_id, signature.shingles, signature.minhash],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
        [(i, key, article_id) for i, key in enumerate(signature.bands)],
    )


def replace_signature(db: sqlite_utils.Database, article_id: int, signature: Signature | None) -> None:
    """The article's signature becomes ``signature`` (none: the old one is kept).

    Only the LSH bands whose rows changed are rewritten: a re-extracted or
    updated body usually differs in a few shingles, and most bands stay."""
    if not signature:
        return
    old = db.execute("SELECT minhash FROM article_signatures WHERE article_id = ?", [article_id]).fetchone()
    if old is None:
        insert_signature(db, article_id, signature)
        return
    old_blob, new_blob = bytes(old[0]), bytes(signature.minhash)
    if len(old_blob) != len(new_blob):  # not a signature of this format: drop all its bands
        db.execute("DELETE FROM minhash_bands WHERE article_id = ?", [article_id])
        bands = list(range(len(signature.bands)))
    else:
        bands = changed_bands(old_blob, new_blob)
        # minhash_bands is keyed (band, key, article_id): delete through the old band
        # keys, an index lookup each, rather than scanning the table for article_id
        db.conn.executemany(
            "DELETE FROM minhash_bands WHERE band = ? AND key = ? AND article_id = ?",
            [(band, band_key(old_blob[band * BAND_BYTES : (band + 1) * BAND_BYTES]), article_id) for band in bands],
        )
    db.conn.executemany(
        "INSERT OR IGNORE INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
        [(band, signature.bands[band], article_id) for band in bands],
    )
    db.execute(
        "UPDATE article_signatures SET shingles = ?, minhash = ? WHERE article_id = ?",
        [signature.shingles, new_blob, article_id],
    )
