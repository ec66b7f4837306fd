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

from crawler.compat import response_failed_types, response_parse_error_type
from storage.records import Outcome


class RequestRefused(IgnoreRequest):
    """A request dropped on purpose by one of our middlewares, carrying the
    reason and outcome to record for its URL (e.g. ``"refused: private address
    10.0.0.1"``, ``"blocked"``)."""

    def __init__(self, reason: str, outcome: Outcome = Outcome.SKIPPED, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome
        self.status = status


def describe_failure(failure: Failure) -> tuple[str, int | None, Outcome]:
    """(reason, HTTP status or None, outcome) for a request's failure."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http {status}", status, Outcome.FAILED
    if failure.check(RequestRefused):
        refused = failure.value
        return refused.reason, refused.status, refused.outcome
    if failure.check(IgnoreRequest):
        msg = str(failure.value)
        if "robots.txt" in msg:
            return "robots.txt disallowed", None, Outcome.BLOCKED
        if "max redirections reached" in msg:
            return "too many redirects", None, Outcome.FAILED
        if "during decompression" in msg:  # HttpCompressionMiddleware stopped inflating a bomb
            return "decompressed size exceeds limit", None, Outcome.SKIPPED
        return f"ignored: {msg}", None, Outcome.SKIPPED
    if failure.check(DownloadCancelledError):
        # Scrapy cancels a download whose size (declared or received) passes DOWNLOAD_MAXSIZE.
        msg = failure.getErrorMessage()
        if "max size" in msg or "maxsize" in msg.lower() or not msg:
            return "response too large", None, Outcome.SKIPPED
        return f"cancelled: {msg[:200]}", None, Outcome.FAILED
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns lookup failed", None, Outcome.FAILED
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", None, Outcome.FAILED
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection refused", None, Outcome.FAILED
    if failure.check(UnsupportedURLSchemeError):
        return "unsupported url scheme", None, Outcome.SKIPPED
    if failure.check(ResponseDataLossError):
        return "connection lost: incomplete response", None, Outcome.FAILED
    if failure.check(ConnectError):
        return f"connect error: {failure.getErrorMessage()}", None, Outcome.FAILED
    if failure.check(DownloadFailedError, *response_failed_types(), ConnectionLost):
        # Scrapy raises DownloadFailedError from Twisted's ResponseFailed, whose message is
        # the repr of a list of Failures: name their errors instead
        error = failure.value
        reasons = getattr(error, "reasons", None) or getattr(error.__cause__, "reasons", None)
        if reasons:
            bad = [_parse_error(r) for r in reasons]
            if any(bad):
                why = ", ".join(dict.fromkeys(b for b in bad if b))
                return f"bad response: {why[:200]}", None, Outcome.FAILED
            why = ", ".join(dict.fromkeys(_short_error(r) for r in reasons))
        else:
            why = failure.getErrorMessage()
        return f"connection lost: {why[:200]}", None, Outcome.FAILED
    return f"{failure.type.__name__}: {failure.getErrorMessage()[:200]}", None, Outcome.FAILED


def _parse_error(reason: object) -> str:
    """What was wrong with a response Twisted could not parse (``ParseError``), else ``""``.

    The reason only (``non-integer status code``), not the bytes: failures are counted by reason.
    """
    value = getattr(reason, "value", reason)
    if not isinstance(value, response_parse_error_type()) or not value.args:
        return ""
    return str(value.args[0])


def _short_error(reason: object) -> str:
    """A Twisted failure inside ResponseFailed as ``ConnectionDone: Connection was closed cleanly.``."""
    value = getattr(reason, "value", reason)
    text = str(value).strip()
    name = type(value).__name__
    return f"{name}: {text}" if text and not text.startswith(name) else name
