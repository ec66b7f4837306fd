"""Options and helpers the commands share."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from storage.lock import CrawlLock
    from storage.session import IngestSession

# Exit status of a command that found the database busy (EX_TEMPFAIL: cron simply
# tries again next time).
EXIT_BUSY = 75


# Where check_db() leaves the --db path for errors met later (crawler.cli.bad_input_message).
DB_META_KEY = "newscrawl.db"


class BadInput(click.ClickException):
    """A value or file given on the command line that cannot be used: one line
    on stderr (``Error: ...``), exit status 2, nothing done."""

    exit_code = 2


def settings_overrides(settings: tuple[str, ...]) -> dict[str, Any]:
    """``-s KEY=VALUE`` options as setting overrides, each checked against the
    setting's type (a bad one is a one-line error)."""
    from crawler.runner import SettingError, parse_setting_overrides
    from crawler.sites import SitesConfigError

    try:
        return parse_setting_overrides(settings)
    except (SettingError, SitesConfigError) as e:  # -s NEWSCRAWL_SITES_FILE=...
        raise BadInput(str(e)) from None


def check_setting(key: str, value: str) -> str:
    """A command's own option that is a setting (``-L LEVEL``), checked as ``-s`` would be."""
    from crawler.runner import SettingError, check_setting as check

    try:
        check(key, value)
    except SettingError as e:
        raise BadInput(str(e)) from None
    return value


def check_sites_file(path: str) -> str:
    """A sites file read and every site's keys checked before anything is fetched."""
    from crawler.sites import SitesConfigError, load_sites

    try:
        load_sites(path)
    except SitesConfigError as e:
        raise BadInput(str(e)) from None
    return path


def sites_option(help: str = "TOML file of sites to crawl.") -> Callable[[Any], Any]:
    """``--sites FILE`` (parameter ``sites_file``), checked by :func:`check_sites_file`."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        return None if value is None else check_sites_file(value)

    return click.option("--sites", "sites_file", metavar="FILE", callback=callback, help=help)


def check_since(value: str | None) -> str | None:
    """``--since`` of ``crawl``: a date or a duration back from now."""
    from crawler.utils.since import parse_since

    if value is not None:
        try:
            parse_since(value)
        except ValueError as e:
            raise BadInput(f"--since: {e}") from None
    return value


def check_db(path: str | os.PathLike[str], *, create: bool) -> Path:
    """``--db PATH`` looked at read-only before anything is written: a file that
    is not a newscrawl database (or, with ``create``, cannot become one) is a
    one-line error and is left as it was. The path is remembered in the click
    context for errors the database gives later (``crawler.cli``)."""
    from storage.db import DatabaseFileError, check_db_file

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[DB_META_KEY] = str(path)
    try:
        check_db_file(path, create=create)
    except DatabaseFileError as e:
        raise BadInput(str(e)) from None
    return Path(path)


def db_option(*, create: bool, default: str = "newscrawl.db",
              help: str = "SQLite database file.") -> Callable[[Any], Any]:
    """``--db`` (parameter ``db_path``, a Path), checked by :func:`check_db`:
    ``create`` for commands that create the database if it is absent."""

    def callback(ctx: click.Context, param: click.Parameter, value: str) -> Path:
        return check_db(value, create=create)

    return click.option("--db", "db_path", default=default, show_default=True,
                        type=click.Path(path_type=str), callback=callback, help=help)


def check_urls(urls: tuple[str, ...]) -> None:
    from crawler.utils.urls import is_http_url

    bad = [u for u in urls if not is_http_url(u)]
    if bad:
        raise BadInput(f"not an http(s) URL: {', '.join(bad)}")


def one_line(message: str, limit: int = 240) -> str:
    """``message`` as one printable line of at most ``limit`` characters: a
    library's error about damaged data may quote that data (binary, newlines)."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(message.split()))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def warn(message: str) -> None:
    click.echo(f"warning: {one_line(message)}", err=True)


def exit_on_broken_pipe() -> None:
    """The reader of stdout went away (``| head``): stop quietly, as other CLI tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def acquire_or_exit(db_path: str | Path, wait: bool = False) -> CrawlLock:
    """The database's run lock, or a clear message and exit status 75 when another
    run holds it."""
    from storage.lock import CrawlLock, CrawlLockBusy

    try:
        return CrawlLock(db_path).acquire(wait=wait)
    except CrawlLockBusy as e:
        click.echo(f"newscrawl: {e}", err=True)
        raise SystemExit(EXIT_BUSY) from None


def open_session(session: IngestSession) -> IngestSession:
    """Open an ingest session, or a clear message and exit status 75 when another
    run holds the database."""
    from storage.lock import CrawlLockBusy

    try:
        return session.open()
    except CrawlLockBusy as e:
        click.echo(f"newscrawl: {e}", err=True)
        raise SystemExit(EXIT_BUSY) from None


def existing_db_option(help: str = "SQLite database file.") -> Callable[[Any], Any]:
    """``--db`` for commands that work on a database that must already exist."""
    return db_option(create=False, help=help)


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from crawler.utils.since import since_iso

    if value is None:
        return None
    try:
        return since_iso(value)
    except ValueError as e:
        raise BadInput(f"--since: {e}") from None


def since_option(help: str) -> Callable[[Any], Any]:
    """``--since DATE|DURATION`` (2025-03-01, 2025-03-01T12:00+02:00, 2d, 12h), as ISO text."""
    return click.option("--since", metavar="DATE|DURATION", callback=_since,
                        help=f"{help} DATE: ISO 8601; DURATION: back from now (2d, 12h).")
