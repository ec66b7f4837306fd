"""crawler.downloadermiddlewares.retry: the backoff between retries."""

from __future__ import annotations

from crawler.downloadermiddlewares.retry import backoff_delay


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert backoff_delay(1, 1.0, 10.0, rand=0.0) == 0.5
    assert backoff_delay(1, 1.0, 10.0, rand=1.0) == 1.0
    assert backoff_delay(3, 1.0, 10.0, rand=0.0) == 2.0
    assert backoff_delay(10, 1.0, 10.0, rand=1.0) == 10.0
    assert backoff_delay(2, 0.0, 10.0) == 0.0
