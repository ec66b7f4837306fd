"""``Extraction``: what extraction says of one page. The one definition of the
result that crosses layers: the crawl's pipelines, ``newscrawl extract``,
WARC import, re-extraction and storage (``storage.records.ExtractedPage``) read it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Extraction:
    url: str
    extractor: str  # extractor version (stored with each article)
    canonical_url: str | None = None  # rel=canonical / og:url, absolute
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601, with the timezone the page gives
    modified: str | None = None  # dateModified / article:modified_time / og:updated_time, ISO 8601
    body: str = ""  # clean text, paragraphs separated by newlines
    language: str | None = None  # ISO 639-1
    site: str | None = None  # the publisher's name as the page gives it
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None  # the lead image's URL (images[0]["url"] when it is the lead)
    # the lead image first, then the images inside the article body: {"url", "caption",
    # "credit", and "width" when the page gives it}
    images: list[dict[str, Any]] = field(default_factory=list)
    # the body as safe structural HTML (same paragraphs as ``body``), sanitised by nh3
    body_html: str = ""
    section: str | None = None  # the site's section (articleSection, article:section, breadcrumbs)
    # True: the page says its text is cut (paywall); False: it says it is free; None: silent
    paywalled: bool | None = None
    is_article: bool = False
    reason: str = ""  # why the page is (not) an article: "article: jsonld NewsArticle", "not_article: ..."
    signals: dict[str, Any] = field(default_factory=dict)  # what article detection measured
    # the page's http(s) links, when a crawl that follows them asked (never stored)
    links: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: ``newscrawl extract`` prints it, the cluster queue carries it
        (``links`` only when they were asked for)."""
        data = dataclasses.asdict(self)
        if self.links is None:
            del data["links"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extraction:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
