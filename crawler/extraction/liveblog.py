"""Live blogs: a JSON-LD ``LiveBlogPosting`` with its ``liveBlogUpdate`` entries.

The body is the entries, each its headline and text, in chronological order (oldest
first) when every entry gives its time, else in the order the page lists them.  Oldest
first reads as the story unfolded, and a re-check of a running live blog only adds
lines at the end of the body, so its versions differ by what was added.  Each entry's
time is kept in ``body_html`` (a ``<time datetime>`` at the head of its section), not in
the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from crawler.extraction.bodyhtml import Block, Reading, text_lines
from crawler.extraction.dates import parse_date
from crawler.extraction.metadata import PageMeta, types_of
from crawler.extraction.titles import clean_text

MIN_ENTRIES = 2
MAX_ENTRIES = 500


@dataclass
class Entry:
    time: str | None
    headline: str
    text: str


def _when(iso: str | None) -> datetime:
    dt = datetime.fromisoformat(iso) if iso else datetime.min
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def live_entries(pm: PageMeta) -> list[Entry] | None:
    """The live blog's entries, in body order; None when the page is no live blog with at
    least ``MIN_ENTRIES`` entries."""
    art = pm.article or {}
    if not any(t.lower() == "liveblogposting" for t in types_of(art)):
        return None
    updates = art.get("liveBlogUpdate")
    updates = updates if isinstance(updates, list) else [updates] if isinstance(updates, dict) else []
    entries = []
    for item in updates[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        text = item.get("articleBody") or item.get("text") or item.get("description")
        headline = clean_text(item.get("headline") or item.get("name") or "")
        body = "\n".join(text_lines(text)) if isinstance(text, str) else ""
        if body or headline:
            time = parse_date(item.get("datePublished") or item.get("dateCreated")
                              or item.get("dateModified"))
            entries.append(Entry(time, headline, body))
    if len(entries) < MIN_ENTRIES:
        return None
    if all(e.time and "T" in e.time for e in entries):
        entries.sort(key=lambda e: _when(e.time))  # stable: same-time entries keep page order
    return entries


def liveblog_reading(entries: list[Entry]) -> Reading:
    blocks: list[Block] = []
    for entry in entries:
        first = len(blocks)
        if entry.headline:
            blocks.append(Block("h", [entry.headline], level=3))
        blocks.extend(Block("p", [line]) for line in entry.text.split("\n") if line)
        if len(blocks) > first:
            blocks[first].entry, blocks[first].entry_time = True, entry.time
    text = "\n".join(line for b in blocks for line in b.lines)
    return Reading(text, "jsonld liveBlogUpdate", blocks)
