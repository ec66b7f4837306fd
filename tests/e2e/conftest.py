"""Fixtures of the end-to-end tests: the sample news web on 127.0.0.x, running
``newscrawl`` as a real subprocess, and reading the database it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import sample_server as make_sample_server
from crawler.demo.server import SiteServer
from tests.support.db import read_rows
from tests.support.newscrawl import CRAWL_FAST_SETTINGS, clean_env, describe

E2E = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e/ is marked ``e2e``: ``pytest -m "not e2e"`` skips them."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


class NewscrawlRun(subprocess.CompletedProcess[str]):
    """A finished ``newscrawl`` subprocess; ``cwd`` is the directory it ran in."""

    cwd: Path


RunNewscrawl = Callable[..., NewscrawlRun]
DbRows = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def sample_server() -> Iterator[SiteServer]:
    """The bundled sample sites (``daily``, ``wire``), started; stopped afterwards.

    Function scope: tests may override files, add routes and clear the request log.
    """
    with make_sample_server() as server:
        yield server


@pytest.fixture(scope="session")
def crawl_fast_settings() -> tuple[str, ...]:
    """``-s KEY=VALUE`` arguments for test crawls: no politeness delay, no
    progress lines, two extraction workers. Use as ``*crawl_fast_settings``."""
    return CRAWL_FAST_SETTINGS


@pytest.fixture(scope="session")
def run_newscrawl(tmp_path_factory: pytest.TempPathFactory) -> RunNewscrawl:
    """``run_newscrawl(*args, timeout=300, check=True)``: run ``python -m crawler.cli ARGS``.

    A real subprocess, in a fresh empty working directory (not the repository:
    nothing may depend on the cwd), with ``PYTHONPATH`` unset. Output is captured
    as text; the result also has ``cwd``. With ``check`` (the default) a non-zero
    exit fails the test, showing the command, stdout and stderr. Relative paths in
    ``args`` resolve against that fresh directory, so pass absolute ones.
    """
    env = clean_env()

    def run(*args: str | os.PathLike[str], timeout: float = 300, check: bool = True
            ) -> NewscrawlRun:
        cwd = tmp_path_factory.mktemp("newscrawl-cwd")
        cmd = [sys.executable, "-m", "crawler.cli", *map(str, args)]
        try:
            proc = subprocess.run(
                cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            pytest.fail(f"newscrawl timed out after {timeout}s\n$ {' '.join(cmd)}\n"
                        f"--- stdout\n{out}\n--- stderr\n{err}")
        result = NewscrawlRun(proc.args, proc.returncode, proc.stdout, proc.stderr)
        result.cwd = cwd
        if check:
            assert result.returncode == 0, describe(result, "newscrawl failed")
        return result

    return run


@pytest.fixture(scope="module")
def crawled_db(run_newscrawl: RunNewscrawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sample sites crawled once into a fresh database (one per test module)."""
    db = tmp_path_factory.mktemp("sample-crawl") / "news.db"
    with make_sample_server() as server:
        run_newscrawl("crawl", server.url("daily", "/"), server.url("wire", "/"), "--db", db,
                      *CRAWL_FAST_SETTINGS)
    return db


@pytest.fixture(scope="session")
def db_rows() -> DbRows:
    """``db_rows(db_path, sql, params=())``: query a database read-only, rows as dicts."""
    return read_rows
