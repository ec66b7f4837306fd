"""WARC files that ``newscrawl extract`` tests read: assorted records, charsets,
transfer and content encodings, and a truncated last record."""

from __future__ import annotations

import gzip
import io
import json
import random
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.support.factories import news_page_html

PARAGRAPH = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "after a debate that lasted well into the night and drew hundreds of residents. "
)


LISTING = ("<!DOCTYPE html><html><head><title>News | The Daily</title></head><body><h1>News</h1><ul>"
           + "".join(f'<li><a href="/news/{i}">Story number {i} of the day</a></li>' for i in range(30))
           + "</ul></body></html>").encode()
CYRILLIC_TITLE = "Городской совет одобрил новую линию трамвая"


CYRILLIC_PARAGRAPH = (
    "Городской совет во вторник проголосовал за расширение трамвайной сети на двенадцать "
    "километров после долгих дебатов, которые продолжались до поздней ночи. "
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
    response(writer, "https://news.example/news/1", news_page_html("Tram network to grow", PARAGRAPH))
    # Charset only in the HTTP header, none in the page.
    response(writer, "https://news.example/ru/2",
             news_page_html(CYRILLIC_TITLE, CYRILLIC_PARAGRAPH, charset=None, encoding="windows-1251"),
             content_type="text/html; charset=windows-1251")
    response(writer, "https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
             content_type="image/png")
    response(writer, "https://news.example/gone", news_page_html("Not here", PARAGRAPH),
             status="404 Not Found")
    # Chunked transfer encoding over a gzip-compressed body.
    response(writer, "https://news.example/news/3",
             chunked(gzip.compress(news_page_html("Bridge reopens after repairs", PARAGRAPH))),
             extra_headers=[("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")])
    # No Content-Type: HTML found by sniffing; a binary one is skipped.
    response(writer, "https://news.example/news/4", news_page_html("Library extends hours", PARAGRAPH),
             content_type=None)
    # A section page: extracted, and not an article.
    response(writer, "https://news.example/news/", LISTING)
    response(writer, "https://news.example/blob", b"\0\1\2binary", content_type=None)
    complete = buf.getvalue()

    tail = io.BytesIO()
    tail_writer = WARCWriter(tail, gzip=compress)
    response(tail_writer, "https://news.example/news/cut",
             news_page_html("Cut short", "".join(chr(0x41 + i % 26) for i in range(3000))))
    path.write_bytes(complete + tail.getvalue()[: len(tail.getvalue()) // 2])
    return [
        "https://news.example/news/1",
        "https://news.example/ru/2",
        "https://news.example/news/3",
        "https://news.example/news/4",
        "https://news.example/news/",
    ]


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- a CC-NEWS-style file ---------------------------------------------------------------

WORDS = ["harbour", "council", "ferry", "grid", "wind", "quota", "fleet", "summit", "tariff", "port", "rail", "budget", "strike", "museum", "storm", "coast", "energy", "minister", "union", "bakery", "terminal", "freight", "tidal", "research", "pier", "vote", "heating", "homes", "crew", "court", "inquiry", "bridge", "canal", "market", "river", "forecast", "election", "mayor", "school", "hospital", "clinic", "airport", "runway", "cargo", "shipyard", "turbine"]


def paragraphs(seed: int, n: int = 5) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(n)]


class CCNewsFile:
    """Builds a gzipped WARC the way CC-NEWS files look: one gzip member per record."""

    def __init__(self) -> None:
        self.buf = BytesIO()
        self.writer = WARCWriter(self.buf, gzip=True)
        self.writer.write_record(self.writer.create_warcinfo_record("cc-news-test.warc.gz",
                                                                    {"software": "test"}))

    def response(self, url: str, date: str, payload: bytes, *, status: str = "200 OK",
                 content_type: str = "text/html; charset=utf-8",
                 extra: list[tuple[str, str]] | None = None,
                 warc_extra: dict[str, str] | None = None, write: bool = True) -> bytes:
        http = StatusAndHeaders(status, [("Content-Type", content_type),
                                         ("Content-Length", str(len(payload))), *(extra or [])],
                                protocol="HTTP/1.1")
        rec = self.writer.create_warc_record(url, "response", payload=BytesIO(payload),
                                             length=len(payload), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date, **(warc_extra or {})})
        if not write:
            out = BytesIO()
            WARCWriter(out, gzip=True).write_record(rec)
            return out.getvalue()
        self.writer.write_record(rec)
        return b""

    def request(self, url: str, date: str) -> None:
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])],
                                protocol="HTTP/1.1", is_http_request=True)
        self.writer.write_record(self.writer.create_warc_record(
            url, "request", http_headers=http, warc_headers_dict={"WARC-Date": date}))

    def revisit(self, url: str, date: str) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        self.writer.write_record(self.writer.create_revisit_record(
            url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", url, "2025-03-01T10:00:00Z",
            http_headers=http, warc_headers_dict={"WARC-Date": date}))

    def metadata(self, url: str, date: str) -> None:
        self.writer.write_record(self.writer.create_warc_record(
            url, "metadata", payload=BytesIO(b"fetchTimeMs: 120\r\n"),
            warc_content_type="application/warc-fields", warc_headers_dict={"WARC-Date": date}))
