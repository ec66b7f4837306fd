"""Links to follow on a fetched page, found on the event loop (so: cheaply)."""

from __future__ import annotations

import posixpath
import re
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
    base = get_base_url(response)
    found: dict[str, None] = {}
    for raw in _HREFS(response.selector.root):
        href = raw.strip(_HTML5_SPACE)
        try:
            url = urljoin(base, href)
            if not _URL_SAFE.fullmatch(url):
                url = safe_url_string(url, encoding=response.encoding)
            parts = urlsplit(url)
            parts.port  # noqa: B018 -- raises ValueError on a bad port, as safe_url_string does
        except ValueError:  # an unbalanced IPv6 bracket, a port that is not one
            continue
        if parts.scheme in ("http", "https") and posixpath.splitext(parts.path)[1].lower() not in _IGNORED:
            found[url] = None
    return list(found)
