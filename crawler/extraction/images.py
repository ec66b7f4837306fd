"""The article's images: the lead image, then the images inside the article body, each
with its caption and its credit apart.

* URLs are absolute; of a ``srcset`` (or the ``<source>`` of a ``<picture>``) the largest
  candidate is taken, and lazy-loading attributes (``data-src``, ``data-srcset``,
  ``data-lazy-src``, ``data-original``) count as the image's own.
* Tracking pixels and icons are not images of the article: ``data:`` URIs, SVGs, images
  declared smaller than ``MIN_SIDE`` pixels, and images whose class or file name says
  pixel, spacer, icon, logo, avatar, emoji, sprite or badge.
* The lead image is the page's declared one (og:image, twitter:image, JSON-LD image),
  else the first figure above the body; its caption and credit come from the figure
  that shows it on the page, else from the JSON-LD ImageObject.
* Credits are split from captions by what news pages write for them: an element of its
  own inside the caption (``<small>``, ``<cite>``, a class naming credit, copyright,
  source or photographer), or a credit phrase at the caption's end or start: a label
  ("Photo: X", "Foto: X", "Bild: X", "Credit: X", "Image: X", "©X"), a parenthesis that
  names an agency or a photographer with a slash ("(Kim Won Jin / AFP)"), or an agency
  name after a slash ("John Smith/Getty Images").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.document import squash
from crawler.extraction.metadata import PageMeta

MIN_SIDE = 50  # pixels: smaller declared images are icons, buttons or tracking pixels
# in the body, narrower images are thumbnails of links to other articles, not its photos
MIN_BODY_WIDTH = 150
_THUMB_NAME = re.compile(r"[-_](\d{2,3})x\d{2,3}\.\w+$")
MAX_IMAGES = 50
MAX_CAPTION = 600
MAX_CREDIT = 150
_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-url", "src")
_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
_NOT_PHOTO = re.compile(
    r"(?:^|[\W_])(?:pixel|spacer|blank|transparent|1x1|icons?|logo|avatar|emoji|sprite|badge|"
    r"placeholder|loading|lazy-?load)(?:$|[\W_])", re.I)
# ancestors whose images are page furniture, not the article's
_FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "form", "button", "noscript"})
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:ads?|advert\w*|promo\w*|related|newsletter\w*|share|sharing|social|"
    r"recirc\w*|recommend\w*|teasers?|author\w*|byline|avatar|sponsor\w*|outbrain|taboola)"
    r"(?:$|[\s_-])", re.I)
_CREDIT_CLASS = re.compile(r"credit|copyright|source|photographer|byline|author|rights", re.I)
_CAPTION_CLASS = re.compile(r"caption|legend|beschreibung|bildunterschrift", re.I)
_AGENCIES = (r"AFP|AP|Reuters|Getty(?:\s+Images)?|EPA|dpa|picture[\s-]alliance|ANP|ANSA|EFE|"
             r"Shutterstock|iStock(?:photo)?|Bloomberg|Xinhua|Sputnik|TASS|NTB|TT|Ritzau|"
             r"Keystone|Belga|PA(?:\s+Images|\s+Wire)?|Alamy|imago(?:\s+images)?|Wikimedia|"
             r"Unsplash|Pexels|NurPhoto|Anadolu|SOPA|ZUMA|UPI|Kyodo|Yonhap|BBC|Ukrinform")
_WORDS = r"(?:photo(?:graph)?s?|pictures?|fotos?|fotografie|bild(?:er)?|images?|credits?|crédits?|quelle|source)"
# a credit label: a word and a colon ("Photo:", "Foto :"), or the copyright sign
_LABEL = rf"(?:\b{_WORDS}\s?:|©|\(c\)\s)"
# "... 2019 (Kim Won Jin / AFP)", "... (Photo: Jane Doe)", "... (AFP)"
_PAREN_CREDIT = re.compile(
    rf"\s*\((?P<credit>[^()]{{0,{MAX_CREDIT}}}?/\s*(?:{_AGENCIES})\b[^()]*|\s*{_LABEL}[^()]*|"
    rf"\s*(?:{_AGENCIES})\s*)\)\s*$", re.I)
# "... Photo: Jane Doe/Reuters", "... Foto: dpa", "... © Jane Doe"
_TRAILING_LABEL = re.compile(rf"(?:^|(?<=[\s.;,|–—-]))\s*(?P<credit>{_LABEL}\s*[^.]{{1,{MAX_CREDIT}}})$",
                             re.I)
# "Photo: Jane Doe. A crowd gathers ..." (the label opens the caption)
_LEADING_LABEL = re.compile(rf"^\s*(?P<credit>{_LABEL}\s*[^.|]{{1,80}}?)\s*[.|]\s+(?=\S)", re.I)
# "... John Smith/Getty Images", "... Jane Doe / AFP"
_TRAILING_AGENCY = re.compile(
    rf"(?:^|(?<=[\s.;,]))\s*(?P<credit>(?:(?:[A-Z]\.|[\w'’-]+)\s){{0,4}}[\w'’-]+\s?/\s?(?:{_AGENCIES})[\w\s./-]{{0,40}})$",
    re.I)
_SIZE_SUFFIX = re.compile(r"(?:[-_](?:\d{2,5}x\d{2,5}|scaled|large|medium|small|thumb\w*))+(?=\.\w+$)", re.I)
_SRCSET_SPLIT = re.compile(r",\s+")
_DESCRIPTOR = re.compile(r"^(\d+(?:\.\d+)?)([wx])$")


def absolute(value: str | None, base: str) -> str | None:
    if not value or not value.strip() or value.strip().startswith("data:"):
        return None
    try:
        full = urljoin(base, value.strip())
    except ValueError:
        return None
    return full if urlsplit(full).scheme in ("http", "https") else None


def largest_candidate(srcset: str) -> tuple[str, int | None] | None:
    """The largest candidate of a ``srcset``: (its URL, its width when given in ``w``)."""
    parts = _SRCSET_SPLIT.split(srcset.strip()) if ", " in srcset or ",\n" in srcset \
        else srcset.split(",")
    best: tuple[float, str, int | None] | None = None
    for part in parts:
        pieces = part.strip().split()
        if not pieces:
            continue
        url, size, width = pieces[0], 1.0, None
        if len(pieces) > 1 and (m := _DESCRIPTOR.match(pieces[-1])):
            size = float(m.group(1))
            if m.group(2) == "w":
                width = int(size)
        if best is None or size > best[0]:
            best = (size, url, width)
    return (best[1], best[2]) if best else None


def _int_attr(el: HtmlElement, name: str) -> int | None:
    value = (el.get(name) or "").strip().removesuffix("px")
    return int(value) if value.isdigit() else None


def image_source(img: HtmlElement, base: str) -> tuple[str, int | None] | None:
    """The URL (largest srcset candidate, lazy-loading attributes first) and width of an
    ``<img>``, or None when it is no photo (data: URI, tiny, an icon)."""
    width, height = _int_attr(img, "width"), _int_attr(img, "height")
    if (width is not None and width < MIN_SIDE) or (height is not None and height < MIN_SIDE):
        return None
    if _NOT_PHOTO.search(img.get("class", "")):
        return None
    srcsets = [img.get(a) for a in _SRCSET_ATTRS]
    # a <picture>'s <source>s; libxml2 does not know <source> as void and nests the
    # <img> inside it, so look a few levels up
    picture = next((a for _, a in zip(range(3), img.iterancestors()) if a.tag == "picture"), None)
    if picture is not None:
        srcsets += [s.get(a) for s in picture.iter("source") for a in _SRCSET_ATTRS]
    best: tuple[str, int | None] | None = None
    for srcset in srcsets:
        if srcset and not srcset.strip().startswith("data:"):
            found = largest_candidate(srcset)
            if found and (best is None or (found[1] or 0) > (best[1] or 0)):
                best = found
    url = absolute(best[0], base) if best else None
    if url is None:
        for attr in _SRC_ATTRS:
            url = absolute(img.get(attr), base)
            if url:
                break
        best = None
    if url is None:
        return None
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if name.endswith(".svg") or _NOT_PHOTO.search(name.rsplit(".", 1)[0]):
        return None
    return url, (best[1] if best and best[1] else width)


def image_key(url: str) -> str:
    """The same picture at another size or crop: its file name without size suffixes."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    return _SIZE_SUFFIX.sub("", name) or url


