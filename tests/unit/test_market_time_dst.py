"""DST days: the EST market day stays 24 h and 288 intervals while Toronto's clock has 23 or 25 h."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from data.domain.market_time import (
    LOCAL_TZ,
    format_local,
    format_market,
    hour_ending_end_utc,
    hour_ending_start_utc,
    interval_start_utc,
    iter_intervals,
    market_day_bounds_utc,
    to_market_time,
)
from tests.unit.market_dates import DST_DAYS, FALL_BACK, SPRING_FORWARD, utc

# --- DST days: the EST market day is always 24 h ----------------------------------------------


@pytest.mark.parametrize("day", DST_DAYS)
def test_dst_market_day_has_24_hours(day):
    start, end = market_day_bounds_utc(day)
    assert end - start == timedelta(hours=24)
    assert start == hour_ending_start_utc(day, 1)
    assert end == hour_ending_end_utc(day, 24)


@pytest.mark.parametrize("day", DST_DAYS)
def test_dst_day_has_24_distinct_hour_starts_one_hour_apart(day):
    starts = [hour_ending_start_utc(day, he) for he in range(1, 25)]
    assert len(set(starts)) == 24
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))


@pytest.mark.parametrize("day", DST_DAYS)
def test_dst_day_has_288_intervals(day):
    start, end = market_day_bounds_utc(day)
    intervals = list(iter_intervals(start, end))
    assert len(intervals) == 288
    assert len(set(intervals)) == 288
    expected = [interval_start_utc(day, he, i) for he in range(1, 25) for i in range(1, 13)]
    assert intervals == expected


@pytest.mark.parametrize("day", DST_DAYS)
def test_round_trip_all_288_intervals_of_dst_day(day):
    for he in range(1, 25):
        for i in range(1, 13):
            start = interval_start_utc(day, he, i)
            assert to_market_time(start) == (day, he, i)
            # The last instant of the interval still maps to it.
            assert to_market_time(start + timedelta(minutes=5) - timedelta(microseconds=1)) == (day, he, i)


def test_local_day_differs_but_market_day_does_not():
    # In Toronto time the spring-forward day has 23 h and the fall-back day 25 h.
    spring_local = datetime(2026, 3, 9, tzinfo=LOCAL_TZ) - datetime(2026, 3, 8, tzinfo=LOCAL_TZ)
    spring_local_utc = datetime(2026, 3, 9, tzinfo=LOCAL_TZ).astimezone(UTC) - datetime(
        2026, 3, 8, tzinfo=LOCAL_TZ
    ).astimezone(UTC)
    fall_local_utc = datetime(2026, 11, 2, tzinfo=LOCAL_TZ).astimezone(UTC) - datetime(
        2026, 11, 1, tzinfo=LOCAL_TZ
    ).astimezone(UTC)
    assert spring_local == timedelta(hours=24)  # same-zone subtraction is wall-clock: the trap
    assert spring_local_utc == timedelta(hours=23)
    assert fall_local_utc == timedelta(hours=25)
    for day in DST_DAYS:
        start, end = market_day_bounds_utc(day)
        assert end - start == timedelta(hours=24)


def test_spring_forward_he3_shows_edt_locally():
    # HE3 on 2026-03-08 starts 02:00 EST = 07:00 UTC = 03:00 EDT (02:00 EPT does not exist).
    start = hour_ending_start_utc(SPRING_FORWARD, 3)
    assert start == utc(2026, 3, 8, 7, 0)
    assert format_market(start) == "2026-03-08 02:00 EST"
    assert format_local(start) == "2026-03-08 03:00 EDT"


def test_fall_back_hours_are_distinct_though_local_clock_repeats():
    # 01:00 EDT and 01:00 EST both occur locally on 2026-11-01; market HE2 and HE3 stay distinct.
    he2 = hour_ending_start_utc(FALL_BACK, 2)
    he3 = hour_ending_start_utc(FALL_BACK, 3)
    assert he2 == utc(2026, 11, 1, 6, 0)
    assert he3 == utc(2026, 11, 1, 7, 0)
    assert format_local(he2) == "2026-11-01 01:00 EST"
    assert format_local(he2 - timedelta(hours=1)) == "2026-11-01 01:00 EDT"
