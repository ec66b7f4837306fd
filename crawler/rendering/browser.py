"""The headless Chromium that renders pages: found, started lazily, measured,
restarted.

``find_browser`` says which Chromium to use (``NEWSCRAWL_BROWSER_PATH``, else
``chromium``, ``chromium-browser``, ``google-chrome`` on PATH) or why there is
none; nothing is ever downloaded. ``BrowserManager`` starts Playwright and the
browser on the first page that needs them (a crawl that renders nothing never
starts either), hands out the current browser to renders, and replaces it when
it died (a crash, a kill) or when its processes' memory (PSS, read from /proc)
passed a limit: the old one is closed once its last render is done.

Chromium is driven by Playwright (``playwright`` package) through its
``executable_path``. It is launched headless, without a sandbox (containers
often run as root), and with a proxy that does not exist: every request a page
makes is intercepted by the renderer (``crawler.rendering.render``) and either
answered by the crawler or aborted, so nothing the browser does on its own
(pre-connections, DNS prefetch, background services) reaches any network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a quiet, closed headless Chromium. Without the background-networking ones
# Chromium connects to Google services on its own (refused on closed networks).
CHROMIUM_ARGS = (
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
)
# Where Chromium would send requests the renderer did not intercept: nowhere.
DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "<-loopback>"}
LAUNCH_TIMEOUT = 60.0  # seconds
CLOSE_TIMEOUT = 5.0
MAX_LAUNCH_FAILURES = 2  # in a row: then rendering is off for the rest of the crawl


class BrowserUnavailable(RuntimeError):
    """No browser to render with: not installed, or it does not start."""


def browser_path_problem(path: str) -> str | None:
    """What is wrong with a configured browser path, or None."""
    p = Path(path)
    if not p.exists():
        return f"no such file: {path}"
    if p.is_dir() or not os.access(p, os.X_OK):
        return f"not an executable: {path}"
    return None


def find_browser(configured: str = "") -> tuple[str | None, str]:
    """``(executable, "")``, or ``(None, why there is none)``."""
    if find_spec("playwright") is None:
        return None, "the playwright package is not installed (pip install playwright)"
    if configured:
        problem = browser_path_problem(configured)
        return (None, f"NEWSCRAWL_BROWSER_PATH: {problem}") if problem else (configured, "")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, f"no Chromium found on PATH ({', '.join(BROWSER_NAMES)})"


# -- processes (Linux /proc) ------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(pid: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """Every process below ``pid`` (children, grandchildren...)."""
    children = _children_map() if children is None else children
    out: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def browser_pids(root: int | None = None) -> set[int]:
    """Chromium browser processes (not their renderers or helpers) driven by
    Playwright below ``root`` (default: this process)."""
    found = set()
    for pid in descendants(os.getpid() if root is None else root):
        args = _cmdline(pid)
        if "--remote-debugging-pipe" in args and not any(a.startswith("--type=") for a in args):
            found.add(pid)
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:  # no smaps_rollup: resident size
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def tree_memory_mb(pid: int) -> float:
    """Memory of a process and everything below it, in MB (proportional set size:
    shared pages counted once across the tree)."""
    return sum(_pss_kb(p) for p in [pid, *descendants(pid)]) / 1024


# -- the browser --------------------------------------------------------------------------


@dataclass(eq=False)
class Browser:
    """One launched browser: renders take it and give it back."""

    browser: Any  # playwright.async_api.Browser
    pid: int | None
    generation: int
    version: str
    active: int = 0
    retired: bool = False  # no new renders; closed when the last one is done
    crashed: bool = False  # the connection dropped (killed, crashed)
    started: float = field(default_factory=time.monotonic)

    @property
    def alive(self) -> bool:
        return not self.crashed and self.browser.is_connected()


class BrowserManager:
    """Lazily started, self-replacing headless Chromium. Use from the asyncio loop."""

    def __init__(self, executable: str, *, max_memory_mb: float = 1024,
                 stat: Callable[[str, float], None] | None = None) -> None:
        self.executable = executable
        self.max_memory_mb = max_memory_mb
        self.stat = stat or (lambda key, value: None)
        self.playwright: Any = None
        self._driver: Any = None
        self.current: Browser | None = None
        self._old: list[Browser] = []
        self._lock: asyncio.Lock | None = None
        self._generation = 0
        self._launch_failures = 0
        self.unavailable = ""  # why rendering is off (the browser does not start)
        self.version = ""
        self.peak_memory_mb = 0.0
        self._last_measure = 0.0
        self.closed = False

    async def acquire(self) -> Browser:
        """The current browser (started or replaced first if need be), counted as in use."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.closed:
                raise BrowserUnavailable("the crawl is closing")
            if self.unavailable:
                raise BrowserUnavailable(self.unavailable)
            b = self.current
            if b is None or b.retired or not b.alive:
                if b is not None:
                    self._retire(b, "crashed" if not b.alive else "")
                b = self.current = await self._launch()
            b.active += 1
            return b

    async def release(self, b: Browser) -> None:
        """A render is done with ``b``: measure it, and close it if it is retired and idle."""
        b.active -= 1
        if b is self.current and b.alive and b.pid is not None:
            now = time.monotonic()
            if now - self._last_measure >= 1.0 or b.active == 0:
                self._last_measure = now
                mb = tree_memory_mb(b.pid)
                self.peak_memory_mb = max(self.peak_memory_mb, mb)
                self.stat("peak_memory_mb", round(self.peak_memory_mb, 1))
                if mb > self.max_memory_mb:
                    LOG.info("browser uses %.0f MB (limit %.0f MB): restarting it", mb, self.max_memory_mb)
                    self.stat("restarts/memory", 1)
                    self._retire(b, "")
        await self._close_idle()

    def mark_crashed(self, b: Browser) -> None:
        if not b.crashed:
            b.crashed = True
            LOG.warning("the browser (pid %s) died: the next page starts a new one", b.pid)
            self.stat("browser_crashes", 1)

    def _retire(self, b: Browser, why: str) -> None:
        if b.retired:
            return
        b.retired = True
        if why == "crashed":
            self.mark_crashed(b)
        if self.current is b:
            self.current = None
        self._old.append(b)

    async def _close_idle(self) -> None:
        for b in list(self._old):
            if b.active <= 0:
                self._old.remove(b)
                await self._close_browser(b)

    async def _start_driver(self) -> None:
        if self.playwright is not None:
            return
        from playwright.async_api import async_playwright

        self._driver = async_playwright()
        self.playwright = await self._driver.start()

    async def _launch(self) -> Browser:
        started = time.monotonic()
        try:
            await self._start_driver()
            before = browser_pids()
            browser = await self.playwright.chromium.launch(
                executable_path=self.executable, headless=True, chromium_sandbox=False,
                args=list(CHROMIUM_ARGS), proxy=DEAD_PROXY, timeout=LAUNCH_TIMEOUT * 1000,
            )
        except Exception as e:
            self._launch_failures += 1
            why = f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"
            LOG.error("could not start the browser %s: %s", self.executable, why)
            self.stat("launch_failures", 1)
            if self._launch_failures >= MAX_LAUNCH_FAILURES:
                self.unavailable = f"the browser does not start ({why})"
            raise BrowserUnavailable(f"the browser does not start ({why})") from None
        self._launch_failures = 0
        new = sorted(browser_pids() - before)
        self._generation += 1
        b = Browser(browser, new[0] if len(new) == 1 else None, self._generation, browser.version)
        self.version = f"Chromium {browser.version}"
        browser.on("disconnected", lambda _browser: self._disconnected(b))
        self.stat("browser_launches", 1)
        LOG.info("started %s (pid %s) in %.1fs", self.version, b.pid, time.monotonic() - started)
        return b

    def _disconnected(self, b: Browser) -> None:
        if not b.retired and not self.closed:
            self.mark_crashed(b)

    async def _close_browser(self, b: Browser) -> None:
        try:
            await asyncio.wait_for(b.browser.close(), CLOSE_TIMEOUT)
            return
        except Exception:  # hung, or already gone: make sure it is
            pass
        self.kill(b)

    @staticmethod
    def kill(b: Browser) -> None:
        """SIGKILL the browser's processes (if its pid is still that browser)."""
        if b.pid is None or "--remote-debugging-pipe" not in _cmdline(b.pid):
            return
        for pid in [*descendants(b.pid), b.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    async def close(self) -> None:
        """Close every browser and Playwright (the end of the crawl)."""
        self.closed = True
        browsers = ([self.current] if self.current else []) + self._old
        self.current, self._old = None, []
        for b in browsers:
            b.retired = True
            await self._close_browser(b)
        if self._driver is not None:
            try:
                await asyncio.wait_for(self._driver.__aexit__(None, None, None), CLOSE_TIMEOUT)
            except Exception:
                pass
            self._driver = self.playwright = None
