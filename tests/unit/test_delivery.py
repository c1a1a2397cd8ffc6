"""Delivery, energy, percent delivered and settlement (DOMAIN.md M&V steps 7-8), hand-computed."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import pytest

from data.domain.baselines import CAISO_10_IN_10, compute_baseline
from data.domain.delivery import (
    NOT_AVAILABLE,
    SettlementBreakdown,
    delivered,
    delivered_by_hour,
    energy,
    format_percent,
    injection_delivered,
    injection_delivered_by_hour,
    percent_delivered,
    settlement,
    settlement_breakdown,
)


def test_delivered_is_clamped_at_zero():
    assert delivered(100.0, 70.0) == 30.0  # B' - L = 30
    assert delivered(100.0, 120.0) == 0.0  # consumed more than the baseline: 0, never -20
    assert delivered(100, 100) == 0.0


def test_injection_delivered():
    assert injection_delivered(250.0, 50.0) == 200.0  # G - G_base
    assert injection_delivered(40.0, 50.0) == 0.0


def test_by_hour_helpers_need_the_same_hours():
    assert delivered_by_hour({16: 100.0, 17: 100.0}, {16: 60.0, 17: 130.0}) == {16: 40.0, 17: 0.0}
    assert injection_delivered_by_hour({16: 5.0}, {16: 2.0}) == {16: 3.0}
    with pytest.raises(ValueError, match="different hours"):
        delivered_by_hour({16: 100.0, 17: 100.0}, {16: 60.0})  # a missing load is not a zero


def test_energy_uses_clamped_values():
    # D = [5, -3, 2]: the -3 is clamped to 0 -> E = (5 + 0 + 2) x 1 h = 7, not 4.
    assert energy([5.0, -3.0, 2.0]) == 7.0
    assert energy({16: 5.0, 17: -3.0, 18: 2.0}) == 7.0
    # Twelve 5-minute intervals of 60 kW: 12 x 60 x (5/60) h = 60 kWh.
    assert energy([60.0] * 12, dt_h=5 / 60) == pytest.approx(60.0, rel=1e-15)
    assert energy([]) == 0.0
    with pytest.raises(ValueError):
        energy([1.0], dt_h=0)
    with pytest.raises(ValueError):
        energy([math.nan])


def test_energy_from_baseline_and_load():
    # B' = {16: 100, 17: 100, 18: 100}, L = {16: 70, 17: 110, 18: 90} -> D = {30, 0, 10}, E = 40 kWh.
    d = delivered_by_hour({16: 100.0, 17: 100.0, 18: 100.0}, {16: 70.0, 17: 110.0, 18: 90.0})
    assert d == {16: 30.0, 17: 0.0, 18: 10.0}
    assert energy(d) == 40.0


def test_percent_delivered_known_data():
    # D = {16: 10, 17: 5, 18: 12}, A = 10 each. min(D, A) = 10 + 5 + 10 = 25 (over-delivery at HE18 is
    # capped at A); sum A = 30 -> 100 x 25 / 30 = 83.333...%.
    pct = percent_delivered({16: 10.0, 17: 5.0, 18: 12.0}, {16: 10.0, 17: 10.0, 18: 10.0})
    assert pct == pytest.approx(250 / 3, rel=1e-15)
    assert format_percent(pct) == "83.3 %"
    # Full delivery -> 100; sequences work too.
    assert percent_delivered([10.0, 20.0], [10.0, 20.0]) == 100.0
    # A negative D counts as 0: min(max(0, -4), 8) = 0; (0 + 4) / (8 + 4) = 33.33...%.
    assert percent_delivered([-4.0, 4.0], [8.0, 4.0]) == pytest.approx(100 / 3, rel=1e-15)


def test_percent_delivered_na_without_activation():
    assert percent_delivered({16: 5.0}, {16: 0.0}) is None
    assert percent_delivered([], []) is None
    assert format_percent(None) == NOT_AVAILABLE == "n/a"


def test_percent_delivered_refuses_mismatched_or_negative():
    with pytest.raises(ValueError, match="different hours"):
        percent_delivered({16: 5.0}, {16: 5.0, 17: 5.0})
    with pytest.raises(ValueError):
        percent_delivered([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=">= 0"):
        percent_delivered([1.0], [-1.0])


def test_settlement():
    # 2.5 MWh x $40/MWh = 100, + 20 availability - 30 non-performance = 90.
    assert settlement(2.5, 40.0, availability=20.0, non_performance=30.0) == 90.0
    assert settlement(2.5, 40.0) == 100.0
    # Negative price (Ontario prices can be): 2 MWh x -5 = -10.
    assert settlement(2.0, -5.0) == -10.0
    b = settlement_breakdown(2.5, 40.0, 20.0, 30.0)
    assert b == SettlementBreakdown(2.5, 40.0, 100.0, 20.0, 30.0, 90.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.total = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        settlement(-1.0, 40.0)
    with pytest.raises(ValueError):
        settlement(1.0, 40.0, non_performance=-5.0)
    with pytest.raises(TypeError):
        settlement("1", 40.0)  # type: ignore[arg-type]


def test_end_to_end_baseline_delivery_percent():
    # Event Fri 2026-06-19 HE16-17, CAISO. Ten weekdays before it at a flat 100 kW -> B = 100; event day
    # W load = 100 -> r = 1, B' = 100. Event day load 60 at HE16 and 95 at HE17 -> D = 40, 5 kW;
    # activated 40 kW each hour -> % = (40 + 5) / 80 = 56.25 %; E = 45 kWh = 0.045 MWh; at $50/MWh: 2.25.
    loads: dict[tuple[date, int], float | None] = {}
    day = date(2026, 5, 1)
    while day <= date(2026, 6, 19):
        for he in range(1, 25):
            loads[(day, he)] = 100.0
        day += timedelta(days=1)
    loads[(date(2026, 6, 19), 16)] = 60.0
    loads[(date(2026, 6, 19), 17)] = 95.0
    base = compute_baseline(loads, date(2026, 6, 19), (16, 17), CAISO_10_IN_10)
    assert base.adjusted == {16: 100.0, 17: 100.0} and base.ratio == 1.0
    event_load = {he: loads[(date(2026, 6, 19), he)] for he in (16, 17)}
    d = delivered_by_hour(base.adjusted, event_load)  # type: ignore[arg-type]
    assert d == {16: 40.0, 17: 5.0}
    assert percent_delivered(d, {16: 40.0, 17: 40.0}) == 56.25
    e_kwh = energy(d)
    assert e_kwh == 45.0
    assert settlement(e_kwh / 1000, 50.0) == pytest.approx(2.25, rel=1e-15)
