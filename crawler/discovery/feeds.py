"""Feeds: RSS 2.0 (and 0.9x), RSS 1.0/RDF, Atom (1.0 and 0.3) and JSON Feed, read
into entries: the item's link, title, publication and update dates."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.discovery.model import Entry, Parsed, absolute_url, iso_date, unique
from crawler.discovery.xmlsafe import children, first_text, local_name, text_of

_MAIN = ("", "other", "rss1")  # RSS elements: no namespace, or RSS 1.0's (or a stray one)
_ATOM = ("atom", "", "other")  # Atom elements: Atom namespaces, or none in sloppy feeds


def from_feed_root(root: etree._Element, base_url: str) -> Parsed | None:
    """Entries of a parsed ``<rss>``, ``<rdf:RDF>`` or ``<feed>``; None for other roots."""
    name = local_name(root)
    if name in ("rss", "channel", "RDF"):
        # items sit in <rss><channel>, in a bare <channel>, or (RDF) beside the channel
        parents = [root, *children(root, "channel", *_MAIN)] if name == "rss" else [root]
        items = [i for c in parents for i in children(c, "item", *_MAIN)]
        return Parsed("rss", unique([e for i in items if (e := _rss_entry(i, base_url))]))
    if name == "feed":
        entries = children(root, "entry", *_ATOM)
        return Parsed("atom", unique([e for i in entries if (e := _atom_entry(i, base_url))]))
    return None


def _rss_entry(item: etree._Element, base_url: str) -> Entry | None:
    # feedburner:origLink is the article itself where <link> is a tracking redirect
    url = absolute_url(first_text(item, "origLink", "feedburner", strict=True), base_url)
    url = url or absolute_url(first_text(item, "link", *_MAIN, strict=True), base_url)
    url = url or _atom_link(item, base_url, ("atom",))
    url = url or _permalink_guid(item, base_url)
    url = url or absolute_url(_attribute(item, "about"), base_url)  # RSS 1.0 rdf:about
    if not url:
        return None
    published = first_text(item, "pubDate", *_MAIN) or first_text(item, "date", "dc")
    updated = first_text(item, "updated", "atom") or first_text(item, "modified", "dc")
    title = first_text(item, "title", *_MAIN)
    return Entry(url, "rss", lastmod=iso_date(updated), published=iso_date(published), title=title)


def _permalink_guid(item: etree._Element, base_url: str) -> str | None:
    for guid in children(item, "guid", *_MAIN):
        if (guid.get("isPermaLink") or "true").strip().lower() != "false":
            url = absolute_url(text_of(guid, strict=True), base_url)
            if url:
                return url
    return None


def _attribute(el: etree._Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if str(key).rpartition("}")[2] == name:
            return str(value)
    return None


def _atom_link(entry: etree._Element, base_url: str, kinds: tuple[str, ...]) -> str | None:
    """The href of the entry's alternate link (rel="alternate" or no rel), HTML first."""
    alternates = [
        link
        for link in children(entry, "link", *kinds)
        if (link.get("rel") or "alternate").strip().lower() == "alternate" and link.get("href")
    ]
    alternates.sort(key=lambda link: "html" not in (link.get("type") or "html").lower())
    for link in alternates:
        url = absolute_url(link.get("href"), _xml_base(link, base_url))
        if url:
            return url
    return None


def _xml_base(el: etree._Element, base_url: str) -> str:
    try:
        declared = el.base  # xml:base of the element or an ancestor, None when absent
    except (ValueError, etree.LxmlError):
        return base_url
    return urljoin(base_url, declared) if declared else base_url


_TAG = re.compile(r"<[^<>]*>")


def _atom_entry(entry: etree._Element, base_url: str) -> Entry | None:
    url = _atom_link(entry, base_url, _ATOM)
    if not url:
        return None
    title_el = next(iter(children(entry, "title", *_ATOM)), None)
    title = text_of(title_el)
    if title and title_el is not None and (title_el.get("type") or "").lower() == "html":
        title = " ".join(html.unescape(_TAG.sub(" ", title)).split()) or None
    published = first_text(entry, "published", *_ATOM) or first_text(entry, "issued", *_ATOM)
    updated = first_text(entry, "updated", *_ATOM) or first_text(entry, "modified", *_ATOM)
    return Entry(url, "atom", lastmod=iso_date(updated), published=iso_date(published), title=title)


def from_json_feed(data: bytes, base_url: str) -> Parsed | None:
    """Entries of a JSON Feed (jsonfeed.org); None when ``data`` is not one."""
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None
    entries = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        url = absolute_url(_str(item, "url"), base_url)
        url = url or absolute_url(_str(item, "external_url"), base_url)
        if url:
            title = " ".join((_str(item, "title") or "").split()) or None
            entries.append(
                Entry(
                    url,
                    "jsonfeed",
                    lastmod=iso_date(_str(item, "date_modified")),
                    published=iso_date(_str(item, "date_published")),
                    title=title,
                )
            )
    return Parsed("jsonfeed", unique(entries))


def _str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None