def split_credit(text: str) -> tuple[str, str]:
    """(caption, credit) of a caption text that may end or open with a credit."""
    text = squash(text)
    for pattern in (_PAREN_CREDIT, _TRAILING_LABEL, _TRAILING_AGENCY):
        m = pattern.search(text)
        if m and m.group("credit").strip():
            caption = text[:m.start()].strip().rstrip(",;|–—-").strip()
            return caption, _clean_credit(m.group("credit"))
    m = _LEADING_LABEL.match(text)
    if m:
        return text[m.end():].strip(), _clean_credit(m.group("credit"))
    return text, ""


def _clean_credit(credit: str) -> str:
    return squash(credit).strip(" .;,|()")


def _caption_element(figure: HtmlElement) -> HtmlElement | None:
    for el in figure.iter("figcaption"):
        return el
    for el in figure.iter():
        if isinstance(el.tag, str) and el is not figure and \
                (_CAPTION_CLASS.search(el.get("class", "")) or el.get("itemprop") == "caption"):
            return el
    return None


def caption_and_credit(figure: HtmlElement | None) -> tuple[str, str]:
    """The caption and credit a figure shows (credit elements first, then phrases)."""
    if figure is None:
        return "", ""
    cap = _caption_element(figure)
    credit_parts: list[str] = []
    caption_parts: list[str] = []

    def walk(el: HtmlElement) -> None:
        if el.text:
            caption_parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str) and child.tag != "img" and (
                    child.tag in ("small", "cite") or
                    _CREDIT_CLASS.search(f"{child.get('class', '')} {child.get('itemprop', '')}")):
                credit_parts.append(child.text_content())
            elif isinstance(child.tag, str):
                walk(child)
            if child.tail:
                caption_parts.append(child.tail)

    if cap is not None:
        walk(cap)
    else:  # credits written as their own elements beside the image, no caption element
        for child in figure.iter():
            if child is not figure and isinstance(child.tag, str) and child.tag != "img" and (
                    child.tag in ("small", "cite") or _CREDIT_CLASS.search(child.get("class", ""))):
                credit_parts.append(child.text_content())
    caption, credit = squash(" ".join(caption_parts)), squash(" ".join(credit_parts))
    shown, phrase = split_credit(caption)  # a credit phrase left in the caption text
    caption = shown if phrase else caption
    credit = _clean_credit(credit) if credit else phrase
    return caption[:MAX_CAPTION], credit[:MAX_CREDIT]


