"""Customer baselines end to end: a hand-computed CAISO example and real IESO load against plain computation.

Calendar and decoy loads: see tests/unit/baseline_loads.py.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    PJM_HIGH_4_OF_5,
    compute_baseline,
)
from tests.unit.baseline_loads import EVENT, d, fill, set_day, set_window

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mv" / "ontario-demand-hourly-20180607-20180716.csv"

# --- CAISO 10-in-10: holiday skipped, multiplicative within the cap ----------------------------------


def test_caiso_weekday_skips_victoria_day_and_goes_back_past_it():
    # Event Wed 2026-05-20, HE16-19. Searching back from Tue May 19 over weekdays:
    #   May 19, [May 18 Victoria Day: holiday, skipped], 15, 14, 13, 12, 11, 8, 7, 6, 5  -> Y = 10 found,
    #   the search stops there (Mon May 4 is never looked at: it keeps the decoy 1000).
    # Each used day has a flat load equal to its day of month:
    #   sum = 19+15+14+13+12+11+8+7+6+5 = 110, so B_h = 110 / 10 = 11 for every hour.
    # Event day load over W (HE12-14) = 12.1 each: r = (3 x 12.1) / (3 x 11) = 36.3 / 33 = 1.1 (within
    # [0.8, 1.2]), B'_h = 1.1 x 11 = 12.1.
    loads = fill(d(4, 1), d(5, 20))
    used = [d(5, n) for n in (19, 15, 14, 13, 12, 11, 8, 7, 6, 5)]
    for day in used:
        set_day(loads, day, float(day.day))
    set_day(loads, d(5, 20), 7.0)
    set_window(loads, d(5, 20), (12, 13, 14), 12.1)

    r = compute_baseline(loads, d(5, 20), EVENT, CAISO_10_IN_10)

    assert r.day_class == "weekday" and (r.x, r.y) == (10, 10)
    assert r.eligible_days == tuple(used)
    assert r.selected_days == tuple(used)  # ranked by mean: 19 > 15 > ... > 5
    assert (d(5, 18), "holiday: Victoria Day") in r.skipped_days
    assert not r.reduced_sample
    assert r.unadjusted == pytest.approx({16: 11.0, 17: 11.0, 18: 11.0, 19: 11.0})
    assert r.window_hours == (12, 13, 14)
    assert r.window_baseline == pytest.approx({12: 11.0, 13: 11.0, 14: 11.0})
    assert r.window_load == {12: 12.1, 13: 12.1, 14: 12.1}
    assert r.adjustment_applied and r.adjustment_note is None
    assert r.ratio == pytest.approx(1.1, rel=1e-12) and not r.ratio_clipped
    assert r.adjusted == pytest.approx(dict.fromkeys(EVENT, 12.1), rel=1e-12)
    assert r.baseline is r.adjusted and r.offset is None
    assert r.day_means[d(5, 19)] == 19.0


def test_default_method_is_caiso():
    loads = fill(d(4, 1), d(5, 20), 10.0)
    assert compute_baseline(loads, d(5, 20), EVENT).method is CAISO_10_IN_10

# --- real IESO load ------------------------------------------------------------------------------


def _real_loads() -> dict[tuple[date, int], float]:
    with FIXTURE.open(newline="") as f:
        return {
            (date.fromisoformat(row["Date"]), int(row["Hour"])): float(row["Ontario Demand"])
            for row in csv.DictReader(f)
        }


REAL_EVENT_DAY = date(2018, 7, 16)  # a Monday in a July heat spell
REAL_HOLIDAYS = {date(2018, 7, 1), date(2018, 7, 2)}  # Canada Day (Sunday) and its observed Monday


def test_real_ieso_demand_caiso_against_plain_computation():
    loads = _real_loads()
    assert len(loads) == 40 * 24
    result = compute_baseline(loads, REAL_EVENT_DAY, EVENT, CAISO_10_IN_10)

    # Independent computation, written plainly: the 10 weekdays before the event that are not holidays.
    days = []
    day = REAL_EVENT_DAY - timedelta(days=1)
    while len(days) < 10 and (REAL_EVENT_DAY - day).days <= 45:
        if day.weekday() < 5 and day not in REAL_HOLIDAYS:
            days.append(day)
        day -= timedelta(days=1)
    assert days == [date(2018, 7, n) for n in (13, 12, 11, 10, 9, 6, 5, 4, 3)] + [date(2018, 6, 29)]
    baseline = {h: sum(loads[(x, h)] for x in days) / len(days) for h in (12, 13, 14, 16, 17, 18, 19)}
    ratio = sum(loads[(REAL_EVENT_DAY, h)] for h in (12, 13, 14)) / sum(baseline[h] for h in (12, 13, 14))
    ratio = min(max(ratio, 0.8), 1.2)
    expected = {h: ratio * baseline[h] for h in EVENT}

    assert result.eligible_days == tuple(days)
    assert (date(2018, 7, 2), "holiday: Canada Day (observed)") in result.skipped_days
    assert set(result.selected_days) == set(days)  # 10 of 10: all of E
    assert result.window_hours == (12, 13, 14)
    assert result.ratio == pytest.approx(ratio, rel=1e-12)
    for h in EVENT:
        assert result.unadjusted[h] == pytest.approx(baseline[h], rel=1e-12)
        assert result.adjusted[h] == pytest.approx(expected[h], rel=1e-12)
    # Plausibility: Ontario summer afternoon demand, in MW.
    assert all(15_000 < v < 25_000 for v in result.adjusted.values())


def test_real_ieso_demand_pjm_against_plain_computation():
    loads = _real_loads()
    result = compute_baseline(loads, REAL_EVENT_DAY, EVENT, PJM_HIGH_4_OF_5)
    # The 5 most recent non-holiday weekdays, the 4 with the highest HE16-19 mean, then additive.
    days = [date(2018, 7, n) for n in (13, 12, 11, 10, 9)]
    mean = {x: sum(loads[(x, h)] for h in EVENT) / 4 for x in days}
    top4 = sorted(days, key=lambda x: mean[x], reverse=True)[:4]
    baseline = {h: sum(loads[(x, h)] for x in top4) / 4 for h in (12, 13, 14, 16, 17, 18, 19)}
    offset = sum(loads[(REAL_EVENT_DAY, h)] - baseline[h] for h in (12, 13, 14)) / 3
    assert result.eligible_days == tuple(days)
    assert result.selected_days == tuple(top4)
    assert result.offset == pytest.approx(offset, rel=1e-12)
    for h in EVENT:
        assert result.adjusted[h] == pytest.approx(baseline[h] + offset, rel=1e-12)
