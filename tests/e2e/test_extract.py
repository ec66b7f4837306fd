"""``newscrawl extract`` as a subprocess with two worker processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import REPO
from tests.support.warc_files import CYRILLIC_TITLE, build_warc, lines


def test_subprocess_run_with_two_jobs(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    expected = build_warc(warc, compress=True)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c",
         "from crawler.commands.extract import extract_command; extract_command()",
         str(warc), "--jobs", "2", "--timeout", "20", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    pages = lines(out.read_text(encoding="utf-8"))
    assert [p["url"] for p in pages] == expected
    assert pages[1]["title"] == CYRILLIC_TITLE
    assert re.search(r"extract: 5 pages, 4 articles, 0 failed, [\d.]+ pages/s; 5 records skipped, 1 damaged$",
                     proc.stderr, re.M), proc.stderr
    assert "https://news.example/news/cut: record truncated" in proc.stderr
