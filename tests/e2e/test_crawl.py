"""End-to-end crawls: ``newscrawl`` as a subprocess against the sample web served
on 127.0.0.x, checked against ``crawler/demo/site/MANIFEST.json``."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.cli import commands
from crawler.demo import SAMPLE_SITES, load_manifest
from crawler.demo import sample_server as make_sample_server
from crawler.demo.server import RequestRecord, Response, SiteServer
from crawler.utils.urls import canonical_key
from storage import open_db
from storage.queries import page_html
from tests.support.hostile_site import closed_port
from tests.support.newscrawl import summary_figure
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

MANIFEST = load_manifest()
ARTICLES: list[dict[str, Any]] = MANIFEST["articles"]
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SM_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# --- helpers -----------------------------------------------------------------------


def key(server: SiteServer, host: str, path: str) -> str:
    """The ``articles.url`` / ``urls.url`` key of a manifest path."""
    return canonical_key(server.url(host, path))


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def site_of(server: SiteServer, url: str) -> tuple[str, str]:
    """(site name, path with query) of a URL served by ``server``."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for name, base in server.base_urls().items():
        if base == origin:
            return name, parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"{url} is not on the sample server ({server.base_urls()})")


def page_requests(requests: list[RequestRecord]) -> list[RequestRecord]:
    """Requests for pages: robots.txt, sitemaps and feeds left out."""
    discovery = re.compile(r"^/(robots\.txt|.*sitemap.*|feed\.rss|atom\.xml)$")
    return [r for r in requests if not discovery.match(r.url_path)]


def disallowed_prefixes(host: str) -> list[str]:
    prefixes = list(MANIFEST["hosts"][host]["disallow"])
    prefixes += [n["path"] for n in MANIFEST["never_request"] if n["host"] == host]
    return prefixes


