"""Raw HTML kept compressed; the codec is stored per row so it can change."""

from __future__ import annotations

import hashlib
import zlib

# brotli: smaller than zlib on news HTML and faster; the codec is stored per row, so
# old rows stay readable. Quality 4: on the dev corpus (bench/storage_growth.py) 17.0%
# of the raw size at ~3.6 ms a page, where quality 6 takes ~7.5 ms for 15.7% (and zlib
# 6 ~7 ms for 19.1%): a crawl is CPU-bound, and that is a tenth of a worker's time
# per article for 8% more bytes.
DEFAULT_CODEC = "br"
BROTLI_QUALITY = 4


def compress_html(raw: bytes, codec: str = DEFAULT_CODEC) -> bytes:
    if codec == "zlib":
        return zlib.compress(raw, 6)
    if codec == "br":
        import brotli

        return bytes(brotli.compress(raw, quality=BROTLI_QUALITY))
    raise ValueError(f"unknown codec {codec!r}")


def decompress_html(blob: bytes, codec: str) -> bytes:
    if codec == "zlib":
        return zlib.decompress(blob)
    if codec == "br":
        import brotli

        return brotli.decompress(blob)
    raise ValueError(f"unknown codec {codec!r}")


def sha1(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()
