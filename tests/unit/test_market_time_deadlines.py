"""Deadlines: the DAM close and approval cut-off are fixed in EST; the next-day notice deadline moves with DST."""

from datetime import date, timedelta

import pytest

from data.domain.market_time import (
    approval_cutoff_utc,
    dam_close_utc,
    format_local,
    format_market,
    next_day_notice_deadline_utc,
)
from tests.unit.market_dates import utc

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
