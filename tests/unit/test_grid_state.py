"""Loading classes and guest-safe aggregates (pure)."""
from __future__ import annotations

import pytest

from data.domain.enums import Severity
from data.domain.grid_state import DerAggregate, LoadingThresholds, guest_safe, loading_pct, loading_state


@pytest.mark.parametrize(
    ("pct", "state"),
    [(None, None), (0.0, None), (79.9, None), (80.0, Severity.ACTION), (99.9, Severity.ACTION),
     (100.0, Severity.ALARM), (140.0, Severity.ALARM), (-10.0, Severity.INFORMATION),
     (-85.0, Severity.ACTION), (-120.0, Severity.ALARM)],
)
def test_loading_state(pct: float | None, state: Severity | None) -> None:
    assert loading_state(pct) is state


def test_thresholds_are_parameters() -> None:
    assert loading_state(70.0, LoadingThresholds(warning_pct=60, alarm_pct=90)) is Severity.ACTION


def test_loading_pct_without_rating_or_reading_is_unknown() -> None:
    assert loading_pct(None, 10.0) is None
    assert loading_pct(5.0, 0.0) is None
    assert loading_pct(5.0, 10.0) == 50.0


def test_guest_safe_drops_small_groups_and_small_splits() -> None:
    aggs = [
        DerAggregate(1, 4, 40.0, 43.0, -79.0, (("solar_pv", 4, 40.0),)),
        DerAggregate(2, 9, 90.0, 43.0, -79.0, (("solar_pv", 7, 70.0), ("battery", 2, 20.0))),
        DerAggregate(3, 5, 50.0, 43.0, -79.0, (("solar_pv", 5, 50.0),)),
    ]
    safe = guest_safe(aggs, minimum=5)
    assert [a.key for a in safe] == [2, 3]
    assert safe[0].by_technology == (("solar_pv", 7, 70.0),)


def test_guest_safe_of_nothing_is_nothing() -> None:
    assert guest_safe([], minimum=5) == []
