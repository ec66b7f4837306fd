"""The site's section for an article: JSON-LD ``articleSection``, ``article:section``
meta tags, else the page's breadcrumbs (JSON-LD ``BreadcrumbList`` or breadcrumb
markup), whose last step above the article itself is its section."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.document import squash
from crawler.extraction.metadata import PageMeta, types_of
from crawler.extraction.titles import clean_text, fold

MAX_SECTION = 80
_META_KEYS = ("article:section", "og:article:section", "section", "parsely-section",
              "sailthru.section", "cxenseparse:pageclass", "dc.subject")
_HOME = re.compile(r"^(?:home|homepage|start|startseite|accueil|inicio|portada|home ?page|"
                   r"главная|головна|首页|ホーム|홈|news)$", re.I)
# (over the attribute axis, much cheaper than testing every element's attributes)
_BREADCRUMBS = etree.XPath(
    "(//@class[contains(., 'breadcrumb')]/.. | //@aria-label[contains(., 'readcrumb')]/.. | "
    "//@itemtype[contains(., 'BreadcrumbList')]/.. | //@id[contains(., 'breadcrumb')]/..)[1]")


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return clean_text(value) if isinstance(value, str) else ""


def _same_page(href: str | None, url: str) -> bool:
    if not href:
        return False
    try:
        a, b = urlsplit(urljoin(url, href)), urlsplit(url)
    except ValueError:
        return False
    return a.path.rstrip("/") == b.path.rstrip("/") and a.hostname == b.hostname


def _is_home(name: str, href: str | None, url: str) -> bool:
    if _HOME.match(name):
        return True
    try:
        return bool(href) and urlsplit(urljoin(url, href or "")).path in ("", "/")
    except ValueError:
        return False


def _last_step(steps: list[tuple[str, str | None]], url: str, title: str | None) -> str | None:
    """The last breadcrumb step that is neither the article itself nor the homepage."""
    key = fold(title or "")
    if steps and steps[-1][1] is None:
        steps = steps[:-1]  # a last step that names no page is the article itself
    for name, href in reversed(steps):
        if not name or len(name) > MAX_SECTION or _same_page(href, url) or \
                (key and fold(name) == key) or _is_home(name, href, url):
            continue
        return name
    return None


def jsonld_breadcrumbs(pm: PageMeta) -> list[tuple[str, str | None]]:
    for obj in pm.jsonld:
        if not any(t.lower() == "breadcrumblist" for t in types_of(obj)):
            continue
        items = obj.get("itemListElement")
        items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
        steps: list[tuple[int, str, str | None]] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            target = item.get("item")
            name = item.get("name")
            href = None
            if isinstance(target, dict):
                name = name or target.get("name")
                href = target.get("@id") or target.get("url")
            elif isinstance(target, str):
                href = target
            try:
                pos = int(item.get("position", i))
            except (TypeError, ValueError):
                pos = i
            steps.append((pos, _text(name), href if isinstance(href, str) else None))
        return [(n, h) for _, n, h in sorted(steps, key=lambda s: s[0])]
    return []


def markup_breadcrumbs(tree: HtmlElement) -> list[tuple[str, str | None]]:
    found = _BREADCRUMBS(tree)
    if not found:
        return []
    # the steps that link: the current page, the last step, is mostly shown unlinked
    return [(squash(a.text_content()), a.get("href")) for a in found[0].iter("a")]


def pick_section(pm: PageMeta, tree: HtmlElement, url: str, title: str | None) -> str | None:
    section = _text((pm.article or {}).get("articleSection"))
    if not section:
        section = clean_text(pm.first(*_META_KEYS) or "")
    if section:
        return section[:MAX_SECTION]
    for steps in (jsonld_breadcrumbs(pm), markup_breadcrumbs(tree)):
        found = _last_step(steps, url, title)
        if found:
            return found
    return None
