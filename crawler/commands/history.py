"""``newscrawl history URL``: an article's versions and what changed."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click

from crawler.commands.options import BadInput, existing_db_option
from crawler.utils.urls import canonical_key, is_http_url
from storage import open_db
from storage.history import article_versions


def _diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    lines = []
    if old["title"] != new["title"]:
        lines += [f"- title: {old['title']}", f"+ title: {new['title']}"]
    lines += list(difflib.unified_diff(
        (old["body"] or "").splitlines(), (new["body"] or "").splitlines(),
        f"version {old['version']}", f"version {new['version']}", lineterm="", n=1,
    ))
    return "\n".join(lines)


@click.command()
@click.argument("url")
@existing_db_option()
@click.option("--diff/--no-diff", default=True, show_default=True, help="Show what changed between versions.")
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON lines.")
def history_command(url: str, db_path: Path, diff: bool, as_json: bool) -> None:
    """List the versions of the article at URL (any of its URLs), oldest first."""
    if not is_http_url(url):
        raise BadInput(f"not an http(s) URL: {url}")
    database = open_db(db_path, read_only=True)
    versions = article_versions(database, canonical_key(url))
    if versions is None:
        click.echo(f"newscrawl: no stored article for {url}", err=True)
        sys.exit(1)
    if as_json:
        for v in versions:
            click.echo(json.dumps(v, ensure_ascii=False))
        return
    for v in versions:
        label = "current" if v["current"] else f"replaced {v['replaced_at']}"
        changed = f"  changed: {', '.join(v['changed'])}" if v.get("changed") else ""
        modified = f"  modified {v['modified']}" if v.get("modified") else ""
        click.echo(f"version {v['version']}  seen {v['first_seen']}{modified}  {label}{changed}\n  {v['title']}")
    if diff:
        for old, new in zip(versions, versions[1:]):
            click.echo(f"\n=== version {old['version']} -> {new['version']}\n{_diff(old, new)}")
