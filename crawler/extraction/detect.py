"""Is this page an article?  Measured signals in, a verdict with its reason out.

Strong evidence either way decides first (homepage or listing URLs, listing JSON-LD
types, article JSON-LD types); otherwise the amount of prose, link density and a
publication date decide.  Every value used is returned in ``signals`` so thresholds
can be tuned from stored data.
"""

from __future__ import annotations

import re
from itertools import islice
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.dates import pick_date
from crawler.extraction.metadata import ARTICLE_TYPES, LISTING_TYPES, PageMeta

MIN_TEXT = 400  # characters of extracted prose an article needs at least
MIN_TEXT_PAYWALLED = 150  # the visible teaser of a page that says its text is cut
MIN_TEXT_CJK = 150  # ... in Chinese/Japanese/Korean, where a character carries more
MIN_TEXT_UNTYPED = 800  # ... when nothing on the page says "article"
MAX_LINK_DENSITY = 0.5  # share of page text inside links, above which short pages are lists
LIST_LINK_DENSITY = 0.9  # above this, a page without article markup is a list, dated or not
LONG_PARAGRAPH = 80
ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogpost",
                              "article:news"})
LISTING_OG_TYPES = frozenset({"website", "profile", "section", "blog:index"})
# URL paths of listing pages: /tag/x, /author/x, /section/x, /category/x, /page/2 ...
LISTING_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?:tags?|authors?|autor(?:en)?|section|sections|"
    r"category|categories|kategorie|rubrik|topics?|themen?|archive|archiv|search|suche|"
    r"profile|user|users|people|team|ressort)(?:/|$)|/page/\d+/?$|/seite-\d+/?$", re.I)
# a path segment that is more than one plain word ("about-bugs", "a-65464", "2024")
_SLUG = re.compile(r"[^/]*(?:\w[-_]\w|\d)[^/]*")
# ... and one shaped like an article's own slug or id: four or more words, or digits
# ("about-us" and "privacy-policy" are not)
_ARTICLE_SLUG = re.compile(r"[^/]*(?:\d|(?:\w+[-_]){3}\w)[^/]*")
# dates found by searching the page text are guesses; declared dates are evidence
WEAK_DATE_SOURCES = frozenset({"htmldate", "modified"})
MIN_TEASERS = 3  # teaser blurbs (a short paragraph beside a headline link) of a listing
TEASER_BLOCKS = frozenset({"li", "article", "div", "section"})
MAX_TEASER_CHARS = 600


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def cjk_share(text: str) -> float:
    sample = text[:2000]
    return len(_CJK.findall(sample)) / len(sample) if sample else 0.0


def url_signals(url: str) -> dict[str, Any]:
    path = urlsplit(url).path or "/"
    segments = [s for s in path.split("/") if s]
    return {"url_path": path, "url_depth": len(segments),
            "slug_path": any(_ARTICLE_SLUG.fullmatch(s) for s in segments),
            # "/about", "/privacy", "/business/": one plain word, no slug, no id
            "static_path": len(segments) == 1 and not urlsplit(url).query and
            _SLUG.fullmatch(segments[0]) is None,
            "homepage_path": not segments or (len(segments) == 1 and re.fullmatch(
                r"(?:index|home|start)(?:\.\w+)?|[a-z]{2}(?:-[a-z]{2})?", segments[0], re.I)
                is not None),
            "listing_path": bool(LISTING_PATH.search(path))}


def link_density(tree: HtmlElement) -> float:
    """Share of the visible page text that sits inside links."""
    body = tree.find("body")
    if body is None:
        return 0.0
    # scripts and styles hold no visible text (body extraction has removed them already)
    total = _stripped_length(_ALL_TEXT(body)) - _stripped_length(_INERT_TEXT(body))
    if total <= 0:
        return 0.0
    linked = _stripped_length(_LINK_TEXT(body))
    return round(min(1.0, linked / total), 3)


