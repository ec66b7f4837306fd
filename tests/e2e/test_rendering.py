"""Pages that need JavaScript: application shells rendered in real headless
Chromium (Debian's ``/usr/bin/chromium``), against a real local site
(``crawler.demo.appshells``: shells whose text comes from a JSON API, ordinary
articles with scripts of their own, bot walls).

Every browser start is logged by a wrapper script given as
``NEWSCRAWL_BROWSER_PATH``, so "the browser was (not) started" is a fact, not a
counter of ours. What the browser fetched is in the site server's request log.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.appshells import AppShellSite, Story, shell_html
from crawler.demo.server import RequestRecord, Response, SiteServer
from crawler.ingest.analysis import analyze_page
from crawler.rendering.browser import browser_pids, find_browser
from crawler.rendering.shell import shell_reason
from tests.e2e.conftest import RunNewscrawl
from tests.support.db import read_rows
from tests.support.newscrawl import CRAWL_FAST_SETTINGS

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium): "
                                    "apt-get install -y chromium")
slow = pytest.mark.slow


def wrapper(tmp: Path) -> tuple[Path, Path]:
    """A browser executable that logs each start to a file, then runs Chromium."""
    log = tmp / "browser-starts.log"
    script = tmp / "chromium-logged"
    script.write_text(f'#!/bin/sh\necho "$$" >> "{log}"\nexec {CHROMIUM} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def run_stats(db: Path) -> dict[str, Any]:
    (row,) = read_rows(db, "SELECT stats FROM crawl_runs WHERE kind = 'crawl' ORDER BY id DESC LIMIT 1")
    return json.loads(row["stats"])


def stored(db: Path) -> dict[str, dict[str, Any]]:
    """Articles by the path of their URL, with their page's ``rendered``."""
    rows = read_rows(db, "SELECT a.url, a.title, a.body, a.authors, p.rendered FROM articles a"
                         " JOIN pages p ON p.article_id = a.id")
    return {"/" + r["url"].split("/", 3)[3]: r for r in rows}


def outcomes(db: Path) -> dict[str, tuple[str, str]]:
    """(outcome, reason) by URL path."""
    rows = read_rows(db, "SELECT url, outcome, reason FROM urls WHERE outcome != 'discovered'")
    return {"/" + r["url"].split("/", 3)[3]: (r["outcome"], r["reason"]) for r in rows}


def exact(story: Story, row: dict[str, Any] | None) -> bool:
    return row is not None and row["title"] == story.title and row["body"] == story.body


@dataclass
class Crawl:
    db: Path
    out: str
    requests: list[str]  # request paths the server saw
    starts: int  # browser starts


def crawl(run_newscrawl: RunNewscrawl, tmp: Path, site: AppShellSite, *settings: str,
          sites_file: str = "") -> Crawl:
    browser, log = wrapper(tmp)
    db = tmp / "news.db"
    with site.server() as server:
        target: list[str] = [server.url("courier", "/")]
        if sites_file:
            path = tmp / "sites.toml"
            path.write_text(f'[[site]]\nname = "courier"\nurl = "{target[0]}"\n{sites_file}\n')
            target = ["--sites", str(path)]
        proc = run_newscrawl("crawl", *target, "--db", db, *CRAWL_FAST_SETTINGS,
                             "-s", f"NEWSCRAWL_BROWSER_PATH={browser}", *settings, timeout=240)
        paths = server.paths("courier")
    return Crawl(db, proc.stdout, paths, starts(log))


# --- the shell judgement (pure) ------------------------------------------------------------


