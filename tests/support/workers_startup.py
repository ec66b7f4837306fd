"""A worker function module that records each worker process's start-up (a file
per process in $NEWSCRAWL_TEST_STARTS) and, with $NEWSCRAWL_TEST_DIE_AT_IMPORT
set, dies before the worker reports ready, like a broken environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_dir = os.environ.get("NEWSCRAWL_TEST_STARTS")
if _dir:
    (Path(_dir) / f"started.{os.getpid()}").touch()
if os.environ.get("NEWSCRAWL_TEST_DIE_AT_IMPORT"):
    os._exit(3)


def echo(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"url": url, "pid": os.getpid()}
