"""crawler.commands.export: options refused before anything is written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.commands.export import export_command
from storage import open_db
from storage.queries import store_page
from tests.support.factories import record


@pytest.fixture
def news_db(tmp_path: Path) -> Path:
    """A database holding one article."""
    path = tmp_path / "news.db"
    db = open_db(path)
    assert store_page(db, record("https://daily.example/a")).outcome == "new"
    db.conn.close()
    return path


def test_parquet_without_pyarrow_says_how_to_install(news_db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "a.parquet"
    result = CliRunner().invoke(export_command, ["--db", str(news_db), "--format", "parquet",
                                                 "-o", str(out)])
    assert result.exit_code == 1
    assert "pip install 'newscrawl[parquet]'" in result.output
    assert not out.exists()


def test_parquet_needs_an_output_file(news_db: Path) -> None:
    pytest.importorskip("pyarrow", reason="the parquet extra (pyarrow) is not installed")
    result = CliRunner().invoke(export_command, ["--db", str(news_db), "--format", "parquet"])
    assert result.exit_code == 2 and "-o FILE" in result.output


def test_bad_since_and_missing_db(tmp_path: Path, news_db: Path) -> None:
    result = CliRunner().invoke(export_command, ["--db", str(news_db), "--since", "last week"])
    assert result.exit_code == 2 and "not a date or duration" in result.output
    result = CliRunner().invoke(export_command, ["--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "none.db").exists()
