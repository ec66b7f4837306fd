"""Options and helpers the commands share."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from storage.lock import CrawlLock, CrawlLockBusy
from storage.session import IngestSession

# Exit status of a command that found the database busy (EX_TEMPFAIL: cron simply
# tries again next time).
EXIT_BUSY = 75


def settings_overrides(settings: tuple[str, ...]) -> dict[str, str]:
    """``-s KEY=VALUE`` options as setting overrides (a bad one is a usage error)."""
    from crawler.runner import SettingError, parse_setting_overrides

    try:
        return parse_setting_overrides(settings)
    except SettingError as e:
        raise click.BadParameter(str(e), param_hint="-s") from None


def check_urls(urls: tuple[str, ...]) -> None:
    from crawler.utils.urls import is_http_url

    bad = [u for u in urls if not is_http_url(u)]
    if bad:
        raise click.BadParameter(f"not an http(s) URL: {', '.join(bad)}", param_hint="URLS")


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def exit_on_broken_pipe() -> None:
    """The reader of stdout went away (``| head``): stop quietly, as other CLI tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def acquire_or_exit(db_path: str | Path, wait: bool = False) -> CrawlLock:
    """The database's run lock, or a clear message and exit status 75 when another
    run holds it."""
    try:
        return CrawlLock(db_path).acquire(wait=wait)
    except CrawlLockBusy as e:
        click.echo(f"newscrawl: {e}", err=True)
        raise SystemExit(EXIT_BUSY) from None


def open_session(session: IngestSession) -> IngestSession:
    """Open an ingest session, or a clear message and exit status 75 when another
    run holds the database."""
    try:
        return session.open()
    except CrawlLockBusy as e:
        click.echo(f"newscrawl: {e}", err=True)
        raise SystemExit(EXIT_BUSY) from None


def existing_db_option(help: str = "SQLite database file.") -> Callable[[Any], Any]:
    """``--db`` for commands that work on a database that must already exist."""
    return click.option("--db", "db_path", default="newscrawl.db", show_default=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help)


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from crawler.utils.since import since_iso

    if value is None:
        return None
    try:
        return since_iso(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def since_option(help: str) -> Callable[[Any], Any]:
    """``--since DATE|DURATION`` (2025-03-01, 2025-03-01T12:00+02:00, 2d, 12h), as ISO text."""
    return click.option("--since", metavar="DATE|DURATION", callback=_since,
                        help=f"{help} DATE: ISO 8601; DURATION: back from now (2d, 12h).")
