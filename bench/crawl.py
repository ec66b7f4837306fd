"""Benchmark: a real ``newscrawl crawl`` of local sites against plain trafilatura.

Default: the whole command as a user runs it. ``bench/farm.py`` serves the dev
corpus pages (``--copies`` varied copies each, ~1,070 distinct articles with 5)
on ``--sites`` loopback hosts with the listing pages of a news site around them
(sections with pagination, tags, authors, day archives, sitemap index, news
sitemap, RSS feed); ``newscrawl crawl <homepages>`` runs at the default depth
with politeness off (the only settings given), timed from its launch to its
exit (start-up, worker start, pool shutdown and the summary included). In the
same run, plain trafilatura is timed on one core over the same article bytes, every
other page before the crawl and the rest after it. The farm's pages are made before
the clock starts and served from memory (a real site's server costs the crawler
nothing; this one still shares the crawl's cores: its CPU time is printed).
Reported: articles stored/s, pages/s by kind, CPU seconds per article, peak
memory of any one process and of the process tree.

``--depth1`` (the older figure): the pages behind a homepage and one sitemap,
crawled at depth 1, timed from the first request; it leaves out start-up and
every listing page but the homepages, so it flatters the crawl.

In ``--depth1`` mode the dev corpus pages (or synthetic article pages) are served by the project's
``SiteServer`` on ~8 loopback hosts (127.0.0.1 ...), each with a homepage linking
its pages, a sitemap and a robots.txt that allows everything.  ``newscrawl crawl``
runs as a subprocess into a fresh database with politeness off, while this
process polls the memory of its process tree.  In the same run, plain
``trafilatura.bare_extraction(html, url=url, with_metadata=True)`` is timed on
one core on the same pages, and the two rates are printed side by side.

Timing: "crawl window" = from the first HTTP request the server receives to the
exit of the crawl process (Python/Scrapy start-up is excluded and shown apart;
pool shutdown and the summary are included).

Memory: every 0.1 s the crawl process and all its descendants (forkserver,
extraction workers) are found through /proc; the sum of their RSS and the sum of
their PSS (smaps_rollup; shared pages split between processes, so it does not
double-count) are taken, and the maximum over time is reported.

usage: .venv/bin/python bench/crawl.py [--rounds N] [--copies 5] [--sites 4] [--baseline-pages N] [--keep DIR]
       .venv/bin/python bench/crawl.py --depth1 [--corpus DIR] [--repeat N] [--synthetic N] [--hosts 8]
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from extraction import DEFAULT_CORPUS  # bench/ comes first on sys.path when run as a script
from extraction import load_corpus as load_cases

REPO = Path(__file__).resolve().parent.parent
POLITENESS_OFF = (
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0",
)


# -- pages ----------------------------------------------------------------------


def load_corpus(corpus: Path) -> list[tuple[str, bytes]]:
    """``(original url, raw html)`` of every corpus page."""
    return [(case["url"], html) for case, html in load_cases(corpus)]


_CANONICAL = re.compile(
    rb"<link\b[^>]*\brel=[\"']?[^\"'>]*\bcanonical\b[^>]*>"
    rb"|<meta\b[^>]*\b(?:property|name)=[\"']?og:url\b[^>]*>", re.I
)
# Script and style blocks, comments and tags: what the text variation must not touch.
_MARKUP = re.compile(rb"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)", re.I | re.S)
# A run of 5+ letters; bytes >= 0x80 count as letters, so UTF-8 words in any script
# vary too (a run of such bytes always ends on a character boundary).
_LONG_WORD = re.compile(rb"([A-Za-z\x80-\xff]{5,})")


def suffix(k: int) -> bytes:
    out = b""
    while True:
        out = bytes([97 + k % 26]) + out
        k //= 26
        if not k:
            return b"q" + out


def vary(html: bytes, k: int) -> bytes:
    """Copy ``k`` of a page: every word of 5+ ASCII letters outside markup gets a
    suffix, so almost every 5-word shingle changes and neither the exact nor the
    near-duplicate check folds the copies together.  ``k == 0`` is the page as is."""
    if k == 0:
        return html
    tail = suffix(k)
    parts = _MARKUP.split(html)
    for i in range(0, len(parts), 2):  # even parts are text between markup
        parts[i] = _LONG_WORD.sub(lambda m: m.group(1) + tail, parts[i])
    return b"".join(parts)


def copy_path(path: str, k: int) -> str:
    if k == 0:
        return path
    head, _, last = path.rstrip("/").rpartition("/")
    stem, dot, ext = last.rpartition(".")
    last = f"{stem}-r{k}.{ext}" if dot and stem else f"{last}-r{k}"
    return f"{head}/{last}"


@dataclass
class Page:
    host: int  # index of the serving host
    path: str
    source_url: str  # the corpus URL (or a synthetic one)
    original: int  # index of the corpus page (or synthetic seed)
    copy: int = 0


def corpus_layout(urls: list[str], hosts: int, repeat: int) -> list[Page]:
    """Spread the original domains over ``hosts`` hosts, keeping their URL paths."""
    domains = sorted({urlsplit(u).hostname or "" for u in urls})
    host_of = {d: i % hosts for i, d in enumerate(domains)}
    base: list[tuple[int, str]] = []
    taken: set[tuple[int, str]] = set()
    for url in urls:
        parts = urlsplit(url)
        host = host_of[parts.hostname or ""]
        path = parts.path or "/"
        if path == "/" or (host, path) in taken:
            path = f"/{parts.hostname}{path}"
        taken.add((host, path))
        base.append((host, path))
    return [Page(host, copy_path(path, k), urls[i], i, k)
            for k in range(repeat) for i, (host, path) in enumerate(base)]


# -- synthetic pages ------------------------------------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "den", "mar", "tel", "shi",
              "bra", "con", "ver", "lin", "pos", "qua", "gor", "fen"]


def _vocabulary(n: int = 3000) -> list[str]:
    rng = random.Random(4)
    words = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(n * 2)}
    return sorted(words)[:n]


_VOCAB = _vocabulary()
_BOILERPLATE_SCRIPT = "window.__DATA__ = " + json.dumps(
    {"config": [{"id": i, "slot": f"ad-{i}", "sizes": [[300, 250], [728, 90]]} for i in range(400)]}
) + ";"


def synthetic_article(seed: int, url: str) -> bytes:
    """A news article page of ~500 words with realistic boilerplate (~45 KB)."""
    rng = random.Random(seed)
    title = " ".join(rng.choice(_VOCAB) for _ in range(7)).capitalize()
    paragraphs = []
    for _ in range(10):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(_VOCAB) for _ in range(rng.randint(10, 20))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append("<p>" + " ".join(sentences) + "</p>")
    nav = "".join(f'<li><a href="https://synthetic-daily.example/section/{s}/">{s.capitalize()}</a></li>' for s in _VOCAB[:40])
    related = "".join(f'<li><a href="https://synthetic-daily.example/news/related-{rng.randint(0, 10**6)}.html">{rng.choice(_VOCAB)} '
                      f"{rng.choice(_VOCAB)}</a></li>" for _ in range(20))
    day = 1 + seed % 28
    jsonld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                         "datePublished": f"2025-03-{day:02d}T08:00:00+00:00",
                         "author": {"@type": "Person", "name": "Ana Kowalski"}})
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Synthetic Daily</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="og:site_name" content="Synthetic Daily"><meta name="author" content="Ana Kowalski">
<meta property="article:published_time" content="2025-03-{day:02d}T08:00:00+00:00">
<meta name="description" content="{title}."><meta property="og:image" content="{url}.jpg">
<script type="application/ld+json">{jsonld}</script><script>{_BOILERPLATE_SCRIPT}</script>
<style>body{{font-family:serif}} .nav li{{display:inline}}</style></head>
<body><header><nav><ul class="nav">{nav}</ul></nav></header><main><article><h1>{title}</h1>
<p class="byline">By Ana Kowalski</p>{''.join(paragraphs)}</article>
<aside><h2>Related</h2><ul>{related}</ul></aside></main>
<footer><p>Copyright Synthetic Daily. All rights reserved.</p></footer></body></html>""".encode()


