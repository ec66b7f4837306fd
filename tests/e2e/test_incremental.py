"""Scheduled crawls (issue 5): conditional re-checks, versions, --since,
one run at a time, and resuming after SIGKILL. Real server, real subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from crawler.demo.routes import Response
from crawler.demo.server import SiteServer
from crawler.utils.urls import canonical_key
from tests.support.db import read_rows, row_count
from tests.support.newscrawl import CRAWL_FAST_SETTINGS, clean_env
from tests.support.newsgen import GenArticle, homepage, publish, sitemap, write_site
from tests.support.waiting import HANG, Gate, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def gen_site(tmp_path):
    articles = [GenArticle(i) for i in range(20)]
    with SiteServer({"gen": write_site(tmp_path / "site", articles)}) as server:
        server.articles = articles
        yield server


def crawl_args(server, db, *extra):
    return ["crawl", server.base_url("gen") + "/", "--db", db, *CRAWL_FAST_SETTINGS, *extra]


def article_statuses(server):
    """path -> list of statuses for article pages requested since the last clear."""
    out: dict[str, list[int]] = {}
    for r in server.requests:
        if r.url_path.startswith("/news/2026/"):
            out.setdefault(r.url_path, []).append(r.status)
    return out


def test_second_run_fetches_only_new_and_edited_articles(gen_site, tmp_path, run_newscrawl):
    db = tmp_path / "news.db"
    run_newscrawl(*crawl_args(gen_site, db))
    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 20

    added = [GenArticle(i) for i in range(20, 30)]
    edited = [GenArticle(i, edition=2) for i in range(5)]
    everything = edited + gen_site.articles[5:] + added
    publish(gen_site, added + edited)
    gen_site.set_file("gen", "index.html", homepage(everything))
    gen_site.set_file("gen", "sitemap.xml", sitemap(everything))
    gen_site.clear_requests()

    out = run_newscrawl(*crawl_args(gen_site, db))

    statuses = article_statuses(gen_site)
    changed = {a.path for a in added + edited}
    unchanged = {a.path for a in gen_site.articles[5:]}
    assert {p for p, s in statuses.items() if 200 in s} == changed
    assert all(s == [304] for p, s in statuses.items() if p in unchanged), statuses
    assert unchanged <= set(statuses)  # each unchanged article got its cheap conditional check
    # conditional requests carried the validators
    conditional = [r for r in gen_site.requests if r.url_path in unchanged]
    assert all(r.header("If-None-Match") for r in conditional)

    assert read_rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 30
    versions = read_rows(db, "SELECT a.url, v.version, v.changed, v.body FROM article_versions v"
                             " JOIN articles a ON a.id = v.article_id")
    assert len(versions) == 5
    assert {v["url"] for v in versions} == {canonical_key(gen_site.url("gen", a.path)) for a in edited}
    assert all("Update 2" not in v["body"] and '"body"' in v["changed"] for v in versions)
    current = read_rows(db, "SELECT version, title, body FROM articles WHERE version = 2")
    assert len(current) == 5 and all("Update 2" in r["body"] and "(updated)" in r["title"] for r in current)

    (run2,) = read_rows(db, "SELECT id FROM crawl_runs ORDER BY id DESC LIMIT 1")
    (site,) = read_rows(db, "SELECT * FROM crawl_run_sites WHERE run_id = ?", [run2["id"]])
    assert (site["new"], site["updated"], site["not_modified"]) == (10, 5, 15)
    assert site["discovered"] == 30
    assert re.search(r"^  articles updated +5 ", out.stdout, re.M), out.stdout
    assert re.search(r"^  not modified +15 ", out.stdout, re.M), out.stdout

    # history: both versions and a diff
    url = gen_site.url("gen", edited[0].path)
    hist = run_newscrawl("history", url, "--db", db)
    assert "version 1" in hist.stdout and "version 2" in hist.stdout
    assert "+Update 2: officials corrected" in hist.stdout


def test_unchanged_bytes_cost_no_extraction_when_the_server_ignores_validators(gen_site, tmp_path, run_newscrawl):
    db = tmp_path / "news.db"
    run_newscrawl(*crawl_args(gen_site, db))
    # a server that ignores validators: the same bytes come back with 200
    pages = {a.path: a.html().replace("{{base:gen}}", gen_site.base_url("gen")).encode() for a in gen_site.articles}

    def no_validators(request):
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, pages[request.url_path])

    gen_site.add_route("gen", "/news/2026/*", no_validators)
    gen_site.clear_requests()
    run_newscrawl(*crawl_args(gen_site, db))
    assert Counter(s for v in article_statuses(gen_site).values() for s in v) == Counter({200: 20})
    reasons = Counter(r["reason"] for r in read_rows(db, "SELECT reason FROM urls WHERE outcome = 'not_modified'"))
    assert reasons == Counter({"unchanged content": 20})
    assert read_rows(db, "SELECT count(*) AS n FROM pages")[0]["n"] == 20  # no page stored twice
    assert read_rows(db, "SELECT count(*) AS n FROM article_versions")[0]["n"] == 0


def test_since_skips_old_sitemap_entries_before_fetching(tmp_path, run_newscrawl):
    recent = [GenArticle(i, age_hours=5) for i in range(3)]
    old = [GenArticle(i, age_hours=24 * 10) for i in range(3, 6)]
    with SiteServer({"gen": write_site(tmp_path / "site", recent + old)}) as server:
        db = tmp_path / "news.db"
        run_newscrawl("crawl", server.url("gen", "/sitemap.xml"), "--db", db, "--since", "3d", *CRAWL_FAST_SETTINGS)
        fetched = {r.url_path for r in server.requests}
    assert {a.path for a in recent} <= fetched
    assert not {a.path for a in old} & fetched
    rows = read_rows(db, "SELECT source, json_extract(discovery, '$.title') AS title FROM urls WHERE outcome = 'new'")
    assert len(rows) == 3 and all(r["source"] == "news-sitemap" and r["title"].startswith("Report") for r in rows)


def test_bad_since_value_is_refused(tmp_path, run_newscrawl):
    out = run_newscrawl("crawl", "http://127.0.0.1:9/", "--db", tmp_path / "x.db", "--since", "last tuesday",
                        check=False)
    assert out.returncode == 2 and "--since" in out.stderr
    assert not (tmp_path / "x.db").exists()


def _gate(server, let_through=0):
    """Article pages wait at a gate (after the first ``let_through``) until it opens."""
    gate = Gate(let_through)
    server.add_route("gen", "/news/2026/*", gate)
    return gate


def _spawn(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *map(str, args)], cwd=cwd, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _has_open(pid, path):
    """Whether process ``pid`` has ``path`` open."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd) == str(path) for fd in fds.iterdir())
    except FileNotFoundError:  # it exited, or closed a file while we looked
        return False


