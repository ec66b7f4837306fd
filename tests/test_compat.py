"""crawler/compat.py: each use of another library's private or undocumented
parts, checked against the installed library so an upgrade that changes them
fails here, loudly, rather than quietly in a crawl."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy.exceptions import DownloadConnectionRefusedError
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.compat import ROBOTSTXT_LOGGER, robotstxt_download_error


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
