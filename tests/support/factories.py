"""Builders of the data tests store: one place, instead of a record builder per test file.

- ``extraction(...)``: an ``Extraction`` judged an article (override any field;
  ``not_article(reason)`` for a page that is not one);
- ``analysis(...)``: what a worker returns, with the body's signature and hash;
- ``record(url_key, ...)``: a ``PageRecord`` ready for ``store_page`` /
  ``IngestSession.store_page``;
- ``news_page_html(...)``: a small article page the real extractor accepts.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.extraction import EXTRACTOR_VERSION, Extraction
from crawler.ingest.analysis import Analysis
from storage.neardup import text_signature
from storage.records import PageRecord, text_hash

BODY = "North Korea transferred around 3,000 additional soldiers to Russia. " * 20

# A story for near-duplicate tests: copies of it with another first or last line are
# near-identical (one article).
STORY = (
    "Eleven ferry operators agreed on Tuesday to publish verified emissions figures for every route. "
    "The agreement covers passenger and freight services across the Baltic and takes effect next year. "
    "Operators said the common standard would let travellers compare crossings for the first time. "
    "Environmental groups welcomed the move but said the figures must be audited independently. "
) * 4

# Sentences of a wire story: the first six with two others are similar to it, not
# near-identical (another article of the same story).
WIRE = [
    "The regional parliament approved the new transport budget late on Thursday after a long debate.",
    "Ministers said the money would go to rail lines in the north and to new electric buses.",
    "Opposition members criticised the plan for leaving rural bus routes without extra funding.",
    "The budget includes forty million for station repairs and ten million for cycle paths.",
    "Commuter groups welcomed the decision but warned that delays on the coastal line persist.",
    "A vote on the fare freeze was postponed until the next session in the spring.",
    "Union leaders said they would study the details before commenting on staffing levels.",
    "The transport minister promised quarterly reports on how the money is being spent.",
]


def extraction(body: str = BODY, title: str | None = "Troops", url: str = "https://daily.example/a",
               **fields: Any) -> Extraction:
    values: dict[str, Any] = {
        "is_article": True, "body": body, "title": title, "authors": ["Tim Z"],
        "published": "2025-03-27T13:11:00+02:00", "language": "en", "tags": ["war"],
        "reason": "article: jsonld NewsArticle",
    }
    values.update(fields)
    return Extraction(url=url, extractor=EXTRACTOR_VERSION, **values)


def not_article(reason: str = "not_article: homepage path", url: str = "https://daily.example/",
                **fields: Any) -> Extraction:
    return Extraction(url=url, extractor=EXTRACTOR_VERSION, is_article=False, reason=reason, **fields)


def analysis(ex: Extraction | None = None, *, signed: bool = True, **fields: Any) -> Analysis:
    ex = ex if ex is not None else extraction(**fields)
    if not (ex.is_article and ex.body):
        return Analysis(ex)
    return Analysis(ex, text_signature(ex.body) if signed else None, text_hash(ex.body))


def record(url_key: str, body: str = BODY, article_key: str | None = None, site: str = "daily", *,
           ex: Extraction | None = None, signed: bool = False, **kw: Any) -> PageRecord:
    """A fetched page of ``url_key`` whose extraction is ``ex`` (default: an article with ``body``);
    ``signed`` adds the body's near-duplicate signature."""
    ex = ex if ex is not None else extraction(body=body, url=url_key)
    html = b"<html><body>" + (ex.body or "").encode() * 3 + b"</body></html>"
    if signed and ex.body:
        kw.setdefault("signature", text_signature(ex.body))
    return PageRecord(url_key=url_key, fetched_url=kw.pop("fetched_url", url_key), site=site, status=200,
                      html=kw.pop("html", html), extraction=ex, article_key=article_key or url_key, **kw)


def news_page_html(title: str, paragraph: str | list[str], author: str = "Maria Okafor",
                   paragraphs: int = 6, published: str = "2025-03-04T09:30:00+00:00", *,
                   charset: str | None = "utf-8", encoding: str = "utf-8", jsonld: bool = False) -> bytes:
    """An article page with the markup news sites carry: og:type article, a byline,
    a publication date, an ``<article>`` with an ``<h1>`` and paragraphs.

    ``paragraph`` is repeated ``paragraphs`` times (numbered), or a list is the
    paragraphs as they are. ``charset`` is the ``<meta charset>`` (None: none, the
    HTTP header must tell), ``encoding`` the bytes'; ``jsonld`` adds a NewsArticle
    JSON-LD block, as most news sites have."""
    texts = (paragraph if isinstance(paragraph, list)
             else [f"{paragraph} (part {i + 1} of {paragraphs})" for i in range(paragraphs)])
    body = "".join(f"<p>{text}</p>" for text in texts)
    meta_charset = f'<meta charset="{charset}">' if charset else ""
    ld = ""
    if jsonld:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                "datePublished": published, "author": [{"@type": "Person", "name": author}]}
        ld = f'\n<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    return f"""<!DOCTYPE html><html lang="en"><head>{meta_charset}
<title>{title} | The Daily</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="The Daily">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{published}">
<meta name="description" content="{title}, in brief.">
<meta property="og:image" content="https://daily.example/img/{len(title)}.jpg">
<meta name="keywords" content="local, {title.split()[0].lower()}">{ld}
</head><body><header><a href="/">Home</a></header>
<article><h1>{title}</h1>{body}</article></body></html>""".encode(encoding)
