"""A database of four articles stored from hand-written pages through the real
extractor, for the re-extraction tests; and a way to make them look stale."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from crawler.ingest.analysis import analyze_page
from storage import open_db
from storage.queries import store_page
from tests.support.factories import news_page_html, record

TOPICS = {
    "tram": ("Council expands tram network",
             "The city council voted on Tuesday to expand the tram network by twelve "
             "kilometres, after a debate that lasted well into the night and drew hundreds "
             "of residents to the town hall. "),
    "ferry": ("Ferry operators agree emissions standard",
              "Ferry operators around the Baltic agreed a common emissions standard on Monday, "
              "committing to shore power in every port by the end of the decade and to "
              "cleaner fuels at sea from next spring. "),
    "harbour": ("Harbour authority approves terminal expansion",
                "The harbour authority approved a long-delayed expansion of the container "
                "terminal, promising four hundred jobs while residents warned of heavier "
                "lorry traffic through the old town. "),
    "museum": ("Museum returns ship's figurehead",
               "The maritime museum returned a carved figurehead to the town it was taken "
               "from a century ago, in a ceremony attended by descendants of the ship's "
               "last crew and the mayor. "),
}


def store_article(db: Any, url: str, html: bytes, site: str) -> int:
    """Store ``html`` as the real extractor sees it; the new article's id."""
    analysis = analyze_page(html, url)
    assert analysis.extraction.is_article, analysis.extraction.reason
    rec = record(url, site=site, ex=analysis.extraction, html=html, signature=analysis.signature)
    result = store_page(db, rec)
    assert result.outcome == "new"
    assert result.article_id is not None
    return result.article_id


def write_news_db(path: Path) -> Path:
    """Four articles (ids 1-4 in TOPICS order): three on "daily", one of them at a URL
    with "/fail" (which tests.support.workers_helpers:reanalyze_or_fail refuses), and
    the museum article on "wire"."""
    db = open_db(path)
    for name, (title, paragraph) in TOPICS.items():
        site = "wire" if name == "museum" else "daily"
        url = f"https://{site}.example/news/2025/03/{name}.html"
        if name == "harbour":
            url = f"https://{site}.example/fail/2025/03/{name}.html"
        store_article(db, url, news_page_html(title, paragraph), site)
    db.conn.close()
    return path


def age_articles(path: Path, where: str = "1") -> None:
    """Make articles look like an older extractor's output."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE articles SET title = 'OLD ' || title, authors = '[]', published = NULL,"
            " body = body || ' Advertisement.', body_hash = 'old-' || id,"
            f" tags = '[\"stale\"]', extractor = 'newscrawl-0' WHERE {where}"
        )
    conn.close()
