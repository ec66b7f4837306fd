"""storage.queries: storing pages (new, duplicate URL, duplicate or near-identical text,
new version, not an article), failures and runs."""

import sqlite3

import pytest

from storage.neardup import text_signature
from storage.pages import decompress_html
from storage.queries import (
    failures_by_reason,
    finish_run,
    is_known_article_url,
    record_failure,
    start_run,
    store_page,
)
from storage.records import Outcome, text_hash
from tests.support.factories import BODY, STORY, WIRE, extraction, not_article, record


def test_new_then_duplicate_url_then_duplicate_text(db):
    run = start_run(db, {"test": True})
    r1 = store_page(db, record("https://daily/a", run_id=run))
    assert r1.outcome == "new"
    r2 = store_page(db, record("https://daily/a-amp", article_key="https://daily/a", run_id=run))
    assert (r2.outcome, r2.article_id) == ("duplicate_url", r1.article_id)
    r3 = store_page(db, record("https://wire/copy", site="wire", run_id=run))
    assert (r3.outcome, r3.article_id) == ("duplicate_text", r1.article_id)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    urls = dict(db.execute("SELECT url, relation FROM article_urls").fetchall())
    assert urls == {"https://daily/a": "canonical", "https://daily/a-amp": "variant", "https://wire/copy": "duplicate"}
    assert db.execute("SELECT count(*) FROM pages WHERE article_id = ?", [r1.article_id]).fetchone()[0] == 3
    assert is_known_article_url(db, "https://wire/copy")
    outcomes = dict(db.execute("SELECT url, outcome FROM urls").fetchall())
    assert outcomes["https://wire/copy"] == "duplicate_text"


def test_whitespace_and_case_do_not_make_a_new_article(db):
    store_page(db, record("https://a/1"))
    r = store_page(db, record("https://b/1", body="  " + BODY.upper().replace(" ", "\n ")))
    assert r.outcome == "duplicate_text"


def test_not_article_records_only_the_url_with_reason(db):
    r = store_page(db, record("https://daily/", ex=not_article(signals={"link_density": 0.6})))
    assert r.outcome == "not_article"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    row = db.execute("SELECT outcome, reason, json_extract(signals, '$.link_density') FROM urls"
                     " WHERE url = 'https://daily/'").fetchone()
    assert row == ("not_article", "not_article: homepage path", 0.6)


def test_database_enforces_uniqueness(db):
    store_page(db, record("https://a/1"))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO articles (url, site, body, body_hash, first_seen, last_seen)"
                   " VALUES ('https://other', 's', 'x', ?, 'now', 'now')", [text_hash(BODY)])


def test_raw_html_is_compressed_and_recoverable(db):
    rec = record("https://a/1")
    store_page(db, rec)
    codec, blob, size = db.execute("SELECT codec, html, size FROM pages").fetchone()
    assert decompress_html(blob, codec) == rec.html
    assert size == len(rec.html) and len(blob) < size / 4


def test_full_text_search_finds_title_and_body(db):
    store_page(db, record("https://a/1", ex=extraction(title="Kherson ferry resumes")))
    store_page(db, record("https://a/2", ex=extraction(body="Parliament passed the budget on Friday. " * 30,
                                                       title="Budget")))
    hits = [r["title"] for r in db.query(
        "SELECT articles.title FROM articles_fts JOIN articles ON articles.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ?", ["ferry"])]
    assert hits == ["Kherson ferry resumes"]
    hits = [r["title"] for r in db.query(
        "SELECT articles.title FROM articles_fts JOIN articles ON articles.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ?", ["parliament"])]
    assert hits == ["Budget"]


def test_failures_and_runs(db):
    run = start_run(db, {"sites": ["daily"]})
    record_failure(db, url_key="https://a/x", fetched_url="https://a/x", site="a", reason="http 404", status=404, run_id=run)
    record_failure(db, url_key="https://a/y", fetched_url="https://a/y", site="a", reason="http 404", status=404, run_id=run)
    record_failure(db, url_key="https://a/p", fetched_url="https://a/p", site="a", reason="robots.txt disallowed",
                   outcome=Outcome.BLOCKED, run_id=run)
    assert failures_by_reason(db, run) == [("http 404", 2), ("robots.txt disallowed", 1)]
    finish_run(db, run, "finished", {"pages": 3})
    row = db.execute("SELECT status, finished IS NOT NULL, stats FROM crawl_runs WHERE id = ?", [run]).fetchone()
    assert row == ("finished", 1, '{"pages": 3}')
    # a second failure of the same URL updates its row, counting fetches
    record_failure(db, url_key="https://a/x", fetched_url="https://a/x", site="a", reason="timeout", run_id=run)
    assert db.execute("SELECT reason, fetch_count FROM urls WHERE url = 'https://a/x'").fetchone() == ("timeout", 2)


def test_near_identical_copy_is_one_article(db):
    first = store_page(db, record("https://daily/ferry", body=STORY, signed=True))
    copy = "Republished with permission. " + STORY + " Sign up for our weekly newsletter."
    r = store_page(db, record("https://wire/ferry", body=copy, site="wire", signed=True))
    assert r.outcome == "duplicate_text" and r.article_id == first.article_id
    assert 0.8 <= r.similarity < 1.0
    reason = db.execute("SELECT reason FROM urls WHERE url = 'https://wire/ferry'").fetchone()[0]
    assert reason.startswith("near-identical text")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_different_story_with_shared_boilerplate_is_a_new_article(db):
    store_page(db, record("https://daily/ferry", body=STORY, signed=True))
    other = (
        "The city council voted to end gas heating in new homes from 2028 after a long debate. "
        "Builders asked for more time while tenants' groups said bills would fall. "
    ) * 4 + "Sign up for our weekly newsletter."
    r = store_page(db, record("https://daily/gas", body=other, signed=True))
    assert r.outcome == "new"
    assert db.execute("SELECT count(*) FROM minhash_bands").fetchone()[0] == 2 * 32


