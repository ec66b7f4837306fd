"""Waiting for things to happen, without betting on how fast the machine is.

A test waits for a *condition* (a file appeared, a row was stored, a request
arrived) and then checks behaviour: counts, order, what was recorded. The
deadline only turns a hang into a failure; no assertion is about a duration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

HANG = 60.0  # seconds: only a hang takes this long, never a slow or loaded machine

T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout: float = HANG,
               interval: float = 0.02) -> T:
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not so after {timeout:.0f}s (hung?)")
        time.sleep(interval)


class Gate:
    """A route handler for ``SiteServer``: requests it matches wait until the gate
    is opened (then fall through to the site's files), so a test decides when a
    crawl may go on instead of slowing every request and hoping.

    ``Gate(let_through=n)`` lets the first ``n`` matching requests pass without
    waiting; ``held`` counts the requests that had to wait, ``passed`` those answered.
    """

    def __init__(self, let_through: int = 0, timeout: float = 10 * HANG) -> None:
        self._open = threading.Event()
        self._lock = threading.Lock()
        self._free = let_through
        self.timeout = timeout
        self.held = 0
        self.passed = 0

    def __call__(self, request: object) -> None:
        with self._lock:
            if self._free > 0 or self._open.is_set():
                self._free = max(self._free - 1, 0)
                self.passed += 1
                return None
            self.held += 1
        self._open.wait(self.timeout)
        with self._lock:
            self.passed += 1
        return None  # the site's file, as usual

    def open(self) -> None:
        self._open.set()
