"""Which extractor made an article (``articles.extractor``), known without
importing the extraction stack (the crawl's main process and every command's
start-up need the name, not trafilatura)."""

from __future__ import annotations

from importlib.metadata import version

# bump whenever a change in crawler/extraction may change extraction output
EXTRACTOR_REVISION = "7"
EXTRACTOR_VERSION = f"newscrawl-{EXTRACTOR_REVISION} trafilatura-{version('trafilatura')}"
