"""Benchmark: per-article store cost as the database grows, and HTML compression.

1. ``storage.queries.store_page`` (dedup by URL, exact text and near-duplicate
   LSH lookups, then the insert of article, signature, URLs and compressed page)
   is timed on batches of new articles when the database holds 1k, 10k and 100k
   articles, and on batches of exact duplicates (the same text at another URL).
   Texts are real sentences (the dev corpus' article bodies, ~20 per text) and
   partly similar, as a news corpus is: a third of the texts rewrite an earlier
   text (keep 35-70% of its sentences, in order, and add new ones), so the
   near-duplicate check finds LSH candidates and verifies them, and some texts
   join a story group (similarity 0.5-0.8). Every record, in the fill and in the
   timed batches, carries the real signature of its text
   (``storage.neardup.text_signature``, computed before the timed store: in a
   crawl the worker processes compute it) and a ~45 KB synthetic article page.
2. zlib vs br (``storage.pages``) on the dev corpus HTML: compressed/raw size and
   compression speed.

usage: .venv/bin/python bench/storage_growth.py [--sizes 1000,10000,100000] [--batch 100]
                                         [--batches 5] [--corpus DIR] [--compression-only]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import json
import re

from crawl import DEFAULT_CORPUS, load_corpus, synthetic_article  # bench/ is first on sys.path

from storage import open_db
from crawler.extraction import Extraction
from storage.neardup import Signature, text_signature
from storage.pages import BROTLI_QUALITY, compress_html, decompress_html
from storage.queries import store_page
from storage.records import PageRecord


class Texts:
    """Article texts from real sentences, a third of them rewrites of an earlier text."""

    def __init__(self, corpus: Path, rng: random.Random, rewrite_share: float = 1 / 3) -> None:
        sentences: list[str] = []
        for line in (corpus / "cases.jsonl").open(encoding="utf-8"):
            body = json.loads(line).get("body") or ""
            sentences += [t.strip() for t in re.split(r"(?<=[.!?])\s+|\n+", body) if 40 <= len(t.strip()) <= 300]
        self.sentences = sentences
        self.rng = rng
        self.rewrite_share = rewrite_share
        self.recent: list[list[str]] = []  # the texts a rewrite may start from
        self.rewrites = 0

    def next(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < self.rewrite_share:
            base = rng.choice(self.recent)
            keep = rng.uniform(0.35, 0.7)  # shingle similarity about 0.2-0.55: candidates, never copies
            kept = [base[i] for i in sorted(rng.sample(range(len(base)), int(len(base) * keep)))]
            text = kept + [rng.choice(self.sentences) for _ in range(len(base) - len(kept))]
            self.rewrites += 1
        else:
            text = [rng.choice(self.sentences) for _ in range(20)]
        if len(self.recent) < 5000:
            self.recent.append(text)
        else:
            self.recent[rng.randrange(len(self.recent))] = text
        return "\n".join(" ".join(text[i:i + 4]) for i in range(0, len(text), 4))


def record(i: int, body: str, signature: Signature | None, html: bytes, url: str | None = None) -> PageRecord:
    url = url or f"https://site{i % 8}.example/news/2025/03/story-{i}.html"
    extraction = Extraction(url=url, extractor="bench", is_article=True, body=body, title=f"Story {i}",
                            authors=["Ana Kowalski"], published="2025-03-04T08:00:00+00:00", language="en",
                            site="Synthetic Daily", description="A story.", tags=["news"], image=url + ".jpg",
                            reason="article: og:type=article")
    return PageRecord(url_key=url, fetched_url=url.replace("https:", "http:"), site=f"site{i % 8}",
                      status=200, html=html, extraction=extraction, article_key=url,
                      headers={"Content-Type": "text/html"}, signature=signature)


def count(db: Any) -> int:
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def fill(db: Any, target: int, texts: Texts, html: bytes) -> None:
    i = count(db)
    started = time.monotonic()
    while i < target:
        body = texts.next()
        store_page(db, record(i, body, text_signature(body), html))
        i += 1
        if i % 10000 == 0:
            print(f"  filled {i} articles ({time.monotonic() - started:.0f}s)", flush=True)


def timed_batches(db: Any, batches: list[list[PageRecord]], expect: str) -> list[float]:
    """Seconds per article of each batch."""
    per_article = []
    for batch in batches:
        started = time.perf_counter()
        for rec in batch:
            result = store_page(db, rec)
            assert result.outcome == expect, (result.outcome, expect)
        per_article.append((time.perf_counter() - started) / len(batch))
    return per_article


def compression(corpus: Path) -> list[tuple[str, float, float, float]]:
    """zlib 6, brotli at the default quality and at 6 (the previous default): size
    ratio, compress and decompress MB/s (CPU time of this process)."""
    import brotli

    pages = [html for _, html in load_corpus(corpus)]
    raw = sum(map(len, pages))
    rows = []
    variants = [("zlib 6", lambda p: compress_html(p, "zlib"), "zlib"),
                (f"br quality {BROTLI_QUALITY} (default)", lambda p: compress_html(p, "br"), "br"),
                ("br quality 6", lambda p: brotli.compress(p, quality=6), "br")]
    for name, compress, codec in variants:
        started = time.process_time()
        blobs = [compress(p) for p in pages]
        c_time = time.process_time() - started
        started = time.process_time()
        for blob in blobs:
            decompress_html(blob, codec)
        d_time = time.process_time() - started
        rows.append((name, sum(map(len, blobs)) / raw, raw / 1e6 / c_time, raw / 1e6 / d_time))
    return rows


def print_compression(corpus: Path) -> None:
    print("\ncompression of the dev corpus HTML (storage.pages; CPU time):")
    print("| codec | compressed / raw | compress MB/s | decompress MB/s |")
    print("|---|---|---|---|")
    for codec, ratio, c_speed, d_speed in compression(corpus):
        print(f"| {codec} | {ratio:.1%} | {c_speed:.0f} | {d_speed:.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--batch", type=int, default=100, help="articles per timed batch")
    parser.add_argument("--batches", type=int, default=5, help="timed rounds (median reported)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--compression-only", action="store_true", help="only the compression table")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"bench/storage_growth.py: load average {os.getloadavg()[0]:.2f}", flush=True)
    if args.compression_only:
        print_compression(args.corpus)
        return 0
    rng = random.Random(7)
    texts = Texts(args.corpus, rng)
    html = synthetic_article(1, "https://site0.example/news/2025/03/story-1.html")

    # One database per size (filled once, the smaller ones copied on the way up),
    # then the timed batches interleaved across sizes, round by round, so that
    # machine load falls on every size alike.
    tmp = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    db = open_db(tmp / "fill.db")
    paths = {}
    for size in sizes:
        print(f"filling to {size} articles ...", flush=True)
        fill(db, size, texts, html)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        paths[size] = tmp / f"size{size}.db"
        if size == sizes[-1]:
            db.conn.close()
            (tmp / "fill.db").rename(paths[size])
        else:
            shutil.copy(tmp / "fill.db", paths[size])
    dbs = {size: open_db(path) for size, path in paths.items()}
    new_times: dict[int, list[float]] = {size: [] for size in sizes}
    dup_times: dict[int, list[float]] = {size: [] for size in sizes}
    next_id = 10_000_000
    grouped: dict[int, int] = {size: 0 for size in sizes}
    for round_no in range(args.batches):
        for size in sizes:
            batch = []
            for _ in range(args.batch):  # texts and signatures made before the clock starts
                body = texts.next()
                batch.append(record(next_id, body, text_signature(body), html))
                next_id += 1
            new_times[size] += timed_batches(dbs[size], [batch], "new")
            grouped[size] += dbs[size].execute(
                "SELECT count(*) FROM articles WHERE id > (SELECT max(id) FROM articles) - ?"
                " AND story_id IS NOT NULL", [len(batch)]).fetchone()[0]
            # the same texts again at other URLs: found by body hash
            dups = [record(next_id + j, rec.extraction.body, rec.signature, html,
                           url=f"https://wire.example/copy/{next_id + j}") for j, rec in enumerate(batch)]
            next_id += len(dups)
            dup_times[size] += timed_batches(dbs[size], [dups], "duplicate_text")
        print(f"  round {round_no + 1}: " + ", ".join(
            f"{size}: {new_times[size][-1] * 1000:.2f} ms" for size in sizes), flush=True)
    finals = {size: count(db) for size, db in dbs.items()}
    db_bytes = sum(p.stat().st_size for p in tmp.glob(f"size{sizes[-1]}.db*"))
    for db in dbs.values():
        db.conn.close()

    base = statistics.median(new_times[sizes[0]])
    print()
    print("| articles in DB | ms per new article (median) | per batch | ms per exact duplicate (median) | vs first size |")
    print("|---|---|---|---|---|")
    for size in sizes:
        median = statistics.median(new_times[size])
        print(f"| {size:,} (→{finals[size]:,}) | {median * 1000:.2f} | "
              f"{', '.join(f'{t * 1000:.2f}' for t in new_times[size])} "
              f"| {statistics.median(dup_times[size]) * 1000:.2f} | {median / base:.2f}x |")
    print(f"\nratio {sizes[-1]:,} : {sizes[0]:,} = {statistics.median(new_times[sizes[-1]]) / base:.2f}x "
          f"(batches of {args.batch} new + {args.batch} duplicates, {args.batches} rounds interleaved "
          f"across sizes, same process, same run)")
    print(f"texts: {texts.rewrites:,} of {next_id - 10_000_000 + sum(sizes):,} rewrite an earlier text; timed new "
          "articles that joined a story group (a near-duplicate candidate verified at 0.5-0.8): "
          + ", ".join(f"{size:,}: {grouped[size]}" for size in sizes))
    print(f"largest database: {finals[sizes[-1]]:,} articles, {db_bytes / 1e6:.0f} MB on disk "
          f"({db_bytes / finals[sizes[-1]] / 1024:.1f} KB per article)")

    print_compression(args.corpus)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
