"""Pick the headline and strip site names, sections and dates glued onto it."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.extraction.domains import host_names, is_domain_name
from crawler.extraction.metadata import PageMeta, is_type

# separators sites put between headline and site name; hyphen and colon need spaces
# around them so "Covid-19" or "Ukraine: what next" stay whole.  East Asian titles set the
# site off with fullwidth punctuation or none ("…：朝日新聞デジタル", "…_新闻频道_央视网",
# "… ― 毎日新聞") and Korean ones with a breadcrumb ("… < 정치 < 기사본문 - 매일신문"); a part
# goes only when it names the site (``strip_site``), so a split alone changes nothing
_SEPARATORS = re.compile(r"\s+[|–—·•»«/:<>‹›]\s+|\s+-{1,2}\s+|\s*[|｜ㅣ：_―]\s*|\s+:{2,}\s+")
_DATE_SEGMENT = re.compile(
    r"^\W*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\.?\s+\w+\.?\s+\d{4}|\w+\s+\d{1,2},?\s+\d{4})\W*$")
MAX_TITLE_CHARS = 400
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u2000-\u200b\u202f]+")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case, accent-free, alphanumeric-only form for comparing names."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum())


def clean_text(value: object) -> str:
    """Unescape entities (some JSON-LD is double-escaped) and fold whitespace."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(html.unescape(value)) if "&" in value else value
    # fold Latin whitespace only: U+3000 (ideographic space) separates CJK headline parts
    return _SPACES.sub(" ", text.replace("\xad", "")).strip()


def site_names(pm: PageMeta, url: str) -> list[str]:
    """Names a page may use for its own site: og:site_name, publisher, host labels."""
    names = pm.all("og:site_name", "application-name", "apple-mobile-web-app-title",
                   "twitter:site", "publisher", "dc.publisher", "copyright")
    for obj in pm.jsonld:
        if is_type(obj, frozenset({"website", "organization", "newsmediaorganization"})):
            for key in ("name", "alternateName"):
                if isinstance(obj.get(key), str):
                    names.append(obj[key])
    if pm.article:
        pub = pm.article.get("publisher")
        for p in pub if isinstance(pub, list) else [pub]:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                names.append(p["name"])
    labels = host_names(url)
    names.extend(labels)
    if labels:
        names.append((urlsplit(url).hostname or "").lower().removeprefix("www."))
    return [clean_text(n).lstrip("@") for n in names if n and clean_text(n)]


def is_site_name(segment: str, names: Iterable[str]) -> bool:
    seg = fold(segment)
    if not seg:
        return False
    if is_domain_name(segment):
        return True  # "Golem.de", "Tageblatt.lu"
    for name in names:
        n = fold(name)
        if not n:
            continue
        if seg == n:
            return True
        if len(n) >= 4 and (n in seg or (len(seg) >= 3 and seg in n)) and \
                len(segment.split()) <= 5:
            return True
        if len(n) < 4 and (seg.startswith(n) or seg.endswith(n)) and len(seg) <= len(n) + 12:
            return True
    return False