def synthetic_layout(n: int, hosts: int) -> list[Page]:
    return [Page(i % hosts, f"/news/2025/03/story-{i}.html", "", i) for i in range(n)]


LISTING_SIZE = 100


def listing_page(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{link}">{link.rsplit("/", 1)[-1]}</a></li>' for link in links)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="website"></head><body><h1>{title}</h1>'
            f"<ul>{items}</ul></body></html>").encode()


# -- serving ------------------------------------------------------------------------------


class BenchSites:
    """The pages on ``hosts`` loopback hosts with homepages, listings, sitemaps and robots.txt."""

    def __init__(self, pages: list[Page], hosts: int, content: Any, tmp: Path) -> None:
        from crawler.demo.server import SiteServer

        self.pages = pages
        self.content = content  # Page -> bytes
        self.names = [f"site{i}" for i in range(hosts)]
        roots = {}
        for name in self.names:
            roots[name] = tmp / name
            roots[name].mkdir()
        self.server = SiteServer(roots)
        self.by_path: list[dict[str, Page]] = [{} for _ in self.names]
        for page in pages:
            self.by_path[page.host][unquote(page.path)] = page
        self.listings: list[list[list[str]]] = []
        for table in self.by_path:
            paths = list(table)
            self.listings.append([paths[i:i + LISTING_SIZE] for i in range(0, len(paths), LISTING_SIZE)])
        self.served_bytes = 0

    def __enter__(self) -> BenchSites:
        from crawler.demo.routes import Response

        self.server.start()
        for index, name in enumerate(self.names):
            def handler(request: Any, index: int = index, name: str = name) -> Any:
                body, ctype = self.respond(index, name, request.url_path)
                if body is None:
                    return Response(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
                self.served_bytes += len(body)
                return Response(body=body, headers={"Content-Type": ctype})

            self.server.add_route(name, "/*", handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def homepages(self) -> list[str]:
        return [self.server.url(name, "/") for name in self.names]

    def respond(self, index: int, name: str, path: str) -> tuple[bytes | None, str]:
        base = self.server.base_url(name)
        if path == "/robots.txt":
            return f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain"
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in self.by_path[index])
            return (f'<?xml version="1.0" encoding="UTF-8"?><urlset '
                    f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode(), \
                "application/xml"
        listings = self.listings[index]
        if path == "/":
            if len(listings) <= 1:
                return listing_page(f"Home of {name}", listings[0] if listings else []), "text/html"
            links = [f"/_listing/{i}/" for i in range(len(listings))]
            return listing_page(f"Home of {name}", links), "text/html"
        if path.startswith("/_listing/"):
            try:
                links = listings[int(path.split("/")[2])]
            except (ValueError, IndexError):
                return None, ""
            return listing_page(f"Archive of {name}", links), "text/html"
        page = self.by_path[index].get(unquote(path))
        if page is None:
            return None, ""
        # no charset: the page's own <meta charset> decides, as on the real site
        return self.content(page, base + path), "text/html"


# -- measuring ------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc/<pid>/task/<tid>/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children", "rb") as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return out


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB of one process; zeros if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_measured(cmd: list[str], cwd: Path) -> tuple[subprocess.Popen[str], str, str, float, float, "MemoryPoller"]:
    """Run a command to its end under a MemoryPoller: (process, stdout, stderr, launched, ended, poller)."""
    launched = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    poller = MemoryPoller(proc.pid)
    poller.start()
    out, err = proc.communicate()
    ended = time.time()
    poller.stop.set()
    poller.join()
    return proc, out, err, launched, ended, poller


class MemoryPoller(threading.Thread):
    """CPU seconds per process and, with ``memory``, peak RSS/PSS of a process tree.

    Reading smaps_rollup walks a process's page tables under its memory lock, so
    speed-only runs pass ``memory=False`` (and a longer interval) to leave the
    measured processes alone."""

    def __init__(self, pid: int, interval: float = 0.1, memory: bool = True) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.memory = pid, interval, memory
        self.peak_rss = self.peak_pss = self.peak_main_rss = self.max_processes = 0
        self.peak_one_rss = self.peak_one_pss = 0  # the largest single process
        self.stop = threading.Event()
        self.cpu: dict[int, float] = {}  # last seen user+system seconds per process
        self.samples: list[tuple[float, float, float]] = []  # (time, main CPU s, others' CPU s)

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self.stop.is_set():
            pids = descendants(self.pid)
            for p in pids:
                try:
                    with open(f"/proc/{p}/stat", "rb") as f:
                        fields = f.read().rsplit(b")", 1)[1].split()
                    self.cpu[p] = (int(fields[11]) + int(fields[12])) / tick
                except (OSError, IndexError, ValueError):
                    pass
            main = self.cpu.get(self.pid, 0.0)
            self.samples.append((time.time(), main, sum(self.cpu.values()) - main))
            if not self.memory:
                self.stop.wait(self.interval)
                continue
            figures = [memory_kb(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in figures))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in figures))
            self.peak_main_rss = max(self.peak_main_rss, figures[0][0] if figures else 0)
            self.peak_one_rss = max([self.peak_one_rss, *(r for r, _ in figures)])
            self.peak_one_pss = max([self.peak_one_pss, *(p for _, p in figures)])
            self.max_processes = max(self.max_processes, sum(1 for r, _ in figures if r))
            self.stop.wait(self.interval)


