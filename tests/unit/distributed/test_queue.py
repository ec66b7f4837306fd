"""crawler.distributed.queue: items encoded for the Redis item list and decoded back."""

from __future__ import annotations

import pytest

from crawler.distributed.queue import decode_item, encode_item
from crawler.items import FailureItem, PageItem
from storage.records import Outcome
from tests.support.factories import analysis, extraction


def test_items_survive_the_queue_encoding() -> None:
    page = PageItem(
        url="http://a.test/x", requested_url="http://a.test/x?utm_source=y", status=200,
        headers={"Content-Type": "text/html"}, body="<p>é</p>".encode(), site="a.test",
        fetched_at="2025-01-01T00:00:00+00:00", source="link", found_on="http://a.test/",
        discovery={"title": "X"}, depth=1,
        analysis=analysis(extraction(title="X", url="http://a.test/x"), signed=True),
    )
    failure = FailureItem(url="http://a.test/y", site="a.test", reason="HTTP 404", status=404)
    blocked = FailureItem(url="http://a.test/z", site="a.test", reason="robots.txt disallowed",
                          outcome=Outcome.BLOCKED)
    assert page.analysis is not None and page.analysis.signature is not None
    decoded = decode_item(encode_item(page))
    assert decoded == page
    assert isinstance(decoded.analysis.signature.minhash, bytes)  # bytes come back as bytes
    assert decode_item(encode_item(failure)) == failure
    assert decode_item(encode_item(blocked)).outcome is Outcome.BLOCKED
    with pytest.raises(TypeError):
        encode_item(page.analysis)  # only the item classes travel
    with pytest.raises(ValueError):
        decode_item(b"not an item")