def test_shells_are_told_from_ordinary_and_paywalled_articles() -> None:
    site = AppShellSite(shells=4, ordinary=0)
    for story in site.shells:
        analysis = analyze_page(shell_html(story).replace("{{base:courier}}", "https://courier.test").encode(),
                                f"https://courier.test{story.path}")
        assert not analysis.extraction.is_article
        assert analysis.shell and "script" in analysis.shell and "empty #" in analysis.shell, analysis.shell
    paywalled = b"""<html><head><title>Ferry timetable</title><meta property="og:type" content="article">
    <script src="/paywall.js"></script></head><body><article><h1>Ferry timetable</h1>
    <p>The harbour ferry will run until half past eleven every night from June, the transport board said,
    after a trial of late sailings drew more passengers than expected during the spring.</p>
    <p class="paywall">Subscribe to read the rest of this story.</p></article></body></html>"""
    analysis = analyze_page(paywalled, "https://courier.test/news/2026/03/ferry-timetable-extended")
    assert not analysis.extraction.is_article and analysis.shell is None
    # no article metadata, no scripts, or a listing: not a shell either
    shell = shell_html(site.shells[0])
    untyped = shell.replace('content="article"', 'content="website"').replace("article:published_time", "x")
    assert analyze_page(untyped.encode(), "https://courier.test/news/2026/03/x-y-z").shell is None
    assert analyze_page(shell.encode(), "https://courier.test/tag/harbour/").shell is None
    scriptless = shell.replace('<script src="/static/app.js" defer></script>', "")
    assert analyze_page(scriptless.encode(), "https://courier.test/news/2026/03/x-y-z").shell is None
    ordinary = analyze_page(b"<html><head><meta property='og:type' content='article'></head><body>"
                            + b"<p>" + b"A long paragraph of text about the harbour. " * 30 + b"</p>"
                            + b"<script src='/a.js'></script></body></html>", "https://c.test/news/a-b-c-d")
    assert ordinary.extraction.is_article and ordinary.shell is None


def test_shell_reason_needs_an_extraction_that_is_not_an_article() -> None:
    class Ex:
        is_article = True
        signals: dict[str, Any] = {}

    assert shell_reason(Ex(), b"<html></html>") is None


# --- a default crawl -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_crawl(run_newscrawl: RunNewscrawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppShellSite, Crawl]]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    site = AppShellSite()
    yield site, crawl(run_newscrawl, tmp_path_factory.mktemp("render-default"), site)


@needs_chromium
@slow
def test_a_default_crawl_stores_the_shells_with_exact_titles_and_full_bodies(default_crawl: tuple[AppShellSite, Crawl]) -> None:
    site, c = default_crawl
    articles = stored(c.db)
    good = [s for s in site.shells if exact(s, articles.get(s.path))]
    assert len(good) >= 0.95 * len(site.shells), (len(good), c.out)
    for s in good:
        row = articles[s.path]
        assert row["rendered"] and row["rendered"].startswith("Chromium "), row
        assert json.loads(row["authors"]) == [s.author]
    reasons = outcomes(c.db)
    assert all(reasons[s.path] == ("new", reasons[s.path][1]) and "rendered with JavaScript" in reasons[s.path][1]
               for s in good)
    assert c.starts == 1  # started once, for the first shell
    assert f"rendered (JavaScript) {len(site.shells)} ({len(site.shells)} articles;" in c.out, c.out
    # the rendered DOM is what is stored: the article's text is in the stored page
    (page,) = read_rows(c.db, "SELECT p.id FROM pages p JOIN articles a ON a.id = p.article_id WHERE a.title = ?",
                        [site.shells[0].title])
    from storage import open_db
    from storage.queries import page_html

    db = open_db(c.db, read_only=True)
    try:
        html = page_html(db, page["id"]).decode("utf-8")
    finally:
        db.conn.close()
    assert site.shells[0].paragraphs[-1].split(".")[0] in html and 'data-mount=""' in html


@needs_chromium
@slow
def test_ordinary_articles_are_stored_without_rendering(default_crawl: tuple[AppShellSite, Crawl]) -> None:
    site, c = default_crawl
    articles = stored(c.db)
    for s in site.ordinary:
        assert exact(s, articles.get(s.path)), s.path
        assert articles[s.path]["rendered"] is None
        assert "rendered" not in outcomes(c.db)[s.path][1]
    # none of their scripts (or images) was requested: the browser never saw them
    assert not [p for p in c.requests if p.startswith("/static/ordinary/")], c.requests
    # the shells' bundle was loaded once for all of them (the asset cache); their API once each
    assert c.requests.count("/static/app.js") == 1 and c.requests.count("/static/next-app.js") == 1
    assert sorted(p for p in c.requests if p.startswith("/api/articles/")) == sorted(s.api_path for s in site.shells)
    # images, fonts and media are never loaded
    assert not [p for p in c.requests if p.startswith(("/static/photos/", "/static/fonts/", "/static/favicon"))]


