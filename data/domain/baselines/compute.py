"""The public entry point of the baselines: ``compute_baseline`` runs M&V steps 1-6 for one resource and one
event and returns everything it decided as a ``BaselineResult``."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from data.domain.baselines.adjustment import adjust, plan_window
from data.domain.baselines.days import day_class, eligible_days, holiday_names_for, select_days
from data.domain.baselines.loads import LoadHistory, known_load, mean
from data.domain.baselines.method import (
    Adjustment,
    BaselineMethod,
    DayClass,
    get_method,
    require_date,
    require_int,
)
from data.domain.market_time import HOURS_PER_MARKET_DAY


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
        require_int(he, 1, HOURS_PER_MARKET_DAY, "event hour-ending")
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
    require_date(event_date, "event_date")
    hours = _event_hours(event_hours)
    holiday_names = holiday_names_for(event_date, method, holidays)

    # Step 1: like-day class of the event (a holiday event uses the weekend class).
    event_class: DayClass = day_class(event_date, holiday_names) or "weekend"
    x, y = method.x_of_y(event_class)

    # Step 6 (window first, because it decides which hours a day needs).
    window, note = plan_window(method, hours[0])

    # Steps 3 and 4: eligible days, searching back from the day before the event; the X highest.
    eligible, skipped = eligible_days(
        loads, event_date, event_class, method, hours + window, holiday_names,
        frozenset(activation_days), frozenset(outage_days),
    )
    selected, means = select_days(loads, eligible, hours, x)

    # Step 5: unadjusted baseline over the event hours and W, same S.
    def b(he: int) -> float:
        return mean(known_load(loads, d, he) for d in selected)

    unadjusted = {he: b(he) for he in hours}
    window_baseline = {he: b(he) for he in window}

    # Step 6: adjustment.
    outcome = adjust(method, loads, event_date, window, note, unadjusted, window_baseline)

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
        adjusted=outcome.adjusted,
        window_hours=window,
        window_baseline=window_baseline,
        window_load=outcome.window_load,
        adjustment_applied=outcome.note is None,
        adjustment_note=outcome.note,
        ratio=outcome.ratio,
        ratio_unclipped=outcome.ratio_unclipped,
        ratio_clipped=outcome.ratio_clipped,
        offset=outcome.offset,
        skipped_days=tuple(skipped),
    )
