"""Benchmark: finding the links to follow on a page, on Scrapy's event loop.

Scrapy's ``LinkExtractor()`` (what the spider used) against ``crawler.discovery.pagelinks.
page_links`` (what it uses now) on the dev corpus pages, each timed on fresh
responses so both include the HTML parse; the links found are compared too.

usage: .venv/bin/python bench/links.py [--corpus DIR] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from crawl import (  # bench/ comes first on sys.path when run as a script
    DEFAULT_CORPUS,
    load_corpus,
)
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.discovery.pagelinks import page_links
from crawler.utils.urls import clean_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    pages = [html for _, html in load_corpus(args.corpus)]
    extractor = LinkExtractor(unique=True, canonicalize=False)

    def scrapy_links(response: HtmlResponse) -> list[str]:
        return [link.url for link in extractor.extract_links(response)
                if link.url.lower().startswith(("http://", "https://"))]

    def fresh() -> list[HtmlResponse]:
        return [HtmlResponse(url="https://news.example/section/page.html", body=b) for b in pages]

    same = sum([clean_url(u) for u in page_links(r)] == [clean_url(u) for u in scrapy_links(r)]
               for r in fresh())
    links = sum(len(page_links(r)) for r in fresh())
    best: dict[str, float] = {}
    for _ in range(args.rounds):  # alternate, keep each one's best round
        for name, func in (("LinkExtractor", scrapy_links), ("page_links", page_links)):
            responses = fresh()
            started = time.process_time()
            for response in responses:
                func(response)
            per_page = (time.process_time() - started) / len(responses) * 1000
            best[name] = min(best.get(name, per_page), per_page)
    size = sum(map(len, pages)) / len(pages) / 1024
    print(f"{len(pages)} pages ({size:.0f} KB on average), {links} http(s) links; "
          f"same links on {same}/{len(pages)} pages; load average {os.getloadavg()[0]:.2f}")
    print("| link finder | CPU ms per page, parse included (best of rounds) |")
    print("|---|---|")
    for name, ms in best.items():
        print(f"| {name} | {ms:.2f} |")
    print(f"\nLinkExtractor : page_links = {best['LinkExtractor'] / best['page_links']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
