"""storage.records: the exact-duplicate key of a page's body."""

from __future__ import annotations

from storage.records import text_hash
from tests.support.factories import record


def test_the_body_hash_comes_from_the_worker_or_is_computed() -> None:
    assert record("https://a/1", body="A  b\nC").body_key == text_hash("a b c")
    assert record("https://a/1", body="A b C", body_hash="from-worker").body_key == "from-worker"


def test_text_hash_ignores_whitespace_and_case() -> None:
    assert text_hash("A  b\nC") == text_hash("a b c")
    assert text_hash("a b c") != text_hash("a b d")
