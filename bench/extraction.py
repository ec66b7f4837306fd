"""Benchmark: plain trafilatura vs ``crawler.extraction.extract_page`` on a corpus.

Both extractors run side by side in one process, page by page, on the same bytes
(so machine load affects both equally).  Predictions are written to a temporary
directory and scored with the corpus' own ``score.py``.

usage: .venv/bin/python bench/extraction.py [--corpus DIR] [--keep DIR] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import trafilatura

from crawler.extraction import EXTRACTOR_VERSION, extract_page

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dev"


def load_corpus(corpus: Path) -> list[tuple[dict[str, Any], bytes]]:
    cases = [json.loads(line) for line in (corpus / "cases.jsonl").open(encoding="utf-8")]
    return [(c, gzip.decompress((corpus / f"{c['id']}.html.gz").read_bytes())) for c in cases]


def load_scorer(corpus: Path) -> ModuleType:
    path = corpus.parent.parent / "tools" / "score.py"
    spec = importlib.util.spec_from_file_location("newscrawl_bench_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plain_trafilatura(html: bytes, url: str) -> dict[str, Any]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {}
    d = doc.as_dict() if not isinstance(doc, dict) else doc
    authors = [a.strip() for a in (d.get("author") or "").split(";") if a.strip()]
    return {"body": d.get("text") or "", "title": d.get("title"), "authors": authors,
            "published": d.get("date")}


def ours(html: bytes, url: str) -> dict[str, Any]:
    return extract_page(html, url).as_dict()


def run(name: str, fn: Callable[[bytes, str], dict[str, Any]], case: dict[str, Any],
        html: bytes, times: dict[str, list[tuple[float, str]]]) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = fn(html, case["url"])
    times[name].append((time.perf_counter() - t0, case["id"]))
    return out


def pred_line(cid: str, out: dict[str, Any]) -> str:
    keep = {k: out.get(k) for k in ("body", "title", "authors", "published")}
    return json.dumps({"id": cid, **keep}, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path,
                    default=Path(os.environ.get("NEWSCRAWL_CORPUS", DEFAULT_CORPUS)))
    ap.add_argument("--keep", type=Path, help="write predictions here instead of a temp dir")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="run only our extractor (for quick iterations; no speed ratio)")
    args = ap.parse_args(argv)

    corpus = args.corpus.resolve()
    pages = load_corpus(corpus)
    scorer = load_scorer(corpus)
    names = ["ours"] if args.skip_baseline else ["trafilatura", "ours"]
    fns = {"trafilatura": plain_trafilatura, "ours": ours}
    times: dict[str, list[tuple[float, str]]] = {n: [] for n in names}
    lines: dict[str, list[str]] = {n: [] for n in names}
    judged_article = 0
    for case, html in pages:
        for name in names:  # alternate per page so load drifts hit both alike
            out = run(name, fns[name], case, html, times)
            lines[name].append(pred_line(case["id"], out))
            if name == "ours" and out.get("is_article"):
                judged_article += 1

    outdir = args.keep or Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    outdir.mkdir(parents=True, exist_ok=True)
    scores: dict[str, dict[str, Any]] = {}
    for name in names:
        pred = outdir / f"{name}.jsonl"
        pred.write_text("\n".join(lines[name]) + "\n", encoding="utf-8")
        with redirect_stdout(io.StringIO()):
            scores[name] = scorer.main(str(corpus / "cases.jsonl"), str(pred), True)

    print(f"corpus: {corpus} ({len(pages)} pages)   extractor: {EXTRACTOR_VERSION}")
    print(f"predictions: {outdir}")
    header = f"| {'metric':<16} | " + " | ".join(f"{n:>11}" for n in names) + " |"
    print(header)
    print("|" + "-" * 18 + "|" + "|".join("-" * 13 for _ in names) + "|")

    def row(label: str, vals: list[str]) -> None:
        print(f"| {label:<16} | " + " | ".join(f"{v:>11}" for v in vals) + " |")

    for key, label in [("body_f1", "body F1"), ("body_precision", "body precision"),
                       ("body_recall", "body recall"), ("title_acc", "title"),
                       ("date_acc", "date"), ("authors_acc", "authors")]:
        row(label, [f"{scores[n][key]:.4f}" for n in names])
    rate = {n: len(times[n]) / sum(t for t, _ in times[n]) for n in names}
    row("pages/s", [f"{rate[n]:.1f}" for n in names])
    row("median page ms", [f"{statistics.median(t for t, _ in times[n]) * 1000:.0f}"
                           for n in names])
    slowest = {n: max(times[n]) for n in names}
    row("slowest page s", [f"{slowest[n][0]:.2f}" for n in names])
    for n in names:
        print(f"slowest page ({n}): {slowest[n][1]}")
    if "trafilatura" in rate:
        print(f"speed ratio ours/trafilatura: {rate['ours'] / rate['trafilatura']:.2f}x")
    print(f"judged article: {judged_article}/{len(pages)} "
          f"({judged_article / len(pages):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
