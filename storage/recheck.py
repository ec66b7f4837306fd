"""When to look at a stored article again. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class RecheckPolicy:
    """Articles younger than ``young_days`` (by publication date, else first
    seen) are re-checked every ``young_every_hours`` (0: every run); older ones
    every ``old_every_days`` (None: never)."""

    young_days: float = 2.0
    young_every_hours: float = 0.0
    old_every_days: float | None = None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def next_check(policy: RecheckPolicy, *, published: str | None, first_seen: str | None, now: datetime) -> str | None:
    born = parse_time(published) or parse_time(first_seen) or now
    if now - born < timedelta(days=policy.young_days):
        when = now + timedelta(hours=policy.young_every_hours)
    elif policy.old_every_days is None:
        return None
    else:
        when = now + timedelta(days=policy.old_every_days)
    return when.isoformat(timespec="seconds")
