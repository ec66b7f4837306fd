"""One pass over the page's elements for what their class, id and a few attributes mark:
bylines (``authors``), subscription boxes (``paywall``) and article markup (``body``).

Each consumer used to scan the whole tree on its own (a Python loop, an XPath testing
every class attribute nine times); one loop that tests each distinct class value once
costs less than either.  The consumers still decide which candidates count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

# class names publishers use for bylines, in several languages
BYLINE_CLASS = re.compile(r"[bB]yline|[aA]uthor|[aA]utor|auteur|signature|firma")
# a class or id that may name a paywall or an appeal for money (``paywall._PAYWALL_NAME``
# says which of them really do)
PAYWALL_CLASS = re.compile(r"aywall|regwall|ubscri|remium|piano|meter|member|donat|upport")
PAYWALL_ID = re.compile(r"aywall|ubscri")


@dataclass
class Marked:
    """Elements in page order whose attributes mark them as ..."""

    # ... a byline or an author: a byline class name, itemprop="author", rel="author"
    bylines: list[HtmlElement]
    # ... perhaps a subscription box: a paywall-like class or id, a data-paywall attribute
    paywall: list[HtmlElement]
    # ... article markup: <article>, itemprop="articleBody"
    article_markup: list[HtmlElement]


def marked_elements(tree: HtmlElement) -> Marked:
    """The elements of ``tree`` (itself and its descendants: pass the document's root for
    the whole page) that ``Marked`` lists."""
    bylines: list[HtmlElement] = []
    paywall: list[HtmlElement] = []
    article_markup: list[HtmlElement] = []
    by_class: dict[str, tuple[bool, bool]] = {}  # class value -> (byline, paywall)
    for el in tree.iter(etree.Element):
        cls = el.get("class")
        if cls is None:
            byline = pay = False
        else:
            if (known := by_class.get(cls)) is None:
                known = by_class[cls] = (BYLINE_CLASS.search(cls) is not None,
                                         PAYWALL_CLASS.search(cls) is not None)
            byline, pay = known
        itemprop = el.get("itemprop")
        if byline or itemprop == "author" or el.get("rel") == "author":
            bylines.append(el)
        if pay or el.get("data-paywall") is not None or \
                ((ident := el.get("id")) is not None and PAYWALL_ID.search(ident)):
            paywall.append(el)
        if itemprop == "articleBody" or el.tag == "article":
            article_markup.append(el)
    return Marked(bylines, paywall, article_markup)


def still_in(tree: HtmlElement, el: HtmlElement) -> bool:
    """Whether ``el``, found in ``tree``, is still in the same document: not taken out
    (with a subtree holding it) since ``tree`` was scanned."""
    return _top(el) is _top(tree)


def _top(el: HtmlElement) -> HtmlElement:
    while (parent := el.getparent()) is not None:
        el = parent
    return el
