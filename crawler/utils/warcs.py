"""WARC files, read and written in one place: ``extract`` and ``import-warc``
read them, ``export-warc`` writes them.

Reading is forgiving: damage that ends a file early (a cut gzip member,
unreadable data) is reported once, with why, and what was read before it is
kept; a damaged record is reported and skipped."""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from storage.recheck import parse_time
from crawler.utils.urls import host_of, is_http_url

HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Content types that say nothing either way: sniff the payload.
VAGUE_TYPES = {
    "", "text/plain", "application/octet-stream", "binary/octet-stream", "unknown/unknown"
}
BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
# Tags the WHATWG MIME sniffing algorithm accepts as the start of an HTML document.
HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)"
    rb"[\s>]",
    re.IGNORECASE,
)
# Stored HTML is already decoded (Scrapy undid gzip/br and chunking), so these
# headers would misdescribe the payload written to a WARC.
PAYLOAD_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}

Damaged = Callable[[str], None]


# -- reading --------------------------------------------------------------------------


def open_maybe_gzip(path: Path) -> IO[bytes]:
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return open(path, "rb")


def is_warc(path: Path) -> bool:
    """Whether the file (gzipped or not) starts like a WARC file. Raises OSError,
    EOFError or zlib.error on an unreadable file."""
    with open_maybe_gzip(path) as f:
        return f.read(5) == b"WARC/"


def iter_records(f: IO[bytes], path: object, damaged: Damaged) -> Iterator[tuple[int, Any]]:
    """``(offset, record)`` for each record of an open WARC file. Damage that ends the
    file early (a cut gzip member, unreadable data) is reported once, with why,
    through ``damaged``, and ends the iteration."""
    from warcio.archiveiterator import ArchiveIterator

    records = ArchiveIterator(f)
    size = os.fstat(f.fileno()).st_size
    while True:
        offset = records.offset
        try:
            record = next(records)
        except StopIteration:
            if records.offset < size:  # warcio ends quietly when a gzip member is cut
                damaged(f"{path}: the last {size - records.offset} bytes (from offset "
                        f"{records.offset}) are not a complete WARC record (truncated file?), skipped")
            return
        except Exception as exc:  # warcio raises assorted errors on damaged data
            damaged(f"{path}: unreadable WARC data after offset {offset}, skipping the rest "
                    f"of the file ({type(exc).__name__}: {exc})")
            return
        yield offset, record


def http_headers(http: Any) -> dict[str, str]:
    """A record's HTTP headers as a dict; repeated headers joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in http.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def record_payload(record: Any) -> tuple[bytes | None, str | None]:
    """(HTTP payload, None) for a readable response record, or (None, why it is
    damaged): truncated by its crawler, unreadable, or shorter than declared."""
    truncated = record.rec_headers.get_header("WARC-Truncated")
    if truncated:
        return None, f"truncated by the crawler ({truncated})"
    try:
        # content_stream() undoes chunked transfer and gzip/deflate/br encoding.
        payload = record.content_stream().read()
    except Exception as exc:  # a damaged record must not stop the file
        return None, f"unreadable payload ({type(exc).__name__}: {exc})"
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        return None, f"record truncated ({missing} of {record.length} bytes missing)"
    return payload, None


def is_html(content_type: str, payload: bytes) -> bool:
    """Decide from the declared type, sniffing the payload when the type is vague."""
    mime = content_type.split(";", 1)[0].strip().lower()
    head = payload[:1024]
    if mime in HTML_TYPES:
        return not head.startswith(BINARY_MAGIC)
    if mime in VAGUE_TYPES:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return b"\0" not in head and HTML_START.match(start) is not None
    return False


def html_payload(record: Any, content_type: str) -> tuple[bytes | None, str | None]:
    """A WARC response record's payload when it is HTML: ``(payload, None)``;
    ``(None, None)`` when it is not HTML; ``(None, why)`` when the record is damaged."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime not in HTML_TYPES and mime not in VAGUE_TYPES:
        return None, None
    payload, damage = record_payload(record)
    if payload is None:
        return None, damage
    return (payload, None) if is_html(content_type, payload) else (None, None)


