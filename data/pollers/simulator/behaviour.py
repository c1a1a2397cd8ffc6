"""How each kind of DER behaves over a day (pure functions of time and a few parameters).

Signs follow DOMAIN.md: + export/injection (generation, discharge), - import (charging, consumption).
Times are hours of a day as floats: EST hours (0..24 from 00:00 EST) for market-driven behaviour (battery
arbitrage on the 17:00-21:00 EST peak), local prevailing hours (America/Toronto) for people (EV plug-in,
workplace hours). Callers convert with ``data.domain.market_time``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BatteryPlan",
    "battery_day",
    "chp_fraction",
    "ev_residential_kw",
    "ev_workplace_fraction",
    "flexible_load_kw",
    "hydro_fraction",
    "wind_power_fraction",
]

SLOT_HOURS = 5 / 60  # one 5-minute interval
SLOTS_PER_DAY = 288


# --- batteries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatteryPlan:
    """The daily arbitrage of one battery, in EST hours. Energy is kept in [floor, ceiling] x energy_kwh."""

    night_charge: tuple[float, float] = (1.0, 5.0)  # off-peak, from the grid
    midday_charge: tuple[float, float] = (10.0, 15.0)  # from PV
    discharge: tuple[float, float] = (17.0, 21.0)  # the evening peak
    floor: float = 0.10
    ceiling: float = 0.95
    charge_efficiency: float = 0.92  # energy stored per kWh drawn


def _inside(hour: float, window: tuple[float, float]) -> bool:
    return window[0] <= hour < window[1]


def battery_day(
    capacity_kw: float,
    energy_kwh: float,
    midday_share: float,
    dispatched: Sequence[bool] = (),
    plan: BatteryPlan = BatteryPlan(),
) -> tuple[list[float], list[float]]:
    """Output (kW, + discharge) and stored energy at the end (kWh) of each of the 288 slots of an EST day.

    The day starts at the floor. The battery charges ``1 - midday_share`` of tonight's evening energy off-peak
    at night and the rest at midday, then discharges it over the evening peak. A dispatched slot
    (``dispatched[k]``) discharges at full power while energy lasts. Energy never leaves
    [floor, ceiling] x ``energy_kwh``, so it never exceeds ``energy_kwh``; power never exceeds
    ``capacity_kw``.
    """
    if capacity_kw <= 0 or energy_kwh <= 0:
        return [0.0] * SLOTS_PER_DAY, [0.0] * SLOTS_PER_DAY
    share = max(0.0, min(1.0, midday_share))
    low, high = plan.floor * energy_kwh, plan.ceiling * energy_kwh
    discharge_hours = plan.discharge[1] - plan.discharge[0]
    budget = min(high - low, capacity_kw * discharge_hours)
    rates = {
        "night": budget * (1 - share) / (plan.night_charge[1] - plan.night_charge[0]) / plan.charge_efficiency,
        "midday": budget * share / (plan.midday_charge[1] - plan.midday_charge[0]) / plan.charge_efficiency,
        "discharge": budget / discharge_hours,
    }
    stored = low
    outputs: list[float] = []
    levels: list[float] = []
    for k in range(SLOTS_PER_DAY):
        hour = k * SLOT_HOURS
        available = (stored - low) / SLOT_HOURS  # kW that empties it to the floor in this slot
        room = (high - stored) / SLOT_HOURS / plan.charge_efficiency  # kW that fills it to the ceiling
        if k < len(dispatched) and dispatched[k]:
            power = min(capacity_kw, available)
        elif _inside(hour, plan.discharge):
            power = min(capacity_kw, rates["discharge"], available)
        elif _inside(hour, plan.night_charge):
            power = -min(capacity_kw, rates["night"], room)
        elif _inside(hour, plan.midday_charge):
            power = -min(capacity_kw, rates["midday"], room)
        else:
            power = 0.0
        if power >= 0:
            stored -= power * SLOT_HOURS
        else:
            stored -= power * SLOT_HOURS * plan.charge_efficiency
        stored = min(high, max(low, stored))  # float dust only
        outputs.append(power)
        levels.append(stored)
    return outputs, levels


# --- EV chargers ------------------------------------------------------------------------------------


def ev_residential_kw(
    capacity_kw: float, local_hour: float, sessions: Sequence[tuple[float, float]]
) -> float:
    """A home charger: ``-capacity_kw`` while a session runs. ``sessions`` are (start, end) in local hours of
    the same day; an end past 24 runs into the next day (the caller passes yesterday's shifted by -24)."""
    for start, end in sessions:
        if start <= local_hour < end:
            return -capacity_kw
    return 0.0


def ev_workplace_fraction(local_hour: float, weekend: bool, busy: float) -> float:
    """Share of a workplace or fleet charger's capacity in use: a daytime hump 07:00-18:00 local, peaking
    late morning, ``busy`` (0..1) scaling the day; weekends a fifth of it."""
    if not 7.0 <= local_hour < 18.0:
        return 0.02 * busy  # a vehicle or two overnight
    hump = math.sin(math.pi * (local_hour - 7.0) / 11.0) ** 0.7
    return busy * hump * (0.2 if weekend else 1.0)


# --- flexible load --------------------------------------------------------------------------------------


def flexible_load_kw(capacity_kw: float, utilisation: float, shape: float, curtail: float = 0.0) -> float:
    """Consumption (negative) of a flexible load: ``capacity x utilisation x shape`` (shape = Ontario demand
    normalised, ~0.55-1.1), reduced by ``curtail`` (0..1) while dispatched."""
    used = capacity_kw * max(0.0, min(1.0, utilisation * shape))
    return -used * (1.0 - max(0.0, min(1.0, curtail)))


# --- generation ------------------------------------------------------------------------------------------


def wind_power_fraction(speed_m_s: float, cut_in: float = 3.0, rated: float = 12.0, cut_out: float = 25.0) -> float:
    """A generic turbine power curve: cubic between cut-in and rated speed, flat to cut-out, 0 beyond."""
    if speed_m_s < cut_in or speed_m_s >= cut_out:
        return 0.0
    if speed_m_s >= rated:
        return 1.0
    return (speed_m_s**3 - cut_in**3) / (rated**3 - cut_in**3)


def hydro_fraction(day_of_year: int) -> float:
    """Run-of-river output share by season: the spring freshet (late April) high, late summer low."""
    freshet = math.exp(-(((day_of_year - 115) / 35.0) ** 2))
    autumn = 0.5 * math.exp(-(((day_of_year - 310) / 40.0) ** 2))
    return min(1.0, 0.35 + 0.55 * freshet + 0.15 * autumn)


def chp_fraction(local_hour: float, weekend: bool, baseload: bool) -> float:
    """Gas CHP share of capacity: baseload units run flat; others follow the working day (06:00-22:00)."""
    if baseload:
        return 0.85
    if 6.0 <= local_hour < 22.0 and not weekend:
        return 0.9
    return 0.35
