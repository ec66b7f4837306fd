"""Raw HTML kept compressed; the codec is stored per row so it can change."""

from __future__ import annotations

import hashlib
import zlib

DEFAULT_CODEC = "zlib"


def compress_html(raw: bytes, codec: str = DEFAULT_CODEC) -> bytes:
    if codec == "zlib":
        return zlib.compress(raw, 6)
    if codec == "br":
        import brotli

        return brotli.compress(raw, quality=6)
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
