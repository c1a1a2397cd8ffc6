"""Sun position and clear-sky PV output (pure functions).

Solar position follows NOAA's "General Solar Position Calculations" (fractional-year Fourier series for the
equation of time and declination), good to a fraction of a degree, which is plenty for PV shapes. Clear-sky
irradiance uses the Kasten-Young air mass and Meinel's attenuation ``1.353 x 0.7^(AM^0.678)`` kW/m2, with
10% diffuse added; a PV system's output is that over 1 kW/m2 times a performance ratio.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime

from data.pollers.simulator.weather import cloudiness

__all__ = [
    "PERFORMANCE_RATIO",
    "clear_sky_fraction",
    "pv_fraction",
    "solar_elevation_deg",
]

PERFORMANCE_RATIO = 0.85  # inverter, wiring, temperature and soiling losses
SOLAR_CONSTANT_KW_M2 = 1.353
CLOUD_ATTENUATION = 0.75  # output under full overcast = 25% of clear sky


def _require_utc(ts: datetime) -> datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"a timezone-aware instant is required, got naive {ts.isoformat()}")
    return ts.astimezone(UTC)


def solar_elevation_deg(lat: float, lon: float, ts: datetime) -> float:
    """Elevation of the sun above the horizon (degrees, negative at night) at ``lat``/``lon`` (degrees, east
    positive) and an aware instant ``ts`` (NOAA approximation)."""
    utc = _require_utc(ts)
    day_of_year = utc.timetuple().tm_yday
    hours = utc.hour + utc.minute / 60 + utc.second / 3600
    days_in_year = 366 if utc.year % 4 == 0 and (utc.year % 100 != 0 or utc.year % 400 == 0) else 365
    gamma = 2 * math.pi / days_in_year * (day_of_year - 1 + (hours - 12) / 24)
    eq_time = 229.18 * (
        0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma)
    )
    declination = (
        0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma) + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma)
    )
    true_solar_minutes = hours * 60 + eq_time + 4 * lon
    hour_angle = math.radians(true_solar_minutes / 4 - 180)
    phi = math.radians(lat)
    cos_zenith = math.sin(phi) * math.sin(declination) + math.cos(phi) * math.cos(declination) * math.cos(
        hour_angle
    )
    cos_zenith = max(-1.0, min(1.0, cos_zenith))
    return 90.0 - math.degrees(math.acos(cos_zenith))


def clear_sky_fraction(elevation_deg: float) -> float:
    """PV output per kW of capacity under a clear sky at a given sun elevation (0 at night, ~0.8 at most)."""
    if elevation_deg <= 0.0:
        return 0.0
    zenith = 90.0 - elevation_deg
    cos_z = math.cos(math.radians(zenith))
    air_mass = 1.0 / (cos_z + 0.50572 * (96.07995 - zenith) ** -1.6364)
    direct = SOLAR_CONSTANT_KW_M2 * 0.7 ** (air_mass**0.678)
    global_horizontal = 1.1 * direct * cos_z
    return max(0.0, min(1.0, global_horizontal * PERFORMANCE_RATIO))


def pv_fraction(seed: int, zone: str, lat: float, lon: float, ts: datetime) -> float:
    """PV output per kW of capacity: clear-sky fraction x (1 - 0.75 x cloudiness)."""
    clear = clear_sky_fraction(solar_elevation_deg(lat, lon, ts))
    if clear == 0.0:
        return 0.0
    return clear * (1.0 - CLOUD_ATTENUATION * cloudiness(seed, zone, ts))
