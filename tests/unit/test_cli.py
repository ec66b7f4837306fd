"""The command line's contract with the README: every command is documented there, and
the README names only real commands (``--help`` in a subprocess: tests/e2e/test_cli.py)."""

from __future__ import annotations

import re

import pytest

from crawler.cli import commands
from tests.support import REPO

README = REPO / "README.md"
COMMANDS = sorted(commands())
# `newscrawl CMD` as README shows it: in a shell line (`.venv/bin/newscrawl CMD`) or inline code.
README_COMMAND = re.compile(r"(?:bin/newscrawl|`newscrawl) ([a-z][\w-]*)")


def test_there_are_commands() -> None:
    assert {"crawl", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    assert re.search(rf"\bnewscrawl {re.escape(command)}\b", README.read_text(encoding="utf-8")), (
        f"`newscrawl {command}` is not in README.md"
    )


def test_the_readme_mentions_only_real_commands() -> None:
    mentioned = set(README_COMMAND.findall(README.read_text(encoding="utf-8")))
    assert mentioned, "README shows how to run newscrawl"
    assert sorted(mentioned - set(COMMANDS)) == []