_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
_INERT_TEXT = etree.XPath(".//script//text()|.//style//text()", smart_strings=False)
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)


def _stripped_length(texts: list[str]) -> int:
    return sum(map(len, map(str.strip, texts)))


def _words(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def teaser_paragraphs(tree: HtmlElement) -> int:
    """Paragraphs that sit in a small block beside a headline link: teaser blurbs."""
    body = tree.find("body")
    if body is None:
        return 0
    count = 0
    for p in body.iter("p"):
        block = p.getparent()
        # a teaser is a small block holding one blurb; an article container holds several
        # (the paragraph count first: it is cheap, and it spares an article container's
        # whole text being read once per paragraph)
        if block is None or block.tag not in TEASER_BLOCKS or \
                next(islice(block.iter("p"), 1, None), None) is not None or \
                len(_words(block)) > MAX_TEASER_CHARS:
            continue
        if any(len(_words(a).split()) >= 4 for a in block.iter("a")
               if not any(anc is p for anc in a.iterancestors())):
            count += 1
    return count


def measure(pm: PageMeta, tree: HtmlElement, url: str, body: str,
            published: str | None, date_source: str = "none") -> dict[str, Any]:
    lines = [ln for ln in body.split("\n") if ln.strip()]
    types = pm.jsonld_types
    signals: dict[str, Any] = {
        "og_type": (pm.first("og:type") or "").lower() or None,
        "jsonld_types": types,
        "jsonld_article": any(t.lower() in ARTICLE_TYPES for t in types),
        "jsonld_listing": [t for t in types if t.lower() in LISTING_TYPES],
        "text_length": len(body),
        "cjk_share": round(cjk_share(body), 2),
        "paragraphs": sum(1 for ln in lines if len(ln) >= LONG_PARAGRAPH),
        "link_density": link_density(tree),
        "has_published_date": published is not None,
        "date_weak": published is not None and date_source in WEAK_DATE_SOURCES,
        "meta_published": bool(pm.meta.get("article:published_time")),
    }
    strong = signals["jsonld_article"] or signals["og_type"] in ARTICLE_OG_TYPES or \
        signals["meta_published"]
    # only untyped pages can be judged on teasers; typed articles carry related-story blocks
    signals["teaser_paragraphs"] = None if strong else teaser_paragraphs(tree)
    signals.update(url_signals(url))
    return signals


def judge(s: dict[str, Any]) -> tuple[bool, str]:
    """(is_article, reason) from measured signals."""
    og = s["og_type"] or ""
    text = s["text_length"]
    typed_article = s["jsonld_article"] or og in ARTICLE_OG_TYPES
    listing_types = [t for t in s["jsonld_listing"] if t.lower() != "website"]
    if s["homepage_path"]:
        return False, "not_article: homepage path"
    min_text = MIN_TEXT_CJK if s.get("cjk_share", 0) > 0.3 else MIN_TEXT
    if s.get("paywalled") and typed_article and s["has_published_date"]:
        # a page that says its text is cut shows a teaser: its markup and date still say
        # it is one article
        min_text = min(min_text, MIN_TEXT_PAYWALLED)
    if text < min_text:
        return False, f"not_article: text_length {text} < {min_text}"
    if s["listing_path"] and not (typed_article and s["has_published_date"] and
                                  s["paragraphs"] >= 3):
        return False, f"not_article: listing path {s['url_path']}"
    if listing_types and not s["jsonld_article"]:
        return False, f"not_article: jsonld {listing_types[0]}"
    if og in LISTING_OG_TYPES and not s["jsonld_article"] and \
            (not s["has_published_date"] or s["paragraphs"] < 3):
        return False, f"not_article: og:type={og}"
    strong = typed_article or s.get("meta_published", False)
    if s.get("static_path") and not strong:
        return False, f"not_article: section or static path {s['url_path']}"
    if not strong and s["link_density"] > LIST_LINK_DENSITY:
        return False, f"not_article: link_density {s['link_density']:.2f}"
    teasers = s.get("teaser_paragraphs") or 0
    if not strong and teasers >= MIN_TEASERS and 2 * teasers >= s["paragraphs"]:
        return False, f"not_article: {teasers} teaser paragraphs"
    if s["jsonld_article"]:
        kind = next(t for t in s["jsonld_types"] if t.lower() in ARTICLE_TYPES)
        return True, f"article: jsonld {kind}"
    if og in ARTICLE_OG_TYPES:
        return True, f"article: og:type={og}"
    if s["link_density"] > MAX_LINK_DENSITY and s["paragraphs"] < 5 and \
            not s["has_published_date"]:
        return False, f"not_article: link_density {s['link_density']:.2f}"
    # a guessed date alone does not make short prose an article; an article-like URL must agree
    dated = s["has_published_date"] and (not s.get("date_weak") or s.get("slug_path", True))
    if dated and (s["paragraphs"] >= 1 or s.get("cjk_share", 0) > 0.3):
        return True, "article: dated prose"
    if text >= MIN_TEXT_UNTYPED and s["paragraphs"] >= 3:
        return True, f"article: text_length {text}, {s['paragraphs']} paragraphs"
    date = "guessed date only" if s["has_published_date"] else "no date"
    return False, f"not_article: text_length {text}, {s['paragraphs']} paragraphs, {date}"


# Listing kinds (crawler.utils.listings) that name a page by what it lists, not what it says.
LISTING_KINDS = frozenset({"tag", "topic", "author", "archive", "search", "pagination"})


def plain_listing(pm: PageMeta, tree: HtmlElement, url: str, kind: str | None = None,
                  dated: Callable[[], tuple[str | None, str]] | None = None) -> dict[str, Any] | None:
    """The signals of a page that is plainly not an article whatever its text, or None.

    These are ``judge``'s verdicts that need no body: a homepage path; a listing,
    section or static path without article markup; a page without article markup
    that is nearly all links; and a page reached as a tag, topic, author, archive,
    search or pagination page (``kind``) without article markup or a publication
    date. Such a page costs its metadata and one pass over its links, not a body
    extraction; any other page is judged on its extracted text. ``dated``: the page's
    ``pick_date``, when the caller keeps it (the analysis reads it again)."""
    types = pm.jsonld_types
    jsonld_article = any(t.lower() in ARTICLE_TYPES for t in types)
    og_type = (pm.first("og:type") or "").lower() or None
    meta_published = bool(pm.meta.get("article:published_time"))
    typed = jsonld_article or og_type in ARTICLE_OG_TYPES
    strong = typed or meta_published
    signals: dict[str, Any] = {"og_type": og_type, "jsonld_types": types, "jsonld_article": jsonld_article,
                               "meta_published": meta_published, "listing_kind": kind, **url_signals(url)}
    reason = None
    if signals["homepage_path"]:
        reason = "not_article: homepage path"
    elif signals["listing_path"] and not typed:
        reason = f"not_article: listing path {signals['url_path']}"
    elif signals["static_path"] and not strong:
        reason = f"not_article: section or static path {signals['url_path']}"
    elif kind in LISTING_KINDS and not strong and (dated() if dated else pick_date(pm, tree, url))[0] is None:
        # the kind is read off the URL, and real articles live under /columnists/ or
        # /archive/<id> too: only an undated one is plainly a listing
        reason = f"not_article: {kind} page {signals['url_path']}"
    elif not strong:
        signals["link_density"] = link_density(tree)
        if signals["link_density"] > LIST_LINK_DENSITY:
            reason = f"not_article: link_density {signals['link_density']:.2f}"
    if reason is None:
        return None
    signals["reason"] = reason
    signals["body_source"] = "none (plainly not an article)"
    return signals
