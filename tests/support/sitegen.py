"""A generated news site that changes between runs, shaped like a real one.

Sections with fronts and deep pagination, tag, author and daily archive pages, a
sitemap index (with ``lastmod``) over article sitemaps and a Google News
sitemap, an RSS feed, and articles with JSON-LD ``datePublished`` /
``dateModified``. Written as files for the bundled ``SiteServer``
(``{{base:NAME}}`` templates); ``ChangingSite.publish`` puts the files that
changed live on a running server (new ETag and Last-Modified, as a real
publisher's CMS would).

Dates are on the site's own clock: ``now`` is fixed when the site is made.
Articles are several days old unless said otherwise, so the age-based re-check
rule (``NEWSCRAWL_RECHECK_DAYS``) does not look at them again.
"""

from __future__ import annotations

import email.utils
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.support.newsgen import WORDS

SECTIONS = ("world", "politics", "business", "sport", "culture")
TAGS = ("ukraine", "energy", "elections", "climate", "markets", "football", "health", "transport",
        "housing", "film")
AUTHORS = ("ana-petrova", "tom-osei", "lena-fischer", "raj-mehta", "mia-santos")
PER_PAGE = 10  # stories per section page
HOME_STORIES = 15
SITEMAP_CHUNK = 40  # stories per article sitemap, by story number
NEWS_WINDOW = timedelta(days=2)  # a Google News sitemap lists the last two days
FEED_ITEMS = 20


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