@needs_chromium
@slow
def test_challenge_pages_are_blocked_in_a_default_crawl(default_crawl: tuple[AppShellSite, Crawl]) -> None:
    site, c = default_crawl
    reasons = outcomes(c.db)
    for path, status, _body, kind in site.walls:
        assert reasons[path] == ("blocked", f"bot wall: {kind} (http {status})")
    assert not [p for p in stored(c.db) if p in {w[0] for w in site.walls}]


@needs_chromium
@slow
def test_pages_fetched_counts_pages_not_the_requests_of_rendered_ones(
        default_crawl: tuple[AppShellSite, Crawl]) -> None:
    site, c = default_crawl
    stats = run_stats(c.db)
    downloads = stats["newscrawl/render/downloads"]
    assert downloads >= len(site.shells) + 3  # their API, two bundles, the config, the stylesheet
    shown = int(re.search(r"pages fetched +(\d+)", c.out).group(1))  # type: ignore[union-attr]
    assert shown == stats["response_received_count"] - downloads
    # the homepage, the articles, the walls, robots.txt and /sitemap.xml at most
    assert shown <= 1 + len(site.shells) + len(site.ordinary) + len(site.walls) + 3


@needs_chromium
@slow
def test_reextract_extracts_the_rendered_dom_as_stored(default_crawl: tuple[AppShellSite, Crawl],
                                                       run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    _site, c = default_crawl
    before = read_rows(c.db, "SELECT id, title, body FROM articles ORDER BY id")
    proc = run_newscrawl("reextract", "--db", c.db, "--no-progress")
    assert re.search(r"articles changed +0\n", proc.stdout) and re.search(r"no longer articles +0 ", proc.stdout), \
        proc.stdout
    assert re.search(rf"unchanged +{len(before)}\n", proc.stdout), proc.stdout
    assert read_rows(c.db, "SELECT id, title, body FROM articles ORDER BY id") == before


# --- off, or no browser ----------------------------------------------------------------------


@pytest.mark.slow
def test_render_never_records_the_shells_as_needing_javascript(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    site = AppShellSite(shells=6)
    c = crawl(run_newscrawl, tmp_path, site, "-s", "NEWSCRAWL_RENDER=never")
    reasons = outcomes(c.db)
    for s in site.shells:
        outcome, reason = reasons[s.path]
        assert outcome == "not_article"
        assert reason == "not_article: needs JavaScript rendering (rendering is off (NEWSCRAWL_RENDER=never))"
    assert c.starts == 0 and "/static/app.js" not in c.requests
    assert ("needs JavaScript      6 not rendered (rendering is off (NEWSCRAWL_RENDER=never); "
            "-s NEWSCRAWL_RENDER=auto renders such pages)") in c.out, c.out
    assert all(exact(s, stored(c.db).get(s.path)) for s in site.ordinary)


@pytest.mark.slow
def test_a_site_can_turn_rendering_off(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    site = AppShellSite(shells=3, ordinary=1)
    c = crawl(run_newscrawl, tmp_path, site, sites_file='render = "never"')
    for s in site.shells:
        assert outcomes(c.db)[s.path] == (
            "not_article", 'not_article: needs JavaScript rendering (rendering is off for this site (render = "never"))')
    assert c.starts == 0 and 'set render = "auto" for it in the sites file' in c.out


@pytest.mark.slow
def test_without_a_browser_the_summary_says_how_to_get_one(tmp_path: Path) -> None:
    site = AppShellSite(shells=3, ordinary=1)
    db = tmp_path / "news.db"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = str(tmp_path / "empty-bin")  # no chromium on PATH
    with site.server() as server:
        proc = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", server.url("courier", "/"),
                               "--db", str(db), *CRAWL_FAST_SETTINGS], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    why = "no browser: no Chromium found on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable)"
    for s in site.shells:
        assert outcomes(db)[s.path] == ("not_article", f"not_article: needs JavaScript rendering ({why})")
    assert (f"needs JavaScript      3 not rendered ({why}; install chromium (apt-get install chromium) "
            "or set NEWSCRAWL_BROWSER_PATH to render such pages)") in proc.stdout, proc.stdout
    assert exact(site.ordinary[0], stored(db).get(site.ordinary[0].path))


def test_a_browser_path_that_is_not_there_is_bad_input(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    proc = run_newscrawl("crawl", "http://127.0.0.1:9/", "--db", tmp_path / "n.db",
                         "-s", "NEWSCRAWL_BROWSER_PATH=/nonexistent/chromium", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("-s NEWSCRAWL_BROWSER_PATH=/nonexistent/chromium: "
                                        "no such file: /nonexistent/chromium"), proc.stderr
    assert not (tmp_path / "n.db").exists()
    proc = run_newscrawl("crawl", "http://127.0.0.1:9/", "--db", tmp_path / "n.db",
                         "-s", "NEWSCRAWL_RENDER=sometimes", check=False)
    assert proc.returncode == 2 and "expected one of auto, always, never" in proc.stderr


def test_find_browser() -> None:
    assert find_browser("/nonexistent")[0] is None
    if CHROMIUM.exists():
        assert find_browser(str(CHROMIUM)) == (str(CHROMIUM), "")


@needs_chromium
@pytest.mark.slow
def test_a_crawl_of_ordinary_pages_starts_no_browser(run_newscrawl: RunNewscrawl, tmp_path: Path,
                                                      sample_server: SiteServer) -> None:
    browser, log = wrapper(tmp_path)
    proc = run_newscrawl("crawl", sample_server.url("daily", "/"), "--db", tmp_path / "news.db",
                         *CRAWL_FAST_SETTINGS, "-s", f"NEWSCRAWL_BROWSER_PATH={browser}")
    assert "articles stored" in proc.stdout and "rendered" not in proc.stdout
    assert not log.exists()  # never started
    stats = run_stats(tmp_path / "news.db")
    assert not [k for k in stats if k.startswith("newscrawl/render/")]


# --- bounded cost: a crash, a page that never loads, the requests a page makes ---------------

NEVER_LOADS = Story(900, "shell", "Courier report 900: a page that never finishes loading", "Ruth Moreau",
                    "2026-03-01T08:00:00+00:00", ["Never seen."], bundle="never.js")
PEEKS = Story(901, "shell", "Courier report 901: what changes for the sea wall", "Aino Brennan",
              "2026-03-01T07:00:00+00:00",
              [("The harbour board said on Tuesday that repairs to the sea wall would cost more than planned. "
                "A final decision is expected before the summer."),
               ("The city council confirmed late on Monday that the old bridge would close for a month. "
                "Officials declined to give a precise date."),
               ("Local farmers told reporters that the harvest had come in two weeks early. "
                "Several residents welcomed the news."),
               ("The water company warned in a statement that the budget for the coming year would rise "
                "slightly. The figures will be reviewed again in the autumn.")], bundle="peek.js")
ROBOTS_API = Story(902, "shell", "Courier report 902: an API robots.txt disallows", "Tomas Virtanen",
                   "2026-03-01T06:00:00+00:00", ["Never seen either."], bundle="private.js")
# a script that tries the cloud metadata address, a private network and a WebSocket, then loads the article
PEEK_JS = """
fetch('http://169.254.169.254/latest/meta-data/').catch(function () {});
fetch('http://10.20.30.40/admin').catch(function () {});
try { new WebSocket('ws://' + location.host + '/socket'); } catch (e) {}
var s = document.createElement('script'); s.src = '/static/app.js'; document.body.appendChild(s);
"""
PRIVATE_JS = """
fetch('/private-api/articles/902.json').then(function (r) { return r.json(); }).then(function (a) {
  document.querySelector('[data-mount]').innerHTML = '<article><p>' + a.paragraphs.join('</p><p>') + '</p></article>';
});
"""


def never_ending(request: RequestRecord) -> Response:
    def chunks() -> Iterator[bytes]:
        yield b"/* loading */\n"
        for _ in range(600):  # a minute at most; the server's stop() ends it sooner
            time.sleep(0.1)
            yield b" "

    return Response(headers={"Content-Type": "application/javascript"}, body=chunks())


class BrowserKiller:
    """Kills the crawl's browser (a descendant of this test process) when the site's API
    is asked for its ``after``-th article."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0
        self.killed: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, request: RequestRecord) -> None:
        if not request.url_path.startswith("/api/articles/"):
            return
        with self.lock:
            self.calls += 1
            if self.calls != self.after:
                return
            for pid in browser_pids(os.getpid()):
                os.kill(pid, signal.SIGKILL)
                self.killed.append(pid)


@needs_chromium
@slow
def test_a_crashed_browser_a_page_that_never_loads_and_refused_requests(run_newscrawl: RunNewscrawl,
                                                                         tmp_path: Path) -> None:
    site = AppShellSite(shells=5, ordinary=1)
    site.robots = "User-agent: *\nDisallow: /private-api/\n"
    for story in (NEVER_LOADS, PEEKS, ROBOTS_API):
        site.extra_links.append((story.path, story.title))
        site.extra_routes.append((story.path, lambda r, s=story: Response(body=shell_html(s))))
    site.extra_routes += [
        ("/static/never.js", never_ending),
        ("/static/peek.js", lambda r: Response(headers={"Content-Type": "application/javascript"}, body=PEEK_JS)),
        ("/static/private.js", lambda r: Response(headers={"Content-Type": "application/javascript"},
                                                  body=PRIVATE_JS)),
        ("/private-api/*", lambda r: Response(headers={"Content-Type": "application/json"},
                                              body=json.dumps({"paragraphs": ROBOTS_API.paragraphs}))),
        (PEEKS.api_path, lambda r: Response(headers={"Content-Type": "application/json"}, body=json.dumps(
            {"title": PEEKS.title, "author": PEEKS.author, "published": PEEKS.published,
             "paragraphs": PEEKS.paragraphs}))),
    ]
    killer = BrowserKiller(after=3)
    site.observers.append(killer)
    c = crawl(run_newscrawl, tmp_path, site, "-s", "NEWSCRAWL_RENDER_TIMEOUT=4", "-s", "DOWNLOAD_TIMEOUT=8")
    articles, reasons = stored(c.db), outcomes(c.db)
    # the browser was killed mid-crawl, started again, and the crawl went on: every shell stored
    assert len(killer.killed) == 1 and c.starts == 2, (killer.killed, c.starts)
    assert all(exact(s, articles.get(s.path)) for s in site.shells + [PEEKS]), reasons
    stats = run_stats(c.db)
    assert stats["newscrawl/render/browser_crashes"] == 1 and stats["newscrawl/render/retried"] >= 1
    assert "browser restarted 1 time: 1 crashed" in c.out, c.out
    # a page that never finishes loading hits the time budget, and says so
    assert reasons[NEVER_LOADS.path] == ("failed", "rendering: timeout: still loading after 4s")
    assert "rendering: timeout: still loading after 4s" in c.out
    # the page's requests to the metadata address and a private network were refused by the crawl's
    # own network policy (its counter), its WebSocket never opened; the article loaded all the same
    assert stats["newscrawl/security/refused"] >= 2 and stats["newscrawl/render/refused"] >= 2
    assert "/socket" not in c.requests
    # robots.txt holds for the requests pages make: the disallowed API was never asked
    assert not [p for p in c.requests if p.startswith("/private-api/")]
    outcome, reason = reasons[ROBOTS_API.path]
    assert outcome == "not_article" and reason.endswith("(after JavaScript rendering)"), reason


@needs_chromium
@slow
def test_the_browser_is_restarted_past_its_memory_limit(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    site = AppShellSite(shells=3, ordinary=0)
    c = crawl(run_newscrawl, tmp_path, site, "-s", "NEWSCRAWL_RENDER_MAX_MEMORY=1",
              "-s", "NEWSCRAWL_RENDER_CONCURRENCY=1")
    assert all(exact(s, stored(c.db).get(s.path)) for s in site.shells)
    stats = run_stats(c.db)
    assert c.starts == 3 and stats["newscrawl/render/restarts/memory"] == 3
    assert stats["newscrawl/render/peak_memory_mb"] > 1
    assert "browser restarted 2 times: 3 over the memory limit" in c.out, c.out


@needs_chromium
@slow
def test_render_always_renders_every_page_of_a_site(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    site = AppShellSite(shells=2, ordinary=2)
    site.walls = []
    # the site's own setting wins over NEWSCRAWL_RENDER
    c = crawl(run_newscrawl, tmp_path, site, "-s", "NEWSCRAWL_RENDER=never", sites_file='render = "always"')
    articles = stored(c.db)
    for s in site.shells + site.ordinary:
        assert exact(s, articles.get(s.path)) and articles[s.path]["rendered"], s.path
    # the ordinary articles' own scripts ran this time (photos are still not loaded)
    assert {f"/static/ordinary/consent-{s.n}.js" for s in site.ordinary} <= set(c.requests)
    assert not [p for p in c.requests if p.startswith("/static/ordinary/photo-")]
    assert outcomes(c.db)["/"] == ("not_article", "not_article: homepage path (after JavaScript rendering)")
