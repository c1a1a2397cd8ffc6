"""Approved limits summed per T/D connection point and hour: what the IESO sees of the tri-level chain.

Each target (DER or resource) maps to its connection point (the TS at the top of its supply chain, so an
embedded LDC's DERs count at their host's TS). Per target, trade date and hour the most recently approved
limit counts (``values.latest_per_hour``); export and import sums are kept apart, and a target that states
no value for a direction adds nothing to that direction's sum (the counts say how many did).

This is the reference for the database GROUP BY that serves the page: the same inputs give the same sums.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from data.domain.limits.values import LimitSchedule, latest_per_hour

CP = TypeVar("CP", bound=Hashable)


@dataclass(frozen=True)
class ConnectionPointHour(Generic[CP]):
    connection_point: CP
    trade_date: date
    hour_ending: int
    export_kw: float  # sum of the stated export limits
    import_kw: float  # sum of the stated import limits
    export_count: int  # targets stating an export limit in this hour
    import_count: int
    targets: tuple[str, ...]  # every target with a limit in this hour, sorted


@dataclass(frozen=True)
class ConnectionPointDay(Generic[CP]):
    """The largest hourly sums of one trade day (compared with the station rating), with their hours."""

    connection_point: CP
    trade_date: date
    max_export_kw: float
    max_export_hour: int
    max_import_kw: float
    max_import_hour: int


def sum_by_connection_point(
    approved: Iterable[LimitSchedule],
    connection_point_of: Mapping[str, CP],
) -> list[ConnectionPointHour[CP]]:
    """Hourly sums per connection point, sorted by connection point, trade date, hour-ending.

    ``approved`` holds approved limits only (the caller filters by status). A target missing from
    ``connection_point_of`` is an error: every DER has one feeder, hence one connection point. Connection point
    keys must be mutually comparable (all station ids, or all codes).
    """
    in_force = latest_per_hour(approved)
    unmapped = sorted({target for target, _ in in_force if target not in connection_point_of})
    if unmapped:
        raise ValueError(f"no connection point for {', '.join(unmapped)}: map every target to its TS")
    cells: dict[tuple[CP, date, int], list[tuple[str, float | None, float | None]]] = {}
    for (target, trade_date), hours in in_force.items():
        for he, limit in hours.items():
            key = (connection_point_of[target], trade_date, he)
            cells.setdefault(key, []).append((target, limit.export_kw, limit.import_kw))
    rows = []
    for (cp, trade_date, he), entries in cells.items():
        exports = [e for _, e, _ in entries if e is not None]
        imports = [i for _, _, i in entries if i is not None]
        rows.append(ConnectionPointHour(
            connection_point=cp,
            trade_date=trade_date,
            hour_ending=he,
            export_kw=float(sum(exports)),
            import_kw=float(sum(imports)),
            export_count=len(exports),
            import_count=len(imports),
            targets=tuple(sorted(t for t, _, _ in entries)),
        ))
    rows.sort(key=lambda r: (r.connection_point, r.trade_date, r.hour_ending))
    return rows


def daily_maxima(rows: Iterable[ConnectionPointHour[CP]]) -> list[ConnectionPointDay[CP]]:
    """Per connection point and trade date, the largest export and import sums and their (earliest) hours."""
    days: dict[tuple[CP, date], list[ConnectionPointHour[CP]]] = {}
    for row in rows:
        days.setdefault((row.connection_point, row.trade_date), []).append(row)
    out = []
    for (cp, trade_date), hours in days.items():
        top_export = max(hours, key=lambda r: (r.export_kw, -r.hour_ending))
        top_import = max(hours, key=lambda r: (r.import_kw, -r.hour_ending))
        out.append(ConnectionPointDay(
            cp, trade_date, top_export.export_kw, top_export.hour_ending, top_import.import_kw, top_import.hour_ending
        ))
    out.sort(key=lambda d: (d.connection_point, d.trade_date))
    return out
