"""Benchmark: the whole ``newscrawl extract x.warc.gz --jobs 1`` command against a plain
trafilatura script over the same WARC, both timed as whole subprocesses (start-up,
WARC reading and output included), alternating, in one run.

The WARC holds every dev corpus page ``--repeat`` times (default 5: 1,070 pages); copy k
of a page gets its own URL and, for k > 0, its words varied as in ``bench/crawl.py``
(a suffix on every word of 5+ letters), so no copy is byte-identical to another
(``--no-vary``: copies keep the original bytes; varied text is somewhat harder for
plain trafilatura than for us, so report both).

The plain script reads the same WARC with warcio and runs
``trafilatura.bare_extraction(payload, url=url, with_metadata=True)`` on each HTML
response (the fields `newscrawl extract` also gives: text, title, author, date), writing
one JSON line per page, like the command.

usage: .venv/bin/python bench/extract_command.py [--corpus DIR] [--repeat N] [--rounds N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crawl import copy_path, vary  # bench/ comes first on sys.path when run as a script
from extraction import DEFAULT_CORPUS, load_corpus

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

PLAIN_SCRIPT = r"""
import json, sys
import trafilatura
from warcio.archiveiterator import ArchiveIterator

out = open(sys.argv[2], "w", encoding="utf-8")
with open(sys.argv[1], "rb") as f:
    for record in ArchiveIterator(f):
        if record.rec_type != "response":
            continue
        ctype = record.http_headers.get_header("Content-Type") or ""
        if "html" not in ctype:
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        payload = record.content_stream().read()
        doc = trafilatura.bare_extraction(payload, url=url, with_metadata=True)
        d = doc.as_dict() if doc is not None else {}
        keep = {k: d.get(k) for k in ("title", "author", "date", "text")}
        out.write(json.dumps({"url": url, **keep}, ensure_ascii=False) + "\n")
"""


def build_warc(path: Path, corpus: Path, repeat: int, varied: bool = True) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = load_corpus(corpus)
    count = 0
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for k in range(repeat):
            for case, html in pages:
                parts = urlsplit(case["url"])
                url = urlunsplit(parts._replace(path=copy_path(parts.path or "/", k)))
                payload = vary(html, k) if varied else html
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"),
                                                      ("Content-Length", str(len(payload)))],
                                           protocol="HTTP/1.1")
                record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                   http_headers=headers)
                writer.write_record(record)
                count += 1
    return count


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (children included) of one subprocess run."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=REPO)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path,
                    default=Path(os.environ.get("NEWSCRAWL_CORPUS", DEFAULT_CORPUS)))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1, help="--jobs for newscrawl extract")
    ap.add_argument("--no-vary", action="store_true",
                    help="copies keep the original bytes (only their URLs differ)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newscrawl-extract-bench-") as tmp:
        warc = Path(tmp) / "pages.warc.gz"
        pages = build_warc(warc, args.corpus.resolve(), args.repeat, varied=not args.no_vary)
        script = Path(tmp) / "plain_trafilatura.py"
        script.write_text(PLAIN_SCRIPT, encoding="utf-8")
        ours_out, plain_out = Path(tmp) / "ours.jsonl", Path(tmp) / "plain.jsonl"
        commands = {
            "newscrawl extract": [str(VENV_BIN / "newscrawl"), "extract", str(warc),
                                  "--jobs", str(args.jobs), "-o", str(ours_out)],
            "plain trafilatura": [sys.executable, str(script), str(warc), str(plain_out)],
        }
        print(f"WARC: {pages} pages ({warc.stat().st_size / 1e6:.1f} MB gzipped), "
              f"{args.rounds} rounds, load average before: {os.getloadavg()[0]:.2f}")
        walls: dict[str, list[float]] = {n: [] for n in commands}
        cpus: dict[str, list[float]] = {n: [] for n in commands}
        for r in range(args.rounds):
            order = list(commands) if r % 2 == 0 else list(reversed(commands))
            for name in order:
                wall, cpu = timed(commands[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
                print(f"round {r + 1}: {name:<18} {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                      f"{pages / wall:6.1f} pages/s", flush=True)
        for name, out in (("newscrawl extract", ours_out), ("plain trafilatura", plain_out)):
            lines = count_lines(out)
            if lines != pages:
                print(f"warning: {name} wrote {lines} lines for {pages} pages")
    ours, plain = walls["newscrawl extract"], walls["plain trafilatura"]
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("| command | wall s per round | pages/s best | pages/s median | CPU s per round |")
    print("|---|---|---|---|---|")
    for name in commands:
        w = walls[name]
        print(f"| {name} | {', '.join(f'{x:.1f}' for x in w)} | {pages / min(w):.1f} | "
              f"{pages / statistics.median(w):.1f} | {', '.join(f'{x:.1f}' for x in cpus[name])} |")
    print(f"ratio newscrawl extract / plain trafilatura (pages/s): best {min(plain) / min(ours):.2f}x, "
          f"median {statistics.median(plain) / statistics.median(ours):.2f}x, per round "
          + ", ".join(f"{p / o:.2f}x" for o, p in zip(ours, plain)))
    co, cp = cpus["newscrawl extract"], cpus["plain trafilatura"]
    print(f"CPU seconds plain / newscrawl extract (all its processes): median "
          f"{statistics.median(cp) / statistics.median(co):.2f}x (wall time is what counts; CPU "
          f"time shows the work when other jobs load the machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
