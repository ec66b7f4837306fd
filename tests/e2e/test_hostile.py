"""The hostile web: faults, traps and bad input never stop a crawl or lose data.

One crawl (``hostile_crawl``) of a local site that contains every trap at once
(``tests/support/hostile_site.py``), checked from many sides, and a crawl stopped
with SIGTERM. The pure policies (addresses, URL shapes, backoff, failure reasons)
have unit tests in tests/unit/. Each test names the protection it proves; removing
that protection makes it fail.
"""

from __future__ import annotations

import itertools
import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import load_manifest
from crawler.demo import sample_server as make_sample_server
from crawler.demo.server import RequestRecord, SiteServer
from crawler.utils.urls import canonical_key
from tests.support.db import read_rows, row_count
from tests.support.hostile_site import (
    ARTICLES,
    CHAINED,
    DEEP_URL,
    EN,
    FAKE_DNS,
    FLAKY,
    INTL,
    LONG_URL,
    METADATA_NAME,
    METADATA_REFRESH,
    SESSION,
    SITE,
    WRONG_HEADER_LATIN1,
    WRONG_HEADER_UTF8,
    XSS,
    MeasuredRun,
    Routes,
    build_site,
    closed_port,
    connect_log,
    install_routes,
    make_bombs,
    run_measured,
    write_sitecustomize,
)
from tests.support.newscrawl import clean_env
from tests.support.waiting import HANG, Gate, wait_until

slow = pytest.mark.slow

# Small limits keep the crawl fast; each is the real protection, only tighter. The two
# time limits are reached only by the page that never answers and the extraction that
# hangs; every other page is answered and extracted in a fraction of a second, far
# inside them even on a loaded machine.
DOWNLOAD_TIMEOUT = 10
MAXSIZE = 8 * 1024 * 1024
PATTERN_LIMIT = 5
BACKOFF = 0.6
EXTRACT_TIMEOUT = 10.0
MAX_RSS_MB = 500  # measured 140-310 MB (more under load); inflating one bomb alone would take 1-3 GB


# --- the crawl of the hostile site ----------------------------------------------------------


