"""Benchmark: ``newscrawl reextract`` with one worker process against all cores.

A database is built from the dev corpus pages (``--repeat N`` copies of each,
with varied text as in bench/crawl.py, so they are distinct articles): each
page is analysed in this process and stored with ``store_page``.  The articles
are then aged (title, authors and body altered in SQL, as an older extractor
would have left them), and the database is copied once per run, so every run
re-extracts and rewrites the same articles.  ``reextract --jobs 1`` and
``--jobs N`` run as subprocesses, one after the other in the same run; wall
time of each subprocess and the command's own pages/s are printed with their
ratio.

usage: .venv/bin/python bench/reextract.py [--corpus DIR] [--repeat 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This folder comes first on sys.path when run as a script: load crawl.py by path.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
_spec = importlib.util.spec_from_file_location("bench_crawl", BENCH / "crawl.py")
assert _spec is not None and _spec.loader is not None
bench_crawl = sys.modules["bench_crawl"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_crawl)

from crawler.analysis import analyze_page  # noqa: E402
from storage import open_db  # noqa: E402
from storage.queries import PageRecord, store_page  # noqa: E402

RUN = "from crawler.commands.reextract import reextract_command; reextract_command()"


def build(db_path: Path, corpus: Path, repeat: int) -> tuple[int, int]:
    pages = bench_crawl.load_corpus(corpus)
    db = open_db(db_path)
    stored = 0
    for k in range(repeat):
        for i, (url, html) in enumerate(pages):
            html = bench_crawl.vary(bench_crawl._CANONICAL.sub(b"", html), k)
            local = f"https://site{i % 8}.example/{i}/{bench_crawl.copy_path(url.split('/', 3)[-1], k)}"
            ex = analyze_page(html, local)
            rec = PageRecord(url_key=local, fetched_url=local, site=f"site{i % 8}", status=200,
                             html=html, extracted=ex, article_key=local,
                             signature=ex.pop("signature", None))
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


def run(db_path: Path, jobs: int) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", RUN, "--db", str(db_path), "--jobs", str(jobs),
                           "--no-progress"], capture_output=True, text=True, env=env, cwd=db_path.parent)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"reextract --jobs {jobs} failed:\n{proc.stderr}")
    return elapsed, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=bench_crawl.DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-reextract-"))
    base = tmp / "base.db"
    print(f"bench/reextract.py: load average {os.getloadavg()[0]:.2f}; building the database ...", flush=True)
    pages, stored = build(base, args.corpus, args.repeat)
    age(base)
    print(f"{pages} pages stored, {stored} articles (aged)", flush=True)
    rows = []
    for jobs in (1, args.jobs):
        copy = tmp / f"jobs{jobs}.db"
        shutil.copy(base, copy)
        elapsed, out = run(copy, jobs)
        m = re.search(r"([\d.]+) pages/s", out)
        changed = re.search(r"articles changed\s+(\d+)", out)
        rows.append((jobs, elapsed, float(m.group(1)) if m else 0.0, changed.group(1) if changed else "?"))
        print(out.splitlines()[0], flush=True)
    print()
    print("| reextract | wall s (subprocess) | pages/s (command's own timing) | articles changed |")
    print("|---|---|---|---|")
    for jobs, elapsed, rate, changed in rows:
        print(f"| --jobs {jobs} | {elapsed:.1f} | {rate:.1f} | {changed} |")
    (_, e1, r1, _), (_, en, rn, _) = rows
    print(f"\nspeed-up --jobs {args.jobs} vs --jobs 1: {rn / r1:.2f}x pages/s, {e1 / en:.2f}x wall time "
          f"(cores: {os.cpu_count()}); load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
