"""Benchmark: plain trafilatura vs ``crawler.extraction.extract_page``, on two corpora.

* The news corpus (``../shared/corpus/dev``: body, title, date, authors; scored with its
  ``score.py``) is split by site into a TUNE half and a HELD-OUT half (see
  ``half_of``): rules are developed looking at TUNE pages only, and HELD-OUT stands in
  for sites the extractor has never seen.  Both halves are reported, and the whole.
* trafilatura's evaluation pages (``../shared/corpus/trafeval-dev``: snippets the text
  must / must not contain; scored with ``score_snippets.py``), split the same way.

Both extractors run side by side in one process, page by page, on the same bytes (so
machine load affects both equally).  The news-corpus baseline is
``trafilatura.bare_extraction(html, url=url, with_metadata=True)``; the trafeval baseline
is ``trafilatura.extract(html, include_tables=True)`` (how trafilatura scores itself).

usage: .venv/bin/python bench/extraction.py [--corpus DIR] [--trafeval DIR | --no-trafeval]
           [--half tune|held-out|all] [--keep DIR] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
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
from urllib.parse import urlsplit

import trafilatura
from tld import get_tld

from crawler.extraction import EXTRACTOR_VERSION, extract_page

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dev"
DEFAULT_TRAFEVAL = REPO.parent / "shared" / "corpus" / "trafeval-dev"
TOOLS = REPO.parent / "shared" / "tools"
# Fixed once, chosen for balanced page counts (never for scores); changing it re-deals
# the sites, and every figure measured against the old split stops being comparable.
SPLIT_SALT = "held-out"
HALVES = ("TUNE", "HELD-OUT")

Pages = list[tuple[dict[str, Any], bytes]]


def site_of(url: str) -> str:
    """A site's brand: the registrable domain's name ("bbc" for bbc.com and bbc.co.uk)."""
    found = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
    domain = getattr(found, "domain", "") if found else ""
    return domain or (urlsplit(url).hostname or "").lower()


def half_of(url: str) -> str:
    """TUNE or HELD-OUT, by a hash of the page's site: all pages of a site in one half."""
    digest = hashlib.sha256((SPLIT_SALT + site_of(url)).encode("utf-8")).digest()
    return HALVES[digest[0] % 2]


def load_corpus(corpus: Path) -> Pages:
    cases = [json.loads(line) for line in (corpus / "cases.jsonl").open(encoding="utf-8")]
    return [(c, gzip.decompress((corpus / f"{c['id']}.html.gz").read_bytes())) for c in cases]


def load_tool(name: str) -> ModuleType:
    path = TOOLS / name
    spec = importlib.util.spec_from_file_location(f"newscrawl_bench_{path.stem}", path)
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


def plain_trafilatura_text(html: bytes, url: str) -> dict[str, Any]:
    return {"body": trafilatura.extract(html, include_tables=True) or ""}


def ours(html: bytes, url: str) -> dict[str, Any]:
    return extract_page(html, url, strict=True).as_dict()


def pred_line(cid: str, out: dict[str, Any]) -> str:
    keep = {k: out.get(k) for k in ("body", "title", "authors", "published")}
    if out.get("reason"):
        keep["reason"] = out["reason"]
    return json.dumps({"id": cid, **keep}, ensure_ascii=False)


def run_side_by_side(pages: Pages, fns: dict[str, Callable[[bytes, str], dict[str, Any]]]
                     ) -> tuple[dict[str, dict[str, str]], dict[str, list[tuple[float, str]]], int]:
    """Predictions (name -> id -> JSON line), per-page times, pages judged articles."""
    lines: dict[str, dict[str, str]] = {n: {} for n in fns}
    times: dict[str, list[tuple[float, str]]] = {n: [] for n in fns}
    judged = 0
    for case, html in pages:
        for name, fn in fns.items():  # alternate per page so load drifts hit both alike
            t0 = time.perf_counter()
            out = fn(html, case["url"])
            times[name].append((time.perf_counter() - t0, case["id"]))
            lines[name][case["id"]] = pred_line(case["id"], out)
            judged += name == "ours" and bool(out.get("is_article"))
    return lines, times, judged


def score(score_fn: Callable[..., dict[str, Any]], cases: list[dict[str, Any]],
          lines: dict[str, str], outdir: Path, label: str) -> dict[str, Any]:
    """Run a corpus scorer on a subset of cases (it reads files, so write them)."""
    case_file = outdir / f"{label}.cases.jsonl"
    pred_file = outdir / f"{label}.pred.jsonl"
    case_file.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                         encoding="utf-8")
    pred_file.write_text("".join(lines[c["id"]] + "\n" for c in cases), encoding="utf-8")
    with redirect_stdout(io.StringIO()):
        return score_fn(case_file, pred_file)


