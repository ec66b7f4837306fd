"""`newscrawl demo`: serve the bundled sample sites on loopback and crawl them."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from crawler.runner import build_settings, run_crawl, summary
from storage import open_db

# The sample site is local: no politeness delay needed.
DEMO_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "WARNING",
    "NEWSCRAWL_PROGRESS_INTERVAL": 2.0,
}


def run_demo(db_path: str, overrides: dict[str, Any], keep_serving: bool = False) -> int:
    from crawler.demo import SAMPLE_SITES, sample_server

    with sample_server() as server:
        urls = [server.base_url(name) + "/" for name in SAMPLE_SITES]
        click.echo("newscrawl demo: serving the sample sites at " + ", ".join(urls), err=True)
        settings = build_settings({**DEMO_SETTINGS, "NEWSCRAWL_DB": db_path, **overrides})
        result = run_crawl(settings, url=" ".join(urls))
        click.echo(summary(result))
        db = open_db(db_path, read_only=True)
        rows = db.execute(
            "SELECT site, title, authors, published FROM articles ORDER BY published DESC LIMIT 8"
        ).fetchall()
        db.conn.close()
        click.echo("\nLatest articles:")
        for site, title, authors, published in rows:
            names = ", ".join(json.loads(authors or "[]"))
            click.echo(f"  {(published or '')[:10]:10}  {site:18}  {title}  ({names})")
        click.echo(f"\nBrowse them:  newscrawl serve --db {db_path}")
        if keep_serving:
            click.echo("Sample sites still serving; Ctrl-C to stop.", err=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0 if result.ok else 1
