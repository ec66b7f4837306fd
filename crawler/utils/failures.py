"""Turn a Twisted failure from a request into a short reason users can query."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
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


class RequestRefused(IgnoreRequest):
    """A request dropped on purpose by one of our middlewares, carrying the
    reason and outcome to record for its URL (e.g. ``"refused: private address
    10.0.0.1"``, ``"blocked"``)."""

    def __init__(self, reason: str, outcome: str = "skipped", status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome
        self.status = status


def describe_failure(failure: Failure) -> tuple[str, int | None, str]:
    """(reason, HTTP status or None, outcome) for a request's failure."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http {status}", status, "failed"
    if failure.check(RequestRefused):
        refused = failure.value
        return refused.reason, refused.status, refused.outcome
    if failure.check(IgnoreRequest):
        msg = str(failure.value)
        if "robots.txt" in msg:
            return "robots.txt disallowed", None, "blocked"
        if "max redirections reached" in msg:
            return "too many redirects", None, "failed"
        if "during decompression" in msg:  # HttpCompressionMiddleware stopped inflating a bomb
            return "decompressed size exceeds limit", None, "skipped"
        return f"ignored: {msg}", None, "skipped"
    if failure.check(DownloadCancelledError):
        # Scrapy cancels a download whose size (declared or received) passes DOWNLOAD_MAXSIZE.
        msg = failure.getErrorMessage()
        if "max size" in msg or "maxsize" in msg.lower() or not msg:
            return "response too large", None, "skipped"
        return f"cancelled: {msg[:200]}", None, "failed"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns lookup failed", None, "failed"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", None, "failed"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection refused", None, "failed"
    if failure.check(UnsupportedURLSchemeError):
        return "unsupported url scheme", None, "skipped"
    if failure.check(ResponseDataLossError):
        return "connection lost: incomplete response", None, "failed"
    if failure.check(DownloadFailedError):
        return f"connection lost: {failure.getErrorMessage()[:200]}", None, "failed"
    if failure.check(ConnectError):
        return f"connect error: {failure.getErrorMessage()}", None, "failed"
    if failure.check(ResponseNeverReceived, ResponseFailed, ConnectionLost):
        return f"connection lost: {failure.getErrorMessage()[:200]}", None, "failed"
    return f"{failure.type.__name__}: {failure.getErrorMessage()[:200]}", None, "failed"
