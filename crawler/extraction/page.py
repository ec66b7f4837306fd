"""``extract_page``: run the stages in order and assemble the JSON-safe result."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extraction.authors import byline_from_text, pick_authors
from crawler.extraction.body import (clean_lines, description_of, extract_body, standfirst,
                                     with_standfirst)
from crawler.extraction.bodyhtml import Block, PageSources, body_region, render, text_lines
from crawler.extraction.dates import pick_date, pick_modified
from crawler.extraction.decode import decode_html, looks_binary
from crawler.extraction.detect import judge, measure, plain_listing
from crawler.extraction.document import parse_html
from crawler.extraction.images import absolute, pick_images
from crawler.extraction.liveblog import live_entries, liveblog_reading
from crawler.extraction.marks import marked_elements
from crawler.extraction.metadata import PageMeta, read_metadata
from crawler.extraction.paywall import paywall_boxes, paywall_state
from crawler.extraction.sections import pick_section
from crawler.extraction.result import Extraction
from crawler.extraction.version import EXTRACTOR_REVISION, EXTRACTOR_VERSION  # noqa: F401 - re-exported
from crawler.extraction.titles import clean_text, pick_title, site_names, title_candidates

# bump whenever a change here may change extraction output (stored with each article)
MAX_TAGS = 50
LOG = logging.getLogger(__name__)
# set (to anything but "" or "0") to make every extract_page call strict: tests and
# benchmarks want an extraction bug to fail loudly, not to look like a non-article page
STRICT_ENV = "NEWSCRAWL_EXTRACTION_STRICT"
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


def empty_result(url: str, reason: str, signals: dict[str, Any] | None = None) -> Extraction:
    return Extraction(url=url, extractor=EXTRACTOR_VERSION, reason=reason, signals=signals or {})


def absolute_url(value: object, base: str) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return absolute(value, base) if isinstance(value, str) else None


def language_of(pm: PageMeta) -> str | None:
    art = pm.article or {}
    for value in (pm.lang, pm.first("content-language", "dc.language", "language"),
                  art.get("inLanguage"), pm.first("og:locale")):
        if isinstance(value, str):
            m = _LANG.match(value.strip())
            if m and len(m.group(1)) == 2:
                return m.group(1).lower()
    return None


def tags_of(pm: PageMeta) -> list[str]:
    raw: list[str] = pm.all("article:tag", "news_keywords", "parsely-tags", "keywords")
    kw = (pm.article or {}).get("keywords")
    if isinstance(kw, list):
        raw = [k for k in kw if isinstance(k, str)] + raw
    elif isinstance(kw, str):
        raw = [kw] + raw
    seen: dict[str, str] = {}
    for item in raw:
        for tag in re.split(r"\s*[,;]\s*", clean_text(item)):
            if tag and len(tag) <= 80:
                seen.setdefault(tag.casefold(), tag)
    return list(seen.values())[:MAX_TAGS]


def site_of(pm: PageMeta, url: str) -> str | None:
    name = pm.first("og:site_name", "application-name")
    pub = (pm.article or {}).get("publisher")
    if not name and isinstance(pub, dict) and isinstance(pub.get("name"), str):
        name = pub["name"]
    if name:
        return clean_text(name) or None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def analyse(tree: HtmlElement, url: str, listing: str | None = None, skim: bool = False) -> Extraction:
    """``listing``: the kind of listing page the URL was reached as (``crawler.utils.listings``);
    ``skim``: a page that is plainly not an article gets no body (see ``extract_page``)."""
    pm = read_metadata(tree)
    # the date is read once: the skim may need it before the analysis does
    dated = functools.cache(lambda: pick_date(pm, tree, url))
    plain = plain_listing(pm, tree, url, listing, dated) if skim else None
    if plain is not None:  # no body to extract: it is not an article whatever its text
        return Extraction(url=url, extractor=EXTRACTOR_VERSION, reason=plain.pop("reason"), signals=plain,
                          title=pick_title(pm, url),
                          canonical_url=absolute_url(pm.canonical or pm.first("og:url"), url),
                          language=language_of(pm), site=site_of(pm, url))
    sites = site_names(pm, url)
    title = pick_title(pm, url)
    marked = marked_elements(tree)  # bylines, paywall candidates, article markup: one pass
    authors, author_source = pick_authors(pm, tree, sites, marked.bylines)
    published, date_source = dated()
    boxes = paywall_boxes(tree, marked.paywall)
    paywalled = paywall_state(pm, tree, boxes)  # before extract_body takes the boxes out
    reading = extract_body(tree, url, pm, boxes, marked.article_markup)
    entries = live_entries(pm)
    if entries:
        reading = liveblog_reading(entries)
    raw_body, body_source = reading.text, reading.source
    if not authors:
        authors = byline_from_text(raw_body)
        author_source = "text byline" if authors else author_source
    lines = text_lines(raw_body)
    kept = clean_lines(lines, [title or ""] + title_candidates(pm), authors)
    body = "\n".join(lines[i] for i in kept)
    description = description_of(pm)
    lede = standfirst(tree, description) if description else ""
    with_lede = with_standfirst(body, lede)
    lede_lines = lede.split("\n") if with_lede != body else []
    body = with_lede
    signals = measure(pm, tree, url, body, published, date_source)
    signals.update({"author_source": author_source, "date_source": date_source,
                    "body_source": body_source, "paywalled": paywalled})
    is_article, reason = judge(signals)
    art = pm.article or {}
    declared_image = absolute_url(pm.first("og:image", "og:image:url", "twitter:image")
                                  or art.get("image"), url)
    # the body's blocks and the page elements they were read from (links, figures)
    blocks = reading.blocks if reading.blocks is not None else [Block("p", [ln]) for ln in lines]
    kept_set = set(kept)
    sources = None
    index = 0
    region_sources = []
    for block in blocks:
        first_kept = next((ln for i, ln in enumerate(block.lines, index) if i in kept_set), None)
        index += len(block.lines)
        if block.source is None and first_kept is not None:
            sources = sources or PageSources(tree)
            found = sources.find(first_kept)
            if found is not None:
                block.source = found.getparent() if block.kind == "list" and \
                    found.tag == "li" and found.getparent() is not None else found
        if block.source is not None and first_kept is not None:
            region_sources.append(block.source)
    region = body_region(region_sources)
    image, images, elements = pick_images(pm, tree, url, declared_image, region,
                                          region_sources[0] if region_sources else None)
    lead = 1 if image else 0
    body_html = render(blocks, kept_set, lede=lede_lines, base=url, region=region,
                       figures=list(zip(images[lead:], elements[lead:])))
    return Extraction(
        url=url,
        canonical_url=absolute_url(pm.canonical or pm.first("og:url"), url),
        title=title,
        authors=authors,
        published=published,
        modified=pick_modified(pm),
        body=body,
        body_html=body_html,
        language=language_of(pm),
        site=site_of(pm, url),
        description=description or None,
        tags=tags_of(pm),
        image=image,
        images=images,
        section=pick_section(pm, tree, url, title),
        paywalled=paywalled,
        is_article=is_article,
        reason=reason,
        signals=signals,
        extractor=EXTRACTOR_VERSION,
    )


def strict_default() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def extract_page(html: bytes | str, url: str, headers: Mapping[str, str] | None = None,
                 strict: bool | None = None, *, listing: str | None = None, links: bool = False,
                 skim: bool = False) -> Extraction:
    """Extract text and metadata from one page; never raises on bad input.

    ``skim`` is a crawl's request: a page that is plainly not an article (its path, how
    it was reached, its links, no article markup) skips the body extraction, since the
    crawl keeps no text of non-articles; without it (``newscrawl extract``, re-extraction)
    every page gets its text, and the same judgement.  ``listing`` says how a crawl
    reached the page (a tag, author, archive ... page: ``crawler.utils.listings``);
    ``links`` asks for the page's links (``Extraction.links``), for a crawl
    that follows them, read from the same parsed tree.

    An exception inside the extraction itself (a bug, not bad input) is logged and the
    page comes back as not an article, with the reason "not_article: extraction error
    <type>" and ``signals["error"]`` naming the exception: a crawl survives any single
    page.  With ``strict`` (default: the ``NEWSCRAWL_EXTRACTION_STRICT`` environment
    variable) the exception propagates instead, so tests fail on it.
    """
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        if not data.strip():
            return empty_result(url, "not_article: empty input")
        if looks_binary(data):
            return empty_result(url, "not_article: binary input")
        text, charset = decode_html(data, headers)
    elif isinstance(html, str):
        text, charset = html, "str"
    else:
        return empty_result(url, f"not_article: unsupported input {type(html).__name__}")
    if not text.strip():
        return empty_result(url, "not_article: empty input")
    tree = parse_html(text)
    if tree is None:
        return empty_result(url, "not_article: unparseable html", {"charset": charset})
    found = None
    if links:
        # imported here: pagelinks brings Scrapy (~0.5 s of start-up), which a worker of
        # `newscrawl extract` never needs; before the analysis, which may take page
        # furniture out of the tree
        from crawler.discovery.pagelinks import tree_links

        found = tree_links(tree, url, charset)
    if strict if strict is not None else strict_default():
        result = analyse(tree, url, listing, skim)
    else:
        try:
            result = analyse(tree, url, listing, skim)
        except Exception as exc:  # a crawl must survive any single page
            LOG.exception("extraction failed for %s", url)
            return empty_result(url, f"not_article: extraction error {type(exc).__name__}",
                                {"charset": charset, "error": f"{type(exc).__name__}: {exc}"})
    result.signals["charset"] = charset
    result.links = found
    return result
