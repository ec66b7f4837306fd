"""A generated news site for crawl tests that change the site between runs.

Pages are written for the bundled ``SiteServer`` (``{{base:NAME}}`` templates).
Every article is recent (so re-check policies apply), has JSON-LD NewsArticle
metadata and a distinct body built from a seeded word list.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

_NOW = datetime.now(timezone.utc).replace(microsecond=0, second=0)

WORDS = (
    "council harbour ferry budget minister river energy school hospital court police storm port "
    "railway election museum bridge factory farmers union strike market tourism research mayor "
    "district coast fishing wind solar grid tenants housing transport airport nurses teachers "
    "students festival library climate flood drought shipping exports prices wages pension"
).split()


@dataclass
class GenArticle:
    n: int
    edition: int = 1  # bump to publish an edited version
    site: str = "gen"
    age_hours: float | None = None  # default: 1 to 24 hours old

    @property
    def path(self) -> str:
        return f"/news/2026/11/story-number-{self.n}-report"

    @property
    def title(self) -> str:
        suffix = " (updated)" if self.edition > 1 else ""
        return f"Report {self.n}: {WORDS[self.n % len(WORDS)]} and {WORDS[(self.n * 7) % len(WORDS)]}{suffix}"

    @property
    def published(self) -> str:
        age = self.age_hours if self.age_hours is not None else self.n % 24 + 1
        return (_NOW - timedelta(hours=age)).isoformat()

    def paragraphs(self) -> list[str]:
        rng = random.Random(self.n)
        paras = []
        for _ in range(5):
            words = [rng.choice(WORDS) for _ in range(45)]
            paras.append(" ".join(words).capitalize() + ".")
        if self.edition > 1:
            paras.append(f"Update {self.edition}: officials corrected the figures given earlier in this report "
                         f"and added new details about the {WORDS[self.n % len(WORDS)]} plans.")
        return paras

    def html(self) -> str:
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": self.title,
            "datePublished": self.published, "author": [{"@type": "Person", "name": f"Reporter {self.n % 5}"}],
            "publisher": {"@type": "Organization", "name": "Generated Gazette"},
        }
        body = "\n".join(f"<p>{p}</p>" for p in self.paragraphs())
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{self.title} | Generated Gazette</title>
<meta property="og:type" content="article"><meta property="og:title" content="{self.title}">
<meta property="article:published_time" content="{self.published}">
<link rel="canonical" href="{{{{base:{self.site}}}}}{self.path}">
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body><nav><a href="/">Home</a> <a href="/news/">News</a></nav>
<article><h1>{self.title}</h1><p class="byline">By Reporter {self.n % 5}</p>
{body}
</article>
<aside><h2>Newsletter</h2><p>Sign up for the morning briefing.</p></aside>
<footer>Generated Gazette</footer></body></html>
"""


def homepage(articles: list[GenArticle]) -> str:
    links = "\n".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in articles)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Generated Gazette</title>
<meta property="og:type" content="website"></head>
<body><h1>Generated Gazette</h1><ul>
{links}
</ul></body></html>
"""


def sitemap(articles: list[GenArticle], site: str = "gen") -> str:
    entries = "\n".join(
        f"<url><loc>{{{{base:{site}}}}}{a.path}</loc><news:news><news:publication>"
        f"<news:name>Generated Gazette</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{a.published}</news:publication_date><news:title>{a.title}</news:title>"
        f"</news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + entries + "\n</urlset>\n"
    )


ROBOTS = "User-agent: *\nAllow: /\nSitemap: {{base:gen}}/sitemap.xml\n"


def write_site(root: Path, articles: list[GenArticle]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text(ROBOTS)
    (root / "index.html").write_text(homepage(articles))
    (root / "sitemap.xml").write_text(sitemap(articles))
    for a in articles:
        (root / (a.path.lstrip("/") + ".html")).parent.mkdir(parents=True, exist_ok=True)
        (root / (a.path.lstrip("/") + ".html")).write_text(a.html())
    return root


def publish(server: object, articles: list[GenArticle], name: str = "gen") -> None:
    """Put the given articles (new or edited) live on a running SiteServer."""
    for a in articles:
        server.set_file(name, a.path.lstrip("/") + ".html", a.html())  # type: ignore[attr-defined]
