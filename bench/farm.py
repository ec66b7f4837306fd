"""A farm of local news sites for crawl benchmarks: real article pages with the
listing pages of a news site around them.

Each corpus page (the dev corpus: real news articles) is served in ``copies``
varied copies (``crawl.vary``: every long word suffixed, so neither the exact nor
the near-duplicate check folds them) spread over ``sites`` loopback hosts. Every
site has what a news site has around its articles:

- a homepage (section links, the 40 latest articles, the latest day archives,
  the busiest tags);
- section fronts with "next page" pagination, tag pages, author pages and day
  archives, 10 articles a page;
- robots.txt naming a sitemap index, which names plain sitemaps (with
  ``lastmod``) and a Google News sitemap of the latest articles, and an RSS feed;
- the article pages themselves: their links to their own original site are
  rewritten to this site's listing pages (as a real article links to its
  section, tags and author), links to other sites are left as they are
  (off-site: not followed), ``rel=canonical``/``og:url`` are removed so each
  copy is its own article.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from crawl import _CANONICAL, vary  # bench/ is first on sys.path

SECTIONS = ("world", "politics", "business", "culture", "science", "sport")
TAGS = tuple(f"topic-{w}" for w in (
    "energy climate elections courts housing transport health schools police budget trade "
    "farming fisheries tourism ports rail aviation labour pensions prices banking startups "
    "football tennis cycling music film books museums theatre space oceans forests water "
    "migration defence diplomacy cities villages islands rivers mountains weather storms "
    "wildlife parks roads bridges airports shipping exports imports taxes wages unions "
    "hospitals nurses doctors universities research science technology internet").split())
AUTHORS = ("ana-kowalski", "ben-okafor", "chloe-martin", "dario-rossi", "eva-lindqvist", "farid-haddad",
           "greta-jansen", "hugo-silva", "ines-moreau", "jonas-weber", "kaito-mori", "lena-park",
           "marta-nowak", "nils-berg", "olga-ivanova", "pedro-alves", "quinn-doyle", "rosa-diaz")
PAGE_SIZE = 10
DAYS = 30
EPOCH = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
_HREF = re.compile(rb"""(\bhref\s*=\s*)(?:(["'])(.*?)\2|([^\s>"']+))""", re.I | re.S)


@dataclass
class FarmArticle:
    site: int
    path: str
    original: int  # index of the corpus page
    copy: int
    section: str
    tags: list[str]
    author: str
    published: datetime


@dataclass
class FarmSite:
    articles: list[FarmArticle] = field(default_factory=list)  # newest first
    by_path: dict[str, FarmArticle] = field(default_factory=dict)
    listings: dict[str, list[FarmArticle]] = field(default_factory=dict)  # listing root -> articles


def _slug(url: str, k: int) -> str:
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "story"
    last = re.sub(r"[^A-Za-z0-9-]+", "-", last.rsplit(".", 1)[0]).strip("-")[:60] or "story"
    return f"{last}-{k}"


class NewsFarm:
    def __init__(self, corpus: list[tuple[str, bytes]], sites: int = 4, copies: int = 5, seed: int = 7) -> None:
        self.corpus_urls = [url for url, _ in corpus]
        self.cleaned = [_CANONICAL.sub(b"", html) for _, html in corpus]
        self.hosts = [urlsplit(url).hostname or "" for url in self.corpus_urls]
        rng = random.Random(seed)
        self.sites = [FarmSite() for _ in range(sites)]
        self.rendered: dict[tuple[int, str], bytes] = {}
        n = 0
        for k in range(copies):
            for i, url in enumerate(self.corpus_urls):
                site = (i + k) % sites
                section = SECTIONS[rng.randrange(len(SECTIONS))]
                published = EPOCH - timedelta(minutes=n * (DAYS * 24 * 60) // (len(corpus) * copies))
                n += 1
                art = FarmArticle(site, f"/{section}/{published:%Y/%m/%d}/{_slug(url, k)}.html", i, k, section,
                                  rng.sample(TAGS, 5), AUTHORS[rng.randrange(len(AUTHORS))], published)
                self.sites[site].articles.append(art)
        for s in self.sites:
            s.articles.sort(key=lambda a: a.published, reverse=True)
            s.by_path = {a.path: a for a in s.articles}
            for a in s.articles:
                for root in (f"/{a.section}/", *(f"/tag/{t}/" for t in a.tags), f"/author/{a.author}/",
                             f"/archive/{a.published:%Y/%m/%d}/"):
                    s.listings.setdefault(root, []).append(a)

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.sites)

    def render_articles(self) -> list[tuple[FarmArticle, bytes]]:
        """Every article page made once, before a crawl starts, and served from memory
        after: a real site's server costs the crawler nothing, and this one shares the
        crawl's cores (varying a 280 KB page on every request took ~0.2 of a core)."""
        self.rendered = {(a.site, a.path): self.article_bytes(a, self.listing_roots(a))
                         for site in self.sites for a in site.articles}
        return [(a, self.rendered[a.site, a.path]) for site in self.sites for a in site.articles]

    @staticmethod
    def listing_roots(art: FarmArticle) -> list[str]:
        return [f"/{art.section}/", *(f"/tag/{t}/" for t in art.tags), f"/author/{art.author}/"]

    def article_bytes(self, art: FarmArticle, listing_roots: list[str]) -> bytes:
        """The varied copy of its corpus page, its own-site links pointing at this site's listings."""
        host = self.hosts[art.original]

        def relink(m: re.Match[bytes]) -> bytes:
            raw = m.group(3) if m.group(2) else m.group(4)
            href = raw.decode("utf-8", "replace").strip()
            target = urlsplit(href)
            if target.scheme in ("http", "https") and target.hostname and target.hostname != host:
                return m.group(0)  # another site's link: off-site for the crawler too
            if href.startswith(("#", "mailto:", "javascript:", "tel:")) or not href:
                return m.group(0)
            digest = int.from_bytes(hashlib.blake2b(raw, digest_size=4).digest(), "little")
            quote = m.group(2) or b'"'
            return m.group(1) + quote + listing_roots[digest % len(listing_roots)].encode() + quote

        html = _HREF.sub(relink, self.cleaned[art.original])
        return vary(html, art.copy)

    # -- what a request gets ----------------------------------------------------------

    def respond(self, index: int, base: str, path: str) -> tuple[bytes, str] | None:
        site = self.sites[index]
        art = site.by_path.get(path)
        if art is not None:
            cached = self.rendered.get((index, path))
            if cached is None:
                cached = self.article_bytes(art, self.listing_roots(art))
            return cached, "text/html"
        if path == "/robots.txt":
            return f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain"
        if path == "/sitemap.xml":
            parts = [f"{base}/sitemap-articles-{i + 1}.xml" for i in range((len(site.articles) + 499) // 500)]
            parts.append(f"{base}/news-sitemap.xml")
            body = "".join(f"<sitemap><loc>{p}</loc></sitemap>" for p in parts)
            return _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')
        m = re.fullmatch(r"/sitemap-articles-(\d+)\.xml", path)
        if m:
            chunk = site.articles[(int(m.group(1)) - 1) * 500:int(m.group(1)) * 500]
            body = "".join(f"<url><loc>{base}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod></url>"
                           for a in chunk)
            return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')
        if path == "/news-sitemap.xml":
            body = "".join(
                f"<url><loc>{base}{a.path}</loc><news:news><news:publication><news:name>Farm {index}</news:name>"
                f"<news:language>en</news:language></news:publication><news:publication_date>"
                f"{a.published.isoformat()}</news:publication_date><news:title>Story {a.original}-{a.copy}"
                f"</news:title></news:news></url>" for a in site.articles[:100])
            return _xml('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>')
        if path == "/feed.rss":
            items = "".join(f"<item><title>Story {a.original}-{a.copy}</title><link>{base}{a.path}</link>"
                            f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
                            for a in site.articles[:50])
            return _xml(f'<rss version="2.0"><channel><title>Farm {index}</title><link>{base}/</link>'
                        f"{items}</channel></rss>", "application/rss+xml")
        if path == "/":
            return self._homepage(index, site), "text/html; charset=utf-8"
        m = re.fullmatch(r"(/.+?/)(?:page/(\d+)/)?", path)
        if m and m.group(1) in site.listings:
            return self._listing(index, site, m.group(1), int(m.group(2) or 1))
        return None

    def _homepage(self, index: int, site: FarmSite) -> bytes:
        tag_counts = sorted(((len(v), k) for k, v in site.listings.items() if k.startswith("/tag/")), reverse=True)
        days = sorted((k for k in site.listings if k.startswith("/archive/")), reverse=True)[:7]
        links = [(f"/{s}/", s.capitalize()) for s in SECTIONS]
        links += [(a.path, f"Story {a.original}-{a.copy}") for a in site.articles[:40]]
        links += [(d, d.strip("/")) for d in days]
        links += [(t, t.split("/")[2]) for _, t in tag_counts[:10]]
        return _page(f"Farm {index}", "website", links)

    def _listing(self, index: int, site: FarmSite, root: str, page: int) -> tuple[bytes, str] | None:
        arts = site.listings[root]
        chunk = arts[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
        if not chunk:
            return None
        links = [(f"/{s}/", s.capitalize()) for s in SECTIONS]
        links += [(a.path, f"Story {a.original}-{a.copy}") for a in chunk]
        if page * PAGE_SIZE < len(arts):
            links.append((f"{root}page/{page + 1}/", "Next page"))
        return _page(f"{root.strip('/')} - page {page} - Farm {index}", "website", links), "text/html; charset=utf-8"

    # -- classifying requests (for pages/s by kind) ---------------------------------------------

    def kind(self, index: int, path: str) -> str:
        if path in self.sites[index].by_path:
            return "article"
        if path in ("/robots.txt", "/feed.rss") or path.endswith(".xml"):
            return "sitemap/feed"
        return "listing"


def _xml(text: str, ctype: str = "application/xml") -> tuple[bytes, str]:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode(), ctype


def _page(title: str, og_type: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="{og_type}"></head><body><header><h1>{title}</h1></header>'
            f"<main><ul>{items}</ul></main><footer>Farm sites, for benchmarks</footer></body></html>").encode()


def serve(farm: NewsFarm, server: Any, names: list[str], on_response: Any = None) -> None:
    """Route every path of the ``names`` sites of a running ``SiteServer`` to the farm."""
    from crawler.demo.routes import Response

    for index, name in enumerate(names):
        def handler(request: Any, index: int = index, name: str = name) -> Any:
            found = farm.respond(index, server.base_url(name), request.url_path)
            if found is None:
                return Response(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
            body, ctype = found
            if on_response is not None:
                on_response(index, request.url_path, body)
            return Response(body=body, headers={"Content-Type": ctype})

        server.add_route(name, "/*", handler)
