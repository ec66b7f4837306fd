"""The ``newscrawl`` command line: one group, one module per command under
``crawler/commands/``."""

from __future__ import annotations

import click

from crawler import __version__
from crawler.commands.cluster import enqueue_command, writer_command
from crawler.commands.crawl import crawl_command, demo_command
from crawler.commands.export import export_command, export_warc_command
from crawler.commands.extract import extract_command
from crawler.commands.history import history_command
from crawler.commands.import_warc import import_warc_command
from crawler.commands.reextract import reextract_command
from crawler.commands.serve import serve_command
from crawler.commands.stats import stats_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
