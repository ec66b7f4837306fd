"""Turning untrusted bytes into something safe to walk: gzip decompressed in bounded
steps (a gzip bomb stops at ``max_size``), and XML parsed by lxml with entity
substitution, DTD loading and network access all off, so "billion laughs" and
external entities (file:///etc/passwd, http://...) are never expanded or fetched."""

from __future__ import annotations

import html as htmllib
import re
import zlib

from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_MAX_GZIP_MEMBERS = 10_000  # real multi-member files (bgzip, appended logs) stay far below
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def read_body(body: bytes, max_size: int) -> tuple[bytes, str | None]:
    """The document inside ``body`` (gunzipped when it starts with the gzip magic
    bytes, whatever the URL or headers said), cut at ``max_size`` bytes with an error."""
    if isinstance(body, str):  # callers should pass bytes; be forgiving, never raise
        body = body.encode("utf-8", "replace")
    max_size = max(int(max_size), 0)
    if body[:2] == GZIP_MAGIC:
        return _gunzip(bytes(body), max_size)
    if len(body) > max_size:
        return bytes(body[:max_size]), f"document size exceeds {max_size} bytes"
    return bytes(body), None


def _gunzip(data: bytes, max_size: int) -> tuple[bytes, str | None]:
    out = bytearray()
    start = 0
    for _ in range(_MAX_GZIP_MEMBERS):
        if data[start : start + 2] != GZIP_MAGIC:  # concatenated members form one stream
            return bytes(out), None
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pos = start
        try:
            while pos < len(data) and not inflater.eof:
                pending = data[pos : pos + _CHUNK]
                pos += len(pending)
                while pending:
                    # max_length bounds each step: the output never grows past max_size + 1
                    out += inflater.decompress(pending, max_size + 1 - len(out))
                    if len(out) > max_size:
                        return bytes(out[:max_size]), f"decompressed size exceeds {max_size} bytes"
                    pending = inflater.unconsumed_tail
        except zlib.error as exc:
            return bytes(out), f"corrupt gzip data: {exc}"
        if not inflater.eof:
            return bytes(out), "truncated gzip data"
        start = pos - len(inflater.unused_data)
    return bytes(out), f"more than {_MAX_GZIP_MEMBERS} gzip members"


def strip_prolog_noise(data: bytes) -> bytes:
    """Drops a UTF-8 BOM and leading whitespace, which make ``<?xml`` a syntax error.
    UTF-16/32 documents are left for libxml2 to decode from their BOM."""
    if data.startswith(_UTF16_32_BOMS):
        return data
    return data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n\f\v\x00")


def looks_like_markup(data: bytes) -> bool:
    return data.startswith(b"<") or data.startswith(_UTF16_32_BOMS)


_HTML_START = re.compile(rb"<(!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


def looks_like_html(data: bytes) -> bool:
    """Whether the first markup after the prolog and comments opens an HTML page."""
    head = data[:4096]
    while True:
        head = head.lstrip()
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if head.startswith(opener):
                end = head.find(closer, len(opener))
                if end < 0:
                    return False
                head = head[end + len(closer) :]
                break
        else:
            return bool(_HTML_START.match(head))


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,  # entity references stay unexpanded nodes
        no_network=True,
        load_dtd=False,  # no external DTD subset, no external parameter entities
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,  # keeps libxml2's depth, text-size and amplification limits
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


# A "&" that starts no entity or character reference: the commonest sitemap error
# (raw query strings in <loc>).  libxml2's recovery would drop the text after it.
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9_.-]*;)")


