"""Baseline inputs: EST market days across DST, hourly loads and outage days from UTC, bad inputs refused.

Calendar and decoy loads: see tests/unit/baseline_loads.py.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    compute_baseline,
    hourly_loads_from_utc,
    market_days_touched,
)
from data.domain.market_time import MARKET_TZ
from tests.unit.baseline_loads import EVENT, d, fill, set_day, weekday_day_of_month

# --- DST: EST days are always 24 h, nothing special -----------------------------------------------


@pytest.mark.parametrize(
    ("event_day", "dst_day"),
    [(d(3, 9), d(3, 8)), (d(11, 2), d(11, 1))],
    ids=["after-spring-forward", "after-fall-back"],
)
def test_event_day_right_after_dst_change(event_day: date, dst_day: date):
    # Hourly readings stamped in UTC (hour start), 25 days back to the event day. The value of every
    # reading is its EST hour-ending, by plain arithmetic: EST = UTC - 5 h, HE = EST hour + 1.
    # Event day loads are 1.1 x HE. Both DST Sundays are weekend days, so the 10 weekdays before the
    # event are used, each with L_h = h -> B_h = h.
    # Event HE8-9 (starts 07:00 EST) -> W = HE4..6: sum_W B = 4+5+6 = 15, sum_W L = 1.1 x 15 = 16.5,
    # r = 1.1, B'_8 = 8.8, B'_9 = 9.9.
    start = datetime.combine(event_day - timedelta(days=25), datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)
    readings = []
    for k in range(26 * 24):
        ts = start + timedelta(hours=k)
        he = (ts.hour - 5) % 24 + 1
        est_date = (ts - timedelta(hours=5)).date()
        readings.append((ts, 1.1 * he if est_date == event_day else float(he)))
    loads = hourly_loads_from_utc(readings)
    # The DST day still has HE1..24, one value each, in EST.
    assert [he for (day, he) in loads if day == dst_day] == list(range(1, 25))
    assert all(loads[(dst_day, he)] == he for he in range(1, 25))

    r = compute_baseline(loads, event_day, (8, 9), CAISO_10_IN_10)

    weekdays_before = []
    day = event_day - timedelta(days=1)
    while len(weekdays_before) < 10:
        if day.weekday() < 5:
            weekdays_before.append(day)
        day -= timedelta(days=1)
    assert r.eligible_days == tuple(weekdays_before)
    assert dst_day not in r.eligible_days
    assert r.unadjusted == {8: 8.0, 9: 9.0}
    assert r.window_hours == (4, 5, 6)
    assert r.ratio == pytest.approx(1.1, rel=1e-12)
    assert r.adjusted == pytest.approx({8: 8.8, 9: 9.9}, rel=1e-12)


def test_event_on_dst_sunday_is_a_24_hour_weekend_day():
    # Whole-day event on Sun 2026-03-08 (23 h in Toronto, 24 h in EST). Weekend 4 of 4: Mar 7, 1, Feb 28,
    # Feb 22 with loads 4, 3, 2, 1 -> B_h = 10 / 4 = 2.5 for all 24 hours. HE1 event -> no adjustment.
    loads = fill(d(2, 1), d(3, 8))
    for day, v in ((d(3, 7), 4.0), (d(3, 1), 3.0), (d(2, 28), 2.0), (d(2, 22), 1.0)):
        set_day(loads, day, v)
    r = compute_baseline(loads, d(3, 8), range(1, 25), CAISO_10_IN_10)
    assert r.day_class == "weekend"
    assert r.eligible_days == (d(3, 7), d(3, 1), d(2, 28), d(2, 22))
    assert r.unadjusted == dict.fromkeys(range(1, 25), 2.5) == r.adjusted
    assert not r.adjustment_applied and "before HE1" in (r.adjustment_note or "")


# --- bad inputs -----------------------------------------------------------------------------------


def test_bad_inputs_refused():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [], CAISO_10_IN_10)
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [0, 1], CAISO_10_IN_10)
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [16, 16], CAISO_10_IN_10)
    with pytest.raises(TypeError):
        compute_baseline(loads, datetime(2026, 6, 19, tzinfo=UTC), EVENT, CAISO_10_IN_10)
    loads[(d(6, 18), 16)] = math.inf
    with pytest.raises(ValueError, match="infinite"):
        compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)


# --- UTC helpers ----------------------------------------------------------------------------------


def test_market_days_touched_uses_est_dates():
    # 2026-06-11 00:30 EDT = 04:30 UTC = Jun 10 23:30 EST: the outage belongs to EST day Jun 10 only.
    assert market_days_touched(datetime(2026, 6, 11, 4, 30, tzinfo=UTC), datetime(2026, 6, 11, 4, 50, tzinfo=UTC)) == {
        d(6, 10)
    }
    # Jun 10 23:00 EST .. Jun 12 00:00 EST (exclusive end at midnight) -> Jun 10, Jun 11.
    start = datetime(2026, 6, 10, 23, tzinfo=MARKET_TZ)
    end = datetime(2026, 6, 12, 0, tzinfo=MARKET_TZ)
    assert market_days_touched(start, end) == {d(6, 10), d(6, 11)}
    assert market_days_touched(start, start) == set()
    with pytest.raises(ValueError):
        market_days_touched(end, start)


def test_hourly_loads_from_utc_validation():
    t = datetime(2026, 6, 10, 5, tzinfo=UTC)  # 00:00 EST -> HE1
    assert hourly_loads_from_utc([(t, 1.0), (t + timedelta(hours=23), 24.0), (t + timedelta(hours=1), None)]) == {
        (d(6, 10), 1): 1.0,
        (d(6, 10), 24): 24.0,
    }
    with pytest.raises(ValueError, match="hour boundary"):
        hourly_loads_from_utc([(t + timedelta(minutes=5), 1.0)])
    with pytest.raises(ValueError, match="two readings"):
        hourly_loads_from_utc([(t, 1.0), (t, 2.0)])
