"""Limit values: hourly export and import maxima (kW, hour-ending EST) of one DER or resource for one trade date.

Magnitudes are positive: a DER may export up to ``export_kw`` and import up to ``import_kw``. ``None`` for a
direction means the limit says nothing about it (no value requested or approved for that direction).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from data.domain.enums import LimitType
from data.domain.market_time import _require_aware, _require_date, _require_int_in

HOURS_PER_TRADE_DAY = 24


def _require_kw(value: float | None, name: str, hour_ending: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"HE {hour_ending}: {name} must be a number of kW, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"HE {hour_ending}: {name} must be a finite number >= 0 kW, got {value}")


@dataclass(frozen=True)
class HourlyLimit:
    """The maxima for one delivery hour (hour-ending 1..24, EST)."""

    hour_ending: int
    export_kw: float | None = None
    import_kw: float | None = None

    def __post_init__(self) -> None:
        _require_int_in(self.hour_ending, 1, HOURS_PER_TRADE_DAY, "hour_ending")
        _require_kw(self.export_kw, "export_kw", self.hour_ending)
        _require_kw(self.import_kw, "import_kw", self.hour_ending)
        if self.export_kw is None and self.import_kw is None:
            raise ValueError(f"HE {self.hour_ending}: give an export limit, an import limit or both")


@dataclass(frozen=True)
class LimitSchedule:
    """A limit of one target (DER platform ID or resource code) for one trade date, hours sorted and unique.

    A peak limit has one export/import pair over all its hours; a dynamic limit is an hourly curve.
    ``approved_at`` and ``request_id`` order competing approvals (the most recent approval wins per hour).
    """

    target: str
    trade_date: date
    limit_type: LimitType
    hours: tuple[HourlyLimit, ...]
    approved_at: datetime | None = None
    request_id: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not self.target.strip():
            raise ValueError(f"target must be a non-empty DER or resource identifier, got {self.target!r}")
        _require_date(self.trade_date, "trade_date")
        object.__setattr__(self, "limit_type", LimitType(self.limit_type))
        hours = tuple(sorted(self.hours, key=lambda h: h.hour_ending))
        if not hours:
            raise ValueError(f"{self.target} {self.trade_date}: a limit needs at least one hour")
        seen: set[int] = set()
        for hour in hours:
            if hour.hour_ending in seen:
                raise ValueError(f"{self.target} {self.trade_date}: HE {hour.hour_ending} appears twice")
            seen.add(hour.hour_ending)
        if self.limit_type is LimitType.PEAK:
            pairs = {(h.export_kw, h.import_kw) for h in hours}
            if len(pairs) > 1:
                raise ValueError(
                    f"{self.target} {self.trade_date}: a peak limit has one export/import pair over all its hours; "
                    "use a dynamic limit for an hourly curve"
                )
        object.__setattr__(self, "hours", hours)
        if self.approved_at is not None:
            _require_aware(self.approved_at, "approved_at")

    @classmethod
    def peak(
        cls,
        target: str,
        trade_date: date,
        hour_endings: Iterable[int],
        export_kw: float | None,
        import_kw: float | None,
        *,
        approved_at: datetime | None = None,
        request_id: int | None = None,
    ) -> LimitSchedule:
        """A peak limit: the same export/import pair in every listed hour."""
        hours = tuple(HourlyLimit(he, export_kw, import_kw) for he in hour_endings)
        return cls(target, trade_date, LimitType.PEAK, hours, approved_at=approved_at, request_id=request_id)

    @property
    def hour_endings(self) -> tuple[int, ...]:
        return tuple(h.hour_ending for h in self.hours)


def _recency(schedule: LimitSchedule) -> tuple[int, float, int]:
    """Sort key, oldest first: unapproved below any approval, then approval time, then request id (ties)."""
    request = -1 if schedule.request_id is None else schedule.request_id
    if schedule.approved_at is None:
        return (0, 0.0, request)
    return (1, schedule.approved_at.timestamp(), request)


def latest_per_hour(limits: Iterable[LimitSchedule]) -> dict[tuple[str, date], dict[int, HourlyLimit]]:
    """The limit in force per (target, trade date) and hour: the most recently approved one (DOMAIN.md rule 2).

    Keys come out sorted by trade date then target, hours sorted within each; ties on ``approved_at`` go to
    the higher ``request_id``.
    """
    merged: dict[tuple[str, date], dict[int, HourlyLimit]] = {}
    for schedule in sorted(limits, key=_recency):  # oldest first: a later approval overwrites the hours it covers
        by_hour = merged.setdefault((schedule.target, schedule.trade_date), {})
        for hour in schedule.hours:
            by_hour[hour.hour_ending] = hour
    return {key: dict(sorted(merged[key].items())) for key in sorted(merged, key=lambda k: (k[1], k[0]))}


# --- display ------------------------------------------------------------------------------------


def format_kw(value: float) -> str:
    """ "1,240 kW", "12.5 kW": thousands separators, at most one decimal, no trailing ".0"."""
    text = f"{value:,.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text} kW"


def format_hours(hour_endings: Iterable[int]) -> str:
    """Hour-endings as runs: [16, 17, 18] -> "HE 16-18", [3, 16, 17] -> "HE 3, 16-17"."""
    hours = sorted(set(hour_endings))
    if not hours:
        return "no hours"
    runs: list[str] = []
    start = prev = hours[0]
    for he in [*hours[1:], None]:
        if he is not None and he == prev + 1:
            prev = he
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if he is not None:
            start = prev = he
    return "HE " + ", ".join(runs)
