"""Publication date: what the page declares first, htmldate's search only as a fallback.

Dates are returned as ISO 8601 strings in the page's own time zone (no conversion), so
"2025-03-27T13:11:00+02:00" stays on the day the publisher meant.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from lxml.html import HtmlElement

from crawler.extraction.metadata import PageMeta

_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "article.published",
    "datepublished", "article:published", "published_time", "og:published_time",
    "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
    "publish_date", "publication_date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "dc.date.created", "date", "citation_publication_date",
    "citation_date", "article:post_date", "cxenseparse:recs:publishtime", "originalpublicationdate",
)
_MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "last-modified",
                  "dcterms.modified")
_TZ_ABBR = {"UTC": 0, "GMT": 0, "Z": 0, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2,
            "EEST": 3, "WET": 0, "WEST": 1, "BST": 1, "IST": 5.5, "JST": 9, "KST": 9,
            "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
            "PST": -8, "PDT": -7, "AEST": 10, "AEDT": 11, "SAST": 2, "HKT": 8, "SGT": 8}
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}\b|\s?[A-Z]{3,4}\b)?")
_TEXTUAL = re.compile(  # "Fri Apr 28 19:20:36 CEST 2023" (Java Date.toString)
    r"[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+([A-Z]{3,4})\s+(\d{4})")
MIN_YEAR = 1990
MAX_DATE_CHARS = 100


def _tz(token: str | None) -> timezone | None:
    if not token:
        return None
    token = token.strip()
    if token in _TZ_ABBR:
        return timezone(timedelta(hours=_TZ_ABBR[token]))
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", token)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


def _plausible(d: date) -> bool:
    return MIN_YEAR <= d.year and d <= (datetime.now(timezone.utc) + timedelta(days=2)).date()


def parse_date(value: object) -> str | None:
    """ISO 8601 string for a date value as pages write it, or None if not understood."""
    if not isinstance(value, str):
        return None
    text = value.strip()[:MAX_DATE_CHARS]
    m = _ISO_LIKE.search(text)
    try:
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if m.group(4) is None:
                day = date(y, mo, d)
                return day.isoformat() if _plausible(day) else None
            frac = (m.group(7) or "0")[:6].ljust(6, "0")
            dt = datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0),
                          int(frac), tzinfo=_tz(m.group(8)))
            return dt.isoformat() if _plausible(dt.date()) else None
        t = _TEXTUAL.search(text)
        if t and t.group(1).lower() in _MONTHS:
            dt = datetime(int(t.group(7)), _MONTHS[t.group(1).lower()], int(t.group(2)),
                          int(t.group(3)), int(t.group(4)), int(t.group(5)),
                          tzinfo=_tz(t.group(6)))
            return dt.isoformat() if _plausible(dt.date()) else None
    except ValueError:
        return None
    return None


def declared_date(pm: PageMeta) -> tuple[str | None, str]:
    """Publication date the page declares, and where it was found."""
    art = pm.article or {}
    for key in ("datePublished", "dateCreated"):
        parsed = parse_date(art.get(key))
        if parsed:
            return parsed, f"jsonld {key}"
    for key in _META_DATE_KEYS:
        for value in pm.meta.get(key, ()):
            parsed = parse_date(value)
            if parsed:
                return parsed, f"meta {key}"
    for obj in pm.jsonld:  # a WebPage or teaser object still dates the page
        parsed = parse_date(obj.get("datePublished"))
        if parsed:
            return parsed, "jsonld datePublished (other)"
    for value in pm.time_datetimes[:3]:
        parsed = parse_date(value)
        if parsed:
            return parsed, "time element"
    return None, "none"


def modified_date(pm: PageMeta) -> str | None:
    art = pm.article or {}
    return parse_date(art.get("dateModified")) or next(
        (p for k in _MODIFIED_KEYS for v in pm.meta.get(k, ()) if (p := parse_date(v))), None)


def pick_modified(pm: PageMeta) -> str | None:
    """When the page says it was last modified: JSON-LD ``dateModified``, else
    ``article:modified_time``, ``og:updated_time`` and the like, else the time it shows
    as "Updated" (a ``<time>`` element, ``PageMeta.time_modified``).  ISO 8601 with the
    timezone the page gives."""
    return modified_date(pm) or next(
        (p for v in pm.time_modified if (p := parse_date(v) or parse_shown_date(v))), None)


_SHOWN = re.compile(
    r"(?:(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})|"
    r"(?P<day2>\d{1,2})\.?\s+(?P<mon2>[A-Za-z]{3})[a-z]*\.?,?\s+(?P<year2>\d{4}))"
    r"(?:,?\s+(?:at\s+)?(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:\s*(?P<ampm>[ap]\.?m\.?))?"
    r"(?:\s+(?P<tz>[A-Z]{3,4}|[+-]\d{2}:?\d{2}))?)?", re.I)


def parse_shown_date(text: str) -> str | None:
    """A date as English pages show it: "March 27, 2025 3:40 PM", "27 Mar 2025, 15:40
    CET"; ISO 8601, with a timezone only when the text names one."""
    m = _SHOWN.search(text[:MAX_DATE_CHARS])
    if not m:
        return None
    mon = (m.group("mon") or m.group("mon2") or "").lower()
    if mon not in _MONTHS:
        return None
    try:
        day = date(int(m.group("year") or m.group("year2")), _MONTHS[mon],
                   int(m.group("day") or m.group("day2")))
        if not _plausible(day):
            return None
        if m.group("h") is None:
            return day.isoformat()
        hour = int(m.group("h"))
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm:
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        dt = datetime(day.year, day.month, day.day, hour, int(m.group("m")),
                      tzinfo=_tz(m.group("tz")))
    except ValueError:
        return None
    return dt.isoformat()


def searched_date(tree: HtmlElement, url: str) -> str | None:
    """htmldate's heuristic search (slower; for pages that declare nothing)."""
    try:
        from htmldate import find_date
        found = find_date(tree, url=url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate raises assorted errors on odd markup; a date is optional
        return None
    if not found:
        return None
    return found[:10] if found.endswith("T00:00:00") else found


def pick_date(pm: PageMeta, tree: HtmlElement, url: str) -> tuple[str | None, str]:
    found, source = declared_date(pm)
    if found:
        return found, source
    found = searched_date(tree, url)
    if found:
        return found, "htmldate"
    found = modified_date(pm)
    return (found, "modified") if found else (None, "none")
