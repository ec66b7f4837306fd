"""``body_html``: the article body as safe structural HTML, built from the same reading
as ``body`` so that both hold the same paragraphs.

The reading that gave the body text (trafilatura's XML tree, the article markup's
blocks, the page's JSON-LD articleBody or live-blog entries) is cut into ``Block``s,
each knowing the body lines it gave.  The body's line filters (``clean_lines``) decide
which lines stay; a block is rendered with the lines that stayed, so a dropped promo
line is gone from both.  Links come back from the page element each paragraph was read
from (trafilatura's text mode drops them, and asking it for links changes what it
extracts); images inside the body become figures where the page shows them.

The HTML is sanitised by nh3 (the Ammonia sanitiser) with an allow-list of structural
tags, ``href`` on links only (http/https, ``rel="nofollow noopener noreferrer"``),
``src``/``alt``/``width`` on images and ``datetime`` on times: no scripts, styles, event
handlers or anything a browser would run.

``html_paragraphs(body_html)`` and ``body_paragraphs(body)`` read both back as a list of
paragraphs (the text of paragraphs, headings, list items, table rows and preformatted
lines; figure captions and live-blog entry times are not body text) for comparison.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from lxml.html import HtmlElement, fragment_fromstring

from crawler.extraction.document import squash
from crawler.extraction.images import absolute

ALLOWED_TAGS = frozenset({
    "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "img", "a",
    "section", "time", "small",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width"}, "time": {"datetime"},
                      "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
LINK_REL = "nofollow noopener noreferrer"
# paragraphs shorter than this are not looked up in the page (labels, list bullets)
MIN_LOOKUP = 20
LOOKUP_KEY = 80
# the element holding the body: the deepest one holding this share of its paragraphs
REGION_SHARE = 0.8
_SOURCE_TAGS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "dd")
_BULLET = re.compile(r"^(?:(?:[-*•–]|\d{1,3}[.)])\s+)+")
TABLE_RULE = re.compile(r"^[\s|:+-]*-[\s|:+-]*$")
_ITEM_MARKER = re.compile(r"^- ")  # what trafilatura's text writes before a list item
_BLOCK_READ = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "pre"})


def text_lines(text: str) -> list[str]:
    """The body's lines as the line filters see them: whitespace folded, none empty."""
    return [ln for ln in (squash(line) for line in text.split("\n")) if ln]


@dataclass
class Block:
    """One structural block of a reading and the body lines it gave."""

    kind: str  # p, h, list, quote, table, pre
    lines: list[str]
    level: int = 3  # of a heading
    ordered: bool = False  # of a list
    rows: list[list[tuple[str, bool]]] | None = None  # of a table: (cell text, header?)
    source: HtmlElement | None = None  # the page element it was read from
    entry_time: str | None = None  # a live-blog entry starts here, at this time
    entry: bool = False


@dataclass
class Reading:
    """A body text and the blocks it was read as (``blocks``: None means one paragraph a
    line)."""

    text: str
    source: str
    blocks: list[Block] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# -- readings as blocks -------------------------------------------------------------------

def _xml_kind(el: Any) -> tuple[str, int, bool]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "head":
        rend = (el.get("rend") or "h3").lower()
        level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 3
        return "h", min(max(level, 2), 6), False
    if tag == "list":
        return "list", 3, (el.get("rend") or "").lower() == "ol"
    if tag == "quote":
        return "quote", 3, False
    if tag == "table":
        return "table", 3, False
    if tag == "code":
        return "pre", 3, False
    return "p", 3, False


def _table_rows(el: Any) -> list[list[tuple[str, bool]]]:
    rows = []
    for row in el.iter("row"):
        cells = [(squash(" ".join(c.itertext())), c.get("role") == "head") for c in row.iter("cell")]
        if cells:
            rows.append(cells)
    return rows


def blocks_from_xml(body: Any, text: str) -> list[Block] | None:
    """trafilatura's output tree as blocks, each child's lines written by trafilatura's
    own ``xmltotxt``; None when they do not add up to ``text``'s lines."""
    from trafilatura.xml import xmltotxt

    if body is None:
        return None
    blocks: list[Block] = []
    if squash(body.text):
        blocks.append(Block("p", text_lines(body.text)))
    for child in body:
        tail, child.tail = child.tail, None
        try:
            lines = text_lines(xmltotxt(child, False))
        finally:
            child.tail = tail
        if lines:
            kind, level, ordered = _xml_kind(child)
            rows = _table_rows(child) if kind == "table" else None
            blocks.append(Block(kind, lines, level=level, ordered=ordered, rows=rows))
        if squash(tail):
            blocks.append(Block("p", text_lines(tail or "")))
    if [ln for b in blocks for ln in b.lines] != text_lines(text):
        return None
    return blocks


