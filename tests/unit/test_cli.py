"""The command line's contract: every command is documented and ``--help`` works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
COMMANDS = sorted(main.commands)
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


def test_help_lists_every_command(run_newscrawl: Any) -> None:
    out = run_newscrawl("--help").stdout
    for command in COMMANDS:
        assert re.search(rf"^\s+{re.escape(command)}\b", out, re.M), out


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_runs(run_newscrawl: Any, command: str) -> None:
    out = run_newscrawl(command, "--help").stdout
    assert f"newscrawl {command}" in out or "Usage:" in out, out


def test_console_script_help(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("newscrawl")
    assert script.exists(), f"console script not installed next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: newscrawl" in proc.stdout, proc.stdout
