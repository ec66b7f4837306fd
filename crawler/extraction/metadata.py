"""Read what a page says about itself: JSON-LD, ``<meta>`` tags, ``<link>``, ``<h1>``.

One pass over the parsed tree collects everything later stages need into a
``PageMeta``; no stage re-walks the document for metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
    "asknewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "socialmediaposting", "report", "scholarlyarticle", "techarticle", "satiricalarticle",
    "advertisercontentarticle", "medicalscholarlyarticle", "posting", "discussionforumposting",
    "review", "criticreview", "recipe", "videoobject", "podcastepisode",
})
# types that make a page a listing or profile rather than a single piece
LISTING_TYPES = frozenset({
    "collectionpage", "itemlist", "profilepage", "searchresultspage", "website",
    "sitenavigationelement",
})
MAX_JSONLD_CHARS = 500_000
MAX_JSONLD_OBJECTS = 200


@dataclass
class PageMeta:
    """Self-description of a page, as plain data."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # lower-cased name/property
    jsonld: list[dict[str, Any]] = field(default_factory=list)  # every typed object
    article: dict[str, Any] | None = None  # the JSON-LD object describing the article
    canonical: str | None = None
    lang: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    rel_author: list[str] = field(default_factory=list)  # text of <a rel=author>
    time_datetimes: list[str] = field(default_factory=list)  # <time datetime> values
    # <time> elements the page shows as its last update ("Updated", itemprop dateModified,
    # class "updated"): the datetime attribute, else the visible text
    time_modified: list[str] = field(default_factory=list)

    def first(self, *names: str) -> str | None:
        """First non-empty content among the given meta names, in order."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *names: str) -> list[str]:
        return [v.strip() for n in names for v in self.meta.get(n, ()) if v.strip()]

    @property
    def jsonld_types(self) -> list[str]:
        seen: dict[str, None] = {}
        for obj in self.jsonld:
            for t in types_of(obj):
                seen.setdefault(t, None)
        return list(seen)


# the label a page writes before (or in) the time of its last update
UPDATE_LABEL = re.compile(
    r"\b(?:updated?|last (?:updated|modified)|modified|aktualisiert|geändert|mis à jour|"
    r"actualizado|actualización|aggiornat[oa]|bijgewerkt|oppdatert|opdateret|uppdaterad|"
    r"päivitetty|zaktualizowano|aktualizováno|обновлено|оновлено|güncellendi|更新)", re.I)
_UPDATE_CLASS = re.compile(r"updat|modif", re.I)
MAX_LABEL = 40


def is_update_time(el: HtmlElement) -> bool:
    """Whether a <time> element is the page's last update: itemprop dateModified, a
    class that says so, or an "Updated" label in it or just before it."""
    if (el.get("itemprop") or "").lower() == "datemodified" or \
            _UPDATE_CLASS.search(el.get("class", "")):
        return True
    label = (el.text or "")[:MAX_LABEL]
    prev = el.getprevious()
    if prev is not None:
        label += " " + (prev.tail or "")[-MAX_LABEL:]
        if len(prev) == 0:
            label += " " + (prev.text or "")[-MAX_LABEL:]
    else:
        parent = el.getparent()
        if parent is not None:
            label += " " + (parent.text or "")[-MAX_LABEL:]
            if _UPDATE_CLASS.search(parent.get("class", "")):
                return True
    return bool(UPDATE_LABEL.search(label))


def text_of(el: HtmlElement) -> str:
    return " ".join("".join(el.itertext()).split())


def headline_text(el: HtmlElement) -> str:
    """Text of a headline element; a kicker in its own child element that runs into the
    headline with no space ("Nationale Demo" + "Der 9. Juli naht") gets one."""
    out = ""
    for piece in el.itertext():
        if out and piece and out[-1].isalnum() and piece[0].isupper():
            out += " "
        out += piece
    return " ".join(out.split())


def types_of(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.rsplit("/", 1)[-1]]
    if isinstance(t, list):
        return [x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)]
    return []


def is_type(obj: dict[str, Any], wanted: frozenset[str]) -> bool:
    return any(t.lower() in wanted for t in types_of(obj))


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict with an @type in a JSON-LD value: lists, @graph, nested values."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        if "@type" in node:
            yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if key in node:
                yield from _walk(node[key], depth + 1)


_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def parse_jsonld(raw: str) -> Any:
    """Parse one JSON-LD script body, forgiving common publisher mistakes."""
    raw = raw.strip()
    if raw.startswith("<!--"):
        raw = raw[4:].rsplit("-->", 1)[0]
    if raw.startswith("//<![CDATA["):
        raw = raw[11:].rsplit("//]]>", 1)[0]
    raw = raw.strip().rstrip(";")
    if not raw or len(raw) > MAX_JSONLD_CHARS:
        return None
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", raw), strict=False)
    except ValueError:
        return None


def _pick_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    candidates = [o for o in objects if is_type(o, ARTICLE_TYPES)]
    if not candidates:
        # some sites describe the article as a WebPage carrying article fields
        candidates = [o for o in objects if "articleBody" in o or
                      ("headline" in o and "datePublished" in o)]
    if not candidates:
        return None
    # prefer the richest description (pages embed teaser Articles for related content)
    return max(candidates, key=lambda o: (("headline" in o or "name" in o) + ("author" in o)
                                          + ("datePublished" in o) + ("articleBody" in o)))


def read_metadata(tree: HtmlElement) -> PageMeta:
    pm = PageMeta()
    lang = tree.get("lang") or tree.get("xml:lang")
    pm.lang = lang.strip() if lang else None
    objects: list[dict[str, Any]] = []
    for el in tree.iter("meta", "link", "script", "title", "h1", "a", "time"):
        tag = el.tag
        if tag == "meta":
            key = el.get("property") or el.get("name") or el.get("itemprop") or \
                el.get("http-equiv")
            content = el.get("content")
            if key and content is not None:
                pm.meta.setdefault(key.strip().lower(), []).append(content)
        elif tag == "link":
            rel = (el.get("rel") or "").lower().split()
            if "canonical" in rel and pm.canonical is None and el.get("href"):
                pm.canonical = el.get("href", "").strip()
        elif tag == "script":
            if (el.get("type") or "").strip().lower() == "application/ld+json" and \
                    len(objects) < MAX_JSONLD_OBJECTS:
                data = parse_jsonld(el.text or "")
                if data is not None:
                    objects.extend(_walk(data))
        elif tag == "title":
            if pm.title_tag is None and el.getparent() is not None and \
                    el.getparent().tag == "head":
                pm.title_tag = text_of(el) or None
        elif tag == "h1":
            txt = headline_text(el)
            if txt and len(pm.h1) < 5:
                pm.h1.append(txt)
        elif tag == "a":
            if "author" in (el.get("rel") or "").lower().split() and len(pm.rel_author) < 10:
                txt = text_of(el)
                if txt:
                    pm.rel_author.append(txt)
        elif tag == "time":
            value = el.get("datetime")
            updated = is_update_time(el)
            if value and len(pm.time_datetimes) < 10:
                pm.time_datetimes.append(value.strip())
            if updated and len(pm.time_modified) < 5:
                shown = value or text_of(el)
                if shown:
                    pm.time_modified.append(shown.strip())
    pm.jsonld = objects[:MAX_JSONLD_OBJECTS]
    pm.article = _pick_article(pm.jsonld)
    return pm
