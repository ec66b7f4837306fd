"""The ``newscrawl`` command line: one group, one module per command under
``crawler/commands/``."""

from __future__ import annotations

import sys

import click

from crawler import __version__
from crawler.commands.cluster import enqueue_command, writer_command
from crawler.commands.crawl import crawl_command, demo_command
from crawler.commands.export import export_command, export_warc_command
from crawler.commands.extract import extract_command
from crawler.commands.history import history_command
from crawler.commands.import_warc import import_warc_command
from crawler.commands.options import DB_META_KEY, BadInput
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


for name, command in [
    ("crawl", crawl_command), ("demo", demo_command), ("extract", extract_command),
    ("history", history_command), ("reextract", reextract_command), ("serve", serve_command),
    ("export", export_command), ("export-warc", export_warc_command), ("import-warc", import_warc_command),
    ("stats", stats_command), ("enqueue", enqueue_command), ("writer", writer_command),
]:
    main.add_command(command, name=name)

if __name__ == "__main__":
    main()
