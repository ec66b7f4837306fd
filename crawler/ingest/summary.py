"""The one formatter of a run's summary: crawls, the cluster's workers and
writer, WARC imports and re-extractions all print a ``storage.session.RunSummary``."""

from __future__ import annotations

from storage.records import Outcome
from storage.reextract import FIELDS, Reextracted
from storage.session import RunCounts, RunSummary

WIDTH = 22
MAX_REASONS = 20
# Details printed first, before the outcomes.
_LEADING = ("pages fetched", "records read", "pages")


def _row(label: str, value: object, note: str = "") -> str:
    return f"  {label:<{WIDTH}}{value}{f' ({note})' if note else ''}"


def _where(summary: RunSummary) -> str:
    if summary.run_id is not None:
        return f" (run {summary.run_id}, database {summary.db_path})"
    if summary.kind == "reextract":
        return f" (dry run, nothing written to {summary.db_path})"
    return ""


def _stored(summary: RunSummary, details: dict[str, object]) -> list[str]:
    c, o = summary.counts, summary.counts.outcomes
    lines = [
        _row("articles stored", o[Outcome.NEW]),
        _row("articles updated", o[Outcome.UPDATED], "new versions"),
        _row("not modified", o[Outcome.NOT_MODIFIED], "re-checked, unchanged"),
        _row("duplicates", c.duplicates,
             f"{o[Outcome.DUPLICATE_URL]} known URL, {o[Outcome.DUPLICATE_TEXT]} same text"),
        _row("not articles", o[Outcome.NOT_ARTICLE]),
    ]
    lines += [_row(label, value) for label, value in details.items()]
    details.clear()
    lines.append(_row("failures", c.failures, f"{c.store_errors} store errors" if c.store_errors else ""))
    for reason, n in summary.failures[:MAX_REASONS]:
        lines.append(f"    {n:5d}  {reason}")
    if len(summary.failures) > MAX_REASONS:
        rest = sum(n for _, n in summary.failures[MAX_REASONS:])
        lines.append(f"    {rest:5d}  ({len(summary.failures) - MAX_REASONS} more reasons)")
    return lines


def _reextracted(summary: RunSummary) -> list[str]:
    c: RunCounts = summary.counts
    r = c.reextracted
    lines = [_row(f"articles {'changed' if summary.run_id is not None else 'would change'}",
                  r[Reextracted.CHANGED])]
    lines += [f"    {column:<{WIDTH - 2}}{c.changed_fields[column]}"
              for column in FIELDS if c.changed_fields[column]]
    lines += [
        _row("unchanged", r[Reextracted.UNCHANGED]),
        _row("no longer articles", r[Reextracted.NOT_ARTICLE], "kept as stored"),
        _row("body conflicts", r[Reextracted.CONFLICT], "kept as stored"),
        _row("failures", r[Reextracted.FAILED]),
    ]
    return lines


def format_summary(summary: RunSummary) -> str:
    lines = [f"newscrawl: {summary.kind} {summary.status} in {summary.elapsed:.1f}s{_where(summary)}"]
    details = dict(summary.details)
    lines += [_row(label, details.pop(label)) for label in _LEADING if label in details]
    if summary.kind == "reextract":
        lines += _reextracted(summary)
    elif summary.kind != "worker":
        lines += _stored(summary, details)
    lines += [_row(label, value) for label, value in details.items()]
    return "\n".join(lines)
