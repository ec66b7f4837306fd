"""The ``newscrawl`` command line: one group, one module per command under
``crawler/commands/``."""

from __future__ import annotations

import sys

import click

from crawler import __version__
from crawler.commands.options import DB_META_KEY, BadInput

# Each command's module is imported when that command runs (or when --help lists them
# all), so a command pays for its own imports only: `extract` loads no database code,
# `stats` no Scrapy.
COMMANDS = {
    "crawl": "crawler.commands.crawl:crawl_command",
    "demo": "crawler.commands.crawl:demo_command",
    "extract": "crawler.commands.extract:extract_command",
    "history": "crawler.commands.history:history_command",
    "reextract": "crawler.commands.reextract:reextract_command",
    "serve": "crawler.commands.serve:serve_command",
    "export": "crawler.commands.export:export_command",
    "export-warc": "crawler.commands.export:export_warc_command",
    "import-warc": "crawler.commands.import_warc:import_warc_command",
    "stats": "crawler.commands.stats:stats_command",
    "enqueue": "crawler.commands.cluster:enqueue_command",
    "writer": "crawler.commands.cluster:writer_command",
}


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

    # A module not imported raised none of its errors: no need to import it to ask.
    known = [(module, name) for module, name in (
        ("storage.db", "DatabaseFileError"), ("crawler.sites", "SitesConfigError"),
        ("crawler.runner", "SettingError")) if module in sys.modules]
    if any(isinstance(exc, getattr(sys.modules[module], name)) for module, name in known):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        name = str(getattr(exc, "sqlite_errorname", ""))
        what = next((v for k, v in _SQLITE_FILE_ERRORS.items() if name.startswith(k)), None)
        if what is not None:
            return f"{ctx.meta.get(DB_META_KEY, 'the database')}: {what} ({exc})"
    return None


class NewscrawlGroup(click.Group):
    """The ``newscrawl`` group: its commands loaded on first use (``COMMANDS``), and
    errors of bad input that a command meets after it started (a database damaged
    past the part checked up front, a sites file given to the library) turned into
    one line and exit status 2, not a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        path = COMMANDS.get(cmd_name)
        if path is None:
            return None
        import importlib

        module, _, attr = path.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:
            message = bad_input_message(e, ctx)
            if message is None:
                raise
            raise BadInput(message) from None


@click.group(cls=NewscrawlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newscrawl")
def main() -> None:
    """newscrawl: crawl news sites into a deduplicated SQLite corpus."""


def commands() -> dict[str, click.Command]:
    """Every command of ``newscrawl``, by name (importing them all)."""
    ctx = click.Context(main)
    return {name: command for name in main.list_commands(ctx)
            if (command := main.get_command(ctx, name)) is not None}

if __name__ == "__main__":
    main()