def strip_site(title: str, names: list[str]) -> str:
    """Remove leading/trailing segments naming the site, or dates, around a headline."""
    parts = _SEPARATORS.split(title)
    seps = _SEPARATORS.findall(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    removed_site = False
    while end - start > 1:
        last = parts[end - 1]
        if is_site_name(last, names) or _DATE_SEGMENT.match(last):
            end -= 1
            removed_site = True
        elif removed_site and len(last.split()) <= 2 and end - start > 1 and \
                len(parts[start]) > 3 * len(last):
            end -= 1  # a section name between headline and site: "... | Spain | The Guardian"
        else:
            break
    while end - start > 1 and (is_site_name(parts[start], names) or
                               _DATE_SEGMENT.match(parts[start])):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip()


def _prefix_of(candidate: str, others: list[str]) -> str | None:
    """A shorter candidate that the given one starts with, followed by a separator."""
    for other in others:
        if other.endswith(("…", "...")) or len(other) < 0.4 * len(candidate):
            continue
        if candidate.startswith(other) and _SEPARATORS.match(candidate[len(other):]):
            return other
    return None


def title_candidates(pm: PageMeta, with_page_text: bool = True) -> list[str]:
    """Headline candidates, best first; ``with_page_text`` adds <h1> and <title>."""
    art = pm.article or {}
    raw = [art.get("headline"), art.get("name"), pm.first("og:title"),
           pm.first("twitter:title"), pm.first("headline", "dc.title", "parsely-title",
                                                "sailthru.title")]
    if with_page_text:
        raw += [pm.h1[0] if pm.h1 else None, pm.title_tag]
    return [t for t in (clean_text(r)[:MAX_TITLE_CHARS] for r in raw) if t]


_KICKER_END = re.compile(r"[:|/–—-]\s*$")


def drop_kicker(title: str, others: list[str]) -> str:
    """"Kicker: Headline" -> "Headline" when the page also offers the bare headline."""
    for other in others:
        if len(other) >= 0.4 * len(title) and len(other) < len(title) and \
                title.endswith(other) and _KICKER_END.search(title[: -len(other)]):
            return other
    return title


_KICKER_SPLIT = re.compile(r"\s*[:|/–—]\s+|\s+-\s+")
MIN_SHARED_WORDS = 4


def shared_headline(title: str, others: list[str]) -> str:
    """"Kicker A: Headline" -> "Headline" when another source says "Kicker B - Headline".

    Two sources that agree on the headline but put different kickers before it show
    which part is the headline; one that merely adds a kicker is left to
    ``drop_kicker`` (which trusts metadata only).
    """
    m = _KICKER_SPLIT.search(title)
    if m is None:
        return title
    kicker, rest = _word_set(title[: m.start()]), title[m.end():]
    if len(rest.split()) < MIN_SHARED_WORDS or not kicker:
        return title
    for other in others:
        o = _KICKER_SPLIT.search(other)
        if o is None or other[o.end():] != rest:
            continue
        # different labels share no word; "Joburg has failed ..." vs "Johannesburg has
        # failed ..." is one clause written two ways, part of the headline
        their = _word_set(other[: o.start()])
        if their and not kicker & their:
            return rest
    return title


def _word_set(text: str) -> set[str]:
    return {w for w in (fold(t) for t in text.split()) if w}


def complete(title: str, others: list[str]) -> str:
    """A headline cut short with an ellipsis, completed from a longer candidate."""
    if title.endswith(("…", "...")):
        stem = title.rstrip(".…").rstrip()
        for other in others:
            if len(other) > len(stem) and other.startswith(stem):
                return other
    return title


MIN_HEADLINE_WORDS = 3
MIN_HEADLINE_CHARS_UNSPACED = 6  # a headline in a script written without spaces


def _is_headline_like(text: str) -> bool:
    words = text.split()
    if len(words) >= MIN_HEADLINE_WORDS:
        return True
    return len(text) >= MIN_HEADLINE_CHARS_UNSPACED and not text[:1].isascii()


def visible_headline(pm: PageMeta, names: list[str]) -> str | None:
    """The first <h1> that reads as a headline: not the site's name (a logo), not a
    one- or two-word section label."""
    for raw in pm.h1:
        text = clean_text(raw)[:MAX_TITLE_CHARS]
        if text and _is_headline_like(text) and not is_site_name(text, names):
            return text
    return None


def pick_title(pm: PageMeta, url: str) -> str | None:
    """The article's headline: the metadata's pick (``metadata_title``), without a site
    label that the visible headline (the page's <h1>) shows is not part of it."""
    names = site_names(pm, url)
    title = metadata_title(pm, names)
    h1 = visible_headline(pm, names)
    if h1 and title and title != h1 and title.startswith(h1):
        raw = title_candidates(pm, with_page_text=False) + [clean_text(pm.title_tag)]
        if any(r.startswith(h1) and _is_site_label(r[len(h1):], names) for r in raw):
            return h1
    return title


# what follows a headline in a title tag: "-정치ㅣ한국일보", " - Golem.de", " | Section | Site"
_LABEL_TAIL = re.compile(r"^\s*[^\w\s\"'«»“”„‘’(\[]")
MAX_LABEL_TAIL = 60


def _is_site_label(tail: str, names: list[str]) -> bool:
    """A short tail, set off by punctuation, that names the site (with or without a
    section): "-정치ㅣ한국일보" after the headline the page shows in its <h1>."""
    if not tail or len(tail) > MAX_LABEL_TAIL or _LABEL_TAIL.match(tail) is None:
        return False
    parts = [p for p in re.split(r"[^\w.]+", tail) if p]
    return any(is_site_name(p, names) for p in parts)


def metadata_title(pm: PageMeta, names: list[str]) -> str | None:
    cands = title_candidates(pm)
    if not cands:
        return None
    best = complete(cands[0], cands[1:])
    stripped = strip_site(best, names)
    if stripped == best:
        # "Headline | Section | Site" where another source gives the bare headline
        shorter = _prefix_of(best, [c for c in cands[1:] if len(c) < len(best)])
        if shorter:
            stripped = shorter
    # only metadata fields count as evidence for a kicker: many <h1>s omit it on purpose
    bare = [strip_site(c, names) for c in title_candidates(pm, with_page_text=False)[1:]]
    title = drop_kicker(stripped or best, bare)
    return shared_headline(title, [strip_site(c, names) for c in cands[1:]])