@dataclass
class Story:
    n: int
    published: datetime
    modified: datetime
    edition: int = 1

    @property
    def section(self) -> str:
        return SECTIONS[self.n % len(SECTIONS)]

    @property
    def tags(self) -> tuple[str, ...]:
        first, second = TAGS[self.n % len(TAGS)], TAGS[(self.n // len(TAGS) + 3 * self.n + 1) % len(TAGS)]
        return tuple(dict.fromkeys((first, second)))

    @property
    def author(self) -> str:
        return AUTHORS[(self.n // 2) % len(AUTHORS)]

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.published:%Y/%m/%d}/story-{self.n}"

    @property
    def day(self) -> str:
        return f"{self.published:%Y/%m/%d}"

    @property
    def title(self) -> str:
        words = f"{WORDS[self.n % len(WORDS)]} and {WORDS[(self.n * 7) % len(WORDS)]}"
        return f"Story {self.n}: {words}" + (" (updated)" if self.edition > 1 else "")

    def paragraphs(self) -> list[str]:
        rng = random.Random(self.n)
        paras = [" ".join(rng.choice(WORDS) for _ in range(50)).capitalize() + "." for _ in range(5)]
        if self.edition > 1:
            paras.append(f"Correction {self.edition}: the figures for the {WORDS[self.n % len(WORDS)]} "
                         f"plans given earlier in story {self.n} were wrong and have been replaced.")
        return paras

    def html(self, site: str) -> str:
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": self.title,
            "datePublished": _iso(self.published), "dateModified": _iso(self.modified),
            "author": [{"@type": "Person", "name": self.author.replace("-", " ").title()}],
            "publisher": {"@type": "Organization", "name": "The Changing Times"},
        }
        body = "\n".join(f"<p>{p}</p>" for p in self.paragraphs())
        tags = " ".join(f'<a href="/tag/{t}/">{t}</a>' for t in self.tags)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{self.title} | The Changing Times</title>
<meta property="og:type" content="article"><meta property="og:title" content="{self.title}">
<meta property="article:published_time" content="{_iso(self.published)}">
<meta property="article:modified_time" content="{_iso(self.modified)}">
<link rel="canonical" href="{{{{base:{site}}}}}{self.path}">
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body>{_nav()}
<article><h1>{self.title}</h1><p class="byline">By <a href="/author/{self.author}/">{self.author}</a></p>
{body}
<p class="tags">{tags}</p>
</article>
<footer>The Changing Times</footer></body></html>
"""


def _nav() -> str:
    return "<nav>" + " ".join(f'<a href="/{s}/">{s.title()}</a>' for s in SECTIONS) + "</nav>"


def _listing(title: str, stories: list[Story], extra: str = "", head: str = "") -> str:
    items = "\n".join(f'<li><a href="{s.path}">{s.title}</a></li>' for s in stories)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Changing Times</title>
<meta property="og:type" content="website">{head}</head>
<body>{_nav()}<h1>{title}</h1><ul>
{items}
</ul>{extra}</body></html>
"""


@dataclass
class ChangingSite:
    """``count`` stories published 3 to 20 days before ``now`` (``young`` of them in
    the last day), numbered 0..count-1; ``add`` and ``edit`` change it."""

    name: str = "times"
    count: int = 100
    young: int = 5
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))
    stories: list[Story] = field(default_factory=list)

    def __post_init__(self) -> None:
        for n in range(self.count):
            if n < self.young:
                published = self.now - timedelta(hours=2 + 4 * n)
            else:
                published = self.now - timedelta(days=3 + (n * 7) % 18, hours=n % 11)
            self.stories.append(Story(n, published, published + timedelta(minutes=10 * (n % 3))))

    # -- changes ---------------------------------------------------------------

    def add(self, count: int) -> list[Story]:
        """``count`` new stories, published in the last hours."""
        start = max(s.n for s in self.stories) + 1
        new = [Story(n, self.now - timedelta(minutes=20 + 13 * i), self.now - timedelta(minutes=20 + 13 * i))
               for i, n in enumerate(range(start, start + count))]
        self.stories += new
        return new

    def edit(self, numbers: list[int], *, at: datetime | None = None) -> list[Story]:
        """Publish a corrected edition of these stories (new dateModified, sitemap lastmod)."""
        edited = []
        for story in self.stories:
            if story.n in numbers:
                story.edition += 1
                # the server's Last-Modified of the edited page is the time of the edit:
                # the site's clock is this machine's here
                story.modified = at or datetime.now(timezone.utc).replace(microsecond=0)
                edited.append(story)
        return edited

    # -- pages ---------------------------------------------------------------------

    def latest(self, stories: list[Story] | None = None) -> list[Story]:
        return sorted(self.stories if stories is None else stories, key=lambda s: (s.published, s.n), reverse=True)

    def files(self) -> dict[str, str]:
        """Site-relative path -> content, for every file of the site as it is now."""
        site = self.name
        files: dict[str, str] = {}
        latest = self.latest()
        days = sorted({s.day for s in self.stories}, reverse=True)
        home_extra = (
            "<p>" + " ".join(f'<a href="/tag/{t}/">#{t}</a>' for t in TAGS) + "</p>"
            + "<p>" + " ".join(f'<a href="/author/{a}/">{a}</a>' for a in AUTHORS) + "</p>"
            + "<p>" + " ".join(f'<a href="/archive/{d}/">{d}</a>' for d in days) + "</p>"
        )
        feed = '<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">'
        files["index.html"] = _listing("The Changing Times", latest[:HOME_STORIES], home_extra, feed)
        for section in SECTIONS:
            stories = [s for s in latest if s.section == section]
            pages = [stories[i:i + PER_PAGE] for i in range(0, len(stories), PER_PAGE)] or [[]]
            for number, page in enumerate(pages, start=1):
                more = f'<a rel="next" href="/{section}/page/{number + 1}/">More</a>' if number < len(pages) else ""
                rel = f"{section}/index.html" if number == 1 else f"{section}/page/{number}/index.html"
                files[rel] = _listing(f"{section.title()} (page {number})", page, more)
        for tag in TAGS:
            files[f"tag/{tag}/index.html"] = _listing(f"#{tag}", [s for s in latest if tag in s.tags])
        for author in AUTHORS:
            files[f"author/{author}/index.html"] = _listing(author, [s for s in latest if s.author == author])
        for day in days:
            files[f"archive/{day}/index.html"] = _listing(day, [s for s in latest if s.day == day])
        for story in self.stories:
            files[story.path.lstrip("/") + ".html"] = story.html(site)
        files.update(self.discovery_files())
        return files

    def discovery_files(self) -> dict[str, str]:
        site = self.name
        base = f"{{{{base:{site}}}}}"
        files = {"robots.txt": f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n"}
        chunks: dict[int, list[Story]] = {}
        for story in self.stories:
            chunks.setdefault(story.n // SITEMAP_CHUNK, []).append(story)
        index = []
        for number, stories in sorted(chunks.items()):
            urls = "\n".join(f"<url><loc>{base}{s.path}</loc><lastmod>{_iso(s.modified)}</lastmod></url>"
                             for s in stories)
            files[f"sitemaps/articles-{number}.xml"] = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')
            index.append((f"{base}/sitemaps/articles-{number}.xml", max(s.modified for s in stories)))
        recent = [s for s in self.latest() if self.now - s.published <= NEWS_WINDOW]
        news = "\n".join(
            f"<url><loc>{base}{s.path}</loc><news:news><news:publication><news:name>The Changing Times"
            f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
            f"{_iso(s.published)}</news:publication_date><news:title>{s.title}</news:title></news:news></url>"
            for s in recent)
        files["sitemaps/news.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{news}\n</urlset>\n')
        index.append((f"{base}/sitemaps/news.xml", max((s.modified for s in recent), default=self.now)))
        entries = "\n".join(f"<sitemap><loc>{loc}</loc><lastmod>{_iso(t)}</lastmod></sitemap>" for loc, t in index)
        files["sitemap_index.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}\n</sitemapindex>\n')
        items = "\n".join(
            f"<item><title>{s.title}</title><link>{base}{s.path}</link>"
            f"<pubDate>{email.utils.format_datetime(s.published)}</pubDate></item>"
            for s in self.latest()[:FEED_ITEMS])
        files["feed.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>The Changing Times</title><link>{base}/</link>\n{items}\n</channel></rss>\n")
        return files

    def write(self, root: Path) -> Path:
        files = self.files()
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        self._published = files
        return root

    def publish(self, server: object) -> list[str]:
        """Put the files that changed since ``write``/the last ``publish`` on a running
        ``SiteServer``; the paths changed."""
        files = self.files()
        before = getattr(self, "_published", {})
        changed = [rel for rel, content in files.items() if before.get(rel) != content]
        for rel in changed:
            server.set_file(self.name, rel, files[rel])  # type: ignore[attr-defined]
        self._published = files
        return changed
