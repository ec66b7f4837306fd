"""crawler.utils.failures: a failed request's reason, status and outcome."""

from __future__ import annotations

from twisted.python.failure import Failure

from crawler.utils.failures import RequestRefused, describe_failure


def test_refusals_carry_their_reason_and_outcome() -> None:
    failure = Failure(RequestRefused("refused: private address 10.0.0.1", outcome="blocked"))
    assert describe_failure(failure) == ("refused: private address 10.0.0.1", None, "blocked")