@dataclass
class Crawl:
    """One finished crawl: the server it ran against, its DB, output and requests."""

    server: SiteServer
    db: Path
    proc: subprocess.CompletedProcess[str]
    requests: list[RequestRecord]
    db_rows: Any

    def rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db_rows(self.db, sql, params))

    def scalar(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        rows = self.rows(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def key(self, host: str, path: str) -> str:
        return key(self.server, host, path)

    def requested(self, host: str, target: str) -> bool:
        """Whether ``host`` received a request for ``target`` (fragment dropped)."""
        target = target.split("#", 1)[0]
        return any(r.host == host and r.path == target for r in self.requests)

    def article_id(self, host: str, path: str) -> int | None:
        """The article stored under this URL's key (its own row or one it is linked to)."""
        return self.scalar("SELECT article_id FROM article_urls WHERE url = ?",
                           [self.key(host, path)])


def crawl_homepages(run_newscrawl: Any, fast: tuple[str, ...], server: SiteServer, db: Path,
                    *extra: str) -> subprocess.CompletedProcess[str]:
    return run_newscrawl(
        "crawl", server.url("daily", "/"), server.url("wire", "/"), "--db", db, *fast, *extra
    )


@pytest.fixture(scope="module")
def full_crawl(run_newscrawl: Any, crawl_fast_settings: tuple[str, ...], db_rows: Any,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """Both sample homepages crawled once, with default depth, into a fresh DB."""
    db = tmp_path_factory.mktemp("full-crawl") / "news.db"
    with make_sample_server() as server:
        proc = crawl_homepages(run_newscrawl, crawl_fast_settings, server, db)
        yield Crawl(server, db, proc, list(server.requests), db_rows)


# --- 1. a full crawl of both homepages --------------------------------------------


def test_every_manifest_article_is_stored_exactly_once(full_crawl: Crawl) -> None:
    problems = []
    for art in ARTICLES:
        by_url = full_crawl.rows("SELECT id FROM articles WHERE url = ?",
                                 [full_crawl.key(art["host"], art["path"])])
        by_title = full_crawl.rows("SELECT url FROM articles WHERE title = ?", [art["title"]])
        if len(by_url) != 1:
            problems.append(f"{art['id']}: {len(by_url)} rows with its canonical URL")
        if len(by_title) != 1:
            problems.append(f"{art['id']}: {len(by_title)} rows titled {art['title']!r}: "
                            f"{[r['url'] for r in by_title]}")
    assert not problems, "\n".join(problems)
    expected = {full_crawl.key(a["host"], a["path"]) for a in ARTICLES}
    extra = [r["url"] for r in full_crawl.rows("SELECT url FROM articles")
             if r["url"] not in expected]
    assert not extra, f"rows in articles that are not manifest articles: {extra}"


def test_listing_pages_are_recorded_as_not_articles(full_crawl: Crawl) -> None:
    problems = []
    for page in MANIFEST["pages"]:
        if page["disallowed"]:
            continue
        k = full_crawl.key(page["host"], page["path"])
        where = f"{page['kind']} page {page['host']}{page['path']}"
        if full_crawl.rows("SELECT id FROM articles WHERE url = ?", [k]):
            problems.append(f"{where} is stored in articles")
        if full_crawl.rows("SELECT article_id FROM article_urls WHERE url = ?", [k]):
            problems.append(f"{where} is named in article_urls")
        rows = full_crawl.rows("SELECT outcome, reason FROM urls WHERE url = ?", [k])
        if not rows:
            problems.append(f"{where} has no urls row")
        elif rows[0]["outcome"] != "not_article" or not rows[0]["reason"]:
            problems.append(f"{where}: urls outcome {rows[0]['outcome']!r} "
                            f"reason {rows[0]['reason']!r}")
    assert not problems, "\n".join(problems)


def test_listing_pages_cost_no_body_extraction_and_links_are_read_in_the_workers(full_crawl: Crawl) -> None:
    # every listing page of the sample site is plainly one (its path, its kind, its links):
    # judged on its metadata and links, with no body extraction
    listings = [full_crawl.key(p["host"], p["path"]) for p in MANIFEST["pages"]
                if not p["disallowed"] and p["kind"] in ("home", "section", "tag", "author", "pagination")]
    assert listings
    for key in listings:
        (signals,) = [json.loads(r["signals"]) for r in full_crawl.rows("SELECT signals FROM urls WHERE url = ?",
                                                                           [key])]
        assert signals["body_source"] == "none (plainly not an article)", (key, signals)
    # the links the crawl followed were read by the extraction workers, none on the event loop
    stats = json.loads(full_crawl.rows("SELECT stats FROM crawl_runs")[0]["stats"])
    assert stats["newscrawl/links/read_by_worker"] >= len(listings)
    assert "newscrawl/links/read_here" not in stats


def test_fetched_url_variants_map_to_their_article(full_crawl: Crawl) -> None:
    problems = []
    checked = 0
    for art in ARTICLES:
        article_id = full_crawl.article_id(art["host"], art["path"])
        assert article_id is not None, f"{art['id']} not stored"
        for url in art["urls"]:
            if not full_crawl.requested(url["host"], url["path"]):
                continue  # folded onto another URL before fetching: nothing to record
            checked += 1
            k = full_crawl.key(url["host"], url["path"])
            rows = full_crawl.rows(
                "SELECT article_id, relation FROM article_urls WHERE url = ?", [k])
            if [r["article_id"] for r in rows] != [article_id]:
                problems.append(f"{art['id']} {url['kind']} {url['host']}{url['path']}: "
                                f"article_urls {rows}, want article {article_id}")
            elif (url["kind"] == "canonical" and rows[0]["relation"] != "canonical"
                  and full_crawl.scalar("SELECT url FROM articles WHERE id = ?",
                                        [article_id]) == k):
                problems.append(f"{art['id']}: own URL has relation {rows[0]['relation']!r}")
    assert not problems, "\n".join(problems)
    # Tracking, AMP and print variants are folded before fetching; a fragment's page is the
    # canonical one; a syndicated copy is a page of its own.
    fetched_kinds = ("canonical", "fragment", "syndicated")
    assert checked == sum(u["kind"] in fetched_kinds for a in ARTICLES for u in a["urls"])


def test_one_request_per_canonical_url(full_crawl: Crawl) -> None:
    """Tracking, fragment, AMP and print variants are folded before fetching."""
    keys = Counter(
        key(full_crawl.server, r.host, r.path) for r in page_requests(full_crawl.requests)
    )
    assert [k for k, n in keys.items() if n > 1] == []


def test_syndicated_copies_map_to_the_daily_article(full_crawl: Crawl) -> None:
    syndicated = [(art, url) for art in ARTICLES for url in art["urls"]
                  if url["kind"] == "syndicated"]
    assert syndicated, "the manifest lists syndicated copies"
    for art, url in syndicated:
        daily_id = full_crawl.scalar("SELECT id FROM articles WHERE url = ?",
                                     [full_crawl.key(art["host"], art["path"])])
        copy_key = full_crawl.key(url["host"], url["path"])
        assert full_crawl.requested(url["host"], url["path"]), f"{copy_key} never fetched"
        copy_row = full_crawl.rows("SELECT url, site, published FROM articles WHERE url = ?",
                                   [copy_key])
        assert daily_id is not None, (
            f"{art['id']}: no article row under the daily URL; the copy's row: {copy_row}"
        )
        assert full_crawl.rows("SELECT url FROM articles WHERE url = ?", [copy_key]) == [], (
            f"{art['id']}: the {url['host']} copy has its own article row"
        )
        linked = full_crawl.rows("SELECT url, article_id, relation FROM article_urls "
                                 "WHERE article_id = ? ORDER BY url", [daily_id])
        linked_urls = {r["url"] for r in linked}
        assert {full_crawl.key(art["host"], art["path"]), copy_key} <= linked_urls, linked
        copy = next(r for r in linked if r["url"] == copy_key)
        # rel=canonical to the daily page makes it another URL of the article; without, a copy
        assert copy["relation"] == ("variant" if url["canonical_link"] else "duplicate"), url


def test_syndicated_article_keeps_the_originals_metadata(full_crawl: Crawl) -> None:
    """The daily original is the article, whichever copy was fetched first."""
    problems = []
    for art in ARTICLES:
        if not any(u["kind"] == "syndicated" for u in art["urls"]):
            continue
        rows = full_crawl.rows("SELECT url, site, published FROM articles WHERE title = ?",
                               [art["title"]])
        want = {
            "url": full_crawl.key(art["host"], art["path"]),
            "site": urlsplit(full_crawl.key(art["host"], "/")).netloc,
            "published": parse_iso(art["published"]),
        }
        got = [{**r, "published": r["published"] and parse_iso(r["published"])} for r in rows]
        if got != [want]:
            problems.append(f"{art['id']}: stored as {rows}, want {want}")
    assert not problems, "\n".join(problems)


def test_disallowed_paths_are_never_requested(full_crawl: Crawl) -> None:
    for host in MANIFEST["hosts"]:
        prefixes = disallowed_prefixes(host)
        bad = [r.path for r in full_crawl.requests
               if r.host == host and any(r.path.startswith(p) for p in prefixes)]
        assert bad == [], f"{host}: requested disallowed paths {bad}"


def test_linked_disallowed_paths_are_recorded_as_blocked(full_crawl: Crawl) -> None:
    checked = 0
    for entry in MANIFEST["never_request"]:
        fetched_from = [f for f in entry["linked_from"]
                        if full_crawl.requested(f["host"], f["path"])]
        if not fetched_from:
            continue
        checked += 1
        rows = full_crawl.rows("SELECT outcome, reason, status FROM urls WHERE url = ?",
                               [full_crawl.key(entry["host"], entry["path"])])
        want = {"outcome": "blocked", "reason": "robots.txt disallowed", "status": None}
        assert rows == [want], (
            f"{entry['host']}{entry['path']} (linked from {fetched_from[0]['path']})"
        )
    assert checked == len(MANIFEST["never_request"])


def test_article_fields_match_the_manifest(full_crawl: Crawl) -> None:
    problems = []
    for art in ARTICLES:
        rows = full_crawl.rows("SELECT * FROM articles WHERE id = ?",
                               [full_crawl.article_id(art["host"], art["path"])])
        if not rows:
            problems.append(f"{art['id']}: not stored")
            continue
        row = rows[0]
        authors = json.loads(row["authors"])
        if not isinstance(authors, list) or authors != art["authors"]:
            problems.append(f"{art['id']}: authors {row['authors']!r}, want {art['authors']}")
        if row["language"] != art["language"]:
            problems.append(f"{art['id']}: language {row['language']!r}, want {art['language']!r}")
        if json.loads(row["tags"]) is None or not isinstance(json.loads(row["tags"]), list):
            problems.append(f"{art['id']}: tags {row['tags']!r} is not a JSON list")
        if not row["published"]:
            problems.append(f"{art['id']}: no published date")
            continue
        got, want = parse_iso(row["published"]), parse_iso(art["published"])
        if got.utcoffset() != want.utcoffset():
            problems.append(f"{art['id']}: published {row['published']!r} lost the offset of "
                            f"{art['published']!r}")
        # A syndicated copy that names the daily page as rel=canonical may be fetched
        # first and carries its own date; its offset is still checked above.
        has_copies = any(u["kind"] == "syndicated" for u in art["urls"])
        if got != want and not has_copies:
            problems.append(f"{art['id']}: published {row['published']!r}, "
                            f"want {art['published']!r}")
    assert not problems, "\n".join(problems)


def test_raw_html_is_stored_as_served(full_crawl: Crawl) -> None:
    rows = full_crawl.rows("SELECT p.id, p.url FROM pages p JOIN articles a ON a.id = p.article_id")
    article_count = full_crawl.scalar("SELECT count(*) FROM articles")
    with_pages = full_crawl.scalar("SELECT count(DISTINCT article_id) FROM pages")
    assert with_pages == article_count, "every article keeps the raw HTML of its page"
    db = open_db(full_crawl.db, read_only=True)
    try:
        for row in rows:
            name, target = site_of(full_crawl.server, row["url"])
            served = full_crawl.server.resolve(name, urlsplit(target).path)
            assert served is not None, row["url"]
            assert page_html(db, row["id"]) == served.body, row["url"]
    finally:
        db.conn.close()


def test_full_text_search_finds_articles_by_body_words(full_crawl: Crawl) -> None:
    bodies = {r["id"]: r["body"] for r in full_crawl.rows("SELECT id, body FROM articles")}
    words_of = {i: set(re.findall(r"\b[a-z]{7,}\b", body.lower())) for i, body in bodies.items()}
    seen = Counter(w for words in words_of.values() for w in words)
    checked = 0
    for art in ARTICLES:
        article_id = full_crawl.article_id(art["host"], art["path"])
        if article_id is None:
            continue
        distinctive = sorted(w for w in words_of[article_id] if seen[w] == 1)
        assert distinctive, f"{art['id']}: no word of its body is unique to it"
        word = distinctive[len(distinctive) // 2]
        found = full_crawl.rows(
            "SELECT articles.id FROM articles"
            " JOIN articles_fts ON articles.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ?", [f'"{word}"'])
        assert [r["id"] for r in found] == [article_id], f"{art['id']}: search for {word!r}"
        checked += 1
    assert checked == len(ARTICLES)


def test_crawl_run_is_recorded_and_summarised(full_crawl: Crawl) -> None:
    runs = full_crawl.rows("SELECT * FROM crawl_runs")
    assert len(runs) == 1
    run = runs[0]
    assert run["status"] == "finished" and run["finished"]
    stats = json.loads(run["stats"])
    articles = full_crawl.scalar("SELECT count(*) FROM articles")
    assert stats["newscrawl/outcome/new"] == articles
    out = full_crawl.proc.stdout
    assert "articles stored" in out and "failures" in out, out
    assert summary_figure(out, "articles stored") == articles
    in_run = full_crawl.scalar("SELECT count(*) FROM articles WHERE run_id = ?", [run["id"]])
    assert in_run == articles


# --- 2. incremental runs -----------------------------------------------------------

NEW_PATH = "/news/2025/04/harbour-pilots-take-delivery-of-electric-tug"
NEW_TITLE = "Harbour pilots take delivery of Kellport's first electric tug"
NEW_PARAGRAPHS = [
    "The Kellport harbour pilots took delivery of the port's first battery-electric tug on "
    "Monday, a 24-metre vessel that the harbour authority says will cut the pilot service's "
    "fuel bill by more than half and remove one of the loudest diesel engines from the inner "
    "basin.",
    "The tug, named Skerrywren after a vote among pupils at Eastquay primary school, was "
    "built at a yard in Gdańsk and crossed the Baltic under its own power, stopping twice to "
    "recharge. It can push with a force of 70 tonnes, enough to turn the largest container "
    "ships that call at the terminal, and recharges from a shore connection at the pilot "
    "station in about two hours.",
    "Captain Hedda Lindqvist, who leads the pilot service, said crews had trained on a "
    "simulator for three months before the handover. “The biggest difference is the silence,”"
    " she said. “You hear the water and the radio, and you can talk to the deckhand without "
    "shouting.”",
    "Residents of Eastquay, who have campaigned for years against night-time noise from the "
    "port, welcomed the arrival but said it was only a first step. The residents' association"
    " pointed out that the two remaining diesel tugs would stay in service until at least "
    "2029, when their replacements are due.",
    "The harbour authority paid €9.4m for the vessel, a third of it covered by a grant from "
    "the national clean shipping fund. Its finance director said the higher purchase price "
    "would be recovered within eleven years through lower fuel and maintenance costs, "
    "assuming electricity prices stay near their current level.",
    "Skerrywren enters regular service next week after sea trials in the estuary. The pilots "
    "plan to publish monthly figures on its energy use, and the authority has invited the "
    "university's new tidal research centre to study how the tug could one day charge from "
    "the tidal stream at the mouth of the harbour.",
]


def new_article_html() -> str:
    body = "\n".join(f"    <p>{p}</p>" for p in NEW_PARAGRAPHS)
    url = "{{base:daily}}" + NEW_PATH
    json_ld = json.dumps({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": NEW_TITLE,
        "datePublished": "2025-04-02T08:00:00+02:00",
        "author": [{"@type": "Person", "name": "Jonas Weber"}],
        "publisher": {"@type": "Organization", "name": "The Harbour Daily"},
        "inLanguage": "en",
        "mainEntityOfPage": url,
    }, ensure_ascii=False, indent=2)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{NEW_TITLE} – The Harbour Daily</title>
<meta name="description" content="The battery-electric Skerrywren replaces a diesel tug.">
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Harbour Daily">
<meta property="og:title" content="{NEW_TITLE}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="2025-04-02T08:00:00+02:00">
<script type="application/ld+json">
{json_ld}
</script>
</head>
<body class="article">
<header class="site-header"><a class="logo" href="/">The Harbour Daily</a></header>
<main id="content">
<article>
  <header>
    <h1>{NEW_TITLE}</h1>
    <p class="byline">By <a href="/author/jonas-weber/">Jonas Weber</a>,
      <time datetime="2025-04-02T08:00:00+02:00">2 April 2025</time></p>
  </header>
  <div class="story-body">
{body}
  </div>
</article>
</main>
<footer class="site-footer"><p>© 2025 The Harbour Daily Ltd, 4 Quay Street, Kellport.</p></footer>
</body>
</html>
"""


def homepage_linking(path: str, title: str) -> bytes:
    index = (SAMPLE_SITES["daily"] / "index.html").read_text(encoding="utf-8")
    teaser = f'<section class="breaking"><a href="{path}">{title}</a></section>\n'
    assert '<section class="latest">' in index
    anchor = '<section class="latest">'
    return index.replace(anchor, teaser + anchor, 1).encode()


def test_incremental_runs_skip_stored_articles_and_add_new_ones(
    sample_server: SiteServer, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...],
    db_rows: Any, tmp_path: Path,
) -> None:
    db = tmp_path / "news.db"
    # listing pages due again at once, so every stored URL is linked again in the second run
    every_run = ("-s", "NEWSCRAWL_LISTING_REVISIT_MIN=0")
    first = crawl_homepages(run_newscrawl, crawl_fast_settings, sample_server, db, *every_run)
    stored = {r["url"]: r["article_id"]
              for r in db_rows(db, "SELECT url, article_id FROM article_urls")}
    count = len(db_rows(db, "SELECT id FROM articles"))
    assert count == len(ARTICLES) and summary_figure(first.stdout, "articles stored") == count

    # Second run: nothing new; stored article URLs are not downloaded again.
    sample_server.clear_requests()
    second = crawl_homepages(run_newscrawl, crawl_fast_settings, sample_server, db, *every_run)
    refetched = [r.path for r in sample_server.requests
                 if key(sample_server, r.host, r.path) in stored]
    assert refetched == []
    assert ("daily", "/") in [(r.host, r.path) for r in sample_server.requests], \
        "homepages are fetched again to discover new articles"
    assert len(db_rows(db, "SELECT id FROM articles")) == count
    assert summary_figure(second.stdout, "articles stored") == 0
    # every stored URL (the articles' own and their syndicated copies) is linked again, and
    # skipped; one first linked before its sitemap entry's date was read is looked up again
    # once that date is known (and skipped again: counted twice)
    skipped = summary_figure(second.stdout, "skipped (stored)")
    assert len(stored) <= skipped <= 2 * len(stored), second.stdout
    runs = db_rows(db, "SELECT id, status, stats FROM crawl_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert json.loads(runs[1]["stats"]).get("newscrawl/outcome/new", 0) == 0

    # Third run: a new article linked from the homepage is added, and only it.
    sample_server.set_file("daily", NEW_PATH.lstrip("/") + ".html", new_article_html())
    sample_server.set_file("daily", "index.html", homepage_linking(NEW_PATH, NEW_TITLE))
    sample_server.clear_requests()
    third = crawl_homepages(run_newscrawl, crawl_fast_settings, sample_server, db)
    added = db_rows(db, "SELECT url, title, run_id FROM articles WHERE id NOT IN "
                    f"({','.join(map(str, set(stored.values())))})")
    new_key = key(sample_server, "daily", NEW_PATH)
    assert [(a["url"], a["title"]) for a in added] == [(new_key, NEW_TITLE)]
    assert added[0]["run_id"] == 3
    assert summary_figure(third.stdout, "articles stored") == 1
    assert [r.path for r in sample_server.requests if r.path == NEW_PATH] == [NEW_PATH]
    assert len(db_rows(db, "SELECT id FROM crawl_runs")) == 3


# --- 3. sitemap and feed URLs given directly ----------------------------------------


def news_sitemap_entries(server: SiteServer) -> dict[str, dict[str, str]]:
    """Canonical key -> {published, title} from the daily news sitemap as served."""
    resource = server.resolve("daily", MANIFEST["hosts"]["daily"]["news_sitemap"])
    assert resource is not None
    entries = {}
    for url in ET.fromstring(resource.body).iter(f"{SM_NS}url"):
        news = url.find(f"{NEWS_NS}news")
        assert news is not None
        entries[canonical_key(url.findtext(f"{SM_NS}loc", ""))] = {
            "published": news.findtext(f"{NEWS_NS}publication_date", ""),
            "title": news.findtext(f"{NEWS_NS}title", ""),
        }
    return entries


@pytest.mark.parametrize("news_sitemap_last", [False, True], ids=["as-served", "news-sitemap-last"])
def test_sitemap_index_url_given_directly(
    sample_server: SiteServer, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...],
    db_rows: Any, tmp_path: Path, news_sitemap_last: bool,
) -> None:
    """Articles in the news sitemap keep its facts even when the plain sitemap, which
    lists them too, is read first: in the second case the news sitemap is answered only
    once every article both list has been fetched through the plain one."""
    if news_sitemap_last:
        news_path = MANIFEST["hosts"]["daily"]["news_sitemap"]
        served = sample_server.resolve("daily", news_path)
        assert served is not None
        in_both = {u["path"] for a in ARTICLES for u in a["urls"]
                   if u["host"] == "daily" and u["in_sitemap"] and u["in_news_sitemap"]}
        assert in_both

        def after_the_articles(request: RequestRecord) -> Response:
            wait_until(lambda: in_both <= set(sample_server.paths("daily")),
                       "the articles of the plain sitemap are fetched")
            return Response(200, {"Content-Type": served.content_type}, served.body)

        sample_server.add_route("daily", news_path, after_the_articles)
    db = tmp_path / "news.db"
    index = sample_server.url("daily", MANIFEST["hosts"]["daily"]["sitemap_index"])
    run_newscrawl("crawl", index, "--db", db, *crawl_fast_settings)
    stored = {r["url"] for r in db_rows(db, "SELECT url FROM articles")}
    in_sitemaps = [a for a in ARTICLES
                   if a["host"] == "daily" and (a["in_sitemap"] or a["in_news_sitemap"])]
    assert in_sitemaps
    missing = [a["id"] for a in in_sitemaps if key(sample_server, "daily", a["path"]) not in stored]
    assert missing == []

    news = news_sitemap_entries(sample_server)
    assert len(news) == sum(a["in_news_sitemap"] for a in ARTICLES)
    for url_key, entry in news.items():
        rows = db_rows(db, "SELECT source, discovery FROM urls WHERE url = ?", [url_key])
        assert len(rows) == 1, url_key
        assert rows[0]["source"] == "news-sitemap", (url_key, rows[0])
        discovery = json.loads(rows[0]["discovery"] or "{}")
        assert discovery.get("title") == entry["title"], (url_key, discovery)
        published = parse_iso(discovery.get("published", ""))
        assert published == parse_iso(entry["published"]), (url_key, discovery)


def test_feed_url_given_directly(
    sample_server: SiteServer, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...],
    db_rows: Any, tmp_path: Path,
) -> None:
    db = tmp_path / "news.db"
    feed = sample_server.url("daily", MANIFEST["hosts"]["daily"]["feeds"]["rss"])
    run_newscrawl("crawl", feed, "--db", db, *crawl_fast_settings)
    stored = {r["url"] for r in db_rows(db, "SELECT url FROM articles")}
    in_feed = [a for a in ARTICLES if "rss" in a["in_feeds"]]
    assert in_feed
    missing = [a["id"] for a in in_feed if key(sample_server, a["host"], a["path"]) not in stored]
    assert missing == []
    # Articles found only through the feed say so.
    feed_only = [a for a in in_feed if not (a["in_sitemap"] or a["in_news_sitemap"])]
    assert feed_only
    for art in feed_only:
        rows = db_rows(db, "SELECT source, found_on FROM urls WHERE url = ?",
                       [key(sample_server, art["host"], art["path"])])
        assert rows == [{"source": "rss", "found_on": feed}], art["id"]


# --- 4. the offline demo -------------------------------------------------------------


def test_demo_crawls_the_sample_sites_offline(
    run_newscrawl: Any, db_rows: Any, tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    proc = run_newscrawl("demo", "--db", db, "-s", "NEWSCRAWL_EXTRACT_PROCESSES=2",
                         "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0")
    articles = db_rows(db, "SELECT url FROM articles")
    assert summary_figure(proc.stdout, "articles stored") == len(articles)
    assert "failures" in proc.stdout
    problems = []
    if len(articles) != len(ARTICLES):
        problems.append(f"{len(articles)} articles stored, the manifest has {len(ARTICLES)}: "
                        f"{sorted(a['url'] for a in articles)}")
    # Hints it prints ("Browse them: newscrawl ...") must name real commands.
    hinted = set(re.findall(r"\bnewscrawl ([a-z][\w-]*)", proc.stdout + proc.stderr))
    unknown = sorted(hinted - set(commands()) - {"crawl", "demo"})
    if unknown:
        problems.append(f"output names commands that do not exist: {unknown}")
    assert not problems, "\n".join(problems) + "\n--- stdout\n" + proc.stdout


# --- 5. a sites file -------------------------------------------------------------------


def test_sites_file_names_sites_and_denies_paths(
    sample_server: SiteServer, run_newscrawl: Any, crawl_fast_settings: tuple[str, ...],
    db_rows: Any, tmp_path: Path,
) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "[[site]]\n"
        'name = "daily"\n'
        f'url = "{sample_server.url("daily", "/")}"\n'
        "deny = ['^/tag/']\n"
        "\n"
        "[[site]]\n"
        'name = "wire"\n'
        f'url = "{sample_server.url("wire", "/")}"\n',
        encoding="utf-8",
    )
    db = tmp_path / "news.db"
    run_newscrawl("crawl", "--sites", sites, "--db", db, *crawl_fast_settings)
    rows = db_rows(db, "SELECT url, site FROM articles")
    assert {r["site"] for r in rows} == {"daily", "wire"}
    hosts = {urlsplit(key(sample_server, name, "/")).netloc: name for name in ("daily", "wire")}
    syndicated_to = {key(sample_server, a["host"], a["path"]) for a in ARTICLES
                     if any(u["kind"] == "syndicated" for u in a["urls"])}
    for row in rows:
        if row["url"] not in syndicated_to:  # may be stored from either copy first
            assert row["site"] == hosts[urlsplit(row["url"]).netloc], row
    denied = [r.path for r in sample_server.requests
              if r.host == "daily" and r.path.startswith("/tag/")]
    assert denied == []
    assert db_rows(db, "SELECT url FROM urls WHERE url LIKE '%/tag/%'") == []


# --- 6. bad input ------------------------------------------------------------------------


def test_not_a_url_is_refused_without_creating_a_database(
    run_newscrawl: Any, tmp_path: Path,
) -> None:
    db = tmp_path / "news.db"
    proc = run_newscrawl("crawl", "not-a-url", "--db", db, check=False)
    assert proc.returncode != 0
    assert "not an http(s) URL" in proc.stderr and "not-a-url" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not db.exists()
    proc = run_newscrawl("crawl", "not-a-url", check=False)  # default --db, in the cwd
    assert proc.returncode != 0
    assert list(proc.cwd.iterdir()) == []


def test_unreachable_site_is_recorded_as_a_failure(
    run_newscrawl: Any, crawl_fast_settings: tuple[str, ...], db_rows: Any, tmp_path: Path,
) -> None:
    db = tmp_path / "news.db"
    url = f"http://127.0.0.1:{closed_port()}/"
    proc = run_newscrawl("crawl", url, "--db", db, *crawl_fast_settings, "-s", "RETRY_TIMES=0",
                         check=False)
    # Not a crash: the run finishes and summarises.
    assert proc.returncode == 0, proc.stderr
    assert "crawl finished" in proc.stdout
    # The homepage, and the sitemap tried when a site offers none (its robots.txt failed too).
    failed = db_rows(db, "SELECT url, outcome, reason FROM urls ORDER BY url")
    assert failed == [{"url": canonical_key(url), "outcome": "failed", "reason": "connection refused"},
                      {"url": canonical_key(url + "sitemap.xml"), "outcome": "failed",
                       "reason": "connection refused"}]
    assert summary_figure(proc.stdout, "failures") == 2
    assert db_rows(db, "SELECT count(*) AS n FROM articles") == [{"n": 0}]
    assert db_rows(db, "SELECT status FROM crawl_runs") == [{"status": "finished"}]


def test_page_budget_counts_distinct_pages(sample_server, tmp_path, run_newscrawl, crawl_fast_settings):
    """--max-pages N fetches N distinct pages of the site: URL variants linked again
    (tracking parameters, fragments) do not use up the budget."""
    db = tmp_path / "budget.db"
    run_newscrawl("crawl", sample_server.url("daily", "/"), "--db", db, "--max-pages", "6",
                  "-s", "NEWSCRAWL_SITEMAP_FALLBACK=False", *crawl_fast_settings)
    discovery = ("/robots.txt", "/sitemap", "/feed", "/atom")
    pages = {canonical_key(sample_server.url("daily", r.path)) for r in sample_server.requests
             if r.host == "daily" and not r.url_path.startswith(discovery)}
    assert len(pages) == 6, sorted(pages)
