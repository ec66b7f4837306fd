"""The private library APIs newscrawl relies on (``crawler/compat.py``) are still there.

If one of these fails after an upgrade, read ``crawler/compat.py``: it names the
API and the version it was written for."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy import Request
from scrapy.core import scraper
from scrapy.exceptions import DownloadConnectionRefusedError
from scrapy.utils.test import get_crawler

from crawler import compat
from crawler.compat import ROBOTSTXT_LOGGER, robotstxt_download_error


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


def test_requests_encoded_and_decoded_as_scrapy_redis_stores_them() -> None:
    from scrapy_redis import picklecompat
    from scrapy_redis.queue import PriorityQueue

    from scrapy import Spider

    spider = Spider.from_crawler(get_crawler(), name="x")  # the spider a queue serialises requests for
    queue = PriorityQueue(server=None, spider=spider, key="k", serializer=picklecompat)
    data = compat.encode_request(  # the writing side: scrapy-redis' own
        queue, Request("https://a.example/x", meta={"k": 1}, priority=3))
    request = compat.decode_request(queue, data)
    assert (request.url, request.meta["k"], request.priority) == ("https://a.example/x", 1, 3)


def test_response_failed_types_are_twisteds() -> None:
    names = [t.__name__ for t in compat.response_failed_types()]
    assert names == ["ResponseFailed", "ResponseNeverReceived"]


def _robots_failure_records(caplog: pytest.LogCaptureFixture, middleware_cls: Any) -> list[logging.LogRecord]:
    """Drive ``middleware_cls`` (Scrapy's RobotsTxtMiddleware or ours) for one
    request whose robots.txt download is refused; the records it logged."""
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})

    class Engine:
        async def download_async(self, request: Request) -> Any:
            raise DownloadConnectionRefusedError("Connection was refused by other side: 111")

    crawler.engine = Engine()  # type: ignore[assignment]
    middleware = middleware_cls(crawler)
    coro = middleware.robot_parser(Request("http://127.0.0.1:9/page"))
    with caplog.at_level(logging.DEBUG, logger=ROBOTSTXT_LOGGER):
        with pytest.raises(StopIteration) as done:  # no reactor needed: nothing waits
            coro.send(None)
    assert done.value.value is None  # no parser: the page is allowed, as Scrapy does
    return [r for r in caplog.records if r.name == ROBOTSTXT_LOGGER]


def test_robotstxt_download_error_reads_scrapys_log_record(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    # Scrapy's record as Scrapy writes it (without our filter, if a test installed it)
    monkeypatch.setattr(logging.getLogger(ROBOTSTXT_LOGGER), "filters", [])
    records = _robots_failure_records(caplog, RobotsTxtMiddleware)
    assert len(records) == 1
    found = robotstxt_download_error(records[0])
    assert found is not None, (records[0].msg, records[0].args)
    request, exc = found
    assert request.url == "http://127.0.0.1:9/page"
    assert isinstance(exc, DownloadConnectionRefusedError)


def test_our_robotstxt_middleware_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    from crawler.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    records = _robots_failure_records(caplog, RobotsTxtMiddleware)
    assert len(records) == 1
    assert records[0].exc_info is None and records[0].exc_text is None
    assert records[0].getMessage() == (
        "robots.txt of http://127.0.0.1:9 not fetched (connection refused); "
        "its pages are requested as if it allowed them")


def test_other_records_are_not_taken_for_robots_failures() -> None:
    other = logging.LogRecord(ROBOTSTXT_LOGGER, logging.DEBUG, __file__, 1,
                              "Forbidden by robots.txt: %(request)s", ({"request": "x"},), None)
    assert robotstxt_download_error(other) is None
    elsewhere = logging.LogRecord("scrapy.core.engine", logging.ERROR, __file__, 1,
                                  "Error downloading %(request)s: %(f_exception)s",
                                  ({"request": "x", "f_exception": ValueError()},), None)
    assert robotstxt_download_error(elsewhere) is None
