"""EST trade days: (trade date, hour-ending, interval) to UTC and back; EST all year, never EDT."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from data.domain.market_time import (
    INTERVAL_MINUTES,
    INTERVALS_PER_HOUR,
    LOCAL_TZ,
    MARKET_TZ,
    MarketTime,
    floor_to_interval,
    format_local,
    format_market,
    hour_ending_end_utc,
    hour_ending_start_utc,
    interval_start_utc,
    is_on_interval_boundary,
    iter_intervals,
    market_day_bounds_utc,
    overlaps,
    to_market_time,
    trade_date_of,
)
from tests.unit.market_dates import NORMAL_DAY, utc

# --- constants ------------------------------------------------------------------------------------


def test_constants():
    assert INTERVAL_MINUTES * INTERVALS_PER_HOUR == 60
    assert MARKET_TZ.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=-5)
    assert MARKET_TZ.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=-5)
    assert LOCAL_TZ.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=-4)
    assert LOCAL_TZ.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=-5)


# --- interval_start_utc -------------------------------------------------------------------------


def test_he1_starts_at_midnight_est():
    assert interval_start_utc(NORMAL_DAY, 1) == utc(2026, 11, 30, 5, 0)
    assert interval_start_utc(NORMAL_DAY, 1, 1) == utc(2026, 11, 30, 5, 0)


def test_he24_of_normal_day():
    assert hour_ending_start_utc(NORMAL_DAY, 24) == utc(2026, 12, 1, 4, 0)
    assert hour_ending_end_utc(NORMAL_DAY, 24) == utc(2026, 12, 1, 5, 0)


def test_he24_ends_at_next_day_midnight_est():
    end = hour_ending_end_utc(NORMAL_DAY, 24)
    assert end.astimezone(MARKET_TZ) == datetime(2026, 12, 1, 0, 0, tzinfo=MARKET_TZ)
    assert end == market_day_bounds_utc(NORMAL_DAY)[1]
    assert end == hour_ending_start_utc(NORMAL_DAY + timedelta(days=1), 1)


def test_interval_12_of_he24():
    start = interval_start_utc(NORMAL_DAY, 24, 12)
    assert start == utc(2026, 12, 1, 4, 55)
    assert start.astimezone(MARKET_TZ).strftime("%H:%M") == "23:55"
    assert start + timedelta(minutes=5) == hour_ending_end_utc(NORMAL_DAY, 24)


def test_interval_offsets_within_hour():
    assert interval_start_utc(NORMAL_DAY, 8, 2) == utc(2026, 11, 30, 12, 5)
    assert interval_start_utc(NORMAL_DAY, 8, 7) == utc(2026, 11, 30, 12, 30)


def test_result_is_aware_utc():
    start = interval_start_utc(NORMAL_DAY, 5, 3)
    assert start.tzinfo is UTC


def test_summer_day_is_still_est():
    # 2026-07-15 HE1 starts at 00:00 EST = 05:00 UTC (not 04:00 as EDT would give).
    assert interval_start_utc(date(2026, 7, 15), 1) == utc(2026, 7, 15, 5, 0)


def test_hour_ending_end_is_next_hour_start():
    for he in range(1, 24):
        assert hour_ending_end_utc(NORMAL_DAY, he) == hour_ending_start_utc(NORMAL_DAY, he + 1)


@pytest.mark.parametrize("he", [0, 25, -1, 100])
def test_invalid_hour_ending(he):
    with pytest.raises(ValueError, match=r"hour_ending must be in 1\.\.24"):
        interval_start_utc(NORMAL_DAY, he)


@pytest.mark.parametrize("interval", [0, 13, -1])
def test_invalid_interval(interval):
    with pytest.raises(ValueError, match=r"interval must be in 1\.\.12"):
        interval_start_utc(NORMAL_DAY, 1, interval)


def test_invalid_hour_ending_in_helpers():
    with pytest.raises(ValueError):
        hour_ending_start_utc(NORMAL_DAY, 0)
    with pytest.raises(ValueError):
        hour_ending_end_utc(NORMAL_DAY, 25)


@pytest.mark.parametrize("bad", ["1", 1.0, True, None])
def test_non_int_hour_ending_refused(bad):
    with pytest.raises(TypeError):
        interval_start_utc(NORMAL_DAY, bad)


def test_datetime_refused_as_delivery_date():
    with pytest.raises(TypeError):
        interval_start_utc(datetime(2026, 11, 30, 12, 0), 1)


# --- to_market_time / trade_date_of -------------------------------------------------------------


def test_to_market_time_returns_named_tuple():
    result = to_market_time(utc(2026, 11, 30, 12, 7))
    assert isinstance(result, MarketTime)
    assert result == MarketTime(NORMAL_DAY, 8, 2)
    trade_date, he, interval = result
    assert (trade_date, he, interval) == (NORMAL_DAY, 8, 2)


def test_to_market_time_accepts_other_aware_zones():
    ts = datetime(2026, 7, 15, 1, 0, tzinfo=LOCAL_TZ)  # 01:00 EDT = 00:00 EST -> HE1
    assert to_market_time(ts) == (date(2026, 7, 15), 1, 1)
    ts_fixed = datetime(2026, 7, 15, 1, 0, tzinfo=timezone(timedelta(hours=-4)))
    assert to_market_time(ts_fixed) == (date(2026, 7, 15), 1, 1)


def test_to_market_time_early_edt_morning_belongs_to_previous_trade_day():
    # 00:30 EDT on 2026-07-15 is 23:30 EST on 2026-07-14: HE24, interval 7 of the 14th.
    ts = datetime(2026, 7, 15, 0, 30, tzinfo=LOCAL_TZ)
    assert to_market_time(ts) == (date(2026, 7, 14), 24, 7)
    assert trade_date_of(ts) == date(2026, 7, 14)


def test_to_market_time_boundaries():
    assert to_market_time(utc(2026, 12, 1, 4, 59, 59)) == (NORMAL_DAY, 24, 12)
    assert to_market_time(utc(2026, 12, 1, 5, 0)) == (date(2026, 12, 1), 1, 1)


def test_naive_datetime_refused():
    naive = datetime(2026, 11, 30, 12, 0)
    for fn in (
        to_market_time,
        trade_date_of,
        floor_to_interval,
        is_on_interval_boundary,
        format_market,
        format_local,
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            fn(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(iter_intervals(naive, utc(2026, 12, 1)))
    with pytest.raises(ValueError, match="timezone-aware"):
        overlaps(naive, naive, utc(2026, 1, 1), utc(2026, 1, 2))


def test_non_datetime_refused():
    with pytest.raises(TypeError):
        to_market_time(date(2026, 11, 30))
    with pytest.raises(TypeError):
        to_market_time("2026-11-30T12:00:00Z")


def test_trade_date_of():
    assert trade_date_of(utc(2026, 11, 30, 4, 59)) == date(2026, 11, 29)
    assert trade_date_of(utc(2026, 11, 30, 5, 0)) == NORMAL_DAY
    # Summer: 04:30 UTC is 00:30 EDT on the 15th locally, but still 23:30 EST on the 14th.
    assert trade_date_of(utc(2026, 7, 15, 4, 30)) == date(2026, 7, 14)


def test_market_day_bounds():
    assert market_day_bounds_utc(NORMAL_DAY) == (utc(2026, 11, 30, 5, 0), utc(2026, 12, 1, 5, 0))
    assert market_day_bounds_utc(date(2026, 7, 15)) == (utc(2026, 7, 15, 5, 0), utc(2026, 7, 16, 5, 0))


def test_market_day_bounds_consecutive_days_tile():
    day = date(2026, 1, 1)
    for _ in range(366):
        assert market_day_bounds_utc(day)[1] == market_day_bounds_utc(day + timedelta(days=1))[0]
        day += timedelta(days=1)
