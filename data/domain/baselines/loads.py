"""Hourly loads keyed by EST market day: read from UTC stamps, looked up with "no value" never zero.

Also the EST market dates a UTC span touches (the outage and constraint days of step 3).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from data.domain.market_time import MARKET_TZ, market_day_bounds_utc, to_market_time, trade_date_of

# Hourly loads keyed by (EST market date, hour-ending 1..24). A missing key, None or NaN is "no value".
LoadHistory = Mapping[tuple[date, int], float | None]


def as_value(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{where}: load must be a number or None, got {type(value).__name__}")
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{where}: load is infinite")
    return number


def load_at(loads: LoadHistory, day: date, he: int) -> float | None:
    return as_value(loads.get((day, he)), f"load {day} HE{he}")


def known_load(loads: LoadHistory, day: date, he: int) -> float:
    """Load of an hour already checked present (eligible days, event-day window)."""
    value = load_at(loads, day, he)
    if value is None:  # pragma: no cover - guarded by the eligibility check
        raise AssertionError(f"load {day} HE{he} vanished")
    return value


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return math.fsum(items) / len(items)


def hours_text(hours: Iterable[int]) -> str:
    return ", ".join(f"HE{h}" for h in hours)


def hourly_loads_from_utc(readings: Iterable[tuple[datetime, float | None]]) -> dict[tuple[date, int], float]:
    """Key hourly readings by (EST date, hour-ending); each reading is stamped with its hour's start.

    The stamp must be aware and on an EST hour boundary. On DST-change days the EST day still has 24
    hours. ``None``/NaN readings are left out (no value is never zero); a repeated hour is refused.
    """
    loads: dict[tuple[date, int], float] = {}
    for ts, value in readings:
        mt = to_market_time(ts)
        local = ts.astimezone(MARKET_TZ)
        if local.minute or local.second or local.microsecond:
            raise ValueError(f"hourly reading not on an hour boundary: {ts.isoformat()}")
        key = (mt.trade_date, mt.hour_ending)
        if key in loads:
            raise ValueError(f"two readings for {key[0]} HE{key[1]}")
        number = as_value(value, f"reading at {ts.isoformat()}")
        if number is not None:
            loads[key] = number
    return loads


def market_days_touched(start_utc: datetime, end_utc: datetime) -> set[date]:
    """EST market dates that the half-open span [start, end) touches (for outage/constraint days).

    An empty span touches nothing; an end exactly at 00:00 EST does not touch the next day.
    """
    start_day = trade_date_of(start_utc)
    end_day = trade_date_of(end_utc)
    if end_utc < start_utc:
        raise ValueError(f"end {end_utc.isoformat()} is before start {start_utc.isoformat()}")
    if end_utc == start_utc:
        return set()
    if end_utc == market_day_bounds_utc(end_day)[0]:
        end_day -= timedelta(days=1)
    return {start_day + timedelta(days=k) for k in range((end_day - start_day).days + 1)}
