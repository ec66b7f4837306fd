"""`newscrawl extract` on HTML files and WARC archives built in tmp_path."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.commands import extract as extract_module
from crawler.commands.extract import extract_command
from crawler.utils.warcs import is_html

from tests.support import REPO, workers_helpers as helpers


PARAGRAPH = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "after a debate that lasted well into the night and drew hundreds of residents. "
)
CYRILLIC_TITLE = "Городской совет одобрил новую линию трамвая"
CYRILLIC_PARAGRAPH = (
    "Городской совет во вторник проголосовал за расширение трамвайной сети на двенадцать "
    "километров после долгих дебатов, которые продолжались до поздней ночи. "
)


def article(title: str, paragraph: str = PARAGRAPH, meta: str = '<meta charset="utf-8">') -> str:
    body = "".join(f"<p>{paragraph} ({i + 1}/6)</p>" for i in range(6))
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def response(
    writer: WARCWriter,
    url: str,
    payload: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    status: str = "200 OK",
    extra_headers: list[tuple[str, str]] | None = None,
) -> None:
    headers = [("Content-Type", content_type)] if content_type is not None else []
    headers += extra_headers or []
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(payload), http_headers=http
    )
    writer.write_record(record)


def chunked(data: bytes, size: int = 100) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                   for i in range(0, len(data), size))
    return out + b"0\r\n\r\n"


def build_warc(path: Path, compress: bool) -> list[str]:
    """Write a WARC with assorted records and a truncated one at the end; return the
    URLs of the HTML pages that should be extracted, in order."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
    request = StatusAndHeaders(
        "GET /news/1 HTTP/1.1", [("Host", "news.example")], is_http_request=True
    )
    writer.write_record(writer.create_warc_record(
        "https://news.example/news/1", "request", payload=io.BytesIO(b""), http_headers=request))
    response(writer, "https://news.example/news/1", article("Tram network to grow").encode())
    # Charset only in the HTTP header, none in the page.
    response(writer, "https://news.example/ru/2",
             article(CYRILLIC_TITLE, CYRILLIC_PARAGRAPH, meta="").encode("windows-1251"),
             content_type="text/html; charset=windows-1251")
    response(writer, "https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
             content_type="image/png")
    response(writer, "https://news.example/gone", article("Not here").encode(),
             status="404 Not Found")
    # Chunked transfer encoding over a gzip-compressed body.
    response(writer, "https://news.example/news/3",
             chunked(gzip.compress(article("Bridge reopens after repairs").encode())),
             extra_headers=[("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")])
    # No Content-Type: HTML found by sniffing; a binary one is skipped.
    response(writer, "https://news.example/news/4", article("Library extends hours").encode(),
             content_type=None)
    response(writer, "https://news.example/blob", b"\0\1\2binary", content_type=None)
    complete = buf.getvalue()

    tail = io.BytesIO()
    tail_writer = WARCWriter(tail, gzip=compress)
    response(tail_writer, "https://news.example/news/cut",
             article("Cut short", "".join(chr(0x41 + i % 26) for i in range(3000))).encode())
    path.write_bytes(complete + tail.getvalue()[: len(tail.getvalue()) // 2])
    return [
        "https://news.example/news/1",
        "https://news.example/ru/2",
        "https://news.example/news/3",
        "https://news.example/news/4",
    ]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(extract_command, list(args), catch_exceptions=False)


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


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
    # The truncated last record is reported, not extracted, and does not stop the run.
    assert "https://news.example/news/cut" not in by_url
    assert "truncated" in result.stderr and "1 damaged" in result.stderr
    assert re.search(r"extract: 4 pages, \d+ articles, 0 failed, [\d.]+ pages/s", result.stderr)


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
    assert len(lines(text)) == 4


def test_failed_pages_are_reported_without_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_module, "WORKER_FUNC", f"{helpers.__name__}:extract_or_fail")
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    urls = [f"https://news.example/{name}/{i}"
            for i, name in enumerate(["slow", "ok", "fail", "ok", "crash", "slow", "ok"])]
    for url in urls:
        response(writer, url, article(f"Story {url}").encode())
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
    plain.write_text(article("Plain page"), encoding="utf-8")
    zipped = tmp_path / "page.html.gz"
    zipped.write_bytes(gzip.compress(article("Zipped page").encode()))

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
    assert re.search(r"extract: 2 pages, \d+ articles, 0 failed", both.stderr)


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
    a.write_text(article("A"))
    b.write_text(article("B"))
    result = CliRunner().invoke(extract_command, [str(a), str(b), "--url", "https://x.example/"])
    assert result.exit_code == 2
    assert "--url" in result.stderr


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
    assert re.search(r"extract: 4 pages, \d+ articles, 0 failed", proc.stderr)
    assert "truncated" in proc.stderr and "1 damaged" in proc.stderr


def test_html_sniffing() -> None:
    assert is_html("text/html; charset=utf-8", b"<p>hi")
    assert not is_html("text/html", b"%PDF-1.4")
    assert is_html("", b"\n  <!DOCTYPE html><html>")
    assert is_html("application/octet-stream", b"<html lang=en>")
    assert not is_html("", b"\0\1binary")
    assert not is_html("application/json", b"<html>")