def trafilatura_rate(samples: list[tuple[str, bytes]]) -> tuple[float, int]:
    """Single-core pages/s of plain trafilatura on ``(url, html)`` pairs."""
    seconds = trafilatura_seconds(samples)
    return len(samples) / seconds, len(samples)


def trafilatura_seconds(samples: list[tuple[str, bytes]]) -> float:
    import trafilatura

    trafilatura.bare_extraction(samples[0][1], url=samples[0][0], with_metadata=True)  # warm-up
    started = time.perf_counter()
    for url, html in samples:
        trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return time.perf_counter() - started


def db_figures(db_path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db_path)
    try:
        q = lambda sql: conn.execute(sql).fetchone()  # noqa: E731 - local shorthand
        articles = q("SELECT count(*) FROM articles")[0]
        pages, compressed, raw = q("SELECT count(*), sum(length(html)), sum(size) FROM pages")
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM urls GROUP BY outcome").fetchall())
        first, last = q("SELECT min(first_seen), max(first_seen) FROM articles")
    finally:
        conn.close()
    size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    return {"articles": articles, "pages": pages, "compressed": compressed or 0, "raw": raw or 0,
            "outcomes": outcomes, "db_bytes": size, "first_seen": first, "last_seen": last}


# -- main --------------------------------------------------------------------------------