_MARKUP_KIND = {"p": "p", "h2": "h", "h3": "h", "h4": "h", "h5": "h", "h6": "h", "li": "list",
                "blockquote": "quote", "pre": "pre"}


def blocks_from_elements(pairs: Sequence[tuple[HtmlElement, str]]) -> list[Block]:
    """Blocks of a reading made element by element (the article markup's text)."""
    blocks: list[Block] = []
    for el, line in pairs:
        kind = _MARKUP_KIND.get(el.tag, "p")
        level = int(el.tag[1]) if kind == "h" else 3
        if kind == "list" and blocks and blocks[-1].kind == "list" and \
                blocks[-1].source is not None and blocks[-1].source.getparent() is el.getparent():
            blocks[-1].lines.append(line)
            continue
        blocks.append(Block(kind, [line], level=level, source=el,
                            ordered=kind == "list" and el.getparent() is not None
                            and el.getparent().tag == "ol"))
    return blocks


# -- the page elements the paragraphs were read from -----------------------------------------

def _lookup_key(line: str) -> str:
    return _BULLET.sub("", squash(line))[:LOOKUP_KEY].casefold()


class PageSources:
    """The page's text elements by the start of their text (the first in page order for
    each start), once per page.  The page is read only as far as the lines looked up
    need: an article's paragraphs come in page order, and the page's rest (teasers,
    footer) is read only when a line is not found before it.  The tree must not change
    while it is in use."""

    def __init__(self, tree: HtmlElement) -> None:
        self.by_key: dict[str, HtmlElement] = {}
        self._unread = tree.iter(*_SOURCE_TAGS)

    def find(self, line: str) -> HtmlElement | None:
        key = _lookup_key(line)
        if len(key) < MIN_LOOKUP:
            return None
        found = self.by_key.get(key)
        while found is None and (el := next(self._unread, None)) is not None:
            own = el.text or ""
            # an element whose own text fills the key needs no walk over its children
            text = squash(own) if len(own) > 2 * LOOKUP_KEY else squash(el.text_content())
            if len(text) >= MIN_LOOKUP:
                read = text[:LOOKUP_KEY].casefold()
                self.by_key.setdefault(read, el)
                if read == key:
                    found = self.by_key[key]
        return found


def body_region(sources: Iterable[HtmlElement]) -> HtmlElement | None:
    """The deepest element holding ``REGION_SHARE`` of the body's source elements."""
    counts: Counter[Any] = Counter()
    depth: dict[Any, int] = {}
    n = 0
    for el in sources:
        n += 1
        chain = [el, *el.iterancestors()]
        for i, anc in enumerate(chain):
            counts[anc] += 1
            depth[anc] = len(chain) - i
    if not n:
        return None
    need = max(1, int(REGION_SHARE * n + 0.999))
    held = [anc for anc, c in counts.items() if c >= need]
    return max(held, key=lambda a: depth[a]) if held else None


# -- rendering ------------------------------------------------------------------------------

def _links_of(el: HtmlElement | None, base: str) -> list[tuple[str, str]]:
    if el is None:
        return []
    out = []
    for a in el.iter("a"):
        text, href = squash(a.text_content()), (a.get("href") or "").strip()
        if len(text) < 2 or not href or href.startswith("#"):
            continue
        full = absolute(href, base)
        if full:
            out.append((text, full))
    return out


def _linked(line: str, links: list[tuple[str, str]]) -> str:
    """``line`` as escaped HTML, the anchors' texts linked in order."""
    out: list[str] = []
    pos = 0
    for text, href in links:
        at = line.find(text, pos)
        if at < 0:
            continue
        out.append(html.escape(line[pos:at], quote=False))
        out.append(f'<a href="{html.escape(href)}">{html.escape(text, quote=False)}</a>')
        pos = at + len(text)
    out.append(html.escape(line[pos:], quote=False))
    return "".join(out)


def _figure(image: dict[str, Any]) -> str:
    width = f' width="{int(image["width"])}"' if image.get("width") else ""
    caption = " ".join(html.escape(x, quote=False) for x in (image.get("caption") or "",) if x)
    credit = f"<small>{html.escape(image['credit'], quote=False)}</small>" \
        if image.get("credit") else ""
    cap = f"<figcaption>{caption}{' ' if caption and credit else ''}{credit}</figcaption>" \
        if caption or credit else ""
    alt = html.escape(image.get("caption") or "")
    return f'<figure><img src="{html.escape(image["url"])}" alt="{alt}"{width}>{cap}</figure>'


