"""Parse decoded HTML once into an lxml tree that every later stage shares."""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import ParserError
from lxml.html import (HtmlComment, HtmlElement, HtmlEntity, HTMLParser,
                       HtmlProcessingInstruction, document_fromstring)

# Pages above this many characters are cut: the article is near the top, and lxml,
# trafilatura and our regexes all scale with input size.
MAX_HTML_CHARS = 3_000_000

_PARSER = HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True,
                     remove_pis=True, encoding="utf-8")
# every element is an HtmlElement, chosen in C: lxml.html's own lookup calls Python for
# each element proxy (~7% of extraction time, trafilatura's passes over copies of the tree
# included) only to give form controls their own classes, which nothing here uses
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,300}\?>")
# C0 controls are not allowed in XML text; trafilatura would fail on them later
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))


def parse_html(text: str) -> HtmlElement | None:
    """The document tree of ``text``, or None when there is nothing to parse."""
    text = _XML_DECL.sub("", text[:MAX_HTML_CHARS], count=1)
    data = text.encode("utf-8", "replace").translate(None, _CONTROL_BYTES)
    if not data.strip():
        return None
    try:
        tree = document_fromstring(data, parser=_PARSER)
    except (ParserError, ValueError):
        return None
    return tree if len(tree) else None


def squash(text: str | None) -> str:
    """``text`` with every run of whitespace one space, trimmed ("" for None)."""
    return " ".join((text or "").split())
