"""Politeness the server asks for: robots.txt ``Crawl-delay`` per host (capped by
``NEWSCRAWL_MAX_CRAWL_DELAY``), and ``Retry-After`` as seconds or an HTTP date.
Real server, real ``newscrawl crawl`` subprocesses."""

from __future__ import annotations

import email.utils
import json
import time
from pathlib import Path

import pytest
from scrapy.http import Response

from crawler.demo.routes import RequestRecord
from crawler.demo.routes import Response as ServerResponse
from crawler.demo.server import SiteServer
from crawler.downloadermiddlewares.retry import retry_after
from tests.support.db import read_rows
from tests.support.newscrawl import CRAWL_FAST_SETTINGS
from tests.support.newsgen import GenArticle, homepage


def _response(**headers: str) -> Response:
    return Response("https://news.example/a", status=503, headers=headers)


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert retry_after(_response(**{"Retry-After": "7"})) == 7.0
    # an HTTP date is counted from the response's own Date (the server's clock)
    date = "Sun, 06 Dec 2026 08:00:00 GMT"
    assert retry_after(_response(**{"Retry-After": "Sun, 06 Dec 2026 08:00:42 GMT", "Date": date})) == 42.0
    assert retry_after(_response(**{"Retry-After": "Sun, 06 Dec 2026 07:59:00 GMT", "Date": date})) == 0.0
    # without a Date header, from now
    soon = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 50 < (retry_after(_response(**{"Retry-After": soon})) or 0) <= 60
    assert retry_after(_response(**{"Retry-After": "next tuesday"})) is None
    assert retry_after(_response(**{"Retry-After": "-3"})) is None
    assert retry_after(_response()) is None


def _site(root: Path, robots: str, articles: list[GenArticle]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text(robots)
    (root / "index.html").write_text(homepage(articles))
    for a in articles:
        path = root / (a.path.lstrip("/") + ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(a.html())
    return root


def _crawl(run_newscrawl, server: SiteServer, db: Path, *extra: str, timeout: float = 120):
    return run_newscrawl("crawl", server.url("gen", "/"), "--db", db, *CRAWL_FAST_SETTINGS,
                         "-s", "NEWSCRAWL_SITEMAP_FALLBACK=False", *extra, timeout=timeout)


def _stats(db: Path) -> dict:
    return json.loads(read_rows(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]["stats"])


def _gaps(server: SiteServer) -> list[float]:
    times = sorted(r.time for r in server.requests)
    return [b - a for a, b in zip(times, times[1:])]


# The downloader keeps the delay between the moments it sends requests; the server
# records each one when it has read it, a little later (more on a new connection, or
# on a loaded machine): intervals seen there may be shorter by that difference.
JITTER = 0.25


def assert_floor(gaps: list[float], delay: float) -> None:
    """Lower bounds only: each interval, and all of them together (where only the
    first and the last request's lateness count)."""
    assert min(gaps) >= delay - JITTER, gaps
    assert sum(gaps) >= len(gaps) * delay - JITTER, gaps


@pytest.mark.slow
def test_a_crawl_delay_host_is_fetched_at_most_once_per_delay(tmp_path, run_newscrawl):
    articles = [GenArticle(i) for i in range(4)]
    root = _site(tmp_path / "site", "User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n", articles)
    with SiteServer({"gen": root}) as server:
        db = tmp_path / "news.db"
        # AutoThrottle on, starting at no delay: without the floor it would go on
        # sending as fast as the server answers
        _crawl(run_newscrawl, server, db, "-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0",
               timeout=180)
        requests = len(server.requests)
        gaps = _gaps(server)
    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 4
    assert requests >= 6  # robots.txt (twice), the homepage, 4 articles
    # the server saw at most one request per 2 s
    assert_floor(gaps, 2.0)
    assert _stats(db)["newscrawl/crawl_delay/hosts"] == 1


@pytest.mark.slow
def test_a_crawl_delay_above_the_cap_is_capped_and_reported(tmp_path, run_newscrawl):
    articles = [GenArticle(i) for i in range(2)]
    root = _site(tmp_path / "site", "User-agent: *\nCrawl-delay: 3600\n", articles)
    with SiteServer({"gen": root}) as server:
        db = tmp_path / "news.db"
        out = _crawl(run_newscrawl, server, db, "-s", "NEWSCRAWL_MAX_CRAWL_DELAY=1", timeout=120)
        gaps = _gaps(server)
    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 2
    assert_floor(gaps, 1.0)
    assert _stats(db)["newscrawl/crawl_delay/capped"] == 1
    assert out.stderr.count("Crawl-delay of 3600s: capped at 1s (NEWSCRAWL_MAX_CRAWL_DELAY)") == 1, out.stderr


@pytest.mark.slow
def test_retry_after_as_an_http_date_is_honoured(tmp_path, run_newscrawl):
    articles = [GenArticle(i) for i in range(2)]
    root = _site(tmp_path / "site", "User-agent: *\nDisallow:\n", articles)
    answered: list[int] = []

    def busy_once(request: RequestRecord) -> ServerResponse | None:
        if answered:
            return None  # then the page itself
        answered.append(503)
        later = email.utils.formatdate(time.time() + 3, usegmt=True)
        return ServerResponse(503, {"Retry-After": later}, "busy")

    with SiteServer({"gen": root}) as server:
        server.add_route("gen", articles[0].path, busy_once)
        db = tmp_path / "news.db"
        # the backoff alone would wait at most 0.01 s: the wait is the server's
        _crawl(run_newscrawl, server, db, "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.01")
        statuses = [r.status for r in server.requests if r.url_path == articles[0].path]
    assert statuses == [503, 200]
    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 2
    # 3 s after the server's Date, counted in whole seconds of its clock: 2 to 3 s
    assert 2.0 <= _stats(db)["newscrawl/retry/backoff_seconds"] <= 3.0 + 0.01
