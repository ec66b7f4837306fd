"""Scheduled crawls that cost only what changed, and never miss an edit (issue 13).

A generated news site (tests/support/sitegen.py: sections with deep pagination, tag,
author and archive pages, a sitemap index with lastmod, a news sitemap, an RSS
feed) is crawled once; then 10 articles are added and 5 older ones edited (new
dateModified, sitemap lastmod, ETag and Last-Modified), and it is crawled again
"a day later". Real server, real ``newscrawl crawl`` subprocesses; every count
comes from the server's request log or the database, none from a clock.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo.routes import RequestRecord
from crawler.demo.routes import Response as ServerResponse
from crawler.demo.server import SiteServer
from crawler.utils.urls import canonical_key
from storage.recheck import parse_time
from tests.support.db import read_rows
from tests.support.newscrawl import CRAWL_FAST_SETTINGS
from tests.support.sitegen import ChangingSite

pytestmark = pytest.mark.slow

EDITED = [13, 17, 42, 66, 88]  # older stories (3+ days): the age rule never re-checks them
DISCOVERY = re.compile(r"^/(robots\.txt|sitemap_index\.xml|sitemaps/.*|feed\.xml)$")
LISTING = re.compile(r"^/(tag|author|archive)/|/page/\d+/$")
HREF = re.compile(r'href="([^"]+)"')


@dataclass
class TwoRuns:
    site: ChangingSite
    server: SiteServer
    db: Path  # the database as the second run left it
    live_db: Path  # the same, for tests that crawl again
    run1: list[RequestRecord]
    run2: list[RequestRecord]
    run1_files: dict[str, str]
    added: list[int]
    stdout2: str


def crawl(run_newscrawl, server: SiteServer, db: Path):
    return run_newscrawl("crawl", server.url("times", "/"), "--db", db, *CRAWL_FAST_SETTINGS, timeout=240)


@pytest.fixture(scope="module")
def two_runs(run_newscrawl, tmp_path_factory) -> Iterator[TwoRuns]:
    tmp = tmp_path_factory.mktemp("scheduled")
    site = ChangingSite()
    run1_files = site.files()
    with SiteServer({"times": site.write(tmp / "site")}) as server:
        db = tmp / "news.db"
        crawl(run_newscrawl, server, db)
        run1 = list(server.requests)
        added = [s.n for s in site.add(10)]
        site.edit(EDITED)
        site.publish(server)
        server.clear_requests()
        out = crawl(run_newscrawl, server, db)
        run2 = list(server.requests)
        snapshot = tmp / "after-run-2.db"
        shutil.copy(db, snapshot)
        yield TwoRuns(site, server, snapshot, db, run1, run2, run1_files, added, out.stdout)


def by_path(requests: list[RequestRecord]) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = defaultdict(list)
    for r in requests:
        out[r.url_path].append(r.status)
    return out


def key(runs: TwoRuns, path: str) -> str:
    return canonical_key(runs.server.url("times", path))


def test_a_first_crawl_finds_every_article(two_runs: TwoRuns) -> None:
    first = {s.path for s in two_runs.site.stories if s.n not in two_runs.added}
    requested = by_path(two_runs.run1)
    assert first <= set(requested)
    stored = {r["url"] for r in read_rows(two_runs.db, "SELECT url FROM articles WHERE run_id = 1")}
    assert stored == {key(two_runs, p) for p in first}
    # and every listing page: tags, authors, archives, section pagination
    listings = {"/" + rel.removesuffix("index.html") for rel in two_runs.run1_files
                if LISTING.search("/" + rel.removesuffix("index.html"))}
    assert listings and listings <= set(requested)


def test_the_second_run_stores_the_new_articles_and_a_version_of_each_edit(two_runs: TwoRuns) -> None:
    runs = two_runs
    stories = {s.n: s for s in runs.site.stories}
    new = read_rows(runs.db, "SELECT url FROM articles WHERE run_id = 2")
    assert {r["url"] for r in new} == {key(runs, stories[n].path) for n in runs.added}
    versions = read_rows(runs.db, """
        SELECT a.url, a.version, a.title, a.modified AS now_modified, v.version AS old_version,
               v.modified AS old_modified, v.title AS old_title, v.changed
        FROM article_versions v JOIN articles a ON a.id = v.article_id""")
    assert {v["url"] for v in versions} == {key(runs, stories[n].path) for n in EDITED}
    for v in versions:
        story = next(s for s in runs.site.stories if key(runs, s.path) == v["url"])
        assert (v["version"], v["old_version"]) == (2, 1)
        assert v["title"].endswith("(updated)") and not v["old_title"].endswith("(updated)")
        assert "body" in json.loads(v["changed"])
        # each version with its modification date (the page's dateModified)
        assert parse_time(v["now_modified"]) == story.modified
        assert parse_time(v["old_modified"]) < story.modified
    # every stored article has its modification date
    assert read_rows(runs.db, "SELECT count(*) AS n FROM articles WHERE modified IS NULL")[0]["n"] == 0


def test_the_second_run_fetches_no_unchanged_article_body(two_runs: TwoRuns) -> None:
    runs = two_runs
    requested = by_path(runs.run2)
    changed = {s.path for s in runs.site.stories if s.n in EDITED or s.n in runs.added}
    unchanged = {s.path for s in runs.site.stories} - changed
    for path in unchanged:
        assert set(requested.get(path, [])) <= {304}, (path, requested[path])
    for path in changed:
        assert requested[path] == [200], (path, requested.get(path))
    # the edited ones were re-checked with a conditional GET
    edits = [r for r in runs.run2 if r.url_path in {s.path for s in runs.site.stories if s.n in EDITED}]
    assert all(r.header("If-None-Match") for r in edits)


def test_the_second_run_costs_at_most_a_quarter_of_the_first(two_runs: TwoRuns) -> None:
    runs = two_runs
    assert len(runs.run2) <= 0.25 * len(runs.run1), (len(runs.run2), len(runs.run1))
    requested = by_path(runs.run2)
    # sitemaps, the feed, robots.txt, the homepage and section fronts are read again ...
    for path in ("/robots.txt", "/sitemap_index.xml", "/sitemaps/news.xml", "/feed.xml", "/",
                 "/world/", "/politics/", "/business/", "/sport/", "/culture/"):
        assert path in requested, path
    # ... tags, authors, archives and deep pagination are not due an hour later
    assert not [p for p in requested if LISTING.search(p)], sorted(requested)


def test_the_runs_cost_per_site_is_recorded_and_shown(two_runs: TwoRuns, run_newscrawl) -> None:
    runs = two_runs
    (row,) = read_rows(runs.db, "SELECT * FROM crawl_run_sites WHERE run_id = 2")
    requested = by_path(runs.run2)
    discovery = sum(len(v) for p, v in requested.items() if DISCOVERY.match(p))
    articles = sum(len(v) for p, v in requested.items() if p.count("/") == 5 and "/story-" in p)
    listings = len(runs.run2) - discovery - articles
    assert (row["new"], row["updated"]) == (10, 5)
    assert row["discovery_requests"] == discovery
    assert row["article_requests"] == articles == 15 + row["not_modified"]
    assert row["listing_requests"] == listings
    listing_pages = [p for p in runs.run1_files if LISTING.search("/" + p.removesuffix("index.html"))]
    assert row["listings_not_due"] == len(listing_pages)

    report = {h["site"]: h for h in map(json.loads, run_newscrawl("stats", "--db", runs.db, "--json").stdout.splitlines())}
    (health,) = report.values()
    assert health["last_run"] == {
        "run": 2, "requests": len(runs.run2), "article_requests": articles, "listing_requests": listings,
        "discovery_requests": discovery, "new": 10, "updated": 5, "not_modified": row["not_modified"],
        "listings_not_due": len(listing_pages),
    }
    text = run_newscrawl("stats", "--db", runs.db).stdout
    line = next(x for x in text.splitlines()[text.splitlines().index(next(
        x for x in text.splitlines() if x.startswith("What the latest run cost"))):] if x.startswith(row["site"]))
    assert line.split()[1:] == [str(n) for n in (2, len(runs.run2), articles, listings, discovery, 10, 5,
                                                 row["not_modified"], len(listing_pages))], text
    assert re.search(r"^  articles updated +5 ", runs.stdout2, re.M), runs.stdout2


def test_listing_revisits_back_off_while_their_links_stay_the_same(two_runs: TwoRuns, run_newscrawl) -> None:
    """Time passes (every listing's revisit made due, in the database): the third run
    fetches them again; those whose links did not change since their last visit wait
    twice as long now, those that gained links (the new stories' tags, authors and
    day, the section pages they pushed older stories onto) the minimum again."""
    runs = two_runs
    db = runs.live_db
    conn = sqlite3.connect(db)
    with conn:
        due = conn.execute("UPDATE urls SET next_visit = '2000-01-01T00:00:00+00:00'"
                           " WHERE next_visit IS NOT NULL").rowcount
    conn.close()
    runs.server.clear_requests()
    crawl(run_newscrawl, runs.server, db)
    requested = by_path(runs.server.requests)
    now_files = runs.site.files()
    expected: dict[str, int] = {}
    for rel, before in runs.run1_files.items():
        path = "/" + rel.removesuffix("index.html")
        if LISTING.search(path):
            changed = set(HREF.findall(before)) != set(HREF.findall(now_files[rel]))
            expected[path] = 3600 if changed else 7200
    assert due == len(expected)
    assert {p for p in requested if LISTING.search(p) and p in expected} == set(expected)
    got = {r["url"]: r["revisit_interval"] for r in read_rows(db, "SELECT url, revisit_interval FROM urls")}
    assert {p: got.get(key(runs, p)) for p in expected} == expected
    assert 3600 in expected.values() and 7200 in expected.values()
    # homepages and section fronts have no interval: fetched every run
    every_run = read_rows(db, "SELECT listing, next_visit FROM urls WHERE listing IN ('start', 'section')")
    assert len(every_run) == 6 and all(r["next_visit"] is None for r in every_run)


def test_unchanged_documents_cost_a_304_and_are_still_read(tmp_path, run_newscrawl) -> None:
    """Sitemaps, the feed, robots.txt, the homepage and section fronts that did not
    change answer a conditional GET with 304; their stored copy is read all the same,
    so an article that failed in the run before is fetched although the only
    document of this run that lists it is an unchanged sitemap."""
    site = ChangingSite(count=60, young=0)
    latest = site.latest()
    fronts = {s.n for s in latest[:15]} | {s.n for sec in {s.section for s in latest}
                                          for s in [x for x in latest if x.section == sec][:10]}
    missed = next(s for s in reversed(latest) if s.n not in fronts)  # on page 2, tags, ... and sitemaps
    with SiteServer({"times": site.write(tmp_path / "site")}) as server:
        server.add_route("times", missed.path, lambda request: ServerResponse(404, {}, "gone for now"))
        db = tmp_path / "news.db"
        crawl(run_newscrawl, server, db)
        assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 59
        server.remove_routes("times")
        server.clear_requests()
        crawl(run_newscrawl, server, db)
        requested = by_path(server.requests)
        home_key = canonical_key(server.url("times", "/"))
    for path in ("/sitemap_index.xml", "/sitemaps/articles-0.xml", "/sitemaps/articles-1.xml", "/sitemaps/news.xml",
                 "/feed.xml", "/", "/world/", "/culture/"):
        assert requested[path] == [304], (path, requested.get(path))
    assert sorted(requested["/robots.txt"]) == [200, 304]  # Scrapy's own request has no validators
    assert requested[missed.path] == [200]
    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 60
    home = read_rows(db, "SELECT outcome, status, listing FROM urls WHERE url = ?", [home_key])
    assert home == [{"outcome": "not_article", "status": 304, "listing": "start"}]
    (row,) = read_rows(db, "SELECT * FROM crawl_run_sites WHERE run_id = 2")
    assert row["listing_requests"] == 6 and row["new"] == 1  # the homepage and 5 section fronts
    stats = json.loads(read_rows(db, "SELECT stats FROM crawl_runs WHERE id = 2")[0]["stats"])
    assert stats["newscrawl/not_modified/sitemap"] == 4 and stats["newscrawl/not_modified/listing"] == 6
