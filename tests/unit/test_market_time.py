"""Market-time arithmetic: EST trade days must stay 24 h on DST days; EPT deadlines must move with DST."""

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from data.domain.market_time import (
    INTERVAL_MINUTES,
    INTERVALS_PER_HOUR,
    LOCAL_TZ,
    MARKET_TZ,
    MarketTime,
    approval_cutoff_utc,
    dam_close_utc,
    floor_to_interval,
    format_local,
    format_market,
    hour_ending_end_utc,
    hour_ending_start_utc,
    interval_start_utc,
    is_on_interval_boundary,
    iter_intervals,
    market_day_bounds_utc,
    next_day_notice_deadline_utc,
    overlaps,
    parse_ieso_created_at,
    to_market_time,
    trade_date_of,
)

SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
NORMAL_DAY = date(2026, 11, 30)
DST_DAYS = [SPRING_FORWARD, FALL_BACK]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


# --- DAM close and approval cut-off -------------------------------------------------------------


def test_dam_close_for_trade_date_after_spring_forward():
    assert dam_close_utc(date(2026, 3, 9)) == utc(2026, 3, 8, 15, 0)


def test_dam_close_summer_and_winter_are_15_utc():
    assert dam_close_utc(date(2026, 7, 15)) == utc(2026, 7, 14, 15, 0)
    assert dam_close_utc(date(2026, 1, 15)) == utc(2026, 1, 14, 15, 0)


def test_dam_close_crosses_month_and_year():
    assert dam_close_utc(date(2026, 1, 1)) == utc(2025, 12, 31, 15, 0)
    assert dam_close_utc(date(2026, 3, 1)) == utc(2026, 2, 28, 15, 0)


def test_dam_close_configurable():
    assert dam_close_utc(date(2026, 7, 15), close_hour_est=9, close_minute=30) == utc(2026, 7, 14, 14, 30)


def test_dam_close_invalid_hour():
    with pytest.raises(ValueError, match="close_hour_est"):
        dam_close_utc(date(2026, 7, 15), close_hour_est=24)
    with pytest.raises(ValueError, match="close_minute"):
        dam_close_utc(date(2026, 7, 15), close_minute=60)


def test_approval_cutoff_is_12_utc_in_july_and_january():
    assert approval_cutoff_utc(date(2026, 7, 15)) == utc(2026, 7, 14, 12, 0)
    assert approval_cutoff_utc(date(2026, 1, 15)) == utc(2026, 1, 14, 12, 0)


def test_approval_cutoff_on_dst_days():
    for trade_date in (date(2026, 3, 9), date(2026, 3, 8), date(2026, 11, 2), date(2026, 11, 1)):
        cutoff = approval_cutoff_utc(trade_date)
        assert cutoff == utc(*(trade_date - timedelta(days=1)).timetuple()[:3], 12, 0)
        assert format_market(cutoff).endswith("07:00 EST")


def test_approval_cutoff_configurable():
    assert approval_cutoff_utc(date(2026, 7, 15), hours_before_close=1.5) == utc(2026, 7, 14, 13, 30)
    assert approval_cutoff_utc(date(2026, 7, 15), hours_before_close=0) == dam_close_utc(date(2026, 7, 15))
    assert approval_cutoff_utc(
        date(2026, 7, 15), hours_before_close=2, close_hour_est=11, close_minute=15
    ) == utc(2026, 7, 14, 14, 15)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_approval_cutoff_invalid_lead(bad):
    with pytest.raises(ValueError, match="hours_before_close"):
        approval_cutoff_utc(date(2026, 7, 15), hours_before_close=bad)


# --- next-day notice deadline (EPT) -------------------------------------------------------------


def test_next_day_notice_deadline_summer_vs_winter():
    assert next_day_notice_deadline_utc(date(2026, 7, 15)) == utc(2026, 7, 14, 14, 0)
    assert next_day_notice_deadline_utc(date(2026, 1, 15)) == utc(2026, 1, 14, 15, 0)


