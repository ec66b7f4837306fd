"""Helpers that unit and end-to-end tests share; import them as ``tests.support.NAME``.

- ``factories``: extractions, analyses, page records and article pages to store;
- ``db``: reading a database a test (or a ``newscrawl`` subprocess) wrote;
- ``newscrawl``: running ``newscrawl`` as a subprocess, settings for fast test crawls;
- ``newsgen``: a generated news site whose articles change between runs;
- ``hostile_site``: a site with every trap at once, and a measured crawl of it;
- ``workers_helpers`` / ``workers_startup``: stand-in extraction functions that
  worker processes load by import path (``tests.support.workers_helpers:echo``).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
