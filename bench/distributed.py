"""Benchmark: a Redis cluster crawl with 1 and with 2 worker processes and the writer.

Synthetic article pages (``bench/crawl.py``'s generator and ``BenchSites``) are
served on a few loopback hosts; a private ``redis-server`` runs on 127.0.0.1.
For each worker count, the writer, the enqueue and the workers are started
together as a user would start them, and the clock runs from that launch until
everything is stored: the frontier is empty, every worker has exited and the
writer has committed and acknowledged every item (start-up of every process
included; the writer's own idle wait before it exits is not). Reported: pages
stored per second of that whole run, and the writer's own rate while storing
(pages per second of store-and-commit time: the cluster's ceiling on one
machine's disk). All processes share this machine's cores, so a second worker
competes with the writer, Redis and the test server.

Each worker runs ``NEWSCRAWL_EXTRACT_PROCESSES`` extraction processes (default 1
here, so 1 worker = 1 core of extraction, 2 workers = 2).

usage: .venv/bin/python bench/distributed.py [--synthetic 600] [--hosts 4] [--workers 1 2]
                                             [--extract-processes 1]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/ comes first on sys.path when run as a script
from crawl import POLITENESS_OFF, BenchSites, Page, synthetic_article, synthetic_layout

from crawler.distributed.keys import ClusterKeys, connect, frontier_size


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("bench/distributed.py: redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            connect(url).ping()
            return proc, url
        except Exception:
            time.sleep(0.05)
    sys.exit("bench/distributed.py: redis-server did not start")


def cluster(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.commands.cluster", *args]


def run_once(urls: list[str], redis_url: str, workers: int, extract: int, tmp: Path, depth: str) -> dict[str, float]:
    prefix = f"bench{workers}"
    common = ["--redis", redis_url, "--prefix", prefix]
    server, keys = connect(redis_url), ClusterKeys(prefix)
    db = tmp / f"bench-{workers}.db"
    settings = [*POLITENESS_OFF, "-s", f"NEWSCRAWL_EXTRACT_PROCESSES={extract}",
                "-s", "NEWSCRAWL_REDIS_IDLE_CLOSE=1"]
    launched = time.monotonic()
    writer = subprocess.Popen(cluster("writer", *common, "--db", str(db), "--idle-exit", "3", "--batch", "100"),
                              cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    subprocess.run(cluster("enqueue", *urls, *common, "--depth", depth), check=True, capture_output=True)
    procs = [subprocess.Popen(cluster("worker", *common, *settings), cwd=tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(workers)]
    outs = [p.communicate()[0] for p in procs]
    # the workers are gone: done once the writer has acknowledged every item
    while server.llen(keys.items) or server.llen(keys.processing) or frontier_size(server, keys) != (0, 0):
        time.sleep(0.02)
    elapsed = time.monotonic() - launched
    w_out, w_err = writer.communicate()
    if writer.returncode != 0:
        raise SystemExit(f"writer failed:\n{w_err[-2000:]}")
    rate = re.search(r"writer throughput\s+(\d+)", w_out)
    articles = re.search(r"articles stored\s+(\d+)", w_out)
    fetched = sum(int(m.group(1)) for o in outs for m in [re.search(r"pages fetched\s+(\d+)", o)] if m)
    return {
        "workers": workers, "seconds": elapsed, "fetched": fetched,
        "pages_per_s": fetched / elapsed, "articles": int(articles.group(1)) if articles else 0,
        "writer_per_s": float(rate.group(1)) if rate else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=600, metavar="N", help="synthetic article pages")
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--extract-processes", type=int, default=1, help="per worker")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    pages = synthetic_layout(args.synthetic, args.hosts)

    def content(page: Page, url: str) -> bytes:
        return synthetic_article(page.original, url)

    redis_proc, redis_url = start_redis(tmp)
    print(f"bench/distributed.py: {args.synthetic} synthetic article pages on {args.hosts} hosts, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{args.extract_processes} extraction process(es) per worker", flush=True)
    try:
        for workers in args.workers:
            with _sites(pages, args.hosts, content, tmp, workers) as sites:
                depth = "2" if any(len(listings) > 1 for listings in sites.listings) else "1"
                r = run_once(sites.homepages(), redis_url, workers, args.extract_processes, tmp, depth)
            print(f"  {r['workers']} worker(s) + writer: {r['fetched']:.0f} pages fetched, {r['articles']} articles"
                  f" stored in {r['seconds']:.1f}s from launch = {r['pages_per_s']:.1f} pages/s, "
                  f"{r['articles'] / r['seconds']:.1f} articles/s; writer {r['writer_per_s']:.0f} pages/s "
                  "while storing", flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _sites(pages: list[Page], hosts: int, content: object, tmp: Path, run: int) -> BenchSites:
    root = tmp / f"sites{run}"
    root.mkdir()
    return BenchSites(pages, hosts, content, root)


if __name__ == "__main__":
    sys.exit(main())
