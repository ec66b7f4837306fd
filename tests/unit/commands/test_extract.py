"""`newscrawl extract` on HTML files and WARC archives built in tmp_path."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from warcio.warcwriter import WARCWriter

from crawler.commands import extract as extract_module
from crawler.commands.extract import extract_command
from tests.support import workers_helpers as helpers
from tests.support.factories import news_page_html
from tests.support.warc_files import CYRILLIC_TITLE, PARAGRAPH, build_warc, lines, response


def invoke(*args: str) -> Result:
    return CliRunner().invoke(extract_command, list(args), catch_exceptions=False)


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_warc_pages_are_extracted_in_order(tmp_path: Path, compress: bool) -> None:
    warc = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    expected = build_warc(warc, compress)

    result = invoke(str(warc), "--jobs", "2", "--timeout", "20")

    assert result.exit_code == 0, result.stderr
    pages = lines(result.stdout)
    assert [p["url"] for p in pages] == expected
    assert all(p["ok"] for p in pages)
    by_url = {p["url"]: p for p in pages}
    assert by_url["https://news.example/news/1"]["title"] == "Tram network to grow"
    assert by_url["https://news.example/news/3"]["title"] == "Bridge reopens after repairs"
    assert by_url["https://news.example/news/4"]["title"] == "Library extends hours"
    assert [p["is_article"] for p in pages] == [True, True, True, True, False]  # the section page
    # The truncated last record is reported, not extracted, and does not stop the run.
    assert "https://news.example/news/cut" not in by_url
    assert "truncated" in result.stderr and "1 damaged" in result.stderr
    assert re.search(r"extract: 5 pages, 4 articles, 0 failed, [\d.]+ pages/s; 5 records skipped, 1 damaged$",
                     result.stderr, re.M), result.stderr


def test_charset_from_http_header_is_honoured(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    build_warc(warc, compress=True)

    result = invoke(str(warc), "--jobs", "1")

    page = next(p for p in lines(result.stdout) if p["url"] == "https://news.example/ru/2")
    assert page["title"] == CYRILLIC_TITLE
    assert "трамвайной сети" in page["body"]


def test_output_is_utf8_json_lines_in_a_file(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    build_warc(warc, compress=True)
    out = tmp_path / "out.jsonl"

    result = invoke(str(warc), "-o", str(out))

    assert result.exit_code == 0
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert CYRILLIC_TITLE in text  # ensure_ascii=False
    assert len(lines(text)) == 5


def test_failed_pages_are_reported_without_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_module, "WORKER_FUNC", f"{helpers.__name__}:extract_or_fail")
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    urls = [f"https://news.example/{name}/{i}"
            for i, name in enumerate(["slow", "ok", "fail", "ok", "crash", "slow", "ok"])]
    for url in urls:
        response(writer, url, news_page_html(f"Story {url}", PARAGRAPH))
    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(buf.getvalue())

    result = invoke(str(warc), "--jobs", "2")

    assert result.exit_code == 0, result.stderr
    pages = lines(result.stdout)
    assert [p["url"] for p in pages] == urls
    assert pages[2] == {"url": urls[2], "ok": False, "error": "ValueError: bad page"}
    assert pages[4] == {"url": urls[4], "ok": False, "error": "worker crashed: exit code 3"}
    assert [p["ok"] for p in pages] == [True, True, False, True, False, True, True]
    assert "2 failed" in result.stderr


def test_html_files_plain_and_gzipped(tmp_path: Path) -> None:
    plain = tmp_path / "page.html"
    plain.write_bytes(news_page_html("Plain page", PARAGRAPH))
    zipped = tmp_path / "page.html.gz"
    zipped.write_bytes(gzip.compress(news_page_html("Zipped page", PARAGRAPH)))

    one = invoke(str(zipped), "--url", "https://news.example/zipped")
    both = invoke(str(plain), str(zipped), "--jobs", "2")

    assert one.exit_code == 0
    assert [(p["url"], p["title"]) for p in lines(one.stdout)] == [
        ("https://news.example/zipped", "Zipped page")
    ]
    assert both.exit_code == 0
    assert [(p["url"], p["title"]) for p in lines(both.stdout)] == [
        (plain.resolve().as_uri(), "Plain page"),
        (zipped.resolve().as_uri(), "Zipped page"),
    ]
    assert re.search(r"extract: 2 pages, 2 articles, 0 failed, [\d.]+ pages/s; 0 records skipped, 0 damaged$",
                     both.stderr, re.M), both.stderr


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(extract_command, [str(tmp_path / "nope.warc.gz")])
    assert result.exit_code != 0
    assert "does not exist" in result.stderr


def test_corrupt_gzip_file_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "page.html.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = CliRunner().invoke(extract_command, [str(broken)])
    assert result.exit_code == 1
    assert f"cannot read {broken}" in result.stderr


def test_url_option_needs_exactly_one_html_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_bytes(news_page_html("A", PARAGRAPH))
    b.write_bytes(news_page_html("B", PARAGRAPH))
    result = CliRunner().invoke(extract_command, [str(a), str(b), "--url", "https://x.example/"])
    assert result.exit_code == 2
    assert "--url" in result.stderr
