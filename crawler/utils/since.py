"""``--since`` values, the one parser: a date, a timestamp or a duration back
from now. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from storage.recheck import parse_time

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``2d`` / ``12h`` / ``30m`` / ``1w`` back from now, or an ISO date/time
    (a date without timezone is taken as UTC). Raises ValueError otherwise."""
    now = now or datetime.now(timezone.utc)
    m = _DURATION.match(value)
    if m:
        return now - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    t = parse_time(value)
    if t is None:
        raise ValueError(f"not a date or duration (e.g. 2025-03-01, 2d, 12h): {value!r}")
    return t


def since_iso(value: str, now: datetime | None = None) -> str:
    """``parse_since`` as the ISO text the database's dates compare with: a plain
    date stays a date (``2025-03-01`` keeps every time of that day, in any
    timezone), anything else becomes a UTC timestamp to the second."""
    if _DATE.match(value):
        return date.fromisoformat(value.strip()).isoformat()
    return parse_since(value, now).astimezone(timezone.utc).isoformat(timespec="seconds")
