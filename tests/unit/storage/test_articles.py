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
