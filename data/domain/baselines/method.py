"""Baseline methods: every parameter explicit and validated, the presets, and the look-up by name."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from data.domain.market_time import HOURS_PER_MARKET_DAY

Adjustment = Literal["none", "multiplicative", "additive"]
DayClass = Literal["weekday", "weekend"]
ADJUSTMENTS: tuple[str, ...] = ("none", "multiplicative", "additive")


def require_int(value: object, low: int, high: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")


def require_date(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}")


@dataclass(frozen=True)
class BaselineMethod:
    """All parameters of a baseline method, explicit (no hidden defaults)."""

    name: str
    weekday_x: int
    weekday_y: int
    weekend_x: int
    weekend_y: int
    adjustment: Adjustment
    window_length_h: int
    window_gap_h: int
    cap: float | None  # multiplicative only; None = uncapped
    lookback_days: int
    civic_holiday: bool

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("name must be a non-empty string")
        for kind in ("weekday", "weekend"):
            x, y = getattr(self, f"{kind}_x"), getattr(self, f"{kind}_y")
            require_int(y, 1, 366, f"{kind}_y")
            require_int(x, 1, y, f"{kind}_x (X of Y, so at most {kind}_y={y})")
        if self.adjustment not in ADJUSTMENTS:
            raise ValueError(f"adjustment must be one of {ADJUSTMENTS}, got {self.adjustment!r}")
        min_length = 0 if self.adjustment == "none" else 1
        require_int(self.window_length_h, min_length, HOURS_PER_MARKET_DAY - 1, "window_length_h")
        require_int(self.window_gap_h, 0, HOURS_PER_MARKET_DAY - 1, "window_gap_h")
        if self.cap is not None:
            if self.adjustment != "multiplicative":
                raise ValueError(f"cap applies to the multiplicative adjustment only (adjustment={self.adjustment!r})")
            if isinstance(self.cap, bool) or not isinstance(self.cap, int | float):
                raise TypeError(f"cap must be a number or None, got {type(self.cap).__name__}")
            if not math.isfinite(self.cap) or self.cap < 0:
                raise ValueError(f"cap must be a finite number >= 0 or None, got {self.cap}")
        require_int(self.lookback_days, 1, 3660, "lookback_days")
        if not isinstance(self.civic_holiday, bool):
            raise TypeError(f"civic_holiday must be a bool, got {type(self.civic_holiday).__name__}")

    def x_of_y(self, cls: DayClass) -> tuple[int, int]:
        """(X, Y) for a like-day class."""
        if cls == "weekday":
            return self.weekday_x, self.weekday_y
        if cls == "weekend":
            return self.weekend_x, self.weekend_y
        raise ValueError(f"day class must be 'weekday' or 'weekend', got {cls!r}")


CAISO_10_IN_10 = BaselineMethod(
    name="CAISO 10-in-10",
    weekday_x=10,
    weekday_y=10,
    weekend_x=4,
    weekend_y=4,
    adjustment="multiplicative",
    window_length_h=3,
    window_gap_h=1,
    cap=0.2,
    lookback_days=45,
    civic_holiday=True,
)
PJM_HIGH_4_OF_5 = BaselineMethod(
    name="PJM High 4 of 5",
    weekday_x=4,
    weekday_y=5,
    weekend_x=2,
    weekend_y=3,
    adjustment="additive",
    window_length_h=3,
    window_gap_h=1,
    cap=None,
    lookback_days=45,
    civic_holiday=True,
)
# NYISO parameters are [U] in DOMAIN.md: configurable, like every preset.
NYISO_5_OF_10 = BaselineMethod(
    name="NYISO 5 of 10",
    weekday_x=5,
    weekday_y=10,
    weekend_x=2,
    weekend_y=3,
    adjustment="multiplicative",
    window_length_h=2,
    window_gap_h=2,
    cap=0.2,
    lookback_days=30,
    civic_holiday=True,
)
PRESETS: dict[str, BaselineMethod] = {m.name: m for m in (CAISO_10_IN_10, PJM_HIGH_4_OF_5, NYISO_5_OF_10)}
DEFAULT_METHOD_NAME = CAISO_10_IN_10.name


def get_method(name: str | None = None, presets: Mapping[str, BaselineMethod] | None = None) -> BaselineMethod:
    """The preset called ``name`` (``DEFAULT_METHOD_NAME`` when None), from ``presets`` or ``PRESETS``."""
    table = PRESETS if presets is None else presets
    key = DEFAULT_METHOD_NAME if name is None else name
    try:
        return table[key]
    except KeyError:
        raise KeyError(f"unknown baseline method {key!r}; known: {sorted(table)}") from None
