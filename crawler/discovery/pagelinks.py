"""Links to follow on a fetched page: ``tree_links`` in the extraction workers, from the
tree the extraction parsed anyway (the crawl's way); ``page_links`` from a Scrapy
response, where there is no worker."""

from __future__ import annotations

import codecs
import posixpath
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.url import safe_url_string

_HREFS = etree.XPath("//a/@href | //area/@href", smart_strings=False)
# URLs made only of these characters come out of w3lib's safe_url_string unchanged
# (but for the scheme's and host's case, which clean_url folds anyway)
# (brackets are not among them: Request() would percent-encode them in a path)
_URL_SAFE = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*")
_HTML5_SPACE = " \t\n\r\x0c"
_IGNORED = frozenset(f".{e}" for e in IGNORED_EXTENSIONS)


def page_links(response: TextResponse) -> list[str]:
    """Absolute http(s) URLs of a page's ``<a href>`` and ``<area href>``,
    deduplicated, in document order, honouring ``<base href>``.

    The http(s) links Scrapy's ``LinkExtractor()`` finds, with file links (images,
    documents, archives, media: its IGNORED_EXTENSIONS) dropped as it drops them,
    at a quarter of its cost: it skips what the crawl never uses (each link's text,
    ``rel=nofollow``, per-link filter objects). See bench/links.py."""
    return _links(_HREFS(response.selector.root), get_base_url(response), response.encoding)


def tree_links(root: Any, url: str, encoding: str = "utf-8") -> list[str]:
    """``page_links`` for a parsed lxml tree of the page at ``url`` (bytes decoded with
    ``encoding``, which non-ASCII query strings are percent-encoded in, as Scrapy does)."""
    base = url
    for href in root.xpath("//base/@href"):
        base = urljoin(url, str(href).strip(_HTML5_SPACE))
        break
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return _links(_HREFS(root), base, encoding)


def _links(hrefs: list[Any], base: str, encoding: str) -> list[str]:
    found: dict[str, None] = {}
    for raw in hrefs:
        href = str(raw).strip(_HTML5_SPACE)
        try:
            url = urljoin(base, href)
            if not _URL_SAFE.fullmatch(url):
                url = safe_url_string(url, encoding=encoding)
            parts = urlsplit(url)
            parts.port  # noqa: B018 -- raises ValueError on a bad port, as safe_url_string does
        except ValueError:  # an unbalanced IPv6 bracket, a port that is not one
            continue
        if parts.scheme in ("http", "https") and posixpath.splitext(parts.path)[1].lower() not in _IGNORED:
            found[url] = None
    return list(found)
