"""Benchmark check: do ``body`` and the text of ``body_html`` hold the same paragraphs?

Runs ``extract_page`` on every page of a corpus (default: ``../shared/corpus/dev``, and
``trafeval-dev`` beside it) and reports the share of pages whose ``body_paragraphs(body)``
equal ``html_paragraphs(body_html)``, the pages that disagree and where, and how many
pages' body_html hold links and figures.

usage: .venv/bin/python bench/body_html.py [--corpus DIR ...] [--show N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from crawler.extraction import extract_page
from crawler.extraction.bodyhtml import body_paragraphs, html_paragraphs

REPO = Path(__file__).resolve().parent.parent
DEFAULT = [REPO.parent / "shared" / "corpus" / "dev", REPO.parent / "shared" / "corpus" / "trafeval-dev"]


def first_difference(a: list[str], b: list[str]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"paragraph {i}: body {x[:70]!r} / html {y[:70]!r}"
    return f"body has {len(a)} paragraphs, body_html {len(b)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, action="append")
    ap.add_argument("--show", type=int, default=10, help="disagreeing pages to list")
    args = ap.parse_args(argv)
    for corpus in args.corpus or DEFAULT:
        cases = [json.loads(line) for line in (corpus / "cases.jsonl").open(encoding="utf-8")]
        agree, differ, links, figures, with_body = 0, [], 0, 0, 0
        for case in cases:
            html = gzip.decompress((corpus / f"{case['id']}.html.gz").read_bytes())
            out = extract_page(html, case["url"], strict=True)
            a, b = body_paragraphs(out.body), html_paragraphs(out.body_html)
            with_body += bool(a)
            links += "<a " in out.body_html
            figures += "<figure>" in out.body_html
            if a == b:
                agree += 1
            else:
                differ.append((case["id"], first_difference(a, b)))
        print(f"{corpus}: body and body_html agree on {agree}/{len(cases)} pages "
              f"({agree / len(cases):.1%}); {with_body} with a body, {links} with links, "
              f"{figures} with figures in body_html")
        for cid, where in differ[:args.show]:
            print(f"  {cid}: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
