"""Baseline methods (DOMAIN.md M&V): the presets, validation, the adjustment-window arithmetic, like-day classes.

Calendar and decoy loads: see tests/unit/baseline_loads.py.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    DEFAULT_METHOD_NAME,
    NYISO_5_OF_10,
    PJM_HIGH_4_OF_5,
    PRESETS,
    adjustment_window,
    day_class,
    get_method,
)
from tests.unit.baseline_loads import d

# --- presets and method -----------------------------------------------------------------------------


def test_presets_match_domain_table():
    assert set(PRESETS) == {"CAISO 10-in-10", "PJM High 4 of 5", "NYISO 5 of 10"}
    assert DEFAULT_METHOD_NAME == "CAISO 10-in-10" and get_method() is CAISO_10_IN_10

    def row(m: object) -> tuple:
        fields = ("weekday_x", "weekday_y", "weekend_x", "weekend_y", "adjustment", "window_length_h", "window_gap_h")
        return (*(getattr(m, f) for f in fields), m.cap, m.lookback_days)  # type: ignore[attr-defined]

    assert row(CAISO_10_IN_10) == (10, 10, 4, 4, "multiplicative", 3, 1, 0.2, 45)
    assert row(PJM_HIGH_4_OF_5) == (4, 5, 2, 3, "additive", 3, 1, None, 45)
    assert row(NYISO_5_OF_10) == (5, 10, 2, 3, "multiplicative", 2, 2, 0.2, 30)
    assert all(m.civic_holiday for m in PRESETS.values())
    assert PRESETS["PJM High 4 of 5"] is PJM_HIGH_4_OF_5 and get_method("NYISO 5 of 10") is NYISO_5_OF_10
    with pytest.raises(KeyError, match="unknown baseline method"):
        get_method("ERCOT")


def test_method_is_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAISO_10_IN_10.cap = 0.3  # type: ignore[misc]
    bad = [
        {"weekday_x": 11},  # X > Y
        {"weekend_y": 0},
        {"adjustment": "exponential"},
        {"window_length_h": 0},  # an adjustment needs a window
        {"window_gap_h": -1},
        {"cap": -0.1},
        {"cap": math.inf},
        {"lookback_days": 0},
        {"name": " "},
    ]
    for change in bad:
        with pytest.raises(ValueError):
            dataclasses.replace(CAISO_10_IN_10, **change)
    with pytest.raises(ValueError, match="multiplicative adjustment only"):
        dataclasses.replace(PJM_HIGH_4_OF_5, cap=0.2)  # additive is never capped
    with pytest.raises(TypeError):
        dataclasses.replace(CAISO_10_IN_10, civic_holiday=1)
    assert dataclasses.replace(CAISO_10_IN_10, adjustment="none", cap=None, window_length_h=0).window_length_h == 0


def test_adjustment_window_arithmetic():
    # Event HE16 starts 15:00 EST; 1 h gap -> W ends 14:00; 3 h long -> 11:00-14:00 = HE12, 13, 14.
    assert adjustment_window(16, 3, 1) == (12, 13, 14)
    # NYISO: 2 h ending 2 h before 15:00 -> 11:00-13:00 = HE12, 13.
    assert adjustment_window(16, 2, 2) == (12, 13)
    # Event HE5 starts 04:00; W = 00:00-03:00 = HE1..3: begins exactly at HE1, allowed.
    assert adjustment_window(5, 3, 1) == (1, 2, 3)
    # Event HE4 starts 03:00; W would be 23:00 the day before .. 02:00 -> before HE1.
    assert adjustment_window(4, 3, 1) is None
    # Event HE2 with 3 h + 1 h gap: W would start at -03:00.
    assert adjustment_window(2, 3, 1) is None
    assert adjustment_window(2, 1, 0) == (1,)  # gap 0: W ends at the event start
    assert adjustment_window(1, 1, 0) is None


def test_day_class():
    hol = {d(5, 18)}
    assert day_class(d(5, 18), hol) is None  # holiday: neither class
    assert day_class(d(5, 19), hol) == "weekday"
    assert day_class(d(5, 16), hol) == "weekend" and day_class(d(5, 17), hol) == "weekend"
