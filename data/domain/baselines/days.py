"""Which days a baseline averages (M&V steps 1-4): like-day classes, holidays, eligible days E, selection S."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import date, timedelta

from data.domain.baselines.loads import LoadHistory, hours_text, known_load, load_at, mean
from data.domain.baselines.method import BaselineMethod, DayClass, require_date
from data.domain.ontario_holidays import ontario_holidays


class NoBaselineError(LookupError):
    """No eligible day was found in the lookback: there is no baseline (never a zero baseline)."""


def holidays_for_lookback(event_date: date, lookback_days: int, civic_holiday: bool = True) -> dict[date, str]:
    """Ontario holidays of every year touched by the event day and its lookback (step 2)."""
    require_date(event_date, "event_date")
    first_year = (event_date - timedelta(days=lookback_days)).year
    found: dict[date, str] = {}
    for year in range(first_year, event_date.year + 1):
        found.update(ontario_holidays(year, civic_holiday))
    return found


def holiday_names_for(
    event_date: date, method: BaselineMethod, holidays: Collection[date] | None
) -> Mapping[date, str]:
    """The holidays of one computation, with names: the override as given (a Mapping keeps its names,
    other collections are named "holiday"), else the Ontario holidays with the method's civic setting."""
    if holidays is None:
        return holidays_for_lookback(event_date, method.lookback_days, method.civic_holiday)
    if isinstance(holidays, Mapping):
        return holidays
    return dict.fromkeys(holidays, "holiday")


def day_class(day: date, holidays: Collection[date]) -> DayClass | None:
    """Like-day class of an EST date: ``None`` for a holiday (in neither class), else weekday/weekend."""
    if day in holidays:
        return None
    return "weekend" if day.weekday() >= 5 else "weekday"


def eligible_days(
    loads: LoadHistory,
    event_date: date,
    event_class: DayClass,
    method: BaselineMethod,
    needed_hours: tuple[int, ...],
    holiday_names: Mapping[date, str],
    activations: Collection[date],
    outages: Collection[date],
) -> tuple[list[date], list[tuple[date, str]]]:
    """Step 3: E (most recent first) and the days passed over with why, searching back from the day before
    the event until Y like-days are found or the lookback runs out. Raises ``NoBaselineError`` for none."""
    y = method.x_of_y(event_class)[1]
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
        missing = [he for he in needed_hours if load_at(loads, day, he) is None]
        if missing:
            skipped.append((day, f"missing load for {hours_text(missing)}"))
            continue
        eligible.append(day)

    if not eligible:
        reasons = Counter(reason.split(":")[0] for _, reason in skipped)
        detail = ", ".join(f"{n} x {r}" for r, n in sorted(reasons.items())) or "no like-day in range"
        raise NoBaselineError(
            f"no baseline for {event_date} ({method.name}, {event_class} class): no eligible {event_class} day "
            f"in the {method.lookback_days} days before the event (skipped: {detail})"
        )
    return eligible, skipped


def select_days(
    loads: LoadHistory, eligible: list[date], event_hours: tuple[int, ...], x: int
) -> tuple[tuple[date, ...], dict[date, float]]:
    """Step 4: the X days of E with the highest event-window mean (equal means: the more recent day wins),
    ranked, and the mean of every day of E."""
    means = {d: mean(known_load(loads, d, he) for he in event_hours) for d in eligible}
    ranked = sorted(eligible, key=lambda d: (-means[d], -d.toordinal()))
    return tuple(ranked[:x]), means
