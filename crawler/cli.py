"""The ``newscrawl`` command line."""

from __future__ import annotations

import sys

import click

from crawler import __version__
from crawler.commands.cluster import crawl_worker, enqueue_command, writer_command
from crawler.commands.export import export_command, export_warc_command
from crawler.commands.extract import extract_command
from crawler.commands.history import history_command
from crawler.commands.import_warc import import_warc_command
from crawler.commands.options import (
    DB_META_KEY,
    BadInput,
    check_db,
    check_setting,
    check_since,
    check_urls,
    settings_overrides,
    sites_option,
)
from crawler.commands.reextract import reextract_command
from crawler.commands.serve import serve_command
from crawler.commands.stats import stats_command


# sqlite3 errors that come from the file or the machine, not from newscrawl's code:
# shown as one line, like a bad --db found before the command started.
_SQLITE_FILE_ERRORS = {
    "SQLITE_CORRUPT": "damaged SQLite database",
    "SQLITE_NOTADB": "not an SQLite database",
    "SQLITE_FULL": "disk full",
    "SQLITE_CANTOPEN": "cannot open the database",
    "SQLITE_READONLY": "the database is read-only",
    "SQLITE_IOERR": "I/O error",
    "SQLITE_PERM": "permission denied",
}


def bad_input_message(exc: BaseException, ctx: click.Context) -> str | None:
    """The one line for an error that bad input caused, or None for any other
    error (a bug keeps its traceback)."""
    import sqlite3

    from crawler.sites import SitesConfigError
    from storage.db import DatabaseFileError

    runner = sys.modules.get("crawler.runner")  # not imported: none of its errors happened
    if isinstance(exc, (DatabaseFileError, SitesConfigError)) or (
            runner is not None and isinstance(exc, runner.SettingError)):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        name = str(getattr(exc, "sqlite_errorname", ""))
        what = next((v for k, v in _SQLITE_FILE_ERRORS.items() if name.startswith(k)), None)
        if what is not None:
            return f"{ctx.meta.get(DB_META_KEY, 'the database')}: {what} ({exc})"
    return None


class NewscrawlGroup(click.Group):
    """The ``newscrawl`` group: errors of bad input that a command meets after it
    started (a database damaged past the part checked up front, a sites file
    given to the library) become one line and exit status 2, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as e:
            message = bad_input_message(e, ctx)
            if message is None:
                raise
            raise BadInput(message) from None


@click.group(cls=NewscrawlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newscrawl")
def main() -> None:
    """newscrawl: crawl news sites into a deduplicated SQLite corpus."""


@main.command()
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
def crawl(urls: tuple[str, ...], sites_file: str | None, db: str, depth: int | None, max_pages: int | None,
          since: str | None, wait: bool, redis_url: str | None, redis_prefix: str, settings: tuple[str, ...],
          log_level: str) -> None:
    """Crawl news sites: homepages, sitemap URLs or feed URLs, and/or a --sites file.

    Incremental: articles already in the database are not downloaded again,
    except recent ones, re-checked with a conditional GET. One run at a time per
    database: a second run exits with status 75 (or waits, with --wait).
    """
    from storage.lock import acquire_or_exit
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


@main.command()
@click.option("--db", default="newscrawl-demo.db", show_default=True, help="SQLite database file.")
@click.option("-s", "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Setting override (repeatable).")
@click.option("--serve/--no-serve", default=False, help="Keep the sample site running after the crawl.")
def demo(db: str, settings: tuple[str, ...], serve: bool) -> None:
    """Offline demo: serve the bundled sample news sites on 127.0.0.x and crawl them."""
    from crawler.demo.run import run_demo

    overrides = settings_overrides(settings)
    # --db is listed at the end; -s NEWSCRAWL_DB (if given) is where the crawl writes
    for path in dict.fromkeys([db, str(overrides.get("NEWSCRAWL_DB", db))]):
        check_db(path, create=True)
    sys.exit(run_demo(db, overrides, keep_serving=serve))


main.add_command(extract_command, name="extract")
main.add_command(history_command, name="history")
main.add_command(reextract_command, name="reextract")
main.add_command(serve_command, name="serve")
main.add_command(export_command, name="export")
main.add_command(export_warc_command, name="export-warc")
main.add_command(import_warc_command, name="import-warc")
main.add_command(stats_command, name="stats")
main.add_command(enqueue_command, name="enqueue")
main.add_command(writer_command, name="writer")

if __name__ == "__main__":
    main()
