"""``newscrawl reextract`` as a subprocess, with two worker processes and a progress bar."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.db import read_rows
from tests.support.newscrawl import clean_env, summary_figure
from tests.support.stored_articles import age_articles, write_news_db


@pytest.fixture
def news_db(tmp_path: Path) -> Path:
    return write_news_db(tmp_path / "news.db")


def rows(path: Path, sql: str = "SELECT * FROM articles ORDER BY id") -> list[dict[str, Any]]:
    return read_rows(path, sql)


def test_reextract_in_a_subprocess_uses_two_workers(news_db: Path, tmp_path: Path) -> None:
    age_articles(news_db, "site = 'daily'")
    env = clean_env()
    code = "from crawler.commands.reextract import reextract_command; reextract_command()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--db", str(news_db), "--jobs", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert summary_figure(proc.stdout, "articles changed") == 3
    assert summary_figure(proc.stdout, "pages") == 4
    assert "reextract" in proc.stderr and "4/4" in proc.stderr  # the tqdm bar
    assert all(not r["title"].startswith("OLD ") for r in rows(news_db))
    assert json.loads(rows(news_db)[0]["authors"]) == ["Maria Okafor"]
