"""Sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes, urlsets (with the Google
News extension that Scrapy's own ``Sitemap`` drops) and plain-text sitemaps.
Image, video and xhtml extension elements are ignored."""

from __future__ import annotations

from lxml import etree

from crawler.discovery.model import Entry, Parsed, absolute_url, iso_date, unique
from crawler.discovery.xmlsafe import children, first_text, local_name

# Sitemap elements are read whatever their namespace ("" = none, "other" = the official
# one or a near miss such as https://www.sitemaps.org/...), except extension namespaces.
_MAIN = ("", "other")


def sitemaps_from_robots(robots_txt: str | bytes, base_url: str) -> list[str]:
    """Absolute sitemap URLs from the ``Sitemap:`` lines (any case), deduplicated, in order."""
    if isinstance(robots_txt, bytes):
        robots_txt = robots_txt.decode("utf-8", "replace")
    found: list[str] = []
    for line in robots_txt.lstrip("\ufeff").splitlines():
        line = line.split("#", 1)[0]  # a comment, or a URL fragment, which is never sent
        field, sep, value = line.partition(":")
        if not sep or field.strip().lower() != "sitemap" or not value.split():
            continue
        url = absolute_url(value.split()[0], base_url)
        if url and url not in found:
            found.append(url)
    return found


def from_sitemap_root(root: etree._Element, base_url: str) -> Parsed | None:
    """Entries of a parsed ``<sitemapindex>`` or ``<urlset>``; None for other roots."""
    name = local_name(root)
    if name == "sitemapindex":
        return Parsed("sitemapindex", unique(_index_entries(root, base_url)))
    if name == "urlset":
        return Parsed("urlset", unique(_url_entries(root, base_url)))
    return None


def _index_entries(root: etree._Element, base_url: str) -> list[Entry]:
    entries = []
    for sitemap in children(root, "sitemap", *_MAIN):
        url = absolute_url(first_text(sitemap, "loc", *_MAIN, strict=True), base_url)
        if url:
            lastmod = iso_date(first_text(sitemap, "lastmod", *_MAIN))
            entries.append(Entry(url, "sitemap", lastmod=lastmod))
    return entries


def _url_entries(root: etree._Element, base_url: str) -> list[Entry]:
    entries = []
    for node in children(root, "url", *_MAIN):
        url = absolute_url(first_text(node, "loc", *_MAIN, strict=True), base_url)
        if not url:
            continue
        lastmod = iso_date(first_text(node, "lastmod", *_MAIN))
        news = children(node, "news", "news")
        if not news:
            entries.append(Entry(url, "sitemap", lastmod=lastmod))
            continue
        publications = children(news[0], "publication", "news")
        keywords = first_text(news[0], "keywords", "news") or ""
        entries.append(
            Entry(
                url,
                "news-sitemap",
                lastmod=lastmod,
                published=iso_date(first_text(news[0], "publication_date", "news")),
                title=first_text(news[0], "title", "news"),
                language=first_text(publications[0], "language", "news") if publications else None,
                keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
            )
        )
    return entries


def from_text(data: bytes, base_url: str) -> Parsed:
    """A plain-text sitemap: one absolute http(s) URL per line; other lines are skipped."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if line[:8].lower().startswith(("http://", "https://")):
            url = absolute_url(line, base_url)
            if url:
                entries.append(Entry(url, "sitemap"))
    if not entries:
        return Parsed("unknown", [], "not a sitemap or feed: no XML root and no URL lines")
    return Parsed("urlset", unique(entries))