def _figure_of(img: HtmlElement) -> HtmlElement | None:
    """The figure (or figure-like block) an image is shown in, within a few levels."""
    el = img.getparent()
    for _ in range(4):
        if el is None:
            return None
        if el.tag == "figure" or _CAPTION_CLASS.search(el.get("class", "")) or \
                any(c.tag == "figcaption" for c in el.iterchildren()):
            return el
        el = el.getparent()
    return None


def _is_furniture(el: HtmlElement, stop: HtmlElement | None) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if anc.tag in _FURNITURE_TAGS or \
                _FURNITURE_CLASS.search(f"{anc.get('class', '')} {anc.get('id', '')}"):
            return True
    return False


def _entry(url: str, width: int | None, figure: HtmlElement | None) -> dict[str, Any]:
    caption, credit = caption_and_credit(figure)
    item: dict[str, Any] = {"url": url, "caption": caption or None, "credit": credit or None}
    if width:
        item["width"] = width
    return item


def _jsonld_image(pm: PageMeta, base: str) -> tuple[str | None, str, str]:
    """The JSON-LD article image: (URL, caption, credit)."""
    value: Any = (pm.article or {}).get("image")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return absolute(value, base), "", ""
    if not isinstance(value, dict):
        return None, "", ""
    url = absolute(value.get("url") or value.get("contentUrl"), base)
    caption = squash(value.get("caption") if isinstance(value.get("caption"), str) else
                    value.get("description") if isinstance(value.get("description"), str) else "")
    credit = ""
    for key in ("creditText", "copyrightHolder", "author", "copyrightNotice"):
        v = value.get(key)
        if isinstance(v, dict):
            v = v.get("name")
        if isinstance(v, list):
            v = ", ".join(x.get("name", "") if isinstance(x, dict) else str(x) for x in v)
        if isinstance(v, str) and v.strip():
            credit = squash(v)
            break
    if caption and not credit:
        caption, credit = split_credit(caption)
    return url, caption, credit


