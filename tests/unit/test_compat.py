"""The private library APIs newscrawl relies on (``crawler/compat.py``) are still there.

If one of these fails after an upgrade, read ``crawler/compat.py``: it names the
API and the version it was written for."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.core import scraper
from scrapy.utils.test import get_crawler

from crawler import compat


def test_the_installed_libraries_have_every_private_api_we_use() -> None:
    assert compat.problems() == []


def test_a_changed_private_api_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(scraper.Slot, "finish_response")
    assert compat.problems() == [
        "scrapy.core.scraper.Slot.finish_response(result, request) is gone or changed"]


def test_an_untested_version_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(compat.TESTED, "scrapy", "1.0.")
    (problem,) = compat.problems()
    assert problem.startswith("scrapy 2.19") and "written for 1.0.x" in problem


def test_decode_request_reads_what_scrapy_redis_stores() -> None:
    from scrapy_redis import picklecompat
    from scrapy_redis.queue import PriorityQueue

    from scrapy import Spider

    spider = Spider.from_crawler(get_crawler(), name="x")  # the spider a queue serialises requests for
    queue = PriorityQueue(server=None, spider=spider, key="k", serializer=picklecompat)
    data = queue._encode_request(  # the writing side: scrapy-redis' own
        Request("https://a.example/x", meta={"k": 1}, priority=3))
    request = compat.decode_request(queue, data)
    assert (request.url, request.meta["k"], request.priority) == ("https://a.example/x", 1, 3)


def test_response_failed_types_are_twisteds() -> None:
    names = [t.__name__ for t in compat.response_failed_types()]
    assert names == ["ResponseFailed", "ResponseNeverReceived"]
