"""crawler.utils.failures: a failed request's reason, status and outcome."""

from __future__ import annotations

from twisted.python.failure import Failure

from crawler.utils.failures import RequestRefused, describe_failure
from storage.records import Outcome


def test_refusals_carry_their_reason_and_outcome() -> None:
    failure = Failure(RequestRefused("refused: private address 10.0.0.1", outcome=Outcome.BLOCKED))
    assert describe_failure(failure) == ("refused: private address 10.0.0.1", None, Outcome.BLOCKED)


def test_a_dropped_connection_is_named_not_dumped() -> None:
    from twisted.internet.error import ConnectionDone
    from twisted.web._newclient import ResponseFailed

    failure = Failure(ResponseFailed([Failure(ConnectionDone())]))
    assert describe_failure(failure) == (
        "connection lost: ConnectionDone: Connection was closed cleanly.", None, Outcome.FAILED)


def test_a_response_that_is_not_http_is_a_bad_response_however_scrapy_wraps_it() -> None:
    from scrapy.exceptions import DownloadFailedError
    from twisted.web._newclient import ParseError, ResponseFailed

    failed = ResponseFailed([Failure(ParseError("non-integer status code", b"SSH-2.0-OpenSSH_9.2"))])
    expected = ("bad response: non-integer status code", None, Outcome.FAILED)
    assert describe_failure(Failure(failed)) == expected
    try:
        raise DownloadFailedError(str(failed)) from failed  # as Scrapy's download handlers do
    except DownloadFailedError as e:
        assert describe_failure(Failure(e)) == expected
