"""``newscrawl crawl`` and ``newscrawl demo``: argument parsing around
``crawler.runner`` (a crawl in this process) and ``crawler.demo``."""

from __future__ import annotations

import sys

import click

from crawler.commands.options import (
    acquire_or_exit,
    check_db,
    check_setting,
    check_since,
    check_urls,
    settings_overrides,
    sites_option,
)


@click.command("crawl")
@click.argument("urls", nargs=-1)
@sites_option()
@click.option("--db", default="newscrawl.db", show_default=True, help="SQLite database file.")
@click.option("--depth", type=int, default=None, help="Link-following depth for URLs given here (default 2).")
@click.option("--max-pages", type=int, default=None, help="Page budget per site for this run (0 = none).")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Scrapy/newscrawl setting override (repeatable).")
@click.option("--since", default=None, help="Skip sitemap/feed entries older than this: a date or a duration (2d, 12h).")
@click.option("--wait", is_flag=True, help="If another run uses the database, wait for it instead of exiting.")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Work as a cluster worker on a Redis frontier (redis://HOST:PORT/DB); URLs and --sites given "
                   "are enqueued first; `newscrawl writer` stores.")
@click.option("--prefix", "redis_prefix", default="newscrawl", show_default=True,
              help="With --redis: prefix of the cluster's Redis keys (several clusters can share one Redis).")
@click.option("-L", "--log-level", default="WARNING", show_default=True, help="Scrapy log level.")
def crawl_command(urls: tuple[str, ...], sites_file: str | None, db: str, depth: int | None, max_pages: int | None,
                  since: str | None, wait: bool, redis_url: str | None, redis_prefix: str, settings: tuple[str, ...],
                  log_level: str) -> None:
    """Crawl news sites: homepages, sitemap URLs or feed URLs, and/or a --sites file.

    Incremental: articles already in the database are not downloaded again,
    except recent ones, re-checked with a conditional GET. One run at a time per
    database: a second run exits with status 75 (or waits, with --wait).
    """
    from crawler.commands.cluster import crawl_worker
    from crawler.runner import build_settings, run_crawl, summary

    # Everything given is checked before anything is fetched or written.
    check_urls(urls)
    check_since(since)
    overrides: dict[str, object] = {"LOG_LEVEL": check_setting("LOG_LEVEL", log_level)}
    for key, value in (("NEWSCRAWL_FOLLOW_DEPTH", depth), ("NEWSCRAWL_MAX_PAGES_PER_SITE", max_pages),
                       ("NEWSCRAWL_SINCE", since)):
        if value is not None:
            overrides[key] = value
    overrides.update(settings_overrides(settings))
    if redis_url:
        # a worker: the writer owns the database (--db and --wait are the writer's business)
        sys.exit(crawl_worker(redis_url, urls, sites_file, overrides, redis_prefix))
    if not urls and not sites_file:
        raise click.UsageError("give at least one URL or --sites FILE")
    overrides.setdefault("NEWSCRAWL_DB", db)  # -s NEWSCRAWL_DB=... wins, as any -s
    check_db(str(overrides["NEWSCRAWL_DB"]), create=True)
    with acquire_or_exit(str(overrides["NEWSCRAWL_DB"]), wait):
        result = run_crawl(build_settings(overrides), url=" ".join(urls), sites=sites_file)
    click.echo(summary(result))
    sys.exit(0 if result.ok else 1)


@click.command("demo")
@click.option("--db", default="newscrawl-demo.db", show_default=True, help="SQLite database file.")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Setting override (repeatable).")
@click.option("--serve/--no-serve", default=False, help="Keep the sample site running after the crawl.")
def demo_command(db: str, settings: tuple[str, ...], serve: bool) -> None:
    """Offline demo: serve the bundled sample news sites on 127.0.0.x and crawl them."""
    from crawler.demo.run import run_demo

    overrides = settings_overrides(settings)
    # --db is listed at the end; -s NEWSCRAWL_DB (if given) is where the crawl writes
    for path in dict.fromkeys([db, str(overrides.get("NEWSCRAWL_DB", db))]):
        check_db(path, create=True)
    sys.exit(run_demo(db, overrides, keep_serving=serve))
