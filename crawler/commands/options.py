"""Options several commands share."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


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


def exit_on_broken_pipe() -> None:
    """The reader of stdout went away (``| head``): stop quietly, as other CLI tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def existing_db_option(help: str = "SQLite database file.") -> Callable[[Any], Any]:
    """``--db`` for commands that work on a database that must already exist."""
    return click.option("--db", "db_path", default="newscrawl.db", show_default=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help)
