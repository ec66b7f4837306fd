"""One writer at a time per database: an advisory lock on ``<db>.lock``.

The lock is an ``flock`` on an open file, so the kernel releases it when the
process dies, even on SIGKILL: a killed run never blocks the next one."""

from __future__ import annotations

import fcntl
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

_HELD: dict[str, "CrawlLock"] = {}


class CrawlLockBusy(RuntimeError):
    pass


class CrawlLock:
    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(f"{Path(db_path).resolve()}.lock")
        self.file: IO[str] | None = None

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "unknown process"
        except OSError:
            return "unknown process"

    def acquire(self, wait: bool = False) -> "CrawlLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            f = open(self.path, "a+")
        except OSError as e:
            from storage.db import DatabaseFileError

            raise DatabaseFileError(self.path.with_suffix(""),
                                    f"cannot create its lock file {self.path}: {e.strerror or e}") from None
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    holder = self.holder()
                    f.close()
                    raise CrawlLockBusy(
                        f"another newscrawl run is using {self.path.with_suffix('')} ({holder}); "
                        "use --wait to wait for it"
                    ) from None
                time.sleep(0.2)
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
        f.flush()
        self.file = f
        _HELD[str(self.path)] = self
        return self

    def release(self) -> None:
        if self.file is not None:
            _HELD.pop(str(self.path), None)
            fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            self.file.close()
            self.file = None

    def __enter__(self) -> "CrawlLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def held_here(db_path: str | Path) -> bool:
    return str(CrawlLock(db_path).path) in _HELD