def test_next_day_notice_deadline_on_dst_days():
    # The deadline day itself is the DST day: 10:00 local is after the 02:00 switch.
    assert next_day_notice_deadline_utc(date(2026, 3, 9)) == utc(2026, 3, 8, 14, 0)
    assert next_day_notice_deadline_utc(date(2026, 11, 2)) == utc(2026, 11, 1, 15, 0)
    # For the DST day itself, the deadline is on the eve (old offset).
    assert next_day_notice_deadline_utc(date(2026, 3, 8)) == utc(2026, 3, 7, 15, 0)
    assert next_day_notice_deadline_utc(date(2026, 11, 1)) == utc(2026, 10, 31, 14, 0)


def test_next_day_notice_deadline_is_10_local():
    deadline = next_day_notice_deadline_utc(date(2026, 7, 15))
    assert format_local(deadline) == "2026-07-14 10:00 EDT"
    assert format_market(deadline) == "2026-07-14 09:00 EST"


def test_next_day_notice_deadline_configurable_and_validated():
    assert next_day_notice_deadline_utc(date(2026, 1, 15), hour_local=12) == utc(2026, 1, 14, 17, 0)
    with pytest.raises(ValueError, match="hour_local"):
        next_day_notice_deadline_utc(date(2026, 1, 15), hour_local=24)


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


# --- formatting ---------------------------------------------------------------------------------


def test_format_market_winter_and_summer():
    assert format_market(utc(2026, 11, 30, 12, 0)) == "2026-11-30 07:00 EST"
    # Market time never says EDT.
    assert format_market(utc(2026, 7, 15, 12, 0)) == "2026-07-15 07:00 EST"


def test_format_local_winter_and_summer():
    assert format_local(utc(2026, 11, 30, 12, 0)) == "2026-11-30 07:00 EST"
    assert format_local(utc(2026, 7, 15, 12, 0)) == "2026-07-15 08:00 EDT"


def test_format_accepts_any_aware_zone():
    ts = datetime(2026, 7, 15, 8, 0, tzinfo=LOCAL_TZ)
    assert format_market(ts) == "2026-07-15 07:00 EST"
    assert format_local(ts) == "2026-07-15 08:00 EDT"


def test_format_market_date_can_differ_from_local():
    ts = utc(2026, 7, 15, 4, 30)  # 00:30 EDT on the 15th, 23:30 EST on the 14th
    assert format_market(ts) == "2026-07-14 23:30 EST"
    assert format_local(ts) == "2026-07-15 00:30 EDT"


# --- parse_ieso_created_at ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-28T08:04:59", utc(2026, 9, 28, 13, 4, 59)),
        ("2025-01-31 07:30:15", utc(2025, 1, 31, 12, 30, 15)),
        ("2025/01/31 07:30:15", utc(2025, 1, 31, 12, 30, 15)),
        ("  2025/01/31 07:30:15\n", utc(2025, 1, 31, 12, 30, 15)),
        ("2026-09-28T08:04:59.250", datetime(2026, 9, 28, 13, 4, 59, 250000, tzinfo=UTC)),
        ("2026-09-28T23:59:59", utc(2026, 9, 29, 4, 59, 59)),
    ],
)
def test_parse_ieso_created_at_forms(text, expected):
    parsed = parse_ieso_created_at(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_ieso_created_at_is_est_in_summer():
    # No offset means EST even in September (EDT would give 12:04:59 UTC).
    parsed = parse_ieso_created_at("2026-09-28T08:04:59")
    assert format_market(parsed) == "2026-09-28 08:04 EST"
    assert format_local(parsed) == "2026-09-28 09:04 EDT"


def test_parse_ieso_created_at_honours_explicit_offset():
    assert parse_ieso_created_at("2026-09-28T08:04:59-04:00") == utc(2026, 9, 28, 12, 4, 59)
    assert parse_ieso_created_at("2026-09-28T08:04:59Z") == utc(2026, 9, 28, 8, 4, 59)


@pytest.mark.parametrize(
    "text",
    ["", "2026-09-28", "28/09/2026 08:04:59", "2026-13-01 00:00:00", "not a date", "2026-09-28X08:04:59"],
)
def test_parse_ieso_created_at_rejects_garbage(text):
    with pytest.raises(ValueError, match="CreatedAt"):
        parse_ieso_created_at(text)


def test_parse_ieso_created_at_rejects_non_str():
    with pytest.raises(TypeError):
        parse_ieso_created_at(None)
