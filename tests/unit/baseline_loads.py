"""Synthetic load histories the baseline tests share (DOMAIN.md M&V steps 1-6).

Calendar used (2026): Victoria Day Mon May 18, Canada Day Wed Jul 1, Civic Holiday Mon Aug 3, DST starts
Sun Mar 8 and ends Sun Nov 1. Most synthetic histories fill every day with a decoy load of 1000 and give
the days that should be used small loads, so that any day wrongly included shows up as a huge error.
"""

from __future__ import annotations

from datetime import date, timedelta

DECOY = 1000.0
EVENT = (16, 17, 18, 19)  # HE16-19 -> W = HE12-14 for a 3 h window with a 1 h gap


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def fill(start: date, end: date, value: float = DECOY) -> dict[tuple[date, int], float | None]:
    """Every hour of every EST day in [start, end] at ``value``."""
    loads: dict[tuple[date, int], float | None] = {}
    day = start
    while day <= end:
        for he in range(1, 25):
            loads[(day, he)] = value
        day += timedelta(days=1)
    return loads


def set_day(loads: dict, day: date, value: float, **by_he: float | None) -> None:
    """Flat ``value`` over HE1..24 of ``day``, then per-hour overrides given as he16=..."""
    for he in range(1, 25):
        loads[(day, he)] = value
    for key, v in by_he.items():
        loads[(day, int(key.removeprefix("he")))] = v


def set_window(loads: dict, day: date, hours: tuple[int, ...], value: float) -> None:
    for he in hours:
        loads[(day, he)] = value


def weekday_day_of_month(start: date, end: date) -> dict:
    """The decoy everywhere, except that each weekday's flat load is its day of month."""
    loads = fill(start, end)
    day = start
    while day <= end:
        if day.weekday() < 5:
            set_day(loads, day, float(day.day))
        day += timedelta(days=1)
    return loads