def fetched_at_of(warc_date: str | None) -> str:
    """WARC-Date as ``pages.fetched_at`` (UTC ISO 8601, seconds); now when it is missing or bad."""
    when = parse_time(warc_date) or datetime.now(UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class WarcResponse:
    """An HTTP response read from a WARC file (``html`` empty unless it is a 200 HTML page)."""

    url: str
    fetched_at: str
    status: int
    headers: dict[str, str]
    html: bytes = b""


@dataclass
class ReadCounts:
    records: int = 0
    skipped: int = 0  # not an HTML page: requests, revisits, images, redirects...
    filtered: int = 0  # left out by a host or date filter
    damaged: int = 0


def iter_responses(
    path: Path, counts: ReadCounts, damaged: Damaged, *, hosts: set[str] | None = None,
    since: str | None = None, progress: Any = None, errors: bool = True,
) -> Iterator[WarcResponse]:
    """The HTTP responses of one WARC file: every 200 HTML page, and (``errors``)
    every 4xx/5xx answer without a payload. ``hosts`` and ``since`` (UTC ISO
    8601, compared with WARC-Date) filter; ``progress`` (a tqdm bar in bytes) is
    advanced by the file offset read."""

    def damage(message: str) -> None:
        counts.damaged += 1
        damaged(message)

    size = os.path.getsize(path)
    done = 0
    with open(path, "rb") as f:
        for offset, record in iter_records(f, path, damage):
            if progress is not None:
                progress.update(offset - done)
                done = offset
            counts.records += 1
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
            http = record.http_headers
            if record.rec_type != "response" or http is None or not is_http_url(url):
                counts.skipped += 1
                continue
            fetched_at = fetched_at_of(record.rec_headers.get_header("WARC-Date"))
            if (hosts and host_of(url) not in hosts) or (since and fetched_at < since):
                counts.filtered += 1
                continue
            try:
                status = int(http.get_statuscode() or 0)
            except ValueError:
                status = 0
            headers = http_headers(http)
            if status >= 400 and errors:
                yield WarcResponse(url, fetched_at, status, headers)
                continue
            payload, why = (None, None) if status != 200 else html_payload(
                record, http.get_header("Content-Type") or "")
            if why:
                damage(f"{path}@{offset} {url}: {why}, skipped")
            elif payload is None:
                counts.skipped += 1
            else:
                yield WarcResponse(url, fetched_at, status, headers, payload)
    if progress is not None:
        progress.update(size - done)


# -- writing --------------------------------------------------------------------------


def warc_date(fetched_at: str) -> str:
    """``pages.fetched_at`` (ISO 8601) as a WARC-Date (UTC, seconds, ``Z``)."""
    when = datetime.fromisoformat(fetched_at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_response_headers(status: int, headers: dict[str, str], length: int) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    pairs = [(k, v) for k, v in headers.items() if k.lower() not in PAYLOAD_HEADERS]
    pairs.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {phrase}", pairs, protocol="HTTP/1.1")


def http_request_headers(url: str) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)],
                            protocol="HTTP/1.1", is_http_request=True)


def write_warc(pages: Iterable[dict[str, Any]], out: IO[bytes], *, software: str, gzip: bool = True) -> int:
    """A warcinfo record, then a response and a request record per page
    (``pages``: dicts with url, status, headers, html, fetched_at).

    The response carries the stored HTTP status and headers (less the payload
    encoding headers, see ``PAYLOAD_HEADERS``) and the stored HTML; WARC-Date is
    the fetch time. The request record (method, path, Host: the original request
    headers are not stored) is WARC-Concurrent-To its response.
    """
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=gzip, warc_version="1.0")
    info = writer.create_warcinfo_record(
        "newscrawl-export.warc", {"software": software,
                                  "format": "WARC File Format 1.0",
                                  "description": "raw pages stored by newscrawl"})
    writer.write_record(info)
    n = 0
    for page in pages:
        html: bytes = page["html"]
        date = warc_date(page["fetched_at"])
        response = writer.create_warc_record(
            page["url"], "response", payload=BytesIO(html), length=len(html),
            http_headers=http_response_headers(int(page["status"] or 200), page["headers"], len(html)),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(response)
        request = writer.create_warc_record(
            page["url"], "request", http_headers=http_request_headers(page["url"]),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        n += 1
    return n
