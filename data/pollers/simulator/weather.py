"""Deterministic weather per IESO zone: cloud cover (for PV) and hub-height wind speed (for wind).

Both are smooth functions of absolute time, seeded per day and zone, so neighbouring intervals agree and
any interval can be computed on its own.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime

from data.pollers.simulator.rng import smooth_normal, unit

__all__ = ["cloudiness", "wind_speed"]


def _hours(ts: datetime) -> float:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"a timezone-aware instant is required, got naive {ts.isoformat()}")
    return ts.astimezone(UTC).timestamp() / 3600


def cloudiness(seed: int, zone: str, ts: datetime) -> float:
    """Cloud cover 0 (clear) .. 1 (overcast) over ``zone`` (a region) at ``ts``.

    One level per day and zone, drawn for noon EST (17:00 UTC) and skewed towards clear skies, joined
    smoothly from one noon to the next (no jump at midnight), plus a smooth hour-to-hour variation.
    """
    t_hours = _hours(ts)
    position = (t_hours - 17.0) / 24.0
    day = math.floor(position)
    weight = (1.0 - math.cos(math.pi * (position - day))) / 2.0
    today = unit(seed, "cloud-day", zone, day) ** 1.3
    tomorrow = unit(seed, "cloud-day", zone, day + 1) ** 1.3
    level = today * (1.0 - weight) + tomorrow * weight
    variation = 0.12 * smooth_normal(seed, t_hours, 2.0, "cloud-hour", zone)
    return max(0.0, min(1.0, level + variation))


def wind_speed(seed: int, zone: str, ts: datetime) -> float:
    """Hub-height wind speed (m/s) in ``zone``: windier in winter, a province-wide weather system (1-day
    scale), a zonal one (12 h) and gusts (2 h)."""
    t_hours = _hours(ts)
    day_of_year = ts.astimezone(UTC).timetuple().tm_yday
    seasonal = 7.0 * (1.0 + 0.2 * math.cos(2 * math.pi * (day_of_year - 20) / 365.25))
    speed = (
        seasonal
        + 2.0 * smooth_normal(seed, t_hours, 24.0, "wind-ontario")
        + 1.5 * smooth_normal(seed, t_hours, 12.0, "wind-zone", zone)
        + 0.8 * smooth_normal(seed, t_hours, 2.0, "wind-gust", zone)
    )
    return max(0.0, speed)