def test_overlapping_runs_exit_at_once_or_wait(gen_site, tmp_path, run_newscrawl):
    db = tmp_path / "news.db"
    lock = Path(f"{db}.lock")
    gate = _gate(gen_site)  # the first run holds the database until the gate opens
    first = _spawn(crawl_args(gen_site, db, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"), tmp_path)
    waiting = None
    try:
        wait_until(lambda: gate.held and lock.exists() and lock.read_text().startswith(f"pid {first.pid} "),
                   "the first run holds the lock and fetches articles")
        second = run_newscrawl(*crawl_args(gen_site, db), check=False)
        assert second.returncode == 75
        assert "another newscrawl run is using" in second.stderr and "--wait" in second.stderr
        assert first.poll() is None  # the first run was not disturbed
        waiting = _spawn(crawl_args(gen_site, db, "--wait"), tmp_path)
        # It is waiting: it has the lock file open, and the first run still holds the lock.
        wait_until(lambda: _has_open(waiting.pid, lock.resolve()), "the --wait run tries the lock")
        assert waiting.poll() is None and lock.read_text().startswith(f"pid {first.pid} ")
        gate.open()
        first_out, first_err = first.communicate(timeout=HANG)
        assert first.returncode == 0, first_err
        waiting_out, waiting_err = waiting.communicate(timeout=HANG)
        assert waiting.returncode == 0, waiting_err
    finally:
        gate.open()
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    runs = read_rows(db, "SELECT status, started, finished FROM crawl_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[0]["finished"] <= runs[1]["started"]  # the second run began after the first ended
    assert "articles stored" in waiting_out


def test_sigkill_mid_crawl_then_rerun_equals_an_uninterrupted_crawl(gen_site, tmp_path, run_newscrawl):
    reference = tmp_path / "reference.db"
    run_newscrawl(*crawl_args(gen_site, reference))

    db = tmp_path / "news.db"
    gate = _gate(gen_site, let_through=3)  # three articles are served, the others wait
    victim = _spawn(crawl_args(gen_site, db, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
                               "-s", "NEWSCRAWL_COMMIT_ITEMS=1"), tmp_path)
    try:
        # Mid-crawl: the three articles served are stored, the next ones wait at the gate.
        wait_until(lambda: row_count(db, "articles") == 3 and gate.held or victim.poll() is not None,
                   "three articles stored and more requested")
        assert victim.poll() is None, victim.communicate()[1]
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.kill()
        victim.communicate()
        gate.open()
    assert row_count(db, "articles") == 3  # what was committed before the kill, and only that
    gen_site.remove_routes("gen")
    run_newscrawl(*crawl_args(gen_site, db))

    def articles(path):
        return sorted((r["url"], r["title"], r["body_hash"])
                      for r in read_rows(path, "SELECT url, title, body_hash FROM articles"))

    assert articles(db) == articles(reference)
    assert len(articles(db)) == 20
    assert read_rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert read_rows(db, "SELECT count(*) AS n FROM pages")[0]["n"] == 20  # nothing stored twice
    statuses = [r["status"] for r in read_rows(db, "SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["interrupted", "finished"]
