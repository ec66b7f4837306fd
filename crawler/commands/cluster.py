"""``newscrawl enqueue`` and ``newscrawl writer``: the Redis cluster's commands.

Workers are ``newscrawl crawl --redis URL`` (``crawl_worker`` below, called by
the ``crawl`` command when ``--redis`` is given)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crawler.commands.options import BadInput, check_urls, db_option, settings_overrides, sites_option

_REDIS_HELP = "Redis URL of the cluster, redis://HOST:PORT/DB."
_PREFIX_HELP = "Prefix of the cluster's Redis keys."


def _connect(redis_url: str) -> Any:
    import redis

    from crawler.distributed.keys import connect

    try:
        server = connect(redis_url)
    except ValueError as e:  # redis-py's URL parser
        raise BadInput(f"--redis {redis_url}: not a Redis URL ({e})") from None
    try:
        server.ping()
    except redis.RedisError as e:
        raise click.ClickException(f"cannot reach Redis at {redis_url}: {e}") from None
    return server


def enqueue_urls(redis_url: str, urls: tuple[str, ...], sites_file: str | None,
                 overrides: dict[str, Any], prefix: str) -> str:
    """Enqueue and describe the result; shared by ``enqueue`` and ``crawl --redis``."""
    from crawler.distributed.enqueue import describe, enqueue
    from crawler.distributed.worker import worker_settings
    from crawler.sites import SitesConfigError

    _connect(redis_url)
    try:
        result = enqueue(worker_settings(redis_url, overrides, prefix=prefix),
                         url=" ".join(urls), sites=sites_file)
    except (SitesConfigError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    return describe(result)


@click.command()
@click.argument("urls", nargs=-1)
@click.option("--redis", "redis_url", required=True, help=_REDIS_HELP)
@sites_option()
@click.option("--depth", type=int, default=None, help="Link-following depth for URLs given here (default 2).")
@click.option("--max-pages", type=int, default=None, help="Page budget per site for this run, cluster-wide (0 = none).")
@click.option("--prefix", default="newscrawl", show_default=True, help=_PREFIX_HELP)
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Setting override (repeatable).")
def enqueue_command(urls: tuple[str, ...], redis_url: str, sites_file: str | None, depth: int | None,
                    max_pages: int | None, prefix: str, settings: tuple[str, ...]) -> None:
    """Add start URLs and/or a --sites file to the shared frontier of a Redis cluster.

    Workers (newscrawl crawl --redis URL) crawl it; the writer stores the result.
    Enqueueing onto an empty frontier starts a new crawl run.
    """
    if not urls and not sites_file:
        raise click.UsageError("give at least one URL or --sites FILE")
    check_urls(urls)
    overrides: dict[str, Any] = {}
    if depth is not None:
        overrides["NEWSCRAWL_FOLLOW_DEPTH"] = depth
    if max_pages is not None:
        overrides["NEWSCRAWL_MAX_PAGES_PER_SITE"] = max_pages
    overrides.update(settings_overrides(settings))
    click.echo(enqueue_urls(redis_url, urls, sites_file, overrides, prefix))


@click.command()
@click.option("--redis", "redis_url", required=True, help=_REDIS_HELP)
@db_option(create=True)
@click.option("--batch", type=int, default=100, show_default=True, help="Items per SQLite transaction.")
@click.option("--idle-exit", type=float, default=None,
              help="Exit once the item queue and the frontier have been empty this many seconds (default: run until stopped).")
@click.option("--prefix", default="newscrawl", show_default=True, help=_PREFIX_HELP)
def writer_command(redis_url: str, db_path: Path, batch: int, idle_exit: float | None, prefix: str) -> None:
    """Store the items of a Redis cluster's workers into the SQLite database.

    Run exactly one per cluster. Items are removed from Redis only once
    committed: a killed writer loses nothing when restarted. SIGTERM or Ctrl-C
    finishes the batch in hand, then exits.
    """
    from crawler.distributed.keys import ClusterKeys
    from crawler.distributed.writer import Writer, summary
    from crawler.runner import build_settings

    server = _connect(redis_url)
    db = str(db_path)
    writer = Writer(server, ClusterKeys(prefix), db, settings=build_settings(), batch=batch,
                    idle_exit=idle_exit, echo=lambda line: click.echo(line, err=True))
    result = writer.run()
    click.echo(summary(result))
    sys.exit(0 if result.status == "finished" else 1)


def crawl_worker(redis_url: str, urls: tuple[str, ...], sites_file: str | None,
                 overrides: dict[str, Any], prefix: str = "newscrawl") -> int:
    """``newscrawl crawl --redis URL [URLS] [--sites FILE]``: enqueue what is given,
    then work on the shared frontier until it has been empty for a while.
    ``overrides`` are the crawl command's settings (``NEWSCRAWL_DB`` is ignored:
    the writer owns the database). Returns the exit status."""
    from crawler.distributed.worker import run_worker, worker_settings, worker_summary

    check_urls(urls)
    if urls or sites_file:
        click.echo(enqueue_urls(redis_url, urls, sites_file, overrides, prefix), err=True)
    else:
        _connect(redis_url)
    result = run_worker(worker_settings(redis_url, overrides, prefix=prefix))
    click.echo(worker_summary(result))
    return 0 if result.ok else 1


@click.command()
@click.argument("urls", nargs=-1)
@click.option("--redis", "redis_url", required=True, help=_REDIS_HELP)
@sites_option("TOML file of sites to enqueue first.")
@click.option("--prefix", default="newscrawl", show_default=True, help=_PREFIX_HELP)
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Setting override (repeatable).")
@click.option("-L", "--log-level", default="WARNING", show_default=True, help="Scrapy log level.")
def worker_command(urls: tuple[str, ...], redis_url: str, sites_file: str | None, prefix: str,
                   settings: tuple[str, ...], log_level: str) -> None:
    """A cluster worker: what `newscrawl crawl --redis URL` runs."""
    overrides: dict[str, Any] = {"LOG_LEVEL": log_level, **settings_overrides(settings)}
    sys.exit(crawl_worker(redis_url, urls, sites_file, overrides, prefix))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cluster() -> None:
    """The Redis cluster's commands on their own (python -m crawler.commands.cluster)."""


cluster.add_command(enqueue_command, name="enqueue")
cluster.add_command(writer_command, name="writer")
cluster.add_command(worker_command, name="worker")

if __name__ == "__main__":
    cluster()
