"""Input validation shared by the conflict engine's dataclasses: clear errors at input, never later.

Times must be timezone-aware and on the market interval grid (5 minutes from 00:00 EST by default) and
are normalised to UTC; enum-like values are accepted as the enum or its value in any case and spelling
("IESO", "Timed Out", "timed-out"); numbers must be finite, magnitudes >= 0.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from data.domain.market_time import INTERVAL_MINUTES, is_on_interval_boundary

E = TypeVar("E", bound=StrEnum)


def set_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen dataclass inside __post_init__."""
    object.__setattr__(obj, name, value)


def enum_value(cls: type[E], value: object, name: str) -> E:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        for member in cls:
            if member.value.lower() == key:
                return member
    allowed = ", ".join(m.value for m in cls)
    raise ValueError(f"{name} must be one of {allowed}; got {value!r}")


def check_id(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name} must be an int or str id, got {type(value).__name__}")


def check_ids(values: Iterable[Any], name: str) -> tuple[Any, ...]:
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be a collection of ids, not a string")
    out = tuple(values)
    for v in out:
        check_id(v, name)
    return out


def number(value: object, name: str, *, minimum: float | None = None, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be >= {minimum:g} (a magnitude), got {value}")
    return number


def aware(ts: object, name: str) -> datetime:
    if not isinstance(ts, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(ts).__name__}")
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {ts.isoformat()}")
    return ts.astimezone(UTC)


def require_aligned(ts: object, name: str, minutes: int = INTERVAL_MINUTES) -> datetime:
    """``ts`` as UTC if it is aware and exactly on a ``minutes`` market-interval boundary, else ValueError."""
    utc = aware(ts, name)
    if not is_on_interval_boundary(utc, minutes):
        raise ValueError(
            f"{name} {utc.isoformat()} is not on a {minutes}-minute market interval boundary "
            f"(conflict checks accept only times such as 10:00, 10:05, ... with no seconds)"
        )
    return utc


def check_date(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}")


def check_hour_ending(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 1 <= value <= 24:
        raise ValueError(f"{name} must be an hour-ending in 1..24 (EST market time), got {value}")
    return value


def check_span(obj: object, start: object, end: object) -> tuple[datetime, datetime]:
    s = require_aligned(start, f"{type(obj).__name__} start")
    e = require_aligned(end, f"{type(obj).__name__} end")
    if e <= s:
        raise ValueError(f"{type(obj).__name__} end {e.isoformat()} must be after start {s.isoformat()}")
    return s, e


def iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat()
