"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def existing_db_option(help: str = "SQLite database file.") -> Callable[[Any], Any]:
    """``--db`` for commands that work on a database that must already exist."""
    return click.option("--db", "db_path", default="newscrawl.db", show_default=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help)
