"""Turn a Twisted failure from a request into a short reason users can query."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


def describe_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(reason, HTTP status or None, outcome) for a request's failure."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http {status}", status, "failed"
    if failure.check(IgnoreRequest):
        msg = str(failure.value)
        if "robots.txt" in msg:
            return "robots.txt disallowed", None, "blocked"
        return f"ignored: {msg}", None, "skipped"
    if failure.check(DNSLookupError):
        return "dns lookup failed", None, "failed"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout", None, "failed"
    if failure.check(ConnectionRefusedError):
        return "connection refused", None, "failed"
    if failure.check(ConnectError):
        return f"connect error: {failure.getErrorMessage()}", None, "failed"
    if failure.check(ResponseNeverReceived, ResponseFailed, ConnectionLost):
        return f"connection lost: {failure.getErrorMessage()[:200]}", None, "failed"
    return f"{failure.type.__name__}: {failure.getErrorMessage()[:200]}", None, "failed"
