"""Does this page need JavaScript?  The application-shell judgement.

An application shell is an article page whose HTML carries the article's
``<head>`` (og:type article, JSON-LD NewsArticle, article:published_time) but
not its text: a script fetches the article and renders it into an empty mount
point (``<div id="app">``, ``__next``, ``root``...). Static extraction finds
nothing there ("not_article: text_length 60 < 400"); rendering the page in a
browser finds the article.

The judgement runs in the extraction worker after the normal analysis (it
reads the ``Extraction``'s signals, then parses the raw HTML only for the
candidates): a page is a shell when all of these hold:

* it is not an article, and its URL is not a homepage or a listing;
* something declares it an article (og:type, JSON-LD article type,
  article:published_time);
* extraction found less text than an article needs;
* it has scripts (external, or inline code other than JSON data);
* and either an empty application root, or almost no visible text at all.

A paywalled article (a teaser of a paragraph or two, no empty mount point) is
not a shell. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html
from lxml.etree import ParserError

from crawler.extraction.detect import ARTICLE_OG_TYPES, MIN_TEXT

# ids of the elements single-page-application frameworks mount into
APP_ROOT_IDS = frozenset({
    "app", "root", "__next", "__nuxt", "___gatsby", "svelte", "app-root", "main-app",
    "react-root", "react-app", "application", "spa-root", "page-root", "content-root",
})
# attributes that mark a framework's mount point, whatever its id
APP_ROOT_ATTRIBUTES = ("data-reactroot", "ng-version", "data-v-app", "data-server-rendered", "ng-app")
# at most this much text inside an "empty" mount point (a "Loading..." line)
MAX_ROOT_TEXT = 80
# ... or on the whole page (outside scripts and <noscript>) when there is no mount point
MAX_SHELL_TEXT = 200
_DATA_SCRIPT_TYPES = ("application/ld+json", "application/json", "text/template", "text/x-template",
                      "text/html", "importmap", "speculationrules")
_INVISIBLE = ("script", "style", "noscript", "template")


def article_markers(signals: dict[str, Any]) -> list[str]:
    """What in the page's metadata says it is an article."""
    found = []
    og = (signals.get("og_type") or "").lower()
    if og in ARTICLE_OG_TYPES:
        found.append(f"og:type={og}")
    if signals.get("jsonld_article"):
        types = [t for t in signals.get("jsonld_types") or [] if isinstance(t, str)]
        found.append(f"JSON-LD {types[0]}" if types else "JSON-LD article")
    if signals.get("meta_published"):
        found.append("article:published_time")
    return found


def _is_code(script: Any) -> bool:
    kind = (script.get("type") or "").strip().lower()
    if kind in _DATA_SCRIPT_TYPES:
        return False
    return bool(script.get("src")) or bool((script.text or "").strip())


def _visible_text(el: Any) -> int:
    n = 0
    for text in el.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
                         " or ancestor::template)]"):
        n += len(text.strip())
    return n


def _app_root(body: Any) -> Any | None:
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in _INVISIBLE:
            continue
        if (el.get("id") or "").strip().lower() in APP_ROOT_IDS or \
                any(el.get(a) is not None for a in APP_ROOT_ATTRIBUTES):
            return el
    return None


def shell_reason(extraction: Any, html: bytes | str) -> str | None:
    """Why this page looks like an application shell that needs JavaScript
    (``"og:type=article, 60 characters of text, 2 scripts, empty #app"``), or None.

    ``extraction``: the page's ``crawler.extraction.Extraction``; ``html``: its raw HTML."""
    if extraction.is_article:
        return None
    s = extraction.signals or {}
    if not s or s.get("homepage_path") or s.get("listing_path"):
        return None
    markers = article_markers(s)
    text = int(s.get("text_length") or 0)
    if not markers or text >= MIN_TEXT:
        return None
    try:
        tree = lxml_html.document_fromstring(html)
    except (ParserError, ValueError):
        return None
    body = tree.find("body")
    if body is None:
        return None
    scripts = sum(1 for script in tree.iter("script") if _is_code(script))
    if not scripts:
        return None
    root = _app_root(body)
    if root is not None and _visible_text(root) <= MAX_ROOT_TEXT:
        mount = f"#{root.get('id')}" if root.get("id") else f"<{root.tag}>"
        why = f"empty {mount}"
    elif _visible_text(body) <= MAX_SHELL_TEXT:
        why = "no visible text"
    else:
        return None
    return f"{markers[0]}, {text} characters of text, {scripts} script{'s' if scripts > 1 else ''}, {why}"
