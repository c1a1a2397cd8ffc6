"""5-minute intervals: flooring, boundaries, iteration, and half-open overlaps."""

from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.market_time import (
    LOCAL_TZ,
    floor_to_interval,
    is_on_interval_boundary,
    iter_intervals,
    market_day_bounds_utc,
    overlaps,
)
from tests.unit.market_dates import NORMAL_DAY, utc

# --- floor_to_interval / is_on_interval_boundary --------------------------------------------------


def test_floor_to_interval():
    assert floor_to_interval(utc(2026, 11, 30, 12, 7, 31, 500)) == utc(2026, 11, 30, 12, 5)
    assert floor_to_interval(utc(2026, 11, 30, 12, 5)) == utc(2026, 11, 30, 12, 5)
    assert floor_to_interval(utc(2026, 11, 30, 12, 4, 59, 999999)) == utc(2026, 11, 30, 12, 0)


def test_floor_to_interval_returns_utc_for_other_zones():
    ts = datetime(2026, 7, 14, 23, 59, tzinfo=LOCAL_TZ)
    floored = floor_to_interval(ts)
    assert floored == utc(2026, 7, 15, 3, 55)
    assert floored.tzinfo is UTC


def test_floor_to_other_lengths():
    assert floor_to_interval(utc(2026, 11, 30, 12, 44), minutes=15) == utc(2026, 11, 30, 12, 30)
    assert floor_to_interval(utc(2026, 11, 30, 12, 44), minutes=60) == utc(2026, 11, 30, 12, 0)
    # A market day is anchored at 00:00 EST = 05:00 UTC, not at 00:00 UTC.
    assert floor_to_interval(utc(2026, 11, 30, 4, 0), minutes=1440) == utc(2026, 11, 29, 5, 0)


@pytest.mark.parametrize("bad", [0, -5, 7, 61])
def test_floor_to_interval_invalid_length(bad):
    with pytest.raises(ValueError, match="divisor of 1440"):
        floor_to_interval(utc(2026, 11, 30, 12, 0), minutes=bad)


def test_is_on_interval_boundary():
    assert is_on_interval_boundary(utc(2026, 11, 30, 12, 5))
    assert not is_on_interval_boundary(utc(2026, 11, 30, 12, 6))
    assert not is_on_interval_boundary(utc(2026, 11, 30, 12, 5, 1))
    assert not is_on_interval_boundary(datetime(2026, 11, 30, 12, 5, 0, 1, tzinfo=UTC))
    assert is_on_interval_boundary(utc(2026, 11, 30, 12, 15), minutes=15)
    assert not is_on_interval_boundary(utc(2026, 11, 30, 12, 5), minutes=15)
    assert is_on_interval_boundary(datetime(2026, 7, 15, 10, 5, tzinfo=LOCAL_TZ))


# --- iter_intervals -----------------------------------------------------------------------------


def test_iter_intervals_count_one_hour():
    starts = list(iter_intervals(utc(2026, 11, 30, 12, 0), utc(2026, 11, 30, 13, 0)))
    assert len(starts) == 12
    assert starts[0] == utc(2026, 11, 30, 12, 0)
    assert starts[-1] == utc(2026, 11, 30, 12, 55)  # end is exclusive


def test_iter_intervals_empty_and_reversed():
    t = utc(2026, 11, 30, 12, 0)
    assert list(iter_intervals(t, t)) == []
    assert list(iter_intervals(t, t - timedelta(minutes=5))) == []


def test_iter_intervals_single():
    t = utc(2026, 11, 30, 12, 0)
    assert list(iter_intervals(t, t + timedelta(minutes=5))) == [t]


def test_iter_intervals_unaligned_covers_partial_intervals():
    starts = list(iter_intervals(utc(2026, 11, 30, 12, 3), utc(2026, 11, 30, 12, 11)))
    assert starts == [utc(2026, 11, 30, 12, 0), utc(2026, 11, 30, 12, 5), utc(2026, 11, 30, 12, 10)]


def test_iter_intervals_other_length_and_full_week():
    start, _ = market_day_bounds_utc(NORMAL_DAY)
    assert len(list(iter_intervals(start, start + timedelta(hours=24), minutes=60))) == 24
    week_start, _ = market_day_bounds_utc(date(2026, 3, 5))
    assert len(list(iter_intervals(week_start, week_start + timedelta(days=7)))) == 7 * 288


# --- overlaps -----------------------------------------------------------------------------------


T0 = utc(2026, 11, 30, 12, 0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_overlaps_partial():
    assert overlaps(at(0), at(10), at(5), at(15))
    assert overlaps(at(5), at(15), at(0), at(10))


def test_touching_intervals_do_not_overlap():
    assert not overlaps(at(0), at(5), at(5), at(10))
    assert not overlaps(at(5), at(10), at(0), at(5))


def test_identical_intervals_overlap():
    assert overlaps(at(0), at(5), at(0), at(5))


def test_contained_intervals_overlap():
    assert overlaps(at(0), at(60), at(10), at(20))
    assert overlaps(at(10), at(20), at(0), at(60))
    assert overlaps(at(0), at(60), at(0), at(5))  # shared start
    assert overlaps(at(0), at(60), at(55), at(60))  # shared end


def test_disjoint_intervals_do_not_overlap():
    assert not overlaps(at(0), at(5), at(10), at(15))


def test_empty_intervals_never_overlap():
    assert not overlaps(at(5), at(5), at(0), at(10))  # empty inside a non-empty one
    assert not overlaps(at(0), at(10), at(5), at(5))
    assert not overlaps(at(5), at(5), at(5), at(5))  # two identical empties
    assert not overlaps(at(0), at(0), at(0), at(10))  # empty at the start


def test_overlaps_mixed_zones():
    a_start = datetime(2026, 7, 15, 8, 0, tzinfo=LOCAL_TZ)  # 12:00 UTC
    assert overlaps(a_start, a_start + timedelta(hours=1), utc(2026, 7, 15, 12, 30), utc(2026, 7, 15, 14, 0))
    assert not overlaps(
        a_start, a_start + timedelta(hours=1), utc(2026, 7, 15, 13, 0), utc(2026, 7, 15, 14, 0)
    )


def test_overlaps_reversed_interval_refused():
    with pytest.raises(ValueError, match="a_end"):
        overlaps(at(10), at(0), at(0), at(5))
    with pytest.raises(ValueError, match="b_end"):
        overlaps(at(0), at(5), at(10), at(0))
