"""Extraction stand-ins for tests/test_workers.py, loaded in worker processes by
import path (``ExtractionPool(func="<this module>:name")``)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def echo(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    return {"url": url, "body": text, "headers": headers, "pid": os.getpid()}


def sleep_then_echo(
    html: bytes | str, url: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Sleep for the number of seconds given as the page text, so that results
    complete out of submission order."""
    time.sleep(float(html))
    return echo(html, url, headers)


def sleep_forever(
    html: bytes | str, url: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Behave like a page that hangs, except for pages whose text is "fast"."""
    if html in (b"fast", "fast"):
        return echo(html, url, headers)
    if isinstance(html, bytes) and html.startswith(b"pidfile:"):
        path = html[len("pidfile:"):].decode()
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(path + ".tmp", path)
    while True:
        time.sleep(3600)


def crash(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Die like a segfault/OOM kill ("kill"), an abrupt exit ("exit"), or work normally."""
    if html in (b"kill", "kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    if html in (b"exit", "exit"):
        os._exit(1)
    return echo(html, url, headers)


def raise_value_error(
    html: bytes | str, url: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    raise ValueError(f"cannot parse {url}")


def hold_pid(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Mark that this job started, then wait (up to 60 s, a hang) for the other job's
    mark: ``saw_other`` is True only if both jobs were running at the same time."""
    marker = html.decode() if isinstance(html, bytes) else html
    open(f"{marker}.{os.getpid()}", "w").close()
    directory = os.path.dirname(marker)
    deadline = time.monotonic() + 60
    saw_other = False
    while time.monotonic() < deadline:
        if len([n for n in os.listdir(directory) if n.startswith("started.")]) >= 2:
            saw_other = True
            break
        time.sleep(0.01)
    return {"url": url, "pid": os.getpid(), "saw_other": saw_other}


def not_picklable(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> Any:
    return {"url": url, "lock": __import__("threading").Lock()}


def length(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"url": url, "length": len(html), "type": type(html).__name__}


def pid_then_wait(
    html: bytes | str, url: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Write this worker's pid to the file named by the page text, then work until
    the test creates that name + ".go" (up to 60 s, a hang)."""
    path = html.decode() if isinstance(html, bytes) else html
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    deadline = time.monotonic() + 60
    while not os.path.exists(path + ".go") and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"url": url, "pid": os.getpid()}


def reanalyze_or_fail(blob: bytes, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The `newscrawl reextract` worker function, except for URLs with "/fail"."""
    from crawler.ingest.analysis import reanalyze_stored_page

    if "/fail" in url:
        raise ValueError("bad page")
    return reanalyze_stored_page(blob, url, headers)


def extract_or_fail(
    html: bytes | str, url: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The `newscrawl extract` worker function, except for URLs that ask to fail
    ("/fail"), crash the worker ("/crash") or finish late ("/slow")."""
    from crawler.extraction import extract_page

    if "/fail" in url:
        raise ValueError("bad page")
    if "/crash" in url:
        os._exit(3)
    if "/slow" in url:
        time.sleep(0.3)
    return extract_page(html, url, headers)


def gil_hog(html: bytes | str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """For URLs ending in /hang, a regex that backtracks for minutes in C, holding the GIL
    (the kind of hang the pool's deadline is for); else the page's length."""
    if url.endswith("/hang"):
        import re

        re.match(r"(a+)+$", "a" * 31 + "!")
    return {"url": url, "length": len(html)}
