"""Benchmark: what a page rendered in headless Chromium costs, next to a static one.

Two local sites with the same kind of articles (``crawler.demo.appshells``,
"The Evening Courier"): one serves them as application shells (an empty
``#app``, a script bundle, the text from a JSON API), the other as ordinary
server-rendered pages. In one run, ``newscrawl crawl <homepage>`` is run over
each, alternately (static, rendered, static, rendered, ...: ``--repeat`` rounds),
with politeness off and otherwise default settings (two render slots, the
default time budget), each into a fresh database. Whole-crawl figures, from the
launch of the command to its exit (start-up, browser start, pool shutdown and
the summary included):

* seconds, and seconds per stored article; the difference per page is what
  rendering one page cost;
* CPU seconds of the crawl and everything under it (extraction workers,
  Playwright's driver, Chromium's processes), from ``getrusage(RUSAGE_CHILDREN)``;
* peak memory: of the browser (the sum of PSS over Chromium's processes, found
  under the crawl through /proc and sampled every 0.1 s) and of the crawl's
  own Python process (its VmHWM).

usage: .venv/bin/python bench/render.py [--pages 24] [--repeat 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from crawler.demo.appshells import AppShellSite
from crawler.rendering.browser import browser_pids, tree_memory_mb

SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0")


@dataclass
class Run:
    kind: str  # static | rendered
    seconds: float
    cpu_seconds: float
    articles: int
    rendered: int
    browser_peak_mb: float
    crawl_peak_mb: float

    @property
    def per_article(self) -> float:
        return self.seconds / self.articles if self.articles else float("nan")


def _vm_hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def crawl_once(kind: str, site: AppShellSite, workdir: Path) -> Run:
    db = workdir / f"{kind}-{time.monotonic_ns()}.db"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with site.server() as server:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", server.url("courier", "/"),
                                 "--db", str(db), *SETTINGS], cwd=workdir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        peaks = {"browser": 0.0, "crawl": 0.0}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                browsers = browser_pids(proc.pid)
                if browsers:
                    peaks["browser"] = max(peaks["browser"], sum(tree_memory_mb(p) for p in browsers))
                peaks["crawl"] = max(peaks["crawl"], _vm_hwm_mb(proc.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, _ = proc.communicate(timeout=900)
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"the {kind} crawl failed ({proc.returncode}):\n{out}")
    conn = sqlite3.connect(db)
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        rendered = conn.execute("SELECT count(*) FROM pages WHERE rendered IS NOT NULL").fetchone()[0]
    finally:
        conn.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(kind, seconds, cpu, articles, rendered, peaks["browser"], peaks["crawl"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=24, help="articles per site (default 24)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of (static, rendered) (default 2)")
    parser.add_argument("--json", metavar="FILE", help="also write the runs as JSON")
    args = parser.parse_args(argv)

    shells = AppShellSite(shells=args.pages, ordinary=0)
    static = AppShellSite(shells=0, ordinary=args.pages)
    shells.walls = static.walls = []
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        for _ in range(args.repeat):
            for kind, site in (("static", static), ("rendered", shells)):
                run = crawl_once(kind, site, Path(tmp))
                runs.append(run)
                print(f"  {kind:<9} {run.seconds:6.1f}s  {run.articles} articles ({run.rendered} rendered)  "
                      f"cpu {run.cpu_seconds:5.1f}s  browser peak {run.browser_peak_mb:5.0f} MB  "
                      f"crawl process peak {run.crawl_peak_mb:4.0f} MB", file=sys.stderr, flush=True)

    def med(kind: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs if r.kind == kind)

    rows = [
        ("articles stored", "{:.0f}", "articles"),
        ("pages rendered", "{:.0f}", "rendered"),
        ("crawl seconds", "{:.1f}", "seconds"),
        ("seconds per article", "{:.3f}", "per_article"),
        ("CPU seconds (all processes)", "{:.1f}", "cpu_seconds"),
        ("browser peak memory (PSS, MB)", "{:.0f}", "browser_peak_mb"),
        ("crawl process peak RSS (MB)", "{:.0f}", "crawl_peak_mb"),
    ]
    print(f"{args.pages} articles per site, median of {args.repeat} runs each, alternated in one run:")
    print(f"  {'':<31}{'static':>10}{'rendered':>12}")
    for label, fmt, attr in rows:
        print(f"  {label:<31}{fmt.format(med('static', attr)):>10}{fmt.format(med('rendered', attr)):>12}")
    extra = (med("rendered", "seconds") - med("static", "seconds")) / args.pages
    extra_cpu = (med("rendered", "cpu_seconds") - med("static", "cpu_seconds")) / args.pages
    print(f"  a rendered page costs {extra:+.2f} s of crawl time and {extra_cpu:+.2f} CPU s more than a static one "
          f"(two pages rendered at a time)")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
