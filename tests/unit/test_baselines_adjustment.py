"""Baseline adjustment (M&V step 6): multiplicative with its cap, and every case where none is applied.

Calendar and decoy loads: see tests/unit/baseline_loads.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    NYISO_5_OF_10,
    PJM_HIGH_4_OF_5,
    compute_baseline,
)
from tests.unit.baseline_loads import EVENT, d, set_day, set_window, weekday_day_of_month

# --- multiplicative adjustment and the cap ----------------------------------------------------------


@pytest.mark.parametrize(
    ("window_load", "cap", "ratio_unclipped", "ratio", "clipped"),
    [
        # B_W = 10 each hour (sum 30). L_W = 12 -> r = 36 / 30 = 1.2 = 1 + cap: inclusive, not clipped.
        (12.0, 0.2, 1.2, 1.2, False),
        # L_W = 13 -> r = 39 / 30 = 1.3 -> clipped to 1 + 0.2 = 1.2.
        (13.0, 0.2, 1.3, 1.2, True),
        # L_W = 8 -> r = 24 / 30 = 0.8 = 1 - cap: inclusive.
        (8.0, 0.2, 0.8, 0.8, False),
        # L_W = 5 -> r = 15 / 30 = 0.5 -> clipped to 0.8.
        (5.0, 0.2, 0.5, 0.8, True),
        # Uncapped: 1.3 stays 1.3.
        (13.0, None, 1.3, 1.3, False),
    ],
)
def test_multiplicative_cap(window_load: float, cap: float | None, ratio_unclipped: float, ratio: float, clipped: bool):
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[0].weekday() < 5:
            loads[key] = 10.0  # every weekday flat 10 -> B_h = 10
    set_window(loads, d(6, 19), (12, 13, 14), window_load)
    method = dataclasses.replace(CAISO_10_IN_10, cap=cap)
    r = compute_baseline(loads, d(6, 19), EVENT, method)
    assert r.window_baseline == {12: 10.0, 13: 10.0, 14: 10.0}
    assert r.ratio_unclipped == pytest.approx(ratio_unclipped, rel=1e-15)
    assert r.ratio == pytest.approx(ratio, rel=1e-15)
    assert r.ratio_clipped is clipped
    assert r.adjusted == pytest.approx(dict.fromkeys(EVENT, 10.0 * ratio), rel=1e-15)
    if cap is not None and clipped:
        assert r.ratio in (1.0 + cap, 1.0 - cap)  # exactly at the bound


def test_nyiso_window_is_two_hours_two_hours_before():
    # NYISO: W = HE12-13 for an HE16 start. Weekday loads 10 -> B = 10; event day L = 11 at HE12-13 and
    # 50 at HE14-15 (inside the gap, ignored): r = 22 / 20 = 1.1.
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[0].weekday() < 5:
            loads[key] = 10.0
    set_window(loads, d(6, 19), (12, 13), 11.0)
    set_window(loads, d(6, 19), (14, 15), 50.0)
    r = compute_baseline(loads, d(6, 19), EVENT, NYISO_5_OF_10)
    assert r.window_hours == (12, 13)
    assert r.ratio == pytest.approx(1.1, rel=1e-15)


# --- no adjustment -------------------------------------------------------------------------------


def test_window_before_he1_means_no_adjustment():
    # Event HE2-3, CAISO W = 3 h ending 1 h before 01:00 -> starts at -03:00: before HE1, no adjustment.
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    set_day(loads, d(6, 19), 99.0)
    r = compute_baseline(loads, d(6, 19), (2, 3), CAISO_10_IN_10)
    assert not r.adjustment_applied
    assert "before HE1" in (r.adjustment_note or "")
    assert r.window_hours == () and r.window_baseline == {} and r.window_load == {}
    assert r.ratio is None and r.offset is None
    assert r.adjusted == r.unadjusted
    # HE5 start: W = HE1..3 fits exactly and is applied.
    assert compute_baseline(loads, d(6, 19), (5,), CAISO_10_IN_10).window_hours == (1, 2, 3)


def test_whole_day_event():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    r = compute_baseline(loads, d(6, 19), range(1, 25), PJM_HIGH_4_OF_5)
    assert sorted(r.unadjusted) == list(range(1, 25)) and not r.adjustment_applied
    # E = 18, 17, 16, 15, 12; top 4 = 18, 17, 16, 15 -> B = 66 / 4 = 16.5.
    assert r.unadjusted == dict.fromkeys(range(1, 25), 16.5)


def test_event_day_window_data_missing_means_no_adjustment_with_reason():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    del loads[(d(6, 19), 13)]
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert not r.adjustment_applied and "HE13" in (r.adjustment_note or "")
    assert r.adjusted == r.unadjusted


def test_zero_window_baseline_means_no_ratio():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[1] in (12, 13, 14):
            loads[key] = 0.0
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert not r.adjustment_applied and "zero" in (r.adjustment_note or "") and r.ratio is None


def test_method_without_adjustment():
    loads = weekday_day_of_month(d(5, 1), d(6, 19))
    method = dataclasses.replace(CAISO_10_IN_10, name="raw", adjustment="none", cap=None)
    r = compute_baseline(loads, d(6, 19), EVENT, method)
    assert not r.adjustment_applied and r.adjustment_note == "method has no adjustment"
    assert r.adjusted == r.unadjusted
