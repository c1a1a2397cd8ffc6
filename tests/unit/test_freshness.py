"""Data-age classes for the badge (pure)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data.domain.enums import Severity
from data.domain.freshness import freshness

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age_s", "severity", "text"),
    [(0, None, "Data 0 s old"), (299, None, "Data 5 min old"), (89, None, "Data 89 s old"),
     (300, Severity.ACTION, "Data 5 min old"),
     (899, Severity.ACTION, "Data 15 min old"), (900, Severity.ALARM, "Data stale: 15 min old"),
     (7200, Severity.ALARM, "Data stale: 2.0 h old"), (400_000, Severity.ALARM, "Data stale: 5 days old")],
)
def test_thresholds(age_s: int, severity: Severity | None, text: str) -> None:
    f = freshness(NOW - timedelta(seconds=age_s), NOW, warning_s=300, alarm_s=900)
    assert (f.severity, f.text) == (severity, text)


def test_nothing_yet_is_an_alarm() -> None:
    assert freshness(None, NOW, 300, 900).severity is Severity.ALARM


def test_clock_skew_never_gives_a_negative_age() -> None:
    assert freshness(NOW + timedelta(seconds=30), NOW, 300, 900).age_s == 0