def farm_main(args: argparse.Namespace) -> int:
    """The whole ``newscrawl crawl`` at its default depth over the farm (see the module doc)."""
    from farm import NewsFarm

    corpus = load_corpus(args.corpus)
    farm = NewsFarm(corpus, sites=args.sites, copies=args.copies)
    # the pages as served, made before the clock starts (farm.render_articles)
    articles = farm.render_articles()
    print(f"bench/crawl.py: {len(corpus)} dev corpus pages x {args.copies} copies = {farm.article_count} "
          f"articles on {args.sites} sites with their listing pages; load average {os.getloadavg()[0]:.2f}",
          flush=True)
    step = max(1, len(articles) // args.baseline_pages) if args.baseline_pages else 1
    sample = [(f"http://127.0.0.1{a.path}", html) for a, html in articles[::step]]
    del articles
    # Half the baseline pages are timed before the crawl and half after it (every other
    # page), so a machine whose load changes during the run weighs on both sides alike.
    before, after = sample[::2], sample[1::2]
    del sample
    ratios: list[float] = []
    codes: list[int] = []
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"\n## round {number} of {args.rounds}", flush=True)
        ratio, code = farm_round(args, farm, before, after)
        ratios.append(ratio)
        codes.append(code)
    if args.rounds > 1:
        print(f"\nratio per round: {', '.join(f'{r:.2f}x' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}x, best {max(ratios):.2f}x, worst {min(ratios):.2f}x")
    return 0 if all(code == 0 for code in codes) else 1


