"""Distributed crawling on Redis: a real ``redis-server`` on 127.0.0.1, workers and
a writer as subprocesses against the sample web, compared with a single-process
crawl of the same site."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.demo import load_manifest
from crawler.demo.server import SiteServer
from crawler.distributed.keys import ClusterKeys, connect
from crawler.distributed.queue import ItemQueue
from crawler.utils.urls import canonical_key
from tests.support.db import row_count
from tests.support.waiting import HANG, Gate, wait_until

ARTICLES: list[dict[str, Any]] = load_manifest()["articles"]
REDIS_SERVER = shutil.which("redis-server")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _cli_has(name: str) -> bool:
    from crawler.cli import main

    return name in getattr(main, "commands", {})


# The cluster commands run through ``newscrawl`` once crawler/cli.py wires them,
# until then through their own group.
if _cli_has("enqueue"):
    ENQUEUE = ("crawler.cli", "enqueue")
    WRITER = ("crawler.cli", "writer")
    WORKER = ("crawler.cli", "crawl")
else:
    ENQUEUE = ("crawler.commands.cluster", "enqueue")
    WRITER = ("crawler.commands.cluster", "writer")
    WORKER = ("crawler.commands.cluster", "worker")

# A worker exits 2 s after the frontier empties.
CLUSTER_FAST = ("-s", "NEWSCRAWL_REDIS_IDLE_CLOSE=2")
# A dead worker's requests come back after 3 s (a live worker renews its leases
# every second; a loaded machine can miss that, and a page is fetched twice).
SHORT_LEASE = ("-s", "NEWSCRAWL_REDIS_LEASE=3")


# --- fixtures ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away ``redis-server`` on 127.0.0.1 (no persistence), its URL."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    workdir = tmp_path_factory.mktemp("redis")
    for _ in range(5):
        port = _free_port()
        proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if connect(url).ping():
                    break
            except redis.exceptions.ConnectionError:  # not listening yet
                time.sleep(0.05)
        if proc.poll() is None:
            break  # else the port was taken meanwhile: try another
    else:
        pytest.fail("could not start redis-server")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def cluster_prefix(request: pytest.FixtureRequest) -> str:
    """A key prefix of its own for each test: clusters do not see each other."""
    return f"t{time.monotonic_ns()}"


def _popen(module_cmd: tuple[str, str], *args: Any, cwd: Path) -> subprocess.Popen[str]:
    module, command = module_cmd
    return subprocess.Popen(
        [sys.executable, "-m", module, command, *map(str, args)],
        cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"timed out: {proc.args}\n--- stdout\n{out}\n--- stderr\n{err}")
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"
    return out, err


def _fetched(server: SiteServer) -> Counter[tuple[str, str]]:
    """Requests the server saw, robots.txt left out (each worker reads it once)."""
    return Counter((r.host, r.path) for r in server.requests if r.url_path != "/robots.txt")


def _articles(db_rows: Any, db: Path) -> list[tuple[str, str]]:
    return sorted((r["url"], r["title"]) for r in db_rows(db, "SELECT url, title FROM articles"))


def _manifest_keys(server: SiteServer) -> set[str]:
    return {canonical_key(server.url(a["host"], a["path"])) for a in ARTICLES}


def _assert_cluster_drained(redis_url: str, prefix: str) -> None:
    keys = ClusterKeys(prefix)
    server = connect(redis_url)
    left = {k: server.zcard(k) for k in (keys.requests, keys.leases)}
    left.update({k: server.llen(k) for k in (keys.items, keys.processing, keys.dead)})
    assert not any(left.values()), f"left in Redis: {left}"
    assert not server.keys(f"{prefix}:dupefilter:*"), "the finished run's duplicate filter was kept"


# --- unit tests ------------------------------------------------------------------------


def test_writer_takes_back_unacknowledged_items(redis_url: str, cluster_prefix: str) -> None:
    queue = ItemQueue(connect(redis_url), ClusterKeys(cluster_prefix))
    for raw in (b"1", b"2", b"3"):
        queue.push(raw)
    assert queue.take(2, block=1) == [b"1", b"2"]
    assert queue.sizes() == (1, 2)
    assert queue.recover() == 2  # the writer died before acknowledging
    assert queue.take(10, block=1) == [b"1", b"2", b"3"]
    queue.ack([b"1", b"2", b"3"])
    assert queue.sizes() == (0, 0)


def test_a_request_is_marked_seen_in_the_same_step_as_it_is_queued(
    redis_url: str, cluster_prefix: str,
) -> None:
    # One Redis script: a worker killed between a separate SADD and ZADD left requests
    # that the duplicate filter had seen and no queue held (lost for the run).
    from scrapy import Request, Spider
    from scrapy_redis import picklecompat

    from crawler.compat import decode_request
    from crawler.distributed.frontier import LEASE_META, LeasedPriorityQueue

    keys, server = ClusterKeys(cluster_prefix), connect(redis_url)
    queue = LeasedPriorityQueue(server, Spider("t"), keys.requests, picklecompat)
    seen = keys.dupefilter("1")
    first = Request("https://a.example/x", priority=5, meta={LEASE_META: b"parent", "k": 1})
    assert queue.push_unseen(first, seen, "fp-x")
    assert not queue.push_unseen(Request("https://a.example/x?again"), seen, "fp-x")
    assert queue.push_unseen(Request("https://a.example/y"), seen, "fp-y")
    assert server.smembers(seen) == {b"fp-x", b"fp-y"}
    stored = [decode_request(queue, m) for m in server.zrange(keys.requests, 0, -1)]
    assert [(r.url, r.priority) for r in stored] == [("https://a.example/x", 5), ("https://a.example/y", 0)]
    assert stored[0].meta["k"] == 1 and LEASE_META not in stored[0].meta  # no parent's lease
    server.delete(seen, keys.requests)


# --- end to end ------------------------------------------------------------------------


@pytest.mark.slow
def test_two_workers_and_a_writer_store_what_one_process_does(
    sample_server: SiteServer, redis_url: str, cluster_prefix: str, run_newscrawl: Any,
    crawl_fast_settings: tuple[str, ...], db_rows: Any, tmp_path: Path,
) -> None:
    urls = [u + "/" for u in sample_server.base_urls().values()]
    single_db, cluster_db = tmp_path / "single.db", tmp_path / "cluster.db"
    run_newscrawl("crawl", *urls, "--db", single_db, *crawl_fast_settings)
    single_requests = _fetched(sample_server)
    sample_server.clear_requests()

    common = ("--redis", redis_url, "--prefix", cluster_prefix)
    # The frontier is filled before the writer starts: a writer with an empty queue and
    # frontier would count those seconds towards its --idle-exit.
    _finish(_popen(ENQUEUE, *urls, *common, cwd=tmp_path))
    writer = _popen(WRITER, *common, "--db", cluster_db, "--idle-exit", 2, cwd=tmp_path)
    workers = [_popen(WORKER, *common, *crawl_fast_settings, *CLUSTER_FAST, cwd=tmp_path) for _ in range(2)]
    worker_out = [_finish(w)[0] for w in workers]
    writer_out, _ = _finish(writer)

    single, cluster = _articles(db_rows, single_db), _articles(db_rows, cluster_db)
    assert cluster == single, f"writer said:\n{writer_out}\nworkers said:\n{worker_out}"
    assert {url for url, _ in cluster} == _manifest_keys(sample_server)
    assert not db_rows(cluster_db, "SELECT body_hash FROM articles GROUP BY body_hash HAVING count(*) > 1")
    # The duplicate filter is shared: each article page fetched once, as by one process.
    article_paths = {a["path"] for a in ARTICLES}
    fetched = {p: n for (_, p), n in _fetched(sample_server).items() if p in article_paths}
    assert fetched == {p: n for (_, p), n in single_requests.items() if p in article_paths}
    assert set(fetched.values()) == {1}
    _assert_cluster_drained(redis_url, cluster_prefix)

    # Incremental: a second run fetches listings again, but no stored article.
    sample_server.clear_requests()
    _finish(_popen(ENQUEUE, *urls, *common, cwd=tmp_path))
    writer = _popen(WRITER, *common, "--db", cluster_db, "--idle-exit", 2, cwd=tmp_path)
    out, _ = _finish(_popen(WORKER, *common, *crawl_fast_settings, *CLUSTER_FAST, cwd=tmp_path))
    _finish(writer)
    assert _articles(db_rows, cluster_db) == single
    requested = {canonical_key(sample_server.url(r.host, r.url_path)) for r in sample_server.requests}
    assert not requested & _manifest_keys(sample_server), out
    assert "/" in sample_server.paths("daily")
    _assert_cluster_drained(redis_url, cluster_prefix)


@pytest.mark.slow
def test_a_killed_worker_and_writer_lose_nothing(
    sample_server: SiteServer, redis_url: str, cluster_prefix: str,
    crawl_fast_settings: tuple[str, ...], db_rows: Any, tmp_path: Path,
) -> None:
    # The first pages are served; then requests wait at the gate, leased by the worker
    # that fetches them, until the gate opens (after the kill).
    gate = Gate(let_through=10)
    for name in sample_server.base_urls():
        sample_server.add_route(name, "/*", gate)
    urls = [u + "/" for u in sample_server.base_urls().values()]
    db = tmp_path / "cluster.db"
    common = ("--redis", redis_url, "--prefix", cluster_prefix)
    _finish(_popen(ENQUEUE, *urls, *common, cwd=tmp_path))
    writer = _popen(WRITER, *common, "--db", db, "--idle-exit", 3, cwd=tmp_path)
    doomed = _popen(WORKER, *common, *crawl_fast_settings, *CLUSTER_FAST, *SHORT_LEASE, cwd=tmp_path)

    # Mid-crawl: the writer has stored pages, the doomed worker has requests in flight.
    keys, server = ClusterKeys(cluster_prefix), connect(redis_url)
    try:
        wait_until(lambda: row_count(db, "urls") > 0 and gate.held > 0, "the crawl gets going")
        assert server.zcard(keys.leases) > 0  # the requests at the gate are leased
        doomed.send_signal(signal.SIGKILL)
        writer.send_signal(signal.SIGKILL)
    finally:
        for proc in (doomed, writer):
            proc.kill()
            proc.communicate()
        gate.open()
    assert server.zcard(keys.leases) > 0, "the killed worker's leases are left for the survivor"

    writer = _popen(WRITER, *common, "--db", db, "--idle-exit", 3, cwd=tmp_path)
    survivor = _popen(WORKER, *common, *crawl_fast_settings, *CLUSTER_FAST, *SHORT_LEASE, cwd=tmp_path)
    survivor_out, _ = _finish(survivor)
    writer_out, _ = _finish(writer)

    articles = _articles(db_rows, db)
    assert {url for url, _ in articles} == _manifest_keys(sample_server), (
        f"{survivor_out}\n{writer_out}\nrequests: {sorted(_fetched(sample_server).items())}"
    )
    assert len(articles) == len(ARTICLES)
    assert "leases requeued" in survivor_out
    _assert_cluster_drained(redis_url, cluster_prefix)
