"""The command line as a user runs it: ``--help`` of every command in a subprocess,
and the installed ``newscrawl`` console script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import commands
from tests.support.newscrawl import clean_env

COMMANDS = sorted(commands())


def test_help_lists_every_command(run_newscrawl: Any) -> None:
    out = run_newscrawl("--help").stdout
    for command in COMMANDS:
        assert re.search(rf"^\s+{re.escape(command)}\b", out, re.M), out


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_runs(run_newscrawl: Any, command: str) -> None:
    out = run_newscrawl(command, "--help").stdout
    assert re.search(rf"^Usage: .* {re.escape(command)} \[OPTIONS\]", out, re.M), out


def test_console_script_help(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("newscrawl")
    assert script.exists(), f"console script not installed next to {sys.executable}"
    env = clean_env()
    proc = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: newscrawl" in proc.stdout, proc.stdout
