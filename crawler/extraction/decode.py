"""Turn response bytes into text: HTTP charset, BOM, ``<meta charset>``, then UTF-8.

Servers often send a default charset that the page does not use, so the header is
checked against the bytes: a header charset that does not decode cleanly, or a
single-byte header charset contradicted by a ``<meta>`` UTF-8 declaration that the bytes
satisfy, gives way to the page's own declaration.  A single-byte declaration (header or
``<meta>``) on bytes that are valid, non-ASCII UTF-8 gives way to UTF-8.  A header
saying ISO-8859-1/windows-1252 (many servers' default, sent whatever the page) gives
way to another single-byte charset the page declares in ``<meta>``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

# WHATWG maps these labels to windows-1252, which is what browsers actually decode.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.\-]{1,40})""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.I)
_SNIFF_BYTES = 16384


def normalize_charset(label: str | None) -> str | None:
    """Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """Charset from a Content-Type header; header names may be in any case."""
    if not headers:
        return None
    for key, value in headers.items():
        if isinstance(key, bytes):  # Scrapy's Headers hold bytes
            key = key.decode("latin-1")
        if isinstance(value, list):
            value = value[0] if value else None
        if str(key).lower() == "content-type" and value:
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            m = _HEADER_CHARSET.search(str(value))
            return normalize_charset(m.group(1)) if m else None
    return None


def bom_charset(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def declared_charset(data: bytes) -> str | None:
    """Charset from an XML declaration or ``<meta>`` tag near the top of the page."""
    head = data[:_SNIFF_BYTES]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    name = normalize_charset(m.group(1).decode("ascii", "ignore"))
    # a page that says utf-16 in ASCII-compatible bytes is not utf-16 (WHATWG rule)
    return "utf-8" if name and name.startswith("utf-16") else name


def _decoded(data: bytes, charset: str) -> str | None:
    """``data`` decoded with ``charset``; None when it does not decode."""
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _single_byte(name: str | None) -> bool:
    if not name:
        return False
    try:
        return codecs.lookup(name).name.startswith(("cp125", "iso8859", "koi8", "mac-"))
    except LookupError:
        return False


def _is_utf8(name: str | None) -> bool:
    return name in ("utf-8", "utf_8")


def choose_charset(data: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The charset to decode ``data`` with (see module docstring for the order)."""
    return _choose(data, headers)[0]


def _choose(data: bytes, headers: Mapping[str, str] | None) -> tuple[str, str | None]:
    """``choose_charset``'s charset, and the text when choosing it decoded ``data`` with
    it already (None: not decoded yet)."""
    bom = bom_charset(data)
    if bom:
        return bom, None
    http = header_charset(headers)
    meta = declared_charset(data)
    if http and meta and http != meta and _is_utf8(meta) and not data.isascii() \
            and (text := _decoded(data, "utf-8")) is not None:
        return "utf-8", text
    # non-ASCII bytes that form valid UTF-8 are UTF-8: text really written in a
    # single-byte charset almost never does, and decoding UTF-8 as such gives "fÃ¼r"
    if (_single_byte(http or meta)) and not data.isascii() and \
            (text := _decoded(data, "utf-8")) is not None:
        return "utf-8", text
    # a server's default Western charset against the page's own, more specific one
    if http == "cp1252" and meta and meta != http and _single_byte(meta) and \
            (text := _decoded(data, meta)) is not None:
        return meta, text
    for candidate in (http, meta):
        if candidate and (text := _decoded(data, candidate)) is not None:
            return candidate, text
    if (text := _decoded(data, "utf-8")) is not None:
        return "utf-8", text
    return meta or http or _guess(data), None


def _guess(data: bytes) -> str:
    """Charset for undeclared, non-UTF-8 bytes: mostly-UTF-8 stays UTF-8, else detect."""
    bad = len(data.decode("utf-8", "replace").encode("utf-8")) - len(data)
    if bad < max(8, len(data) // 2000):
        return "utf-8"
    try:
        from charset_normalizer import from_bytes  # transitive dependency of trafilatura
    except ImportError:  # pragma: no cover - trafilatura requires it
        return "cp1252"
    best = from_bytes(data[:65536]).best()
    return normalize_charset(best.encoding if best else None) or "cp1252"


def decode_html(data: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, charset used). Never raises on bad bytes."""
    charset, text = _choose(data, headers)
    if text is None:  # (a charset that decoded all of data gives the same text here)
        text = data.decode(charset, "replace")
    return text.lstrip("\ufeff"), charset


def looks_binary(data: bytes) -> bool:
    """True for bytes that are clearly not an HTML/text document (images, PDFs, zips)."""
    head = data[:2048]
    if not head:
        return False
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04",
                        b"\x1f\x8b", b"RIFF", b"\x00\x00\x01\x00")):
        return True
    if bom_charset(head) in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) * 0.05
