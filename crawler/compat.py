"""The private or undocumented parts of Scrapy, scrapy-redis and Twisted that newscrawl uses, all here.

Each is reached through one function of this module, written against the
versions in ``TESTED`` (pyproject pins the same minor versions).
``tests/unit/test_compat.py`` checks every one of them against the installed
libraries and fails, naming the API, when an upgrade moves or changes it;
``problems()`` says the same at run time.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

# The versions these private APIs were written against: distribution -> version prefix.
TESTED = {"scrapy": "2.19.", "scrapy-redis": "0.9.", "twisted": "26.10."}


def response_failed_types() -> tuple[type[BaseException], ...]:
    """Twisted's HTTP client failures that Scrapy passes on as they are
    (``twisted.web._newclient``: the connection dropped mid-response, or before it)."""
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    return ResponseFailed, ResponseNeverReceived


def response_parse_error_type() -> type[BaseException]:
    """Twisted's HTTP client error for a response it could not parse
    (``twisted.web._newclient.ParseError``; ``BadResponseVersion`` is one too)."""
    from twisted.web._newclient import ParseError

    return ParseError


def on_response_finished(crawler: Crawler, callback: Callable[[Request], None]) -> None:
    """Call ``callback(request)`` once Scrapy is done with a response: its callback or
    errback has run, every item it produced has gone through the pipelines and every
    request it produced is scheduled. Scrapy has no signal for that moment; the
    scraper's ``Slot.finish_response`` (Scrapy 2.19) is called exactly then, so it is
    wrapped on the slot instance. Call after the engine has opened the spider."""
    engine = crawler.engine
    assert engine is not None
    slot = engine.scraper.slot
    assert slot is not None, "on_response_finished needs an open spider"
    finish_response = slot.finish_response

    def finish_and_tell(result: Any, request: Request) -> None:
        try:
            finish_response(result, request)
        finally:
            callback(request)

    slot.finish_response = finish_and_tell  # type: ignore[method-assign]


def wake_engine(crawler: Crawler) -> None:
    """Have the engine look at its scheduler now rather than at its next 5-second
    heartbeat (``ExecutionEngine._slot.nextcall``, Scrapy 2.19): an idle engine
    otherwise takes up to 5 s to notice requests that arrived from elsewhere."""
    slot = getattr(crawler.engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


def encode_request(queue: Any, request: Request) -> bytes:
    """A request as a scrapy-redis queue stores it (``Base._encode_request``, 0.9)."""
    data: bytes = queue._encode_request(request)
    return data


def decode_request(queue: Any, data: bytes) -> Request:
    """A request as a scrapy-redis queue stored it (``Base._decode_request``, 0.9)."""
    request: Request = queue._decode_request(data)
    return request


# The logger Scrapy's RobotsTxtMiddleware writes its errors to (its module's name).
ROBOTSTXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


def robotstxt_download_error(record: logging.LogRecord) -> tuple[Any, BaseException] | None:
    """(the page request, the exception) of the log record Scrapy's
    RobotsTxtMiddleware writes when a site's robots.txt could not be
    downloaded; None for any other record.

    Written against Scrapy 2.19.0, whose ``RobotsTxtMiddleware.robot_parser``
    logs ``logger.error("Error downloading %(request)s: %(f_exception)s",
    {"request": request, "f_exception": e}, exc_info=True, ...)``: the message,
    the argument names and ``exc_info`` are what this reads."""
    args = record.args
    if record.name != ROBOTSTXT_LOGGER or not isinstance(args, dict):
        return None
    if not str(record.msg).startswith("Error downloading") or "request" not in args:
        return None
    exc = record.exc_info[1] if record.exc_info else args.get("f_exception")
    if not isinstance(exc, BaseException):
        return None
    return args["request"], exc


def problems() -> list[str]:
    """What is missing or changed in the installed libraries (empty: all is as expected)."""
    found: list[str] = []
    for dist, prefix in TESTED.items():
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{dist} is not installed")
            continue
        if not version.startswith(prefix):
            found.append(f"{dist} {version} is installed; crawler/compat.py was written for {prefix}x")
    try:
        response_failed_types()
    except ImportError as e:
        found.append(f"twisted.web._newclient: {e}")
    import inspect

    from scrapy.core import engine, scraper

    finish = getattr(getattr(scraper, "Slot", None), "finish_response", None)
    if not callable(finish) or list(inspect.signature(finish).parameters) != ["self", "result", "request"]:
        found.append("scrapy.core.scraper.Slot.finish_response(result, request) is gone or changed")
    engine_slot = getattr(engine, "_Slot", None)
    if engine_slot is None or "nextcall" not in engine_slot.__init__.__code__.co_names:
        found.append("scrapy.core.engine._Slot no longer has nextcall")
    from scrapy_redis.queue import Base

    if not callable(getattr(Base, "_decode_request", None)):
        found.append("scrapy_redis.queue.Base._decode_request is gone")
    return found