def test_original_replaces_a_syndicated_copy_stored_first(db):
    copy = record("https://wire/ferry", body="Republished. " + STORY, site="wire", signed=True)
    copy.extraction.published = "2025-03-18T06:00:00+01:00"
    first = store_page(db, copy)
    original = record("https://daily/ferry", body=STORY, signed=True)
    original.extraction.published = "2025-03-17T11:00:00+01:00"
    r = store_page(db, original)
    assert r.outcome == "duplicate_text" and r.article_id == first.article_id
    row = db.execute("SELECT url, site, published, page_key FROM articles").fetchone()
    assert row == ("https://daily/ferry", "daily", "2025-03-17T11:00:00+01:00", "https://daily/ferry")
    relations = dict(db.execute("SELECT url, relation FROM article_urls").fetchall())
    assert relations == {"https://daily/ferry": "canonical", "https://wire/ferry": "duplicate"}


def test_a_later_copy_does_not_replace_the_original(db):
    original = record("https://daily/ferry", body=STORY, signed=True)
    original.extraction.published = "2025-03-17T11:00:00+01:00"
    store_page(db, original)
    copy = record("https://wire/ferry", body="Republished. " + STORY, site="wire", signed=True)
    copy.extraction.published = "2025-03-18T06:00:00+01:00"
    store_page(db, copy)
    assert db.execute("SELECT url, site FROM articles").fetchone() == ("https://daily/ferry", "daily")


def test_canonical_page_replaces_fields_taken_from_a_copy_pointing_at_it(db):
    copy = record("https://wire/wind", article_key="https://daily/wind", site="wire")
    copy.extraction.published = "2025-03-13T06:00:00+00:00"
    store_page(db, copy)
    original = record("https://daily/wind")
    original.extraction.published = "2025-03-12T07:30:00+00:00"
    r = store_page(db, original)
    assert r.outcome == "duplicate_url"
    assert db.execute("SELECT url, site, published FROM articles").fetchone() == (
        "https://daily/wind", "daily", "2025-03-12T07:30:00+00:00")


def test_a_story_republished_with_edits_is_grouped_not_merged(db):
    first = store_page(db, record("https://wire/budget", body=" ".join(WIRE), signed=True))
    edited = WIRE[:6] + [
        "Local officials in the harbour city said the buses could arrive before the summer season.",
        "The newspaper's own analysis found that most of the money goes to two large projects.",
    ]
    from storage.neardup import similarity, unpack

    a, b = text_signature(" ".join(WIRE)), text_signature(" ".join(edited))
    sim = similarity(unpack(a.minhash), unpack(b.minhash))
    assert 0.5 <= sim < 0.8, sim  # the case under test: similar, not near-identical
    second = store_page(db, record("https://daily/budget", body=" ".join(edited), signed=True))
    assert second.outcome == "new" and second.article_id != first.article_id
    stories = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    assert stories[first.article_id] == stories[second.article_id] == first.article_id
    unrelated = store_page(db, record("https://daily/gas", body="The council voted to end gas heating. " * 20,
                                      signed=True))
    assert unrelated.outcome == "new"
    assert db.execute("SELECT story_id FROM articles WHERE id = ?", [unrelated.article_id]).fetchone()[0] is None


def test_a_failed_recheck_keeps_the_article_due_and_its_validators(db):
    from storage.queries import recheck_state
    from storage.recheck import RecheckPolicy

    rec = record("https://daily/a", headers={"ETag": '"v1"'})
    rec.recheck = RecheckPolicy(young_days=3650)
    store_page(db, rec)
    assert recheck_state(db, "https://daily/a") == {
        "due": True, "etag": '"v1"', "last_modified": None, "content_hash": rec_hash(rec),
        "signal": "2025-03-27T13:11:00+02:00"}
    record_failure(db, url_key="https://daily/a", fetched_url="https://daily/a", site="daily",
                   reason="http 503", status=503)
    store_page(db, record("https://daily/a", ex=not_article("not_article: paywall", url="https://daily/a")))
    state = recheck_state(db, "https://daily/a")
    assert state["due"] and state["etag"] == '"v1"'


def rec_hash(rec):
    from storage.pages import sha1

    return sha1(rec.html)


def test_an_edit_that_copies_another_article_is_versioned_once(db):
    a = store_page(db, record("https://daily/a", body=STORY))
    store_page(db, record("https://daily/b", body=BODY))
    for _ in range(3):  # a's page now carries b's text, fetched three times
        store_page(db, record("https://daily/a", body=BODY))
    assert db.execute("SELECT count(*) FROM article_versions WHERE article_id = ?", [a.article_id]).fetchone()[0] == 1


def test_full_text_index_follows_title_and_body_updates_only(db):
    store_page(db, record("https://a/1", ex=extraction(title="Kherson ferry resumes")))

    def hits(word):
        return [r["title"] for r in db.query(
            "SELECT articles.title FROM articles_fts JOIN articles ON articles.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ?", [word])]

    db.execute("UPDATE articles SET last_seen = 'later', authors = '[]'")  # no re-indexing needed
    assert hits("ferry") == ["Kherson ferry resumes"]
    db.execute("UPDATE articles SET title = 'Odesa port reopens'")
    assert hits("ferry") == [] and hits("odesa") == ["Odesa port reopens"]
    # FTS5's own check raises (SQLITE_CORRUPT) if the index and the table disagree
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
