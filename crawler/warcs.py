"""Reading WARC records' payloads, shared by ``extract`` and ``import-warc``."""

from __future__ import annotations

from typing import Any


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
