"""Benchmark: ``newscrawl reextract`` with one worker process against all cores.

A database is built from the dev corpus pages (``--repeat N`` copies of each,
with varied text as in bench/crawl.py, so they are distinct articles): each
page is analysed in this process and stored with ``store_page``.  The articles
are then aged (title, authors and body altered in SQL, as an older extractor
would have left them), and the database is copied once per run, so every run
re-extracts and rewrites the same articles.  Three settings run as
subprocesses, alternating for ``--rounds`` rounds in the same run: the same work
in one process with no workers (select, read, extract, compare, write: the
command's code path run sequentially), ``reextract --jobs 1`` (one worker; the
parent's reading and writing overlap it on another core) and ``--jobs N``.
Best and median rounds are compared (the best is the least disturbed by other
load on a shared machine).  CPU seconds of the parent and of the worker
processes are read from /proc while each runs (CPU times only: sampling memory
would take CPU from the processes being timed); peak memory comes from one
extra, untimed run of each setting.

usage: .venv/bin/python bench/reextract.py [--corpus DIR] [--repeat 2] [--jobs 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import crawl as bench_crawl  # bench/ comes first on sys.path when run as a script

from crawler.ingest.analysis import analyze_page
from crawler.ingest.records import page_record
from storage import open_db
from storage.queries import store_page

RUN = "from crawler.commands.reextract import reextract_command; reextract_command()"
# The same work in one process, no worker pool: the command's code path (select, read,
# extract, compare, write in batches) run sequentially; imports inside the timing, as
# the workers' are in the command's.
SINGLE = """
import sys, time
started = time.monotonic()
from crawler.ingest.analysis import STORED_CODEC_HEADER, reanalyze_stored_page
from crawler.extraction import EXTRACTOR_VERSION
from storage.reextract import load_stored, select_pages
from storage.session import IngestSession
with IngestSession(sys.argv[1], kind="reextract", extractor=EXTRACTOR_VERSION, commit_items=200,
                   commit_seconds=2.0, command={"command": "bench"}) as session:
    for article_id, page_id in select_pages(session.db):
        url, headers, codec, blob = load_stored(session.db, page_id)
        a = reanalyze_stored_page(blob, url, {**headers, STORED_CODEC_HEADER: codec})
        session.reextracted(article_id, a.extraction, body_hash=a.body_hash, signature=a.signature)
elapsed = time.monotonic() - started
r = session.counts.reextracted
print(f"reextract (one process): {sum(r.values())} pages in {elapsed:.1f}s ({sum(r.values()) / elapsed:.1f} pages/s)")
print(f"  articles changed        {r['changed']}")
"""


def build(db_path: Path, corpus: Path, repeat: int) -> tuple[int, int]:
    pages = bench_crawl.load_corpus(corpus)
    db = open_db(db_path)
    stored = 0
    for k in range(repeat):
        for i, (url, html) in enumerate(pages):
            html = bench_crawl.vary(bench_crawl._CANONICAL.sub(b"", html), k)
            local = f"https://site{i % 8}.example/{i}/{bench_crawl.copy_path(url.split('/', 3)[-1], k)}"
            rec = page_record(url=local, html=html, analysis=analyze_page(html, local), site=f"site{i % 8}")
            stored += store_page(db, rec).outcome == "new"
    db.conn.close()
    return len(pages) * repeat, stored


def age(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE articles SET title = 'OLD ' || coalesce(title, ''), authors = '[]',"
                     " body = body || ' Advertisement.', body_hash = 'old-' || id,"
                     " extractor = 'newscrawl-0'")
    conn.close()


def fresh_copy(base: Path, copy: Path) -> Path:
    for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copy(base, copy)
    return copy


def run(db_path: Path, jobs: int, memory: bool = False) -> tuple[float, str, Any]:
    """``reextract --jobs N`` as a subprocess; ``jobs=0``: the single-process run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = ([sys.executable, "-c", SINGLE, str(db_path)] if jobs == 0 else
               [sys.executable, "-c", RUN, "--db", str(db_path), "--jobs", str(jobs), "--no-progress"])
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=db_path.parent)
    # Speed rounds read CPU times only: sampling memory (smaps_rollup) takes CPU
    # from, and locks, the processes being timed.
    poller = bench_crawl.MemoryPoller(proc.pid, interval=0.1 if memory else 0.25, memory=memory)
    poller.start()
    out, err = proc.communicate()
    elapsed = time.monotonic() - started
    poller.stop.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"reextract --jobs {jobs} failed:\n{err}")
    return elapsed, out, poller


def label(jobs: int) -> str:
    return "one process (no workers)" if jobs == 0 else f"--jobs {jobs}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=bench_crawl.DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per setting")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-reextract-"))
    base = tmp / "base.db"
    print(f"bench/reextract.py: load average {os.getloadavg()[0]:.2f}; building the database ...", flush=True)
    pages, stored = build(base, args.corpus, args.repeat)
    age(base)
    print(f"{pages} pages stored, {stored} articles (aged)", flush=True)
    # Alternate the two settings round by round and keep each one's best round:
    # the machine is shared, and the fastest round is the least disturbed one.
    runs: dict[int, list[tuple[float, float, str, Any]]] = {0: [], 1: [], args.jobs: []}
    for round_no in range(args.rounds):
        for jobs in runs:
            elapsed, out, poller = run(fresh_copy(base, tmp / f"jobs{jobs}.db"), jobs)
            m = re.search(r"([\d.]+) pages/s", out)
            changed = re.search(r"articles changed\s+(\d+)", out)
            runs[jobs].append((elapsed, float(m.group(1)) if m else 0.0,
                               changed.group(1) if changed else "?", poller))
            print(f"round {round_no + 1}, {label(jobs)}: {out.splitlines()[0]}", flush=True)
    # Memory in a round of its own per setting (not timed).
    peak = {jobs: run(fresh_copy(base, tmp / f"jobs{jobs}.db"), jobs, memory=True)[2].peak_pss
            for jobs in runs}
    print()
    print("| reextract | wall s (subprocess), each round | pages/s (command's timing): best, median "
          "| articles changed | CPU s parent / workers (best round) | peak PSS, process tree (memory round) |")
    print("|---|---|---|---|---|---|")
    best, median = {}, {}
    for jobs, rounds in runs.items():
        top = max(rounds, key=lambda r: r[1])
        best[jobs], median[jobs] = top[1], statistics.median(r[1] for r in rounds)
        poller = top[3]
        parent_cpu = poller.cpu.get(poller.pid, 0.0)
        other_cpu = sum(poller.cpu.values()) - parent_cpu
        print(f"| {label(jobs)} | {', '.join(f'{r[0]:.1f}' for r in rounds)} | {top[1]:.1f}, {median[jobs]:.1f} "
              f"| {top[2]} | {parent_cpu:.1f} / {other_cpu:.1f} | {peak[jobs] / 1024:.0f} MB |")
    print()
    en = min(r[0] for r in runs[args.jobs])
    for base_jobs in (1, 0):
        e1 = min(r[0] for r in runs[base_jobs])
        print(f"speed-up --jobs {args.jobs} vs {label(base_jobs)}: {best[args.jobs] / best[base_jobs]:.2f}x pages/s "
              f"(best rounds), {median[args.jobs] / median[base_jobs]:.2f}x (median rounds), "
              f"{e1 / en:.2f}x wall time (best rounds)")
    print(f"cores: {os.cpu_count()}; load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
