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
