"""Bot walls are "blocked": challenge and captcha pages (answered 403/429/503, or
200 for an interstitial) are recorded as ``blocked`` with a ``bot wall: ...``
reason by real crawls of a local site, never stored or retried, and
``newscrawl stats`` counts them (``storage.health``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.appshells import (
    CAPTCHA_PAGE,
    CLOUDFLARE_CHALLENGE,
    CLOUDFLARE_JSD,
    DATADOME_PAGE,
    AppShellSite,
)
from crawler.demo.server import Response
from crawler.utils.botwall import wall_kind, wall_reason
from tests.e2e.conftest import RunNewscrawl
from tests.support.db import read_rows
from tests.support.newscrawl import CRAWL_FAST_SETTINGS

AKAMAI = b"""<html><head><title>Access Denied</title></head><body><div id="sec-if-cpt-container">
<script src="/_sec/cp_challenge/sec-cpt-4-3.js"></script></div></body></html>"""
IMPERVA = b"""<html><head><META NAME="robots" CONTENT="noindex,nofollow"><script src="/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4,719d34d31c8e3a6e6fffd425f7e032f3"></script></head>
<body><iframe src="/_Incapsula_Resource?CWUDNSAI=9&xinfo=1-2-3&incident_id=4-5&edet=6"></iframe>Request unsuccessful. Incapsula incident ID: 123</body></html>"""
DDOS_GUARD = b"""<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body>
<div>Checking your browser before accessing courier.example.</div><script src="https://check.ddos-guard.net/check.js"></script></body></html>"""
ARTICLE = b"""<html><head><title>Ferry strike called off | The Evening Courier</title>
<meta property="og:type" content="article"></head><body><article><h1>Ferry strike called off</h1>
<p>Just a moment after the talks ended, the union said the strike was off. Readers asked whether a captcha
would protect the comment form from robots.</p></article>
<form><div class="g-recaptcha" data-sitekey="x"></div></form>""" + CLOUDFLARE_JSD.encode() + b"</body></html>"
FORBIDDEN = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>"


@pytest.mark.parametrize("status, body, kind", [
    (403, CLOUDFLARE_CHALLENGE.encode(), "Cloudflare challenge"),
    (503, CLOUDFLARE_CHALLENGE.encode(), "Cloudflare challenge"),
    (200, CLOUDFLARE_CHALLENGE.encode(), "Cloudflare challenge"),  # the machinery decides for any status
    (429, CAPTCHA_PAGE.encode(), "captcha"),
    (200, CAPTCHA_PAGE.encode(), "captcha"),  # an interstitial's title and a captcha widget agree
    (200, DATADOME_PAGE.encode(), "DataDome captcha"),
    (403, AKAMAI, "Akamai challenge"),
    (200, IMPERVA, "Imperva challenge"),
    (503, DDOS_GUARD, "DDoS-Guard challenge"),
    (403, b"<html><head><title>Access Denied</title></head><body>Reference #18.2f</body></html>",
     "access denied"),
    (403, FORBIDDEN, None),  # a web server's plain 403 is not a bot wall (stats count its status anyway)
    # an ordinary article of a site behind Cloudflare, with a captcha on its comment form: not a wall
    (200, ARTICLE, None),
    (404, ARTICLE, None),
    (403, b"<html><body>No.</body></html>", None),  # a plain 403 stays "http 403"
    (200, b"<html><head><title>Just a moment...</title></head><body><p>A poem.</p></body></html>", None),
])
def test_wall_kind(status: int, body: bytes, kind: str | None) -> None:
    assert wall_kind(status, body) == kind
    assert wall_reason(status, body) == (f"bot wall: {kind} (http {status})" if kind else None)


def test_big_pages_are_not_interstitials() -> None:
    big = ARTICLE.replace(b"</article>", b"<p>" + b"words " * 200_000 + b"</p></article>")
    assert wall_kind(200, big.replace(b"<title>", b"<title>Just a moment...")) is None


def outcomes(db: Path) -> dict[str, tuple[str, str, int | None]]:
    rows = read_rows(db, "SELECT url, outcome, reason, status FROM urls")
    return {"/" + r["url"].split("/", 3)[3]: (r["outcome"], r["reason"], r["status"]) for r in rows}


def stats_json(db: Path) -> dict[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "crawler.commands.stats", "--db", str(db), "--json"],
                          capture_output=True, text=True, timeout=60, env=env, check=True)
    return {h["site"]: h for h in map(json.loads, proc.stdout.splitlines())}


@pytest.mark.slow
def test_challenge_pages_are_recorded_as_blocked_never_stored_or_retried(run_newscrawl: RunNewscrawl,
                                                                          tmp_path: Path) -> None:
    site = AppShellSite(shells=2, ordinary=2)
    # a 503 challenge would be retried like any 503; and a plain 503 still is
    site.walls.append(("/news/2026/03/storm-warning-for-the-coast", 503, CLOUDFLARE_CHALLENGE, "Cloudflare challenge"))
    site.extra_links.append(("/news/2026/03/server-is-overloaded-today", "Overloaded"))
    site.extra_routes.append(("/news/2026/03/server-is-overloaded-today", lambda r: Response(503, body="busy")))
    db = tmp_path / "news.db"
    with site.server() as server:
        proc = run_newscrawl("crawl", server.url("courier", "/"), "--db", db, *CRAWL_FAST_SETTINGS,
                             "-s", "NEWSCRAWL_RENDER=never", "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0")
        paths = server.paths("courier")
    found = outcomes(db)
    for path, status, _body, kind in site.walls:
        assert found[path] == ("blocked", f"bot wall: {kind} (http {status})", status), path
        assert paths.count(path) == 1, path  # never retried
        assert f"bot wall: {kind} (http {status})" in proc.stdout
    assert found["/news/2026/03/server-is-overloaded-today"] == ("failed", "http 503", 503)
    assert paths.count("/news/2026/03/server-is-overloaded-today") == 3  # retried twice
    walls = {w[0] for w in site.walls}
    assert not read_rows(db, "SELECT id FROM pages WHERE " + " OR ".join("url LIKE ?" for _ in walls),
                         [f"%{p}" for p in walls])
    # the ordinary article behind Cloudflare's bot-detection script is an article, not a wall
    assert found[site.ordinary[0].path][0] == "new"
    (health,) = stats_json(db).values()
    assert health["bot_walls"] == len(site.walls) + 1  # and the plain 503
    assert health["blocked"] == len(site.walls)


@pytest.mark.slow
def test_stats_count_challenge_pages_a_crawl_recorded(run_newscrawl: RunNewscrawl, tmp_path: Path) -> None:
    """Interstitials answered with 200: only the recorded reason tells them from pages."""
    site = AppShellSite(shells=0, ordinary=0)
    site.walls = [(f"/news/2026/03/walled-story-number-{i}", 200, body, kind) for i, (body, kind) in
                  enumerate([(DATADOME_PAGE, "DataDome captcha"), (CLOUDFLARE_CHALLENGE, "Cloudflare challenge"),
                             (DATADOME_PAGE, "DataDome captcha")])]
    db = tmp_path / "news.db"
    with site.server() as server:
        run_newscrawl("crawl", *(server.url("courier", w[0]) for w in site.walls), "--db", db,
                      *CRAWL_FAST_SETTINGS)
    (health,) = stats_json(db).values()
    assert health["latest_bot_walls"] == 3 and health["blocked"] == 3 and health["latest_fetched"] == 3
    assert health["blocked_reasons"] == ["3 of 3 fetches in run 1 were HTTP 403/429/503 or challenge pages"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "crawler.commands.stats", "--db", str(db)], capture_output=True,
                         text=True, timeout=60, env=env, check=True).stdout
    assert "1 site(s) look blocked:" in out and "3 of 3 fetches in run 1" in out