def parse_xml(data: bytes) -> tuple[etree._Element | None, str | None]:
    """The root element (or None) and why the document was not clean XML."""
    data = strip_prolog_noise(data)
    if not data:
        return None, "empty document"
    if not data.startswith(_UTF16_32_BOMS):  # the byte regex assumes an ASCII superset
        data = _BARE_AMPERSAND.sub(b"&amp;", data)
    parser = safe_parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError) as exc:
        return None, f"malformed XML: {exc}"
    problems = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if problems and root is not None:
        root = _without_unfinished_tail(data, root)
    if root is None:
        reason = problems[0].message if problems else "no root element"
        return None, f"malformed XML: {reason}"
    notes = []
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        notes.append("document declares entities; they were not expanded")
    if problems:
        first = problems[0]
        notes.append(f"malformed XML (recovered what parsed): {first.message} (line {first.line})")
    return root, "; ".join(notes) or None


def _without_unfinished_tail(data: bytes, root: etree._Element) -> etree._Element:
    """A document cut short (a truncated download, a size limit) ends in half a URL
    or half a tag, which recovery would keep as the text of the last element: parse
    again up to the last complete tag. UTF-16/32 documents are left as they are."""
    end = data.rstrip().rfind(b">")
    if data.rstrip().endswith(b">") or end < 0 or data.startswith(_UTF16_32_BOMS):
        return root
    try:
        again = etree.fromstring(data[: end + 1], safe_parser())
    except (etree.LxmlError, ValueError):
        return root
    return again if again is not None else root


# Namespaces are matched loosely: feeds and sitemaps in the wild use http vs https,
# trailing slashes and case variants of the official URIs.
_NAMESPACE_KINDS = (
    ("sitemap-news", "news"),
    ("sitemap-image", "image"),
    ("sitemap-video", "video"),
    ("w3.org/2005/atom", "atom"),
    ("purl.org/atom/ns", "atom"),
    ("w3.org/1999/xhtml", "xhtml"),
    ("purl.org/dc/", "dc"),
    ("purl.org/rss/1.0/modules/content", "content"),
    ("w3.org/1999/02/22-rdf-syntax-ns", "rdf"),
    ("purl.org/rss/1.0", "rss1"),
    ("feedburner", "feedburner"),
)


def local_name(el: object) -> str:
    """Tag without namespace; "" for comments, entities and other non-elements."""
    tag = getattr(el, "tag", None)
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def ns_kind(el: etree._Element) -> str:
    """A short name for the element's namespace ("" when it has none)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag.startswith("{"):
        return ""
    uri = tag[1:].partition("}")[0].lower()
    for needle, kind in _NAMESPACE_KINDS:
        if needle in uri:
            return kind
    return "other"


def children(el: etree._Element, name: str, *kinds: str) -> list[etree._Element]:
    """Direct child elements called ``name`` whose namespace kind is one of ``kinds``
    (any namespace when ``kinds`` is empty)."""
    return [c for c in el if local_name(c) == name and (not kinds or ns_kind(c) in kinds)]


def text_of(el: etree._Element | None, *, strict: bool = False) -> str | None:
    """Whitespace-normalised text content.  Entity references stay unexpanded: HTML
    entity names (``&eacute;`` in old RSS) become their character, others vanish;
    with ``strict`` (for URLs) any entity reference makes the whole text None."""
    if el is None:
        return None
    parts: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:  # document order without recursion: text, children, then tail
        node, children_done = stack.pop()
        if children_done:
            parts.append(node.tail or "")
            continue
        if node is not el:
            stack.append((node, True))
        if isinstance(node.tag, str):
            parts.append(node.text or "")
        elif isinstance(node, etree._Entity):  # .text is the reference, "&name;"
            if strict:
                return None
            reference = node.text or ""
            character = htmllib.unescape(reference)
            parts.append(character if character != reference else "")
        stack.extend((child, False) for child in reversed(node))
    text = " ".join("".join(parts).split())
    return text or None


def first_text(el: etree._Element, name: str, *kinds: str, strict: bool = False) -> str | None:
    """Text of the first matching child (see ``children``) that has any."""
    for child in children(el, name, *kinds):
        text = text_of(child, strict=strict)
        if text:
            return text
    return None
