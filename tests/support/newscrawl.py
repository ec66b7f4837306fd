"""Running ``newscrawl`` as a real subprocess, as a user would."""

from __future__ import annotations

import os
import re
import subprocess

# Settings that make a crawl of a local server fast and quiet.
CRAWL_FAST_SETTINGS: tuple[str, ...] = (
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0",
    "-s", "NEWSCRAWL_EXTRACT_PROCESSES=2",
)


def clean_env() -> dict[str, str]:
    """This process's environment without ``PYTHONPATH``: a subprocess finds the
    package as an installed user would, not through the test runner's path."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def describe(proc: subprocess.CompletedProcess[str], why: str) -> str:
    """``why``, the command, its exit status and output: a failure message."""
    return (
        f"{why}\n$ {' '.join(map(str, proc.args))}\n"
        f"--- exit status {proc.returncode}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )


def summary_figure(output: str, label: str) -> int:
    """The number on the run summary's line that starts with ``label``
    (``summary_figure(out, "articles stored")``)."""
    match = re.search(rf"^\s*{re.escape(label)}\s+(\d+)\b", output, re.M)
    assert match, f"no {label!r} line in the summary:\n{output}"
    return int(match.group(1))