def farm_round(args: argparse.Namespace, farm: Any, before: list[tuple[str, bytes]],
               after: list[tuple[str, bytes]]) -> tuple[float, int]:
    """One measured round: plain trafilatura on ``before``, the whole crawl, plain
    trafilatura on ``after``; prints the round's table, returns (ratio, exit status)."""
    from farm import serve

    from crawler.demo.server import SiteServer

    traf_seconds = [0.0, 0.0]
    if not args.no_baseline:
        print(f"timing plain trafilatura on {len(before)} of the article pages, one core "
              f"({len(after)} more after the crawl) ...", flush=True)
        traf_seconds[0] = trafilatura_seconds(before)

    tmp = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    db_path = (args.keep or tmp) / "bench.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for old in db_path.parent.glob(db_path.name + "*"):
        old.unlink()
    names = [f"farm{i}" for i in range(args.sites)]
    roots = {name: tmp / name for name in names}
    for root in roots.values():
        root.mkdir()
    kinds: Counter[str] = Counter()
    served = [0]

    times: list[tuple[float, str]] = []

    def count(index: int, path: str, body: bytes) -> None:
        kind = farm.kind(index, path)
        kinds[kind] += 1
        times.append((time.time(), kind))
        served[0] += len(body)

    with SiteServer(roots) as server:
        serve(farm, server, names, count)
        homepages = [server.url(name, "/") for name in names]
        profile = ["-m", "cProfile", "-o", str(args.profile.resolve())] if args.profile else []
        cmd = [sys.executable, *profile, "-m", "crawler.cli", "crawl", *homepages, "--db", str(db_path),
               *POLITENESS_OFF]
        for setting in args.settings:
            cmd += ["-s", setting]
        print("crawling: newscrawl crawl <homepages> --db DB", " ".join(POLITENESS_OFF),
              " ".join(f"-s {s}" for s in args.settings), flush=True)
        own_cpu = time.process_time()
        proc, out, err, launched, ended, poller = run_measured(cmd, tmp)
        own_cpu = time.process_time() - own_cpu
        requests = list(server.requests)
    if not args.no_baseline:
        traf_seconds[1] = trafilatura_seconds(after)
    traf_n = 0 if args.no_baseline else len(before) + len(after)
    traf_rate = traf_n / sum(traf_seconds) if traf_n else float("nan")
    halves = (len(before) / max(traf_seconds[0], 1e-9), len(after) / max(traf_seconds[1], 1e-9))
    print(out.rstrip())
    if proc.returncode != 0:
        print(f"crawl exited with {proc.returncode}\n{err[-3000:]}", file=sys.stderr)
    wall = ended - launched
    first = requests[0].time - launched if requests else float("nan")
    figures = db_figures(db_path)
    stored = figures["articles"]
    cpu = sum(poller.cpu.values())
    ncpu = os.cpu_count() or 1
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| article pages served by the farm | {farm.article_count} |")
    print(f"| articles stored | {stored} (urls outcomes: {figures['outcomes']}) |")
    print(f"| HTTP requests | {len(requests)} ({served[0] / 1e6:.1f} MB served): "
          + ", ".join(f"{k} {n}" for k, n in kinds.most_common()) + " |")
    print(f"| whole command, launch to exit | {wall:.1f} s (first request after {first:.1f} s) |")
    print(f"| **articles stored / s, whole command** | **{stored / wall:.1f}** |")
    print("| pages / s by kind, whole command | "
          + ", ".join(f"{k} {n / wall:.1f}" for k, n in kinds.most_common()) + " |")
    print(f"| plain trafilatura, 1 core, pages / s ({traf_n} article pages) | {traf_rate:.1f} "
          f"(half before the crawl: {halves[0]:.1f}, half after: {halves[1]:.1f}) |")
    print(f"| **ratio articles stored/s : trafilatura pages/s** | **{stored / wall / traf_rate:.2f}x** "
          f"(on {ncpu} cores) |")
    print(f"| CPU seconds per article stored (all processes) | {cpu / max(stored, 1) * 1000:.0f} ms "
          f"({cpu:.1f} s of {wall * ncpu:.0f} core-seconds) |")
    print(f"| CPU seconds: main crawl process / others | {poller.cpu.get(proc.pid, 0.0):.1f} / "
          f"{cpu - poller.cpu.get(proc.pid, 0.0):.1f} |")
    print(f"| CPU seconds of this bench process during the crawl (the farm's server, the poller) | "
          f"{own_cpu:.1f} |")
    print(f"| peak memory of any one process | {poller.peak_one_rss / 1024:.0f} MB RSS, "
          f"{poller.peak_one_pss / 1024:.0f} MB PSS |")
    print(f"| peak memory, process tree | {poller.peak_rss / 1024:.0f} MB RSS sum, "
          f"{poller.peak_pss / 1024:.0f} MB PSS sum ({poller.max_processes} processes at most) |")
    if args.timeline:
        print_timeline(launched, ended, poller.samples, times, args.timeline)
    kept = f"; database kept: {db_path}" if args.keep else ""
    print(f"\nload average after: {os.getloadavg()[0]:.2f}{kept}")
    shutil.rmtree(tmp, ignore_errors=True)
    return (stored / wall / traf_rate if traf_n else float("nan")), proc.returncode


