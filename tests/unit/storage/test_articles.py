"""storage.articles: replacing an article's near-duplicate signature and its bands."""

from storage.neardup import text_signature
from storage.queries import store_page
from tests.support.factories import STORY, WIRE, record


def band_rows(db, article_id):
    return db.execute("SELECT band, key FROM minhash_bands WHERE article_id = ? ORDER BY band",
                      [article_id]).fetchall()


def test_replacing_a_signature_rewrites_exactly_the_changed_bands(db):
    from storage.articles import replace_signature
    from storage.neardup import changed_bands

    words = [f"w{i}" for i in range(400)]
    first = store_page(db, record("https://daily/a", body=" ".join(words), signed=True))
    twin = store_page(db, record("https://wire/a", body=" ".join(words) + " extra words at the end here",
                                 site="wire", signed=True))
    assert twin.outcome == "duplicate_text"  # near-identical: one article, one set of bands
    other = store_page(db, record("https://daily/b", body=STORY, signed=True))
    other_bands = band_rows(db, other.article_id)
    old = db.execute("SELECT minhash FROM article_signatures WHERE article_id = ?",
                     [first.article_id]).fetchone()[0]
    # an edit that moves some bands but not all (the usual re-extraction change)
    new = text_signature(" ".join(words[:300] + ["edited"] * 5 + words[305:]))
    moved = changed_bands(old, new.minhash)
    assert 0 < len(moved) < 32, moved
    with db.conn:
        replace_signature(db, first.article_id, new)
    assert band_rows(db, first.article_id) == list(enumerate(new.bands))
    assert db.execute("SELECT minhash, shingles FROM article_signatures WHERE article_id = ?",
                      [first.article_id]).fetchone() == (new.minhash, new.shingles)
    assert band_rows(db, other.article_id) == other_bands  # nobody else's bands touched
    assert db.execute("SELECT count(*) FROM article_signatures").fetchone()[0] == 2


def test_replacing_a_signature_of_another_format_drops_all_its_bands(db):
    from storage.articles import replace_signature

    first = store_page(db, record("https://daily/a", body=STORY, signed=True))
    with db.conn:  # an old row this code could not have written: 16 rows, stray bands
        db.execute("UPDATE article_signatures SET minhash = ? WHERE article_id = ?", [b"\x01" * 64, first.article_id])
        db.execute("INSERT INTO minhash_bands VALUES (99, 12345, ?)", [first.article_id])
    new = text_signature(" ".join(WIRE))
    with db.conn:
        replace_signature(db, first.article_id, new)
    assert band_rows(db, first.article_id) == list(enumerate(new.bands))


def test_record_fields_are_stored_versioned_and_refreshed(db):
    """images, body_html, section and paywalled go into the article row; a new version
    keeps the old body_html beside the old body; the same text told with other images or
    another paywall state refreshes the row without a version."""
    import json

    from tests.support.factories import extraction

    url = "https://daily/a"
    images = [{"url": "https://daily/lead.jpg", "caption": "Harbour", "credit": "AFP", "width": 1200}]
    first = extraction(url=url, body=STORY, body_html=f"<p>{STORY}</p>", images=images,
                       section="Local", paywalled=True)
    stored = store_page(db, record(url, ex=first))
    row = db.execute("SELECT images, body_html, section, paywalled FROM articles WHERE id = ?",
                     [stored.article_id]).fetchone()
    assert (json.loads(row[0]), row[1], row[2], row[3]) == (images, f"<p>{STORY}</p>", "Local", 1)

    # the same text, told anew: no version, the fields follow the page
    same = extraction(url=url, body=STORY, body_html=f"<p>{STORY}</p>", images=[], section="Local",
                      paywalled=False)
    assert store_page(db, record(url, ex=same)).outcome == "duplicate_url"
    row = db.execute("SELECT images, paywalled, version FROM articles WHERE id = ?",
                     [stored.article_id]).fetchone()
    assert (row[0], row[1], row[2]) == ("[]", 0, 1)

    # an edited text: a new version, the old body_html kept with it
    edited = STORY + " A late paragraph was added."
    new = extraction(url=url, body=edited, body_html=f"<p>{edited}</p>", section="Local", paywalled=None)
    assert store_page(db, record(url, ex=new)).outcome == "updated"
    old = db.execute("SELECT body_html FROM article_versions WHERE article_id = ?",
                     [stored.article_id]).fetchone()
    assert old[0] == f"<p>{STORY}</p>"
    row = db.execute("SELECT body_html, paywalled, version FROM articles WHERE id = ?",
                     [stored.article_id]).fetchone()
    assert row == (f"<p>{edited}</p>", None, 2)