def _render_block(block: Block, kept: list[str], base: str) -> str:
    links = _links_of(block.source, base)
    if block.kind == "h":
        return f"<h{block.level}>" + "<br>".join(_linked(ln, links) for ln in kept) + \
            f"</h{block.level}>"
    if block.kind == "list":
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{_linked(_ITEM_MARKER.sub('', ln), links)}</li>" for ln in kept)
        return f"<{tag}>{items}</{tag}>"
    if block.kind == "quote":
        return "<blockquote>" + "".join(f"<p>{_linked(ln, links)}</p>" for ln in kept) + \
            "</blockquote>"
    if block.kind == "pre":
        return "<pre>" + html.escape("\n".join(kept), quote=False) + "</pre>"
    if block.kind == "table" and block.rows and \
            len(kept) == len([ln for ln in block.lines if not TABLE_RULE.match(ln)]):
        rows = "".join(
            "<tr>" + "".join(f"<{'th' if head else 'td'}>{html.escape(text, quote=False)}"
                             f"</{'th' if head else 'td'}>" for text, head in row) + "</tr>"
            for row in block.rows)
        return f"<table><tbody>{rows}</tbody></table>"
    if block.kind == "table":
        return "".join(f"<p>{html.escape(ln, quote=False)}</p>" for ln in kept)
    return "<p>" + "<br>".join(_linked(ln, links) for ln in kept) + "</p>"


def render(blocks: list[Block], kept: set[int], *, lede: Sequence[str] = (), base: str = "",
           figures: Sequence[tuple[dict[str, Any], HtmlElement | None]] = (),
           region: HtmlElement | None = None) -> str:
    """Safe HTML of the blocks' kept lines (``kept``: indices into all blocks' lines in
    order), the standfirst's lines first, the body's figures where the page shows them."""
    order: dict[Any, int] = {}
    wanted = {b.source for b in blocks if b.source is not None} | \
        {el for _, el in figures if el is not None}
    if region is not None and figures:
        for i, el in enumerate(region.iter()):
            if el in wanted:
                order[el] = i
    pending = sorted(((order.get(el, 1 << 30) if el is not None else 1 << 30, n, image)
                      for n, (image, el) in enumerate(figures)), key=lambda t: (t[0], t[1]))
    parts = [f"<p>{html.escape(ln, quote=False)}</p>" for ln in lede]
    index, last_pos, in_entry = 0, -1, False
    for block in blocks:
        lines = [ln for i, ln in enumerate(block.lines, index) if i in kept and
                 not (block.kind == "table" and TABLE_RULE.match(ln))]
        index += len(block.lines)
        if block.source is not None and block.source in order:
            last_pos = order[block.source]
        while pending and pending[0][0] < last_pos:
            parts.append(_figure(pending.pop(0)[2]))
        if block.entry:
            parts.append("</section>" if in_entry else "")
            stamp = f'<time datetime="{html.escape(block.entry_time)}">' \
                f"{html.escape(block.entry_time, quote=False)}</time>" if block.entry_time else ""
            parts.append(f"<section>{stamp}")
            in_entry = True
        if lines:
            parts.append(_render_block(block, lines, base))
    parts.extend(_figure(image) for _, _, image in pending)
    if in_entry:
        parts.append("</section>")
    return sanitize("".join(parts))


def sanitize(fragment: str) -> str:
    """``fragment`` with only the allowed tags and attributes (nh3, the Ammonia bindings)."""
    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https"}, link_rel=LINK_REL, strip_comments=True)


# -- reading the text back ---------------------------------------------------------------------

def paragraph_key(line: str) -> str:
    """A paragraph as both texts write it: list bullets and table rules set aside."""
    return _BULLET.sub("", squash(line.replace("|", " ").replace("\\", " ")))


def body_paragraphs(body: str) -> list[str]:
    return [k for k in (paragraph_key(ln) for ln in body.split("\n")
                        if not TABLE_RULE.match(ln.strip())) if k]


def html_paragraphs(fragment: str) -> list[str]:
    """The paragraphs of ``body_html``: paragraphs, headings, list items, table rows,
    preformatted lines (not figure captions or entry times)."""
    if not fragment.strip():
        return []
    root = fragment_fromstring(fragment, create_parent="div")
    out: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or any(a.tag == "figure" for a in el.iterancestors()):
            continue
        if el.tag == "tr":
            out.append(" ".join(squash(c.text_content()) for c in el if isinstance(c.tag, str)))
        elif el.tag in _BLOCK_READ:
            if el.tag == "pre":
                out.extend((el.text_content() or "").split("\n"))
                continue
            piece = ["- " if el.tag == "li" else "", el.text or ""]  # as body writes items
            for child in el:
                piece.append("\n" if child.tag == "br" else child.text_content())
                piece.append(child.tail or "")
            out.extend("".join(piece).split("\n"))
    return [k for k in (paragraph_key(ln) for ln in out) if k]
