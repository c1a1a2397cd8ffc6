"""Approval cut-off: 07:00 EST = 12:00 UTC every day of the year, DST-change days included; countdown and urgency."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from data.domain.enums import Severity
from data.domain.limits.timing import (
    countdown,
    countdown_text,
    cutoff_for,
    format_countdown,
    is_expired,
    urgency,
)

TORONTO = ZoneInfo("America/Toronto")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- cutoff_for -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trade_date", "cutoff"),
    [
        (date(2026, 3, 9), utc(2026, 3, 8, 12)),  # D-1 is spring-forward day
        (date(2026, 3, 8), utc(2026, 3, 7, 12)),  # the trade date itself is spring-forward day
        (date(2026, 11, 2), utc(2026, 11, 1, 12)),  # D-1 is fall-back day
        (date(2026, 11, 1), utc(2026, 10, 31, 12)),
        (date(2026, 7, 15), utc(2026, 7, 14, 12)),  # summer: still 12:00 UTC (07:00 EST, 08:00 EDT)
        (date(2026, 1, 15), utc(2026, 1, 14, 12)),  # winter
        (date(2026, 1, 1), utc(2025, 12, 31, 12)),  # across a year end
        (date(2028, 3, 1), utc(2028, 2, 29, 12)),  # leap day
    ],
)
def test_default_cutoff_is_noon_utc_the_day_before(trade_date, cutoff):
    assert cutoff_for(trade_date) == cutoff


def test_summer_cutoff_reads_08_00_on_a_toronto_wall_clock():
    assert cutoff_for(date(2026, 7, 15)).astimezone(TORONTO).hour == 8
    assert cutoff_for(date(2026, 1, 15)).astimezone(TORONTO).hour == 7


@pytest.mark.parametrize(
    ("hours_before", "close_hour", "cutoff"),
    [
        (0, 10, utc(2026, 7, 14, 15)),  # at DAM close itself
        (1.5, 10, utc(2026, 7, 14, 13, 30)),
        (3.0, 11, utc(2026, 7, 14, 13)),
        (12, 10, utc(2026, 7, 14, 3)),
        (20, 10, utc(2026, 7, 13, 19)),  # lead reaching into D-2
    ],
)
def test_configurable_cutoff(hours_before, close_hour, cutoff):
    assert cutoff_for(date(2026, 7, 15), hours_before, close_hour) == cutoff


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_bad_lead_refused(bad):
    with pytest.raises(ValueError):
        cutoff_for(date(2026, 7, 15), bad)


def test_bad_close_hour_refused():
    with pytest.raises(ValueError):
        cutoff_for(date(2026, 7, 15), 3.0, 24)


def test_trade_date_must_be_a_date():
    with pytest.raises(TypeError):
        cutoff_for(utc(2026, 7, 15))  # type: ignore[arg-type]


def test_cutoff_is_aware_utc():
    assert cutoff_for(date(2026, 7, 15)).utcoffset() == timedelta(0)


# --- countdown ----------------------------------------------------------------------------------

CUTOFF = utc(2026, 3, 8, 12)  # trade date 2026-03-09


def test_countdown_is_the_time_left():
    assert countdown(utc(2026, 3, 8, 9, 46), CUTOFF) == timedelta(hours=2, minutes=14)


def test_countdown_never_negative():
    assert countdown(CUTOFF, CUTOFF) == timedelta(0)
    assert countdown(CUTOFF + timedelta(hours=5), CUTOFF) == timedelta(0)


def test_countdown_across_the_spring_forward_jump_counts_real_time():
    # 01:30 EST on a Toronto wall clock, then clocks jump 02:00 -> 03:00; the cut-off reads 08:00 EDT.
    # Wall-clock difference 6 h 30 min, real time left 5 h 30 min.
    now = datetime(2026, 3, 8, 1, 30, tzinfo=TORONTO)
    assert countdown(now, CUTOFF) == timedelta(hours=5, minutes=30)
    assert countdown_text(now, CUTOFF) == "5 h 30 min"


def test_countdown_across_the_fall_back_repeat_counts_real_time():
    cutoff = cutoff_for(date(2026, 11, 2))  # 2026-11-01 12:00 UTC = 07:00 EST
    now = datetime(2026, 11, 1, 0, 30, tzinfo=TORONTO)  # EDT, 04:30 UTC; 01:00-02:00 happens twice
    assert countdown(now, cutoff) == timedelta(hours=7, minutes=30)


def test_countdown_accepts_any_zone_and_refuses_naive():
    assert countdown(datetime(2026, 3, 8, 6, 0, tzinfo=ZoneInfo("Etc/GMT+5")), CUTOFF) == timedelta(hours=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        countdown(datetime(2026, 3, 8, 6, 0), CUTOFF)
    with pytest.raises(ValueError, match="timezone-aware"):
        countdown(CUTOFF, datetime(2026, 3, 8, 12, 0))


@pytest.mark.parametrize(
    ("remaining", "text"),
    [
        (timedelta(hours=2, minutes=14), "2 h 14 min"),
        (timedelta(hours=2, minutes=14, seconds=59), "2 h 14 min"),  # rounded down, never promises more
        (timedelta(hours=2), "2 h 0 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(seconds=59), "< 1 min"),
        (timedelta(seconds=1), "< 1 min"),
        (timedelta(microseconds=1), "< 1 min"),
        (timedelta(0), "expired"),
        (timedelta(minutes=-5), "expired"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 d 0 h"),
        (timedelta(days=6, hours=22, minutes=40), "6 d 22 h"),
    ],
)
def test_format_countdown(remaining, text):
    assert format_countdown(remaining) == text


def test_countdown_text():
    assert countdown_text(utc(2026, 3, 8, 9, 46), CUTOFF) == "2 h 14 min"
    assert countdown_text(CUTOFF, CUTOFF) == "expired"


# --- is_expired ---------------------------------------------------------------------------------


def test_expired_from_the_cutoff_on():
    day = date(2026, 3, 9)
    assert not is_expired(CUTOFF - timedelta(microseconds=1), day)
    assert is_expired(CUTOFF, day)
    assert is_expired(CUTOFF + timedelta(days=1), day)


def test_expiry_on_fall_back_day_in_toronto_time():
    day = date(2026, 11, 2)
    assert not is_expired(datetime(2026, 11, 1, 6, 59, tzinfo=TORONTO), day)  # EST after fall-back
    assert is_expired(datetime(2026, 11, 1, 7, 0, tzinfo=TORONTO), day)


def test_expiry_uses_the_configured_lead_and_close():
    day = date(2026, 7, 15)
    now = utc(2026, 7, 14, 13)  # 08:00 EST: past the default cut-off, before a 1 h lead one
    assert is_expired(now, day)
    assert not is_expired(now, day, hours_before_close=1)
    assert is_expired(now, day, hours_before_close=1, close_hour_est=9)


def test_is_expired_refuses_naive_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_expired(datetime(2026, 7, 14, 13), date(2026, 7, 15))


# --- urgency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "severity"),
    [
        (timedelta(hours=5), None),
        (timedelta(hours=2), None),  # "action < 2 h": exactly 2 h is not yet
        (timedelta(hours=1, minutes=59, seconds=59), Severity.ACTION),
        (timedelta(minutes=30), Severity.ACTION),  # "alarm < 30 min": exactly 30 min is not yet
        (timedelta(minutes=29, seconds=59), Severity.ALARM),
        (timedelta(seconds=1), Severity.ALARM),
        (timedelta(0), Severity.ALARM),  # expired: red for everyone
        (timedelta(hours=-3), Severity.ALARM),
    ],
)
def test_urgency_thresholds(left, severity):
    assert urgency(CUTOFF - left, CUTOFF) is severity


def test_urgency_thresholds_are_parameters():
    now = CUTOFF - timedelta(minutes=50)
    assert urgency(now, CUTOFF) is Severity.ACTION
    assert urgency(now, CUTOFF, alarm_within=timedelta(hours=1)) is Severity.ALARM
    assert urgency(now, CUTOFF, alarm_within=timedelta(minutes=10), action_within=timedelta(minutes=20)) is None


def test_urgency_with_zero_thresholds_alarms_only_when_expired():
    zero = timedelta(0)
    assert urgency(CUTOFF - timedelta(seconds=1), CUTOFF, zero, zero) is None
    assert urgency(CUTOFF, CUTOFF, zero, zero) is Severity.ALARM


@pytest.mark.parametrize(
    ("alarm", "action"),
    [(timedelta(hours=3), timedelta(hours=2)), (timedelta(minutes=-1), timedelta(hours=2))],
)
def test_urgency_refuses_inconsistent_thresholds(alarm, action):
    with pytest.raises(ValueError, match="alarm_within"):
        urgency(CUTOFF, CUTOFF, alarm, action)
