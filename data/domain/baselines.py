"""M&V customer baselines: the exact steps 1-6 of DOMAIN.md, "M&V formulas".

A baseline is computed per resource on EST market days (``Etc/GMT+5``): every day has HE 1..24, DST-change
days included, and the day type comes from the EST date. Loads are keyed by ``(EST date, hour-ending)``;
baselines come out in the same unit. Nothing is rounded on the way (sums use ``math.fsum``).

1. Like-days: weekdays (Mon-Fri) and weekend days (Sat + Sun pooled). Holidays (``ontario_holidays``)
   belong to neither class and are never eligible; an event on a holiday uses the weekend class.
2. Holidays: see ``data.domain.ontario_holidays``.
3. Eligible days E: search back day by day from the day before the event, over the ``lookback_days``
   calendar days before it, taking like-days that are not holidays, not activation days and not outage or
   constraint days (the caller passes those as EST date sets: a day counts if it was affected at any time
   of the day; ``market_days_touched`` turns a UTC span into those dates). Stop when Y days are found or
   the lookback is exhausted. Fewer than Y: use those found, ``reduced_sample=True``; none: raise
   ``NoBaselineError`` (never a zero baseline).
   Missing data (a choice of this module): a day lacking load for any hour the baseline needs -- the
   event hours, plus the adjustment-window hours when an adjustment will be made -- is not eligible
   either; it is skipped like an excluded day and does not count toward Y. A ``None`` or NaN value is
   missing, never zero.
4. Selection S: the X days of E with the highest mean load over the event hours (all of E when it has X
   or fewer); among equal means the more recent day wins.
5. Unadjusted baseline: ``B_h = mean over S of L_{d,h}`` for the event hours and the window hours.
6. Adjustment over W = the ``window_length_h`` hours ending ``window_gap_h`` hours before the event start
   (the first event hour), on the event day; if W would begin before HE1 there is no adjustment.
   Multiplicative: ``r = sum_W L / sum_W B`` clipped to ``[1 - cap, 1 + cap]`` inclusive (``cap=None``:
   unclipped), ``B'_h = r B_h``. Additive: ``B'_h = B_h + mean_W(L - B)``, never capped (may be negative).
   Also no adjustment (with the reason in ``adjustment_note``) when the event day lacks load in W, or,
   for multiplicative, when ``sum_W B = 0`` (the ratio is undefined).

Pure Python: no framework imports.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from data.domain.market_time import (
    HOURS_PER_MARKET_DAY,
    MARKET_TZ,
    market_day_bounds_utc,
    to_market_time,
    trade_date_of,
)
from data.domain.ontario_holidays import ontario_holidays

__all__ = [
    "ADJUSTMENTS",
    "CAISO_10_IN_10",
    "DEFAULT_METHOD_NAME",
    "NYISO_5_OF_10",
    "PJM_HIGH_4_OF_5",
    "PRESETS",
    "Adjustment",
    "BaselineMethod",
    "BaselineResult",
    "DayClass",
    "LoadHistory",
    "NoBaselineError",
    "adjustment_window",
    "compute_baseline",
    "day_class",
    "get_method",
    "holidays_for_lookback",
    "hourly_loads_from_utc",
    "market_days_touched",
]

Adjustment = Literal["none", "multiplicative", "additive"]
DayClass = Literal["weekday", "weekend"]
ADJUSTMENTS: tuple[str, ...] = ("none", "multiplicative", "additive")

# Hourly loads keyed by (EST market date, hour-ending 1..24). A missing key, None or NaN is "no value".
LoadHistory = Mapping[tuple[date, int], float | None]


class NoBaselineError(LookupError):
    """No eligible day was found in the lookback: there is no baseline (never a zero baseline)."""


# --- method ---------------------------------------------------------------------------------------


def _require_int(value: object, low: int, high: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")


def _require_date(value: object, name: str) -> None:
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
            _require_int(y, 1, 366, f"{kind}_y")
            _require_int(x, 1, y, f"{kind}_x (X of Y, so at most {kind}_y={y})")
        if self.adjustment not in ADJUSTMENTS:
            raise ValueError(f"adjustment must be one of {ADJUSTMENTS}, got {self.adjustment!r}")
        min_length = 0 if self.adjustment == "none" else 1
        _require_int(self.window_length_h, min_length, HOURS_PER_MARKET_DAY - 1, "window_length_h")
        _require_int(self.window_gap_h, 0, HOURS_PER_MARKET_DAY - 1, "window_gap_h")
        if self.cap is not None:
            if self.adjustment != "multiplicative":
                raise ValueError(f"cap applies to the multiplicative adjustment only (adjustment={self.adjustment!r})")
            if isinstance(self.cap, bool) or not isinstance(self.cap, int | float):
                raise TypeError(f"cap must be a number or None, got {type(self.cap).__name__}")
            if not math.isfinite(self.cap) or self.cap < 0:
                raise ValueError(f"cap must be a finite number >= 0 or None, got {self.cap}")
        _require_int(self.lookback_days, 1, 3660, "lookback_days")
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


# --- calendar -------------------------------------------------------------------------------------


def holidays_for_lookback(event_date: date, lookback_days: int, civic_holiday: bool = True) -> dict[date, str]:
    """Ontario holidays of every year touched by the event day and its lookback (step 2)."""
    _require_date(event_date, "event_date")
    first_year = (event_date - timedelta(days=lookback_days)).year
    found: dict[date, str] = {}
    for year in range(first_year, event_date.year + 1):
        found.update(ontario_holidays(year, civic_holiday))
    return found


def day_class(day: date, holidays: Collection[date]) -> DayClass | None:
    """Like-day class of an EST date: ``None`` for a holiday (in neither class), else weekday/weekend."""
    if day in holidays:
        return None
    return "weekend" if day.weekday() >= 5 else "weekday"


def adjustment_window(event_start_he: int, length_h: int, gap_h: int) -> tuple[int, ...] | None:
    """Hour-endings of W: the ``length_h`` hours ending ``gap_h`` hours before the event start.

    The event starts at the beginning of HE ``s``, i.e. ``s - 1`` h after 00:00 EST; W ends ``gap_h`` h
    earlier, so W = HE ``s - gap - length`` .. ``s - gap - 1``. None when W would begin before HE1 (or is
    empty). Example: event HE16, 3 h, 1 h gap -> HE 12, 13, 14; event HE2, 3 h, 1 h gap -> None.
    """
    _require_int(event_start_he, 1, HOURS_PER_MARKET_DAY, "event_start_he")
    first = event_start_he - gap_h - length_h
    last = event_start_he - gap_h - 1
    if length_h < 1 or first < 1:
        return None
    return tuple(range(first, last + 1))


# --- inputs from UTC ------------------------------------------------------------------------------


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
        number = _as_value(value, f"reading at {ts.isoformat()}")
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


# --- computation ----------------------------------------------------------------------------------


def _as_value(value: object, where: str) -> float | None:
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


def _load(loads: LoadHistory, day: date, he: int) -> float | None:
    return _as_value(loads.get((day, he)), f"load {day} HE{he}")


def _known(loads: LoadHistory, day: date, he: int) -> float:
    """Load of an hour already checked present (eligible days, event-day window)."""
    value = _load(loads, day, he)
    if value is None:  # pragma: no cover - guarded by the eligibility check
        raise AssertionError(f"load {day} HE{he} vanished")
    return value


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return math.fsum(items) / len(items)


def _hours_text(hours: Iterable[int]) -> str:
    return ", ".join(f"HE{h}" for h in hours)


@dataclass(frozen=True)
class BaselineResult:
    """Everything a baseline computation decided, for display, audit and delivery (no rounding)."""

    method: BaselineMethod
    event_date: date
    event_hours: tuple[int, ...]
    day_class: DayClass  # like-day class used (weekend for an event on a holiday)
    x: int
    y: int
    eligible_days: tuple[date, ...]  # E, in search order (most recent first)
    selected_days: tuple[date, ...]  # S, ranked: highest event-window mean first, ties -> more recent first
    day_means: dict[date, float]  # mean load over the event hours of each day of E
    reduced_sample: bool  # fewer than Y eligible days were found
    unadjusted: dict[int, float]  # B_h for the event hours
    adjusted: dict[int, float]  # B'_h for the event hours (== unadjusted when no adjustment applied)
    window_hours: tuple[int, ...]  # W (empty when the method has no adjustment or W begins before HE1)
    window_baseline: dict[int, float]  # B_h over W (same S)
    window_load: dict[int, float]  # event-day L_h over W (what was found)
    adjustment_applied: bool
    adjustment_note: str | None  # why no adjustment was applied; None when it was
    ratio: float | None  # multiplicative r after clipping
    ratio_unclipped: float | None  # sum_W L / sum_W B before clipping
    ratio_clipped: bool
    offset: float | None  # additive mean_W (L - B)
    skipped_days: tuple[tuple[date, str], ...]  # holidays and like-days passed over in the search, with why

    @property
    def adjustment(self) -> Adjustment:
        return self.method.adjustment

    @property
    def baseline(self) -> dict[int, float]:
        """The baseline to measure delivery against: ``adjusted``."""
        return self.adjusted


def _event_hours(event_hours: Iterable[int]) -> tuple[int, ...]:
    hours = list(event_hours)
    if not hours:
        raise ValueError("event_hours is empty")
    for he in hours:
        _require_int(he, 1, HOURS_PER_MARKET_DAY, "event hour-ending")
    if len(set(hours)) != len(hours):
        raise ValueError(f"event_hours has repeated hours: {hours}")
    return tuple(sorted(hours))


def compute_baseline(
    loads: LoadHistory,
    event_date: date,
    event_hours: Iterable[int],
    method: BaselineMethod | None = None,
    *,
    activation_days: Collection[date] = (),
    outage_days: Collection[date] = (),
    holidays: Collection[date] | None = None,
) -> BaselineResult:
    """Baseline of one resource for one event (DOMAIN.md M&V steps 1-6).

    ``loads``: hourly loads of the resource keyed by (EST date, HE). ``event_date``: EST date of the event;
    ``event_hours``: its hour-endings (any set in 1..24; the first one is the event start).
    ``activation_days``: days with an activation of the resource (any program, any issuer);
    ``outage_days``: days with an outage or constraint affecting it at any time. ``holidays``: override
    the Ontario holiday set (a Mapping date -> name keeps the names); None computes it with the method's
    ``civic_holiday`` setting. ``method`` defaults to the ``DEFAULT_METHOD_NAME`` preset.

    Raises ``NoBaselineError`` when no day is eligible.
    """
    method = get_method() if method is None else method
    if not isinstance(method, BaselineMethod):
        raise TypeError(f"method must be a BaselineMethod, got {type(method).__name__}")
    _require_date(event_date, "event_date")
    hours = _event_hours(event_hours)

    if holidays is None:
        holiday_names: Mapping[date, str] = holidays_for_lookback(
            event_date, method.lookback_days, method.civic_holiday
        )
    elif isinstance(holidays, Mapping):
        holiday_names = holidays
    else:
        holiday_names = dict.fromkeys(holidays, "holiday")
    activations = frozenset(activation_days)
    outages = frozenset(outage_days)

    # Step 1: like-day class of the event (a holiday event uses the weekend class).
    event_class: DayClass = day_class(event_date, holiday_names) or "weekend"
    x, y = method.x_of_y(event_class)

    # Step 6 (window first, because it decides which hours a day needs).
    note: str | None = None
    window: tuple[int, ...] = ()
    if method.adjustment == "none":
        note = "method has no adjustment"
    else:
        found_window = adjustment_window(hours[0], method.window_length_h, method.window_gap_h)
        if found_window is None:
            note = (
                f"adjustment window of {method.window_length_h} h ending {method.window_gap_h} h before the "
                f"event start (HE{hours[0]}) would begin before HE1"
            )
        else:
            window = found_window
    needed = hours + window

    # Step 3: eligible days, searching back from the day before the event.
    eligible: list[date] = []
    skipped: list[tuple[date, str]] = []
    for back in range(1, method.lookback_days + 1):
        if len(eligible) >= y:
            break
        day = event_date - timedelta(days=back)
        cls = day_class(day, holiday_names)
        if cls is None:
            skipped.append((day, f"holiday: {holiday_names[day]}"))
            continue
        if cls != event_class:
            continue
        if day in activations:
            skipped.append((day, "activation day"))
            continue
        if day in outages:
            skipped.append((day, "outage or constraint day"))
            continue
        missing = [he for he in needed if _load(loads, day, he) is None]
        if missing:
            skipped.append((day, f"missing load for {_hours_text(missing)}"))
            continue
        eligible.append(day)

    if not eligible:
        reasons = Counter(reason.split(":")[0] for _, reason in skipped)
        detail = ", ".join(f"{n} x {r}" for r, n in sorted(reasons.items())) or "no like-day in range"
        raise NoBaselineError(
            f"no baseline for {event_date} ({method.name}, {event_class} class): no eligible {event_class} day "
            f"in the {method.lookback_days} days before the event (skipped: {detail})"
        )

    # Step 4: X days with the highest event-window mean; equal means -> the more recent day wins.
    means = {d: _mean(_known(loads, d, he) for he in hours) for d in eligible}
    ranked = sorted(eligible, key=lambda d: (-means[d], -d.toordinal()))
    selected = tuple(ranked[:x])

    # Step 5: unadjusted baseline over the event hours and W, same S.
    def b(he: int) -> float:
        return _mean(_known(loads, d, he) for d in selected)

    unadjusted = {he: b(he) for he in hours}
    window_baseline = {he: b(he) for he in window}

    # Step 6: adjustment.
    window_load: dict[int, float] = {}
    for he in window:
        value = _load(loads, event_date, he)
        if value is not None:
            window_load[he] = value
    ratio = ratio_unclipped = offset = None
    clipped = False
    adjusted = dict(unadjusted)
    if window and note is None:
        missing_event = [he for he in window if he not in window_load]
        if missing_event:
            note = f"event-day load missing for {_hours_text(missing_event)} in the adjustment window"
        elif method.adjustment == "multiplicative":
            sum_b = math.fsum(window_baseline.values())
            if sum_b == 0:
                note = "baseline sum over the adjustment window is zero: the ratio is undefined"
            else:
                ratio_unclipped = math.fsum(window_load.values()) / sum_b
                ratio = ratio_unclipped
                if method.cap is not None:
                    ratio = min(max(ratio_unclipped, 1.0 - method.cap), 1.0 + method.cap)
                clipped = ratio != ratio_unclipped
                adjusted = {he: ratio * value for he, value in unadjusted.items()}
        else:  # additive
            offset = _mean(window_load[he] - window_baseline[he] for he in window)
            adjusted = {he: value + offset for he, value in unadjusted.items()}

    return BaselineResult(
        method=method,
        event_date=event_date,
        event_hours=hours,
        day_class=event_class,
        x=x,
        y=y,
        eligible_days=tuple(eligible),
        selected_days=selected,
        day_means=means,
        reduced_sample=len(eligible) < y,
        unadjusted=unadjusted,
        adjusted=adjusted,
        window_hours=window,
        window_baseline=window_baseline,
        window_load=window_load,
        adjustment_applied=note is None,
        adjustment_note=note,
        ratio=ratio,
        ratio_unclipped=ratio_unclipped,
        ratio_clipped=clipped,
        offset=offset,
        skipped_days=tuple(skipped),
    )
