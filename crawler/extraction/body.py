"""Article text: trafilatura on our parsed tree, then general boilerplate line filters.

trafilatura runs in its fast mode (no readability/justext comparison: most of its time,
little of its accuracy on news pages).  When the fast result looks like a navigation
dump, the full cascade runs once in precision mode instead.  Afterwards, lines that
repeat the headline, bylines and datelines at the top, and promo/"read more" lines
are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import trafilatura
from lxml.html import HtmlElement

from crawler.extraction.titles import fold

# a fast-mode result made mostly of short lines is a menu, not an article
NAV_DUMP_MIN_LINES = 20
NAV_DUMP_SHORT_SHARE = 0.7
SHORT_LINE = 40

_PROMO = re.compile(
    r"^\W*(?:read (?:more|also|next)|see (?:more|also)|also read|more (?:from|on|about)\b.*|"
    r"related(?: articles?| stories| posts?| content| coverage)?|recommended(?: for you)?|"
    r"most (?:read|popular|viewed)\b.*|you (?:may|might) (?:also )?(?:like|enjoy)\b.*|"
    r"don'?t miss|trending(?: now)?|advertisement|sponsored(?: content)?|"
    r"share (?:this|on)\b.*|click here\b.*|sign up\b.*|subscribe\b.*|"
    r"follow (?:us|@\w+)\b.*|join (?:us|our)\b.*|"
    r"lesen sie (?:auch|mehr|hier)\b.*|mehr zum thema\b.*|mehr (?:dazu|zu diesem thema)\b.*|"
    r"auch interessant|das könnte sie (?:auch )?interessieren|weitere (?:artikel|nachrichten)|"
    r"ähnliche(?: artikel| themen)?|empfohlene?r? (?:artikel|inhalt|redaktioneller inhalt)|"
    r"anzeige|werbung|zum thema|weiterlesen|artikel teilen|teilen|"
    r"lire (?:aussi|la suite)|à lire aussi|sur le même sujet|leer más|lee también|"
    r"te puede interesar|leggi anche|czytaj (?:też|także|więcej)|"
    r"читайте (?:также|еще)|також читайте|читайте також|関連記事|"
    r"comments?|kommentare|newsletter\b.*|video|podcast|image|foto|photo)\W*$",
    re.I)
# headings that introduce a list of links to other articles
_RELATED_HEADING = re.compile(
    r"^\W*(?:read (?:more|also|next)|see (?:more|also)|also read|more (?:from|on|about)\b.*|"
    r"related(?: articles?| stories| posts?| content| coverage)?|recommended(?: for you)?|"
    r"most (?:read|popular|viewed)\b.*|you (?:may|might) (?:also )?(?:like|enjoy)\b.*|"
    r"don'?t miss|trending(?: now)?|lesen sie (?:auch|mehr)\b.*|mehr zum thema\b.*|"
    r"auch interessant|das könnte sie (?:auch )?interessieren|weitere (?:artikel|nachrichten)|"
    r"ähnliche(?: artikel| themen)?|zum thema|lire aussi|à lire aussi|sur le même sujet|"
    r"lee también|te puede interesar|leggi anche|czytaj (?:też|także)|"
    r"читайте (?:также|еще)|також читайте|читайте також|関連記事)\W*$", re.I)
_CREDIT = re.compile(r"^\W*(?:©|\(c\)\s|copyright\b|(?:foto|bild|photo|image|quelle|source)\s*:)",
                     re.I)
_BYLINE = re.compile(r"^\W*(?:by|von|par|por|di|door|av|af|autor(?:in)?:?|author:?)\s+\S", re.I)
# "March 27, 2025 1:11 PM", "Stand: 22.04.2024, 06:00 Uhr", "30. Januar 2024"
_DATE_LINE = re.compile(r"^[\w.,:/| +-]{0,40}\b(?:19|20)\d{2}\b[\w.,:/| +-]{0,25}$")
MAX_DATE_LINE_WORDS = 7
MAX_BOILERPLATE_LINE = 90
TEASER_MAX = 120


def run_trafilatura(tree: HtmlElement, url: str, precision: bool = False) -> str:
    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, fast=not precision, favor_precision=precision,
            include_comments=False, include_tables=True, with_metadata=False,
            deduplicate=False)
    except Exception:  # trafilatura raises assorted errors on odd trees; no body is fine
        return ""
    text = getattr(doc, "text", None) if doc is not None else None
    return text or ""


def looks_like_nav_dump(text: str) -> bool:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < NAV_DUMP_MIN_LINES:
        return False
    short = sum(1 for ln in lines if len(ln.strip()) < SHORT_LINE)
    return short / len(lines) >= NAV_DUMP_SHORT_SHARE


def _same_as(line: str, refs: Iterable[str]) -> bool:
    fl = fold(line)
    if not fl:
        return False
    for ref in refs:
        fr = fold(ref)
        if not fr:
            continue
        if fl == fr:
            return True
        # "Kicker Headline" / "Headline" written with a kicker or a trailing site name
        if len(fr) >= 12 and (fl.endswith(fr) or fl.startswith(fr)) and len(fl) <= len(fr) + 60:
            return True
        if len(fl) >= 20 and fr.endswith(fl) and len(fl) >= 0.6 * len(fr):
            return True
    return False


def _is_boilerplate(line: str) -> bool:
    s = line.strip()
    if len(s) > MAX_BOILERPLATE_LINE:
        return False
    return bool(_PROMO.match(s) or _CREDIT.match(s))


def _is_teaser(line: str) -> bool:
    """A headline-like line as found in "read more" lists: short, no closing period."""
    return len(line) < TEASER_MAX and not line.rstrip().endswith((".", ":", ";"))


def clean_body(text: str, titles: Iterable[str] = (), authors: Iterable[str] = ()) -> str:
    """Drop headline repeats, top bylines/datelines and promo lines; join by "\\n"."""
    titles = [t for t in titles if t]
    author_keys = [fold(a) for a in authors if a]
    lines = [" ".join(ln.split()) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    out: list[str] = []
    in_teasers = False
    for i, line in enumerate(lines):
        if in_teasers and _is_teaser(line):
            continue
        in_teasers = False
        at_top = not any(len(o) > 150 for o in out) and i < 8
        if at_top and len(line) < 300 and _same_as(line, titles):
            continue
        if at_top and len(line) < 80:
            fl = fold(line)
            if _BYLINE.match(line) or (_DATE_LINE.match(line) and
                                       len(line.split()) <= MAX_DATE_LINE_WORDS):
                continue
            if author_keys and any(k and k in fl for k in author_keys) and \
                    len(fl) <= max(len(k) for k in author_keys) + 25:
                continue
        if _is_boilerplate(line):
            in_teasers = bool(_RELATED_HEADING.match(line))
            continue
        out.append(line)
    return "\n".join(out)


def extract_body(tree: HtmlElement, url: str) -> tuple[str, str]:
    """Raw article text and which trafilatura mode produced it."""
    text = run_trafilatura(tree, url)
    if looks_like_nav_dump(text) or len(text) < 200:
        precise = run_trafilatura(tree, url, precision=True)
        if precise and (len(precise) >= 200 or not text or looks_like_nav_dump(text)):
            return precise, "trafilatura precision"
    return text, "trafilatura fast"
