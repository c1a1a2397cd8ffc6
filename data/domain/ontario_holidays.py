"""Ontario holidays for M&V baselines (DOMAIN.md, "M&V formulas", step 2).

The holidays excluded from baseline like-days are New Year's Day, Family Day, Good Friday, Victoria Day,
Canada Day, Civic Holiday (configurable, on by default), Labour Day, Thanksgiving, Christmas Day and Boxing
Day. When one of them falls on a Saturday or Sunday, both that date and its observed weekday are holidays;
the observed weekday is the next Monday-Friday date that is not already a holiday (an actual holiday date
or a day already taken as an earlier holiday's observance). Holidays are processed in date order, so in
2021 Christmas (Sat 25) is observed Mon 27 and Boxing Day (Sun 26) Tue 28, and in 2022 Christmas (Sun 25)
skips Boxing Day (Mon 26) and is observed Tue 27.

The actual dates come from the ``holidays`` package (``holidays.CA(subdiv="ON")``, no hand-typed list), but
only with ``observed=False``: its observed days do not follow this rule (it lacks e.g. Canada Day
2017-07-03 and 2018-07-02), so observance is computed here. Pure Python, no framework imports.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

__all__ = ["BASELINE_HOLIDAY_NAMES", "FAMILY_DAY_FIRST_YEAR", "is_ontario_holiday", "ontario_holidays"]

# Canonical name (as written in DOMAIN.md) -> names the ``holidays`` package uses for it (language en_CA).
_PACKAGE_NAMES: dict[str, tuple[str, ...]] = {
    "New Year's Day": ("New Year's Day",),
    "Family Day": ("Family Day",),
    "Good Friday": ("Good Friday",),
    "Victoria Day": ("Victoria Day",),
    "Canada Day": ("Canada Day", "Dominion Day"),
    "Civic Holiday": ("Civic Holiday",),
    "Labour Day": ("Labour Day", "Labor Day"),
    "Thanksgiving": ("Thanksgiving Day", "Thanksgiving"),
    "Christmas Day": ("Christmas Day",),
    "Boxing Day": ("Boxing Day",),
}
BASELINE_HOLIDAY_NAMES: tuple[str, ...] = tuple(_PACKAGE_NAMES)
# Ontario's Family Day (third Monday of February) was first held in 2008.
FAMILY_DAY_FIRST_YEAR = 2008
_OBSERVED_SUFFIX = " (observed)"


def _require_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, got {type(year).__name__}")
    if not 1900 <= year <= 2200:
        raise ValueError(f"year must be in 1900..2200, got {year}")


@lru_cache(maxsize=256)
def _actual_dates(year: int, civic_holiday: bool) -> tuple[tuple[date, str], ...]:
    """The actual (not observed) date of each baseline holiday in ``year``, sorted by date."""
    package = holidays.CA(subdiv="ON", years=year, observed=False, categories=("public", "optional"), language="en_CA")
    by_package_name: dict[str, date] = {}
    for day, names in package.items():
        for name in str(names).split("; "):
            by_package_name.setdefault(name.strip(), day)
    found: list[tuple[date, str]] = []
    for canonical, aliases in _PACKAGE_NAMES.items():
        if canonical == "Civic Holiday" and not civic_holiday:
            continue
        day = next((by_package_name[a] for a in aliases if a in by_package_name), None)
        if day is None:
            if canonical == "Family Day" and year < FAMILY_DAY_FIRST_YEAR:
                continue
            # A renamed holiday in a new package version must fail loudly, never silently shrink the list.
            raise LookupError(
                f"holidays {holidays.__version__} returned no {canonical!r} for Ontario {year}; "
                f"got {sorted(by_package_name)}"
            )
        found.append((day, canonical))
    return tuple(sorted(found))


def ontario_holidays(year: int, civic_holiday: bool = True) -> dict[date, str]:
    """Every date of ``year`` excluded from baselines as a holiday, with its name, in date order.

    Observed weekdays are named "<holiday> (observed)". ``civic_holiday=False`` drops the Civic Holiday
    (first Monday of August), which is not a statutory holiday in Ontario.
    """
    _require_year(year)
    if not isinstance(civic_holiday, bool):
        raise TypeError(f"civic_holiday must be a bool, got {type(civic_holiday).__name__}")
    actual = _actual_dates(year, civic_holiday)
    result: dict[date, str] = dict(actual)
    for day, name in actual:
        if day.weekday() < 5:
            continue
        observed = day + timedelta(days=1)
        while observed.weekday() >= 5 or observed in result:
            observed += timedelta(days=1)
        result[observed] = name + _OBSERVED_SUFFIX
    return dict(sorted(result.items()))


def is_ontario_holiday(day: date, civic_holiday: bool = True) -> bool:
    """Whether an EST market date is a baseline holiday (actual or observed)."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"day must be a datetime.date (not a datetime), got {type(day).__name__}")
    return day in ontario_holidays(day.year, civic_holiday)
