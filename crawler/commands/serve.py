"""``newscrawl serve``: browse a database with datasette, read-only, on 127.0.0.1.

datasette (0.65, the stable series) runs as a subprocess (``python -m
datasette serve``) with ``storage/metadata.yml``: table and column
descriptions, full-text search on articles, facets and canned queries. The
metadata is re-keyed to the database's name and written to a temporary JSON
file for the life of the server.

Read-only: datasette opens a (mutable) database file through a ``mode=ro``
URI and the metadata defines no writable canned query. ``--immutable`` is not
used on purpose: it would assume the file never changes, while a crawl may be
writing to it. Article bodies and headers are shown as escaped text by
datasette's templates; stored HTML is a compressed BLOB, offered only as an
``application/binary`` download, never rendered.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path
from types import FrameType
from typing import Any

import click
import yaml

from crawler.commands.options import existing_db_option
from storage import open_db

HOST = "127.0.0.1"
# The key of the database section in storage/metadata.yml.
METADATA_DB_KEY = "db"


def load_metadata() -> dict[str, Any]:
    """``storage/metadata.yml`` as shipped (package data)."""
    text = files("storage").joinpath("metadata.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def build_metadata(db_name: str, tables: set[str], base: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """The metadata for a database served as ``db_name`` that has ``tables``.

    Canned queries whose ``requires`` tables (or ``table.column``) are missing are
    left out (e.g. ``article_versions`` before the migration that adds it), and so are table
    sections for tables the database does not have."""
    meta = copy.deepcopy(base if base is not None else load_metadata())
    section = meta.get("databases", {}).pop(METADATA_DB_KEY, {})
    section["tables"] = {
        name: spec for name, spec in (section.get("tables") or {}).items() if name in tables
    }
    queries: dict[str, Any] = {}
    for name, query in (section.get("queries") or {}).items():
        required = set(query.pop("requires", None) or [])
        if required <= tables:
            queries[name] = query
    section["queries"] = queries
    meta["databases"] = {db_name: section}
    return meta


def database_tables(db_path: Path) -> set[str]:
    """The database's tables, and its columns as ``table.column`` (what ``requires`` names)."""
    db = open_db(db_path, read_only=True)
    try:
        names = set(db.table_names())
        for table in ("crawl_runs",):
            if table in names:
                names |= {f"{table}.{column}" for column in db[table].columns_dict}
        return names
    finally:
        db.conn.close()


def datasette_command(db_path: Path, metadata_path: Path, *, port: int, get: str | None = None
                      ) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path),
           "--host", HOST, "--port", str(port), "--metadata", str(metadata_path),
           # Bodies are long: keep table pages readable (row pages show them whole).
           "--setting", "truncate_cells_html", "400"]
    if get is not None:
        cmd += ["--get", get]
    return cmd


@click.command("serve")
@existing_db_option("SQLite database file (served read-only).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--get", "get_path", metavar="PATH",
              help="Fetch PATH (e.g. /news/articles.json) once, print it and exit: a smoke test.")
def serve_command(db_path: Path, port: int, get_path: str | None) -> None:
    """Browse the database with datasette on http://127.0.0.1:PORT/, read-only.

    Table and column descriptions, full-text search on articles, facets (site,
    language, published date) and canned queries: latest articles, articles per
    site per day, duplicates and syndicated copies, failures by reason, crawl
    runs (and an article's versions once the database has article_versions).
    """
    tables = database_tables(db_path)
    if "articles" not in tables:
        raise click.ClickException(f"{db_path} is not a newscrawl database (no articles table)")
    metadata = build_metadata(db_path.stem, tables)
    fd, name = tempfile.mkstemp(prefix="newscrawl-datasette-", suffix=".json")
    metadata_path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(metadata, f, ensure_ascii=False, indent=1)
        cmd = datasette_command(db_path, metadata_path, port=port, get=get_path)
        if get_path is None:
            where = f"http://{HOST}:{port}/{db_path.stem}" if port else f"a free port of {HOST}"
            click.echo(f"newscrawl: serving {db_path} read-only on {where} (Ctrl-C to stop)",
                       err=True)
        proc = subprocess.Popen(cmd)

        def forward(signum: int, frame: FrameType | None) -> None:
            proc.send_signal(signum)

        previous = signal.signal(signal.SIGTERM, forward)
        try:
            while True:
                try:
                    code = proc.wait()
                    break
                except KeyboardInterrupt:  # datasette got the Ctrl-C too; let it finish
                    continue
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        metadata_path.unlink(missing_ok=True)
    sys.exit(code if code >= 0 else 128 - code)  # killed by a signal: shell convention


if __name__ == "__main__":
    serve_command()
