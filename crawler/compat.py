"""Uses of other libraries' private or undocumented parts, each in one small
function that says which version it was written against.

When a pinned library is upgraded, these are what to check; each has a test
(tests/test_compat.py) that fails loudly when the library's shape changes."""

from __future__ import annotations

import logging
from typing import Any

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