def table(title: str, cols: list[str], rows: list[tuple[str, list[str]]]) -> None:
    print(f"\n{title}")
    print(f"| {'metric':<16} | " + " | ".join(f"{c:>16}" for c in cols) + " |")
    print("|" + "-" * 18 + "|" + "|".join("-" * 18 for _ in cols) + "|")
    for label, vals in rows:
        print(f"| {label:<16} | " + " | ".join(f"{v:>16}" for v in vals) + " |")


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path,
                    default=Path(os.environ.get("NEWSCRAWL_CORPUS", DEFAULT_CORPUS)))
    ap.add_argument("--trafeval", type=Path, default=DEFAULT_TRAFEVAL)
    ap.add_argument("--no-trafeval", action="store_true", help="news corpus only")
    ap.add_argument("--no-news", action="store_true", help="trafeval corpus only")
    ap.add_argument("--half", choices=("tune", "held-out", "all"), default="all",
                    help="which half of each corpus to run (default: all, reported per half)")
    ap.add_argument("--keep", type=Path, help="write predictions here instead of a temp dir")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="run only our extractor (for quick iterations; no speed ratio)")
    args = ap.parse_args(argv)

    wanted = HALVES if args.half == "all" else (args.half.upper(),)
    outdir = args.keep or Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    outdir.mkdir(parents=True, exist_ok=True)
    print(f"extractor: {EXTRACTOR_VERSION}   predictions: {outdir}")
    base = "trafilatura"

    if not args.no_news:
        corpus = args.corpus.resolve()
        pages = [(c, h) for c, h in load_corpus(corpus) if half_of(c["url"]) in wanted]
        scorer = load_tool("score.py")
        fns = {"ours": ours} if args.skip_baseline else {base: plain_trafilatura, "ours": ours}
        lines, times, judged = run_side_by_side(pages, fns)
        groups = {h: [c for c, _ in pages if half_of(c["url"]) == h] for h in wanted}
        if len(wanted) > 1:
            groups["ALL"] = [c for c, _ in pages]
        scores = {(n, g): score(lambda c, p: scorer.main(str(c), str(p), True), cases,
                                lines[n], outdir, f"news-{g}-{n}")
                  for n in fns for g, cases in groups.items()}
        cols = [f"{n} {g}" for g in groups for n in fns]
        rows = []
        for key, label in [("body_f1", "body F1"), ("body_precision", "body precision"),
                           ("body_recall", "body recall"), ("title_acc", "title"),
                           ("date_acc", "date"), ("authors_acc", "authors")]:
            rows.append((label, [fmt(scores[n, g][key]) for g in groups for n in fns]))
        rows.append(("pages", [str(len(groups[g])) for g in groups for n in fns]))
        rows.append(("with metadata", [str(sum("title" in c for c in groups[g]))
                                       for g in groups for n in fns]))
        table(f"news corpus: {corpus}", cols, rows)
        rate = {n: len(times[n]) / sum(t for t, _ in times[n]) for n in fns}
        print("\nspeed, in this process, all pages run: " + ", ".join(
            f"{n} {rate[n]:.1f} pages/s (median "
            f"{statistics.median(t for t, _ in times[n]) * 1000:.0f} ms, slowest "
            f"{max(times[n])[0]:.2f} s: {max(times[n])[1]})" for n in fns))
        if base in rate:
            print(f"speed ratio ours/trafilatura, per page in one process: "
                  f"{rate['ours'] / rate[base]:.2f}x (the whole command: bench/extract_command.py)")
        print(f"judged article: {judged}/{len(pages)}")

    if not args.no_trafeval:
        corpus = args.trafeval.resolve()
        pages = [(c, h) for c, h in load_corpus(corpus) if half_of(c["url"]) in wanted]
        snip = load_tool("score_snippets.py")
        fns = {"ours": ours} if args.skip_baseline else {base: plain_trafilatura_text,
                                                         "ours": ours}
        lines, times, _ = run_side_by_side(pages, fns)
        groups = {h: [c for c, _ in pages if half_of(c["url"]) == h] for h in wanted}
        if len(wanted) > 1:
            groups["ALL"] = [c for c, _ in pages]
        scores = {(n, g): score(lambda c, p: snip.main([str(c), str(p), "--json"]), cases,
                                lines[n], outdir, f"trafeval-{g}-{n}")
                  for n in fns for g, cases in groups.items()}
        cols = [f"{n} {g}" for g in groups for n in fns]
        rows = [(label, [fmt(scores[n, g][key]) for g in groups for n in fns])
                for key, label in [("f1", "F1"), ("precision", "precision"),
                                   ("recall", "recall"), ("accuracy", "accuracy")]]
        rows.append(("pages", [str(len(groups[g])) for g in groups for n in fns]))
        table(f"trafilatura evaluation pages: {corpus}", cols, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