def print_timeline(launched: float, ended: float, samples: list[tuple[float, float, float]],
                   served: list[tuple[float, str]], step: float) -> None:
    """Per ``step`` seconds from launch: CPU used by the main process and by the others
    (share of one core), and pages served by kind."""
    print(f"\ntimeline ({step:g} s steps from launch): main CPU, others' CPU (1.00 = one core), pages served")
    edges = [launched + i * step for i in range(int((ended - launched) / step) + 2)]

    def cpu_at(t: float) -> tuple[float, float]:
        before = [s for s in samples if s[0] <= t]
        return (before[-1][1], before[-1][2]) if before else (0.0, 0.0)

    for start, end in zip(edges, edges[1:]):
        (m0, o0), (m1, o1) = cpu_at(start), cpu_at(end)
        kinds = Counter(kind for t, kind in served if start <= t < end)
        print(f"  {start - launched:5.1f}s  main {(m1 - m0) / step:4.2f}  others {(o1 - o0) / step:4.2f}  "
              + " ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--copies", type=int, default=5, help="farm: varied copies of each corpus page")
    parser.add_argument("--sites", type=int, default=4, help="farm: number of sites")
    parser.add_argument("--depth1", action="store_true",
                        help="the older figure: depth 1, timed from the first request (leaves out start-up "
                             "and listing pages)")
    parser.add_argument("--repeat", type=int, default=1, help="--depth1: serve each corpus page N times "
                        "(copies under other URLs with varied text)")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N",
                        help="serve N synthetic article pages instead of the corpus")
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--baseline-pages", type=int, default=None,
                        help="pages timed with plain trafilatura (default: farm: every article page; "
                             "--depth1: 300)")
    parser.add_argument("--keep", type=Path, help="keep the database in this directory")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="profile the crawl's main process with cProfile into FILE "
                             "(slows it: not for figures)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="farm: measured rounds (baseline halves and a fresh crawl each), median reported")
    parser.add_argument("--timeline", type=float, default=0, metavar="SECONDS",
                        help="farm: print CPU use and pages served per step of this many seconds")
    parser.add_argument("--no-baseline", action="store_true",
                        help="farm: skip plain trafilatura (no ratio; for profiling)")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="extra setting for the crawl (repeatable)")
    args = parser.parse_args(argv)
    if not (args.depth1 or args.synthetic):
        return farm_main(args)
    args.baseline_pages = args.baseline_pages or 300

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    if args.synthetic:
        pages = synthetic_layout(args.synthetic, args.hosts)

        def content(page: Page, url: str) -> bytes:
            return synthetic_article(page.original, url)

        baseline = [(f"http://127.0.0.1/news/2025/03/story-{p.original}.html",
                     synthetic_article(p.original, f"http://127.0.0.1{p.path}"))
                    for p in pages[: args.baseline_pages]]
        what = f"{args.synthetic} synthetic article pages"
    else:
        corpus = load_corpus(args.corpus)
        pages = corpus_layout([u for u, _ in corpus], args.hosts, args.repeat)
        cleaned = [_CANONICAL.sub(b"", html) for _, html in corpus]

        def content(page: Page, url: str) -> bytes:
            return vary(cleaned[page.original], page.copy)

        # the baseline times the same bytes the crawl gets: with --repeat, the varied
        # copies (suffixed words) are slower to extract than the originals for both
        step = max(1, len(pages) // args.baseline_pages)
        baseline = [(p.source_url, content(p, p.source_url)) for p in pages[::step]][: args.baseline_pages]
        what = f"{len(corpus)} dev corpus pages x {args.repeat}"

    print(f"bench/crawl.py: {what} = {len(pages)} pages on {args.hosts} hosts; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    print(f"timing plain trafilatura on {len(baseline)} pages, one core ...", flush=True)
    traf_rate, traf_n = trafilatura_rate(baseline)
    del baseline

    db_path = (args.keep or tmp) / "bench.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for old in db_path.parent.glob(db_path.name + "*"):
        old.unlink()
    with BenchSites(pages, args.hosts, content, tmp) as sites:
        # homepage -> articles, or homepage -> listings of 100 -> articles; with mixed hosts
        # (some with one listing) depth 2 would follow the links on articles linked from a
        # homepage, and the corpus pages' own links 404 here: a 404 storm that measures
        # nothing. So depth 1, plus sitemaps, which list every page.
        depth = "1"
        profile = ["-m", "cProfile", "-o", str(args.profile.resolve())] if args.profile else []
        cmd = [sys.executable, *profile, "-m", "crawler.cli", "crawl", *sites.homepages(), "--db", str(db_path),
               "--depth", depth, *POLITENESS_OFF]
        for setting in args.settings:
            cmd += ["-s", setting]
        print("crawling: newscrawl crawl <homepages> --db DB --depth", depth, " ".join(POLITENESS_OFF),
              " ".join(f"-s {s}" for s in args.settings), flush=True)
        proc, out, err, launched, ended, poller = run_measured(cmd, tmp)
        first_request = sites.server.requests[0].time if sites.server.requests else launched
        requests = len(sites.server.requests)
        served = sites.served_bytes
    print(out.rstrip())
    if proc.returncode != 0:
        print(f"crawl exited with {proc.returncode}\n{err[-3000:]}", file=sys.stderr)
    window = ended - first_request
    figures = db_figures(db_path)
    article_pages = len(pages)
    rate_pages = article_pages / window
    rate_articles = figures["articles"] / window
    ncpu = os.cpu_count() or 1
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| pages served (article pages) | {article_pages} |")
    print(f"| HTTP requests | {requests} ({served / 1e6:.1f} MB served) |")
    print(f"| articles stored | {figures['articles']} (urls outcomes: {figures['outcomes']}) |")
    print(f"| start-up (launch to first request) | {first_request - launched:.1f} s |")
    print(f"| crawl window (first request to exit) | {window:.1f} s |")
    print(f"| crawl: article pages extracted / s | {rate_pages:.1f} |")
    print(f"| crawl: articles stored / s | {rate_articles:.1f} |")
    print(f"| crawl: articles / s, whole wall time incl. start-up | {figures['articles'] / (ended - launched):.1f} |")
    print(f"| plain trafilatura, 1 core, pages / s ({traf_n} pages) | {traf_rate:.1f} |")
    print(f"| **ratio crawl pages/s : trafilatura pages/s** | **{rate_pages / traf_rate:.2f}x** "
          f"(on {ncpu} cores) |")
    print(f"| ratio crawl articles stored/s : trafilatura pages/s | {rate_articles / traf_rate:.2f}x |")
    main_cpu = poller.cpu.get(proc.pid, 0.0)
    other_cpu = sum(v for p, v in poller.cpu.items() if p != proc.pid)
    print(f"| CPU seconds: main crawl process / extraction workers | {main_cpu:.1f} / {other_cpu:.1f} "
          f"(of {window * ncpu:.0f} core-seconds in the window) |")
    print(f"| peak memory, process tree, sum of RSS | {poller.peak_rss / 1024:.0f} MB |")
    print(f"| peak memory, process tree, sum of PSS | {poller.peak_pss / 1024:.0f} MB |")
    print(f"| peak RSS of the main crawl process | {poller.peak_main_rss / 1024:.0f} MB "
          f"({poller.max_processes} processes at most) |")
    if figures["articles"]:
        print(f"| raw HTML stored / article | {figures['raw'] / figures['pages'] / 1024:.1f} KB |")
        print(f"| compressed HTML / raw HTML (pages) | {figures['compressed'] / max(figures['raw'], 1):.1%} |")
        print(f"| DB bytes / article (db + wal) | {figures['db_bytes'] / figures['articles'] / 1024:.1f} KB |")
        print(f"| DB bytes / raw HTML bytes | {figures['db_bytes'] / max(figures['raw'], 1):.1%} |")
    kept = f"; database kept: {db_path}" if args.keep else ""
    print(f"\nload average after: {os.getloadavg()[0]:.2f}{kept}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
