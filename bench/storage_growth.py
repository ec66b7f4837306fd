"""Benchmark: per-article store cost as the database grows, and HTML compression.

1. ``storage.queries.store_page`` (dedup by URL, exact text and near-duplicate
   LSH lookups, then the insert of article, signature, URLs and compressed page)
   is timed on batches of new articles when the database holds 1k, 10k and 100k
   articles, and on batches of exact duplicates (the same text at another URL).
   Measured records carry synthetic ~500-word bodies, real signatures
   (``storage.neardup.text_signature``, computed before timing: in a crawl the
   worker processes do it) and a ~45 KB synthetic article page.  The database is
   filled up to each size through the same ``store_page``, with random
   signatures (uniform band keys, like real ones) to save time.
2. zlib vs br (``storage.pages``) on the dev corpus HTML: compressed/raw size and
   compression speed.

usage: .venv/bin/python bench/storage_growth.py [--sizes 1000,10000,100000] [--batch 100]
                                         [--batches 5] [--corpus DIR]
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

from crawl import _VOCAB, DEFAULT_CORPUS, load_corpus, synthetic_article  # bench/ is first on sys.path

from storage import open_db
from crawler.extraction import Extraction
from storage.neardup import BANDS, PERMUTATIONS, Signature, text_signature
from storage.pages import compress_html, decompress_html
from storage.queries import store_page
from storage.records import PageRecord


def body_text(rng: random.Random, words: int = 500) -> str:
    out, n = [], 0
    while n < words:
        sentence = [rng.choice(_VOCAB) for _ in range(rng.randint(10, 20))]
        out.append(" ".join(sentence).capitalize() + ".")
        n += len(sentence)
    return "\n".join(" ".join(out[i:i + 4]) for i in range(0, len(out), 4))


def random_signature(rng: random.Random) -> Signature:
    return Signature(minhash=rng.randbytes(4 * PERMUTATIONS),
                     bands=[rng.getrandbits(63) for _ in range(BANDS)], shingles=500)


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


def fill(db: Any, target: int, rng: random.Random, html: bytes) -> None:
    i = count(db)
    started = time.monotonic()
    while i < target:
        store_page(db, record(i, body_text(rng), random_signature(rng), html))
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
    pages = [html for _, html in load_corpus(corpus)]
    raw = sum(map(len, pages))
    rows = []
    for codec in ("zlib", "br"):
        started = time.perf_counter()
        blobs = [compress_html(p, codec) for p in pages]
        c_time = time.perf_counter() - started
        started = time.perf_counter()
        for blob in blobs:
            decompress_html(blob, codec)
        d_time = time.perf_counter() - started
        rows.append((codec, sum(map(len, blobs)) / raw, raw / 1e6 / c_time, raw / 1e6 / d_time))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--batch", type=int, default=100, help="articles per timed batch")
    parser.add_argument("--batches", type=int, default=5, help="timed rounds (median reported)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"bench/storage_growth.py: load average {os.getloadavg()[0]:.2f}", flush=True)
    rng = random.Random(7)
    html = synthetic_article(1, "https://site0.example/news/2025/03/story-1.html")
    # Measured records: real signatures, computed up front (workers do it in a crawl).
    n_measured = len(sizes) * args.batches * args.batch
    print(f"computing {n_measured} real signatures ...", flush=True)
    bodies = [body_text(rng) for _ in range(n_measured)]
    signatures = [text_signature(b) for b in bodies]

    # One database per size (filled once, the smaller ones copied on the way up),
    # then the timed batches interleaved across sizes, round by round, so that
    # machine load falls on every size alike.
    tmp = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    db = open_db(tmp / "fill.db")
    paths = {}
    for size in sizes:
        print(f"filling to {size} articles ...", flush=True)
        fill(db, size, rng, html)
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
    k = 0
    for round_no in range(args.batches):
        for size in sizes:
            batch = []
            for _ in range(args.batch):
                batch.append(record(next_id, bodies[k], signatures[k], html))
                next_id += 1
                k += 1
            new_times[size] += timed_batches(dbs[size], [batch], "new")
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
    print(f"largest database: {finals[sizes[-1]]:,} articles, {db_bytes / 1e6:.0f} MB on disk "
          f"({db_bytes / finals[sizes[-1]] / 1024:.1f} KB per article)")

    print("\ncompression of the dev corpus HTML (storage.pages, level/quality 6):")
    print("| codec | compressed / raw | compress MB/s | decompress MB/s |")
    print("|---|---|---|---|")
    for codec, ratio, c_speed, d_speed in compression(args.corpus):
        print(f"| {codec} | {ratio:.1%} | {c_speed:.0f} | {d_speed:.0f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