def _page_images(root: HtmlElement, base: str, cache: dict[Any, Any]
                 ) -> Iterator[tuple[HtmlElement, str, int | None]]:
    for img in root.iter("img"):
        if img not in cache:
            cache[img] = image_source(img, base)
        found = cache[img]
        if found:
            yield img, found[0], found[1]


def _preceding(first: HtmlElement, stop: HtmlElement | None) -> Iterator[HtmlElement]:
    """Elements before ``first`` in document order, nearest first, up to ``stop``'s
    subtree (or the document's <body>)."""
    el: HtmlElement | None = first
    while el is not None and el is not stop and el.tag != "body":
        for sib in el.itersiblings(preceding=True):
            yield sib
        el = el.getparent()


def pick_images(pm: PageMeta, tree: HtmlElement, base: str, declared: str | None,
                region: HtmlElement | None, first_block: HtmlElement | None
                ) -> tuple[str | None, list[dict[str, Any]], list[HtmlElement | None]]:
    """The lead image's URL, the images list (lead first, then the body's) and the
    ``<img>`` element of each (None for a lead image the page does not show).

    ``declared``: the page's og:image / twitter:image / JSON-LD image URL; ``region``:
    the element holding the extracted article body (None: unknown, no body images);
    ``first_block``: the source element of the body's first paragraph."""
    images: list[dict[str, Any]] = []
    elements: list[HtmlElement | None] = []
    seen: set[str] = set()
    lead_el: HtmlElement | None = None
    cache: dict[Any, Any] = {}  # each <img> read once
    lead_url = declared
    lead: dict[str, Any] | None = None
    ld_url, ld_caption, ld_credit = _jsonld_image(pm, base)
    if lead_url:
        key = image_key(lead_url)
        for img, url, width in _page_images(tree, base, cache):
            if image_key(url) == key and not _is_furniture(img, None):
                # the page's own size of the picture is the declared URL's only if same
                lead, lead_el = _entry(lead_url, width if url == lead_url else None,
                                       _figure_of(img)), img
                seen.add(image_key(url))
                break
    elif first_block is not None:  # no declared image: the first figure above the body
        container = region.getparent() if region is not None else None
        for el in _preceding(first_block, container):
            if not isinstance(el.tag, str) or _is_furniture(el, container):
                continue
            for img, url, width in _page_images(el, base, cache):
                lead_url = url
                lead, lead_el = _entry(url, width, _figure_of(img)), img
                break
            if lead is not None:
                break
    if lead_url:
        if lead is None:
            lead = {"url": lead_url, "caption": None, "credit": None}
        if ld_url and image_key(ld_url) == image_key(lead_url):
            lead["caption"] = lead["caption"] or ld_caption or None
            lead["credit"] = lead["credit"] or ld_credit or None
        images.append(lead)
        elements.append(lead_el)
        seen.add(image_key(lead_url))
    if region is not None:
        for img, url, width in _page_images(region, base, cache):
            key = image_key(url)
            if key in seen or _is_furniture(img, region) or (width or MIN_BODY_WIDTH) < MIN_BODY_WIDTH:
                continue
            thumb = _THUMB_NAME.search(urlsplit(url).path)
            if thumb and int(thumb.group(1)) < 2 * MIN_BODY_WIDTH:
                continue
            seen.add(key)
            images.append(_entry(url, width, _figure_of(img)))
            elements.append(img)
            if len(images) >= MAX_IMAGES:
                break
    return lead_url, images, elements
