"""Reading WARC records' payloads, shared by ``extract`` and ``import-warc``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import IO, Any


def iter_records(f: IO[bytes], path: object, damaged: Callable[[str], None]) -> Iterator[tuple[int, Any]]:
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
