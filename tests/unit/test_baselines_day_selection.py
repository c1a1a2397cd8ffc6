"""Baseline day selection (M&V steps 1-4): like-day classes, eligible days and exclusions, the top X of Y.

Calendar and decoy loads: see tests/unit/baseline_loads.py.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    NYISO_5_OF_10,
    PJM_HIGH_4_OF_5,
    NoBaselineError,
    compute_baseline,
)
from tests.unit.baseline_loads import EVENT, d, fill, set_day, set_window, weekday_day_of_month

# --- like-day classes -----------------------------------------------------------------------------


def test_weekend_event_uses_weekend_class():
    # Event Sat 2026-06-13, HE14-15, CAISO weekend 4 of 4. Back from Fri Jun 12 (weekday, ignored):
    # Sun Jun 7 = 40, Sat Jun 6 = 30, Sun May 31 = 20, Sat May 30 = 10 -> B = 100 / 4 = 25.
    # W = HE10-12 (event starts 13:00, 1 h gap -> 09:00-12:00); event day L_W = 25 -> r = 75 / 75 = 1.
    loads = fill(d(4, 20), d(6, 13))
    for day, v in ((d(6, 7), 40.0), (d(6, 6), 30.0), (d(5, 31), 20.0), (d(5, 30), 10.0)):
        set_day(loads, day, v)
    set_day(loads, d(6, 13), 25.0)
    r = compute_baseline(loads, d(6, 13), (14, 15), CAISO_10_IN_10)
    assert r.day_class == "weekend" and (r.x, r.y) == (4, 4)
    assert r.eligible_days == (d(6, 7), d(6, 6), d(5, 31), d(5, 30))
    assert r.unadjusted == {14: 25.0, 15: 25.0}
    assert r.window_hours == (10, 11, 12) and r.ratio == 1.0
    assert r.adjusted == {14: 25.0, 15: 25.0}


def test_holiday_event_uses_weekend_class():
    # Event on Canada Day, Wed 2026-07-01 -> weekend class. Sun Jun 28 = 8, Sat Jun 27 = 6, Sun Jun 21 = 4,
    # Sat Jun 20 = 2 -> B = 20 / 4 = 5. The weekdays in between (decoy 1000) are not used.
    loads = fill(d(5, 1), d(7, 1))
    for day, v in ((d(6, 28), 8.0), (d(6, 27), 6.0), (d(6, 21), 4.0), (d(6, 20), 2.0)):
        set_day(loads, day, v)
    set_day(loads, d(7, 1), 5.0)
    r = compute_baseline(loads, d(7, 1), EVENT, CAISO_10_IN_10)
    assert r.day_class == "weekend" and (r.x, r.y) == (4, 4)
    assert r.eligible_days == (d(6, 28), d(6, 27), d(6, 21), d(6, 20))
    assert r.unadjusted == dict.fromkeys(EVENT, 5.0)
    assert r.ratio == 1.0  # L_W = 15 = sum_W B


def test_holidays_override_and_civic_holiday_setting():
    # Civic Holiday Mon 2026-08-03. Event Tue Aug 4, NYISO 5 of 10 (the 5 highest of 10).
    # Loads: weekday = day of month, so the top 5 are the 5 most recent weekdays used.
    loads = fill(d(6, 1), d(8, 4))
    day = d(8, 3)
    while day >= d(6, 1):
        if day.weekday() < 5:
            set_day(loads, day, float(day.day + 100 * (day.month - 6)))  # Aug 3 = 203, Jul 31 = 131, ...
        day -= timedelta(days=1)
    set_day(loads, d(8, 4), 0.0)
    with_civic = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10)
    assert d(8, 3) not in with_civic.eligible_days
    assert (d(8, 3), "holiday: Civic Holiday") in with_civic.skipped_days
    without = compute_baseline(loads, d(8, 4), EVENT, dataclasses.replace(NYISO_5_OF_10, civic_holiday=False))
    assert without.eligible_days[0] == d(8, 3) and without.selected_days[0] == d(8, 3)
    # An explicit holiday set replaces the computed one (a Mapping keeps the names).
    custom = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10, holidays={d(7, 31): "plant shutdown"})
    assert custom.eligible_days[:2] == (d(8, 3), d(7, 30))
    assert (d(7, 31), "holiday: plant shutdown") in custom.skipped_days
    plain = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10, holidays=[d(7, 31)])
    assert (d(7, 31), "holiday: holiday") in plain.skipped_days


# --- eligible days: exclusions, reduced sample, no baseline ----------------------------------------


def test_reduced_sample_when_lookback_runs_out():
    # Event Fri 2026-06-19, CAISO with L = 14 days: the weekdays within Jun 5..18 are
    # 18, 17, 16, 15, 12, 11, 10, 9, 8, 5 (10). Activation on Jun 17, outages on Jun 10 and Jun 9 ->
    # E = 18, 16, 15, 12, 11, 8, 5 (7 < Y = 10): reduced sample, all 7 selected.
    # B = (18+16+15+12+11+8+5) / 7 = 85 / 7.
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    method = dataclasses.replace(CAISO_10_IN_10, lookback_days=14)
    r = compute_baseline(loads, d(6, 19), EVENT, method, activation_days={d(6, 17)}, outage_days={d(6, 10), d(6, 9)})
    assert r.eligible_days == (d(6, 18), d(6, 16), d(6, 15), d(6, 12), d(6, 11), d(6, 8), d(6, 5))
    assert r.reduced_sample
    assert len(r.selected_days) == 7
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 85 / 7), rel=1e-15)
    assert (d(6, 17), "activation day") in r.skipped_days
    assert (d(6, 10), "outage or constraint day") in r.skipped_days
    assert (d(6, 9), "outage or constraint day") in r.skipped_days


def test_excluded_days_do_not_count_toward_y():
    # Same exclusions with the full 45-day lookback: the search keeps going back to Jun 4, 3, 2 ->
    # E = 18, 16, 15, 12, 11, 8, 5, 4, 3, 2: B = 94 / 10 = 9.4; not a reduced sample.
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    r = compute_baseline(
        loads, d(6, 19), EVENT, CAISO_10_IN_10, activation_days={d(6, 17)}, outage_days={d(6, 10), d(6, 9)}
    )
    assert r.eligible_days[-3:] == (d(6, 4), d(6, 3), d(6, 2)) and len(r.eligible_days) == 10
    assert not r.reduced_sample
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 9.4), rel=1e-15)


def test_day_missing_a_needed_hour_is_not_eligible():
    # Event Fri 2026-06-19, CAISO. Jun 18 has no HE17 (event hour) and Jun 16 has NaN at HE13 (a W hour):
    # both skipped. Jun 17 lacks HE3, which is not needed: still eligible.
    # E = 17, 15, 12, 11, 10, 9, 8, 5, 4, 3: B = (17+15+12+11+10+9+8+5+4+3) / 10 = 94 / 10 = 9.4.
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    del loads[(d(6, 18), 17)]
    loads[(d(6, 16), 13)] = math.nan
    loads[(d(6, 17), 3)] = None
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert r.eligible_days == tuple(d(6, n) for n in (17, 15, 12, 11, 10, 9, 8, 5, 4, 3))
    assert (d(6, 18), "missing load for HE17") in r.skipped_days
    assert (d(6, 16), "missing load for HE13") in r.skipped_days
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 9.4), rel=1e-15)
    # Without an adjustment the window hours are not needed, so Jun 16 is eligible again.
    no_adj = dataclasses.replace(CAISO_10_IN_10, adjustment="none", cap=None)
    assert d(6, 16) in compute_baseline(loads, d(6, 19), EVENT, no_adj).eligible_days


def test_no_eligible_day_raises_never_zero():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    # Event Mon Jun 15 with a 1-day lookback: the only day looked at is Sunday.
    one_day = dataclasses.replace(CAISO_10_IN_10, lookback_days=1)
    with pytest.raises(NoBaselineError, match="no baseline for 2026-06-15"):
        compute_baseline(loads, d(6, 15), EVENT, one_day)
    # Every weekday of a 7-day lookback activated.
    week = dataclasses.replace(CAISO_10_IN_10, lookback_days=7)
    acts = {d(6, n) for n in (12, 11, 10, 9, 8)}
    with pytest.raises(NoBaselineError, match="activation"):
        compute_baseline(loads, d(6, 15), EVENT, week, activation_days=acts)
    # No load data at all.
    with pytest.raises(NoBaselineError, match="missing load"):
        compute_baseline({}, d(6, 15), EVENT, CAISO_10_IN_10)


# --- selection: top X by mean, ties to the more recent day ------------------------------------------


def test_pjm_high_4_of_5_selects_top_4_and_additive_offset_is_negative():
    # Event Fri 2026-06-19, HE16-19, PJM weekday 4 of 5. E = Jun 18, 17, 16, 15, 12 (Y = 5; Jun 11 and
    # earlier keep the decoy and are never reached). Flat loads 10, 50, 20, 40, 30.
    # Top 4 by mean: Jun 17 (50), Jun 15 (40), Jun 12 (30), Jun 16 (20) -> B = 140 / 4 = 35.
    # W = HE12-14, event day L_W = 30: offset = mean(30 - 35) = -5 -> B' = 35 - 5 = 30 (negative offset).
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 10.0), (17, 50.0), (16, 20.0), (15, 40.0), (12, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 19), 0.0)
    set_window(loads, d(6, 19), (12, 13, 14), 30.0)
    r = compute_baseline(loads, d(6, 19), EVENT, PJM_HIGH_4_OF_5)
    assert r.eligible_days == (d(6, 18), d(6, 17), d(6, 16), d(6, 15), d(6, 12))
    assert r.selected_days == (d(6, 17), d(6, 15), d(6, 12), d(6, 16))
    assert r.unadjusted == dict.fromkeys(EVENT, 35.0)
    assert r.offset == -5.0 and r.ratio is None
    assert r.adjusted == dict.fromkeys(EVENT, 30.0)


def test_additive_adjustment_is_not_capped():
    # Same days, event day L_W = 100: offset = 100 - 35 = +65 -> B' = 100 (a 20 % cap would give 42).
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 10.0), (17, 50.0), (16, 20.0), (15, 40.0), (12, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 19), 100.0)
    r = compute_baseline(loads, d(6, 19), EVENT, PJM_HIGH_4_OF_5)
    assert r.offset == 65.0 and r.adjusted == dict.fromkeys(EVENT, 100.0)


def test_ties_go_to_the_more_recent_day():
    # PJM 4 of 5, event Fri 2026-06-19, HE16-17. Event-window means: Jun 18 = 50; Jun 17, 16, 15 = 30;
    # Jun 12 = (20 + 40) / 2 = 30 too. Four days tie at 30 for three places: the recent ones win
    # (17, 16, 15), Jun 12 is dropped. B_16 = (50+30+30+30)/4 = 35 (with Jun 12 instead of Jun 15 it
    # would be (50+30+30+20)/4 = 32.5), B_17 = 35.
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 50.0), (17, 30.0), (16, 30.0), (15, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 12), 30.0, he16=20.0, he17=40.0)
    set_day(loads, d(6, 19), 35.0)
    r = compute_baseline(loads, d(6, 19), (16, 17), PJM_HIGH_4_OF_5)
    assert r.day_means[d(6, 12)] == r.day_means[d(6, 15)] == 30.0
    assert r.selected_days == (d(6, 18), d(6, 17), d(6, 16), d(6, 15))
    assert r.unadjusted == {16: 35.0, 17: 35.0}
    assert r.offset == 0.0  # W = HE12-14, L_W = 35 = B_W
