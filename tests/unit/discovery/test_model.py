"""crawler.discovery.model: dates normalised to ISO 8601."""

from __future__ import annotations

import pytest

from crawler.discovery.model import iso_date


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2025-03-27", "2025-03-27"),
        ("2025-03", "2025-03"),
        ("2025-03-27T10:00Z", "2025-03-27T10:00Z"),
        (" 2025-03-27T10:00:00.5+05:30 ", "2025-03-27T10:00:00.5+05:30"),
        ("2025-03-27 10:00:00+0000", "2025-03-27T10:00:00+00:00"),
        ("2025-03-27T10:00:00", "2025-03-27T10:00:00"),
        ("Thu, 27 Mar 2025 10:00:00 GMT", "2025-03-27T10:00:00+00:00"),
        ("Thu, 27 Mar 2025 10:00:00 -0500", "2025-03-27T10:00:00-05:00"),
        ("2025-02-30", None),
        ("2025-13-01T00:00:00Z", None),
        ("yesterday", None),
        ("Thu, 99 Foo 2025", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_normalise_to_iso_8601_keeping_timezone(
    raw: str | None, expected: str | None
) -> None:
    assert iso_date(raw) == expected