@dataclass
class HostileCrawl:
    server: SiteServer
    routes: Routes
    db: Path
    run: MeasuredRun
    requests: list[RequestRecord]
    connects: list[tuple[str, int]]
    closed_port: int
    slow_answered: int  # answers of the page that never answers, when the crawl ended

    def url(self, path: str) -> str:
        return self.server.url(SITE, path)

    def key(self, path: str) -> str:
        return canonical_key(self.url(path))

    def rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        return read_rows(self.db, sql, params)

    def outcome(self, path: str) -> tuple[str | None, str | None]:
        rows = self.rows("SELECT outcome, reason FROM urls WHERE url = ?", [self.key(path)])
        return (rows[0]["outcome"], rows[0]["reason"]) if rows else (None, None)

    def requested(self, prefix: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    def stats(self) -> dict[str, Any]:
        return json.loads(self.rows("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]["stats"])


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory, crawl_fast_settings: tuple[str, ...]
                  ) -> Iterator[HostileCrawl]:
    tmp = tmp_path_factory.mktemp("hostile")
    root = build_site(tmp / "site")
    hooks = write_sitecustomize(tmp / "hooks")
    log = tmp / "connects.log"
    db = tmp / "news.db"
    port = closed_port()
    with SiteServer({SITE: root}) as server:
        routes = install_routes(server, make_bombs())
        try:
            run = run_measured(
                ["crawl", server.url(SITE, "/"), f"http://127.0.0.1:{port}/", "--db", str(db), "--depth", "6",
                 *crawl_fast_settings,
                 "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}",
                 "-s", "RETRY_TIMES=2", "-s", f"NEWSCRAWL_RETRY_BACKOFF_BASE={BACKOFF}",
                 "-s", f"NEWSCRAWL_MAX_URLS_PER_PATTERN={PATTERN_LIMIT}",
                 "-s", f"NEWSCRAWL_EXTRACT_TIMEOUT={EXTRACT_TIMEOUT}", "-L", "INFO"],
                cwd=tmp,
                env_extra={"PYTHONPATH": str(hooks), "NEWSCRAWL_TEST_CONNECT_LOG": str(log),
                           "NEWSCRAWL_TEST_FAULTS": "1", "NEWSCRAWL_TEST_FAKE_DNS": FAKE_DNS},
                timeout=300,  # a hang
            )
            answered = routes.counters.get("slow_answered")
        finally:
            routes.release.set()
        yield HostileCrawl(server, routes, db, run, list(server.requests), connect_log(log), port, answered)


@slow
def test_crawl_of_every_trap_finishes_and_stores_every_real_article(hostile_crawl: HostileCrawl) -> None:
    run = hostile_crawl.run
    assert run.returncode == 0, run.describe()
    assert "crawl finished" in run.stdout, run.describe()
    missing = [a.path for a in ARTICLES if a is not WRONG_HEADER_LATIN1
               and not hostile_crawl.rows("SELECT id FROM articles WHERE url = ?", [hostile_crawl.key(a.path)])]
    assert missing == [], run.describe()
    # Nothing else is stored as an article: no trap, bomb, error page or binary file.
    expected = {hostile_crawl.key(a.path) for a in ARTICLES}
    extra = [r["url"] for r in hostile_crawl.rows("SELECT url FROM articles") if r["url"] not in expected]
    truncated = hostile_crawl.key("/odd/truncated.html")
    assert [u for u in extra if u != truncated] == []


@slow
def test_every_trap_is_recorded_with_its_reason(hostile_crawl: HostileCrawl) -> None:
    c = hostile_crawl
    expected = {
        "/fail/500": ("failed", "http 500"),
        "/fail/404": ("failed", "http 404"),
        "/fail/410": ("failed", "http 410"),
        "/fail/dropped": ("failed", "connection lost: incomplete response"),
        "/slow/never-answers": ("failed", "timeout"),
        "/loop/a": ("failed", "redirect loop"),  # recorded on the URL that was linked
        "/ssrf/metadata": ("blocked", "refused: redirect to link-local address 169.254.169.254"),
        "/ssrf/private": ("blocked", "refused: redirect to private address 10.0.0.1"),
        "/ssrf/file": ("blocked", "refused: redirect to file scheme"),
        "/ssrf/dns-name": ("blocked", f"refused: {METADATA_NAME} resolves to link-local address 169.254.169.254"),
        "/big/declared": ("skipped", "response too large"),
        "/big/streamed": ("skipped", "response too large"),
        "/bomb/gzip": ("skipped", "decompressed size exceeds limit"),
        "/bomb/brotli": ("skipped", "decompressed size exceeds limit"),
        "/files/report": ("skipped", "not html: application/pdf"),
        "/files/photo": ("skipped", "not html: image/jpeg"),
        "/api/data.json": ("skipped", "not html: application/json"),
        "/boom/raise.html": ("failed", "extraction: RuntimeError: injected extraction fault"),
        "/boom/hang.html": ("failed", f"extraction: timeout: extraction exceeded {EXTRACT_TIMEOUT}s"),
        LONG_URL: ("skipped", "trap: URL longer than 2000 characters"),
        DEEP_URL: ("skipped", "trap: more than 15 path segments"),
        "/loopy/loopy/loopy/loopy/": ("skipped", "trap: a path segment repeated 4 times"),
    }
    got = {path: c.outcome(path) for path in expected}
    assert {p: v for p, v in got.items() if v != expected[p]} == {}, c.run.describe()
    # The endless redirect chain is cut by REDIRECT_MAX_TIMES, recorded on the URL that was linked.
    inf = c.rows("SELECT url, outcome, reason FROM urls WHERE url LIKE ?", [c.key("/inf/") + "%"])
    assert [(r["url"], r["outcome"], r["reason"]) for r in inf] == [
        (c.key("/inf/1"), "failed", "too many redirects")]
    # A site that refuses connections.
    refused = c.rows("SELECT reason FROM urls WHERE url = ?", [canonical_key(f"http://127.0.0.1:{c.closed_port}/")])
    assert [r["reason"] for r in refused] == ["connection refused"]


@slow
def test_bad_bodies_labelled_html_store_nothing_bogus(hostile_crawl: HostileCrawl) -> None:
    for path in ("/odd/empty", "/odd/random-bytes", "/odd/pdf-as-html"):
        outcome, reason = hostile_crawl.outcome(path)
        assert outcome == "not_article", (path, outcome, reason)
    # Half of a real article page: too little text left to be an article, and nothing stored.
    assert hostile_crawl.outcome("/odd/truncated.html") == ("not_article", "not_article: text_length 155 < 400")
    assert hostile_crawl.rows("SELECT id FROM articles WHERE url = ?", [hostile_crawl.key("/odd/truncated.html")]) == []


@slow
def test_5xx_is_retried_with_backoff_and_404_410_are_not_retried(hostile_crawl: HostileCrawl) -> None:
    times = [r.time for r in hostile_crawl.requested("/fail/500")]
    assert len(times) == 3  # RETRY_TIMES=2
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Equal jitter: the n-th retry waits between half and all of BACKOFF * 2**(n-1).
    assert gaps[0] >= BACKOFF / 2 * 0.9, gaps
    assert gaps[1] >= BACKOFF * 0.9, gaps
    assert len(hostile_crawl.requested("/fail/404")) == 1
    assert len(hostile_crawl.requested("/fail/410")) == 1
    # A page that fails twice and then answers is stored.
    assert hostile_crawl.routes.counters.get("flaky") == 3
    assert hostile_crawl.outcome(FLAKY.path)[0] == "new"


@slow
def test_a_page_that_never_answers_times_out_and_the_crawl_goes_on(hostile_crawl: HostileCrawl) -> None:
    assert hostile_crawl.outcome("/slow/never-answers") == ("failed", "timeout")
    assert hostile_crawl.routes.counters.get("slow") == 3  # tried, then retried twice
    # The crawl finished without waiting for the answer: the page answers only after it.
    assert hostile_crawl.run.returncode == 0 and hostile_crawl.slow_answered == 0


@slow
def test_redirect_chains_are_followed_and_loops_stopped(hostile_crawl: HostileCrawl) -> None:
    assert [r.path for r in hostile_crawl.requested("/chain/")] == ["/chain/1", "/chain/2", "/chain/3"]
    assert hostile_crawl.outcome(CHAINED.path)[0] == "new"
    assert len(hostile_crawl.requested("/loop/")) == 2
    assert len(hostile_crawl.requested("/inf/")) == 11  # the first request + REDIRECT_MAX_TIMES


@slow
def test_private_and_metadata_addresses_are_never_contacted(hostile_crawl: HostileCrawl) -> None:
    hosts = {host for host, _ in hostile_crawl.connects}
    assert hosts, "the connection log is empty: sitecustomize did not load"
    assert hosts <= {"127.0.0.1"}, hosts
    # A <meta> refresh is followed like a redirect: its target is refused, recorded on the page.
    rows = hostile_crawl.rows("SELECT outcome, reason FROM urls WHERE url = ?",
                              [hostile_crawl.key("/ssrf/meta-refresh")])
    assert [(r["outcome"], r["reason"]) for r in rows] == [("blocked", "refused: link-local address 169.254.169.254")]
    assert hostile_crawl.rows("SELECT url FROM urls WHERE url = ?", [canonical_key(METADATA_REFRESH)]) == []
    # Refused by the middlewares: three redirects (metadata, private, file) and the meta refresh.
    # (The name that resolves to the metadata address is refused by the resolver, not counted here.)
    assert hostile_crawl.stats().get("newscrawl/security/refused", 0) == 4


@slow
def test_oversized_responses_are_dropped_without_reading_them_whole(hostile_crawl: HostileCrawl) -> None:
    sent = hostile_crawl.routes.counters
    # The server stopped being read soon after the limit (socket buffers hold a few MB).
    assert sent.get("streamed_bytes") < MAXSIZE + 16 * 1024 * 1024
    assert sent.get("declared_bytes") < 16 * 1024 * 1024  # refused on its Content-Length


@slow
def test_peak_memory_stays_bounded_with_bombs_and_huge_responses(hostile_crawl: HostileCrawl) -> None:
    # The gzip bomb inflates to 3 GiB and the brotli bomb to 1 GiB; the streamed page never ends.
    print(f"peak RSS {hostile_crawl.run.max_rss_mb:.0f} MB")
    assert hostile_crawl.run.max_rss_mb < MAX_RSS_MB, hostile_crawl.run.max_rss_mb


@slow
@pytest.mark.parametrize("article", INTL + [WRONG_HEADER_UTF8], ids=lambda a: a.path.rsplit("/", 1)[1])
def test_pages_in_legacy_encodings_extract_to_correct_text(hostile_crawl: HostileCrawl, article: Any) -> None:
    rows = hostile_crawl.rows("SELECT title, body, language FROM articles WHERE url = ?",
                              [hostile_crawl.key(article.path)])
    assert rows, hostile_crawl.outcome(article.path)
    assert rows[0]["title"] == article.title
    assert article.phrase in rows[0]["body"]


@slow
def test_a_wrong_single_byte_http_charset_does_not_garble_the_page(hostile_crawl: HostileCrawl) -> None:
    article = WRONG_HEADER_LATIN1
    rows = hostile_crawl.rows("SELECT title, body FROM articles WHERE url = ?", [hostile_crawl.key(article.path)])
    assert rows and rows[0]["title"] == article.title and article.phrase in rows[0]["body"]


@slow
def test_hostile_sitemaps_are_not_expanded_and_are_recorded(hostile_crawl: HostileCrawl) -> None:
    for name in ("sitemap-laughs.xml", "sitemap-xxe.xml", "sitemap-broken.xml"):
        outcome, reason = hostile_crawl.outcome(f"/{name}")
        assert outcome == "failed" and reason and reason.startswith("sitemap:"), (name, outcome, reason)
    assert hostile_crawl.requested("/xxe-probe") == []
    assert [r.path for r in hostile_crawl.requests if "lol" in r.path or "root" in r.path] == []
    leaked = hostile_crawl.rows("SELECT url FROM urls WHERE url LIKE '%root:%' OR url LIKE '%lol%'")
    assert leaked == []
    # The good sitemap next to them still counts.
    for art in EN:
        if art.in_sitemap:
            assert hostile_crawl.outcome(art.path)[0] == "new"


@slow
def test_session_id_variants_are_one_request(hostile_crawl: HostileCrawl) -> None:
    paths = [r.path for r in hostile_crawl.requested("/story/")]
    assert paths == [SESSION.path]
    # two links on the homepage, two on the story page itself
    assert hostile_crawl.stats().get("newscrawl/trap/session_id_stripped", 0) == 4


@slow
def test_url_pattern_explosions_are_bounded_and_recorded(hostile_crawl: HostileCrawl) -> None:
    calendar = [r.path for r in hostile_crawl.requested("/calendar/")]
    months = [p for p in calendar if p.count("/") == 4]
    days = [p for p in calendar if p.count("/") == 5]
    # The traps are endless: each URL pattern gets exactly its limit.
    assert (len(months), len(days)) == (PATTERN_LIMIT, PATTERN_LIMIT), calendar
    assert len(set(calendar)) == len(calendar)
    assert len(hostile_crawl.requested("/archive")) == PATTERN_LIMIT  # pagination
    # Recorded: each of the 5 fetched months links 28 days (5 fetched), the months on
    # either side of them (2), and the next archive page (1).
    dropped = Counter(r["reason"] for r in hostile_crawl.rows(
        "SELECT reason FROM urls WHERE reason LIKE 'trap: more than % URLs like %'"))
    assert dropped == {f"trap: more than {PATTERN_LIMIT} URLs like /calendar/{{n}}/{{n}}/{{n}}": 5 * 28 - 5,
                       f"trap: more than {PATTERN_LIMIT} URLs like /calendar/{{n}}/{{n}}": 2,
                       f"trap: more than {PATTERN_LIMIT} URLs like /archive?page": 1}
    assert not [r for r in hostile_crawl.requested("/loopy/") if r.path.count("loopy") > 3]
    assert not hostile_crawl.requested("/deep/") and not hostile_crawl.requested("/x/")
    stats = hostile_crawl.stats()
    assert stats.get("newscrawl/trap/pattern_limit", 0) >= sum(dropped.values())  # once per link seen
    for kind in ("url_too_long", "path_too_deep", "repeating_path"):  # one URL of each on the homepage
        assert stats.get(f"newscrawl/trap/{kind}", 0) == 1, kind


@slow
def test_markup_in_pages_is_stored_as_text_and_served_escaped(hostile_crawl: HostileCrawl,
                                                              run_newscrawl: Any) -> None:
    rows = hostile_crawl.rows("SELECT id, title, body FROM articles WHERE url = ?", [hostile_crawl.key(XSS.path)])
    assert rows and rows[0]["title"] == XSS.title
    assert "<img src=x onerror=alert(1)>" in rows[0]["body"]
    db = hostile_crawl.db
    for path in (f"/{db.stem}/articles", f"/{db.stem}/articles/{rows[0]['id']}"):
        page = run_newscrawl("serve", "--db", db, "--get", path).stdout
        assert "&lt;script&gt;alert(" in page, path
        assert "<script>alert(" not in page and "<img src=x onerror" not in page, path


# --- graceful shutdown ------------------------------------------------------------------


@slow
def test_sigterm_stops_the_crawl_cleanly_with_everything_fetched_stored(
    tmp_path: Path, crawl_fast_settings: tuple[str, ...]
) -> None:
    db = tmp_path / "news.db"
    manifest = load_manifest()["articles"]
    errors = tmp_path / "stderr.txt"
    with make_sample_server() as server:
        # Three article pages are served, the others wait at the gate: the crawl is
        # mid-way when the signal comes, however fast or slow the machine. Two requests
        # at a time: what is in flight then (and is finished) leaves articles unfetched.
        gate = Gate(let_through=3)
        for art in manifest:
            server.add_route(art["host"], art["path"], gate)
        with open(errors, "w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "crawl", server.url("daily", "/"), server.url("wire", "/"),
                 "--db", str(db), *crawl_fast_settings, "-s", "CONCURRENT_REQUESTS=2", "-L", "INFO"],
                cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=stderr, text=True,
            )
        try:
            wait_until(lambda: row_count(db, "articles") >= 3 or proc.poll() is not None,
                       "three articles stored")
            assert proc.poll() is None, errors.read_text()
            stored = row_count(db, "articles")
            proc.send_signal(signal.SIGTERM)
            wait_until(lambda: "Received SIGTERM, shutting down gracefully" in errors.read_text(),
                       "the crawl begins its shutdown")
            gate.open()  # the pages being fetched when the signal came are answered
            out, _ = proc.communicate(timeout=HANG)
        finally:
            gate.open()
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    err = errors.read_text()
    assert proc.returncode == 1, err  # a run that did not finish
    assert "crawl shutdown" in out, out + err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        status, stats = conn.execute("SELECT status, stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    assert status == "shutdown"
    assert articles >= stored
    assert json.loads(stats).get("newscrawl/outcome/new") == articles
    assert gate.held > 0 and articles < len(manifest), "the crawl was not interrupted"
