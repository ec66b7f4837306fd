"""Which kind of listing page a URL is, from its path and how it was reached. Pure.

Homepages (start URLs) and section fronts (a depth-1 link from a homepage that is
none of the kinds below) are fetched on every run: they are where new articles
show up. Other listing pages (tags, topics, authors, archives, search results,
deep pagination, and any other page that turned out not to be an article) are
revisited on an interval that grows while their links stay the same
(``storage.recheck.next_interval``).

A URL that is an article is never judged by this: the kind only matters for
pages that were stored as not articles.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit


# kinds fetched on every run (storage.recheck.EVERY_RUN_LISTINGS)
START, SECTION = "start", "section"
# kinds revisited on an interval
PAGINATION, SEARCH, TAG, TOPIC, AUTHOR, ARCHIVE, PAGE = (
    "pagination", "search", "tag", "topic", "author", "archive", "page")

_PAGE_SEGMENT = re.compile(r"/page/\d+/?$", re.I)
_PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "start", "offset"})
_SEARCH_PARAMS = frozenset({"q", "s", "query", "search", "keyword", "keywords"})
_SEGMENTS: dict[str, str] = {
    **dict.fromkeys(("search", "suche", "recherche", "buscar", "zoeken"), SEARCH),
    **dict.fromkeys(("tag", "tags", "label", "labels", "keyword", "keywords", "schlagwort", "etiqueta"), TAG),
    **dict.fromkeys(("topic", "topics", "theme", "themes", "subject", "subjects", "thema", "themen"), TOPIC),
    **dict.fromkeys(("author", "authors", "autor", "autoren", "auteur", "writer", "writers", "journalist",
                     "journalists", "reporter", "reporters", "contributor", "contributors", "columnist",
                     "columnists"), AUTHOR),
    **dict.fromkeys(("archive", "archives", "archiv", "archivo", "archief"), ARCHIVE),
}
# /2026/, /2026/11/, /2026/11/20/: a date archive (an article has a slug after the date)
_DATE_PATH = re.compile(r"^/(\d{4})(/\d{1,2}){0,2}/?$")


@lru_cache(maxsize=16384)  # pure; asked for one URL by the spider's priority and the known-URL check
def listing_kind(url: str, depth: int = 0, source: str | None = "link") -> str:
    """The listing kind of a page URL reached at ``depth`` from ``source``."""
    if source == "start":
        return START
    parts = urlsplit(url)
    path = parts.path or "/"
    query = {k.lower() for k, v in parse_qsl(parts.query) if v}
    if _PAGE_SEGMENT.search(path) or query & _PAGE_PARAMS:
        return PAGINATION
    if query & _SEARCH_PARAMS:
        return SEARCH
    for segment in path.lower().split("/"):
        kind = _SEGMENTS.get(segment)
        if kind is not None:
            return kind
    if _DATE_PATH.match(path):
        return ARCHIVE
    if depth <= 1 and source == "link":
        return SECTION
    return PAGE


def fetched_every_run(kind: str) -> bool:
    return kind in (START, SECTION)


def links_hash(urls: Iterable[str]) -> str:
    """A fingerprint of a page's set of links (order and repeats ignored)."""
    return hashlib.sha1("\n".join(sorted(set(urls))).encode("utf-8")).hexdigest()
