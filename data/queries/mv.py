"""M&V performance as each role may see it: events, one event's hours, monthly trends, league tables.

Scope (DESIGN.md, roles and scope): an aggregator sees its own resources; a DER owner the resources that hold
one of its DERs; an LDC the resources with a DER in its territory (embedded LDCs included); a manager what its
organisation's role sees (``principal.acts_as``); IESO and admin everything; a guest nothing.

Results are the stored ``MvResult`` rows of one baseline method. Aggregates pool the event hours:
``% delivered = 100 sum min(D_h, A_h) / sum A_h`` over every hour measured, energy ``sum D_h`` (kWh), with the
functions of ``data.domain.delivery``; an event without results (no baseline) counts as an event but adds no
hours.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from data.access import Principal, der_scope
from data.domain.delivery import energy, format_percent, percent_delivered
from data.domain.enums import Role
from data.domain.market_time import MARKET_TZ, hour_ending_start_utc, market_day_bounds_utc, trade_date_of
from data.models import Der, MvEvent, MvResult, Organisation, Program, Resource
from data.services.mv import EventSummary, HourResult, evaluate_event, resolve_method, resource_hourly_loads

__all__ = [
    "Aggregate", "EventDetail", "EventRow", "GroupBy", "LeagueRow", "TrendPoint", "aggregate", "event_detail",
    "event_rows", "event_scope", "league_table", "monthly_trends", "resource_scope",
]

GroupBy = Literal["aggregator", "resource"]
NOT_IN_VIEW = "Event {id} is not in your view."


def resource_scope(principal: Principal) -> ColumnElement[bool]:
    """Resources whose performance the principal may see."""
    if principal.sees_everything:
        return true()
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Resource.aggregator_org_id == principal.organisation_id
    if role in (Role.DER_OWNER, Role.DSO_OPERATOR):
        return Resource.id.in_(select(Der.resource_id).where(der_scope(principal), Der.resource_id.is_not(None)))
    return false()


def event_scope(principal: Principal) -> ColumnElement[bool]:
    return MvEvent.resource_id.in_(select(Resource.id).where(resource_scope(principal)))


# --- events -------------------------------------------------------------------------------------------


@dataclass
class EventRow:
    id: int
    resource_id: int
    resource_code: str
    resource_name: str
    aggregator_id: int
    aggregator_name: str
    program_code: str | None
    issuer: str
    start_at: datetime
    end_at: datetime
    activated_kw: float
    delivered: dict[datetime, float]  # stored D_h by hour start (empty: no result for this method)
    activated: dict[datetime, float]  # stored A_h
    reduced_sample: bool = False

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at) / timedelta(hours=1)

    @property
    def measured(self) -> bool:
        return bool(self.activated)

    @property
    def percent(self) -> float | None:
        return percent_delivered(self.delivered, self.activated) if self.activated else None

    @property
    def energy_kwh(self) -> float | None:
        return energy(self.delivered) if self.measured else None

    @property
    def month(self) -> str:
        return self.start_at.astimezone(MARKET_TZ).strftime("%Y-%m")


def _events_query(principal: Principal) -> Any:
    return (
        select(MvEvent, Resource.resource_code, Resource.name, Organisation.id, Organisation.name, Program.code)
        .join(Resource, Resource.id == MvEvent.resource_id)
        .join(Organisation, Organisation.id == Resource.aggregator_org_id)
        .outerjoin(Program, Program.id == MvEvent.program_id)
        .where(event_scope(principal))
    )


def _row(found: Any) -> EventRow:
    event, code, name, agg_id, agg_name, program = found
    return EventRow(event.id, event.resource_id, code, name, agg_id, agg_name, program, event.issuer,
                    event.start_at, event.end_at, event.activated_kw, {}, {})


def event_rows(session: Session, principal: Principal, method_name: str | None = None) -> list[EventRow]:
    """Every event in view, newest first, with its stored results for the method (default preset)."""
    method = resolve_method(method_name).name
    rows = {r.id: r for r in map(_row, session.execute(
        _events_query(principal).order_by(MvEvent.start_at.desc(), MvEvent.id.desc())))}
    if not rows:
        return []
    results = session.execute(
        select(MvResult.event_id, MvResult.hour_start, MvResult.activated_kw, MvResult.delivered_kw,
               MvResult.reduced_sample)
        .where(MvResult.method == method, MvResult.event_id.in_(select(MvEvent.id).where(event_scope(principal))))
    )
    for event_id, hour, activated, delivered, reduced in results:
        row = rows[event_id]
        row.activated[hour] = activated
        row.delivered[hour] = delivered
        row.reduced_sample = row.reduced_sample or reduced
    return list(rows.values())


# --- one event ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventDetail:
    event: EventRow | None  # None: not in view
    method: str
    hours: tuple[HourResult, ...] = ()
    window: tuple[tuple[datetime, float, float], ...] = ()  # adjustment window: (hour start, B_h, B'_h)
    day_load: tuple[tuple[datetime, float], ...] = ()  # the event's market day, HE1..24 as found
    summary: EventSummary | None = None
    parameters: dict[str, Any] | None = None
    stored: bool = False  # False: computed for display, not (yet) stored
    message: str | None = None

    @property
    def percent_text(self) -> str:
        return format_percent(self.summary.percent if self.summary else None)


def _summary_from_rows(event: EventRow, method: str, rows: list[MvResult]) -> EventSummary:
    delivered = {r.hour_start: r.delivered_kw for r in rows}
    activated = {r.hour_start: r.activated_kw for r in rows}
    return EventSummary(
        event.id, method, event.activated_kw, len(rows), math.fsum(delivered.values()) / len(rows),
        percent_delivered(delivered, activated), energy(delivered), any(r.reduced_sample for r in rows),
        str(rows[0].parameters.get("sample", "—")), rows[0].parameters.get("day_class"),
    )


def event_detail(session: Session, principal: Principal, event_id: int, method_name: str | None = None) -> EventDetail:
    """One event's hours for the method: the stored results, or (none stored) computed now, not stored."""
    method = resolve_method(method_name).name
    found = session.execute(_events_query(principal).where(MvEvent.id == event_id)).first()
    if found is None:  # the same answer for "does not exist" and "not yours": nothing leaks
        return EventDetail(None, method, message=NOT_IN_VIEW.format(id=event_id))
    event = _row(found)
    day = trade_date_of(event.start_at)
    loads = resource_hourly_loads(session, event.resource_id, *market_day_bounds_utc(day))
    day_load = tuple((hour_ending_start_utc(day, he), loads[(day, he)]) for he in range(1, 25) if (day, he) in loads)
    rows = list(session.scalars(select(MvResult).where(MvResult.event_id == event_id, MvResult.method == method)
                                .order_by(MvResult.hour_start)))
    if rows:
        hours = tuple(HourResult(r.hour_start, _hour_ending(r.hour_start), r.baseline_kw, r.adjusted_baseline_kw,
                                 r.actual_kw, r.activated_kw, r.delivered_kw) for r in rows)
        summary, parameters, stored, message = _summary_from_rows(event, method, rows), rows[0].parameters, True, None
    else:
        evaluation = evaluate_event(session, found[0], method)
        hours, summary, parameters = evaluation.hours, evaluation.summary, evaluation.parameters
        stored, message = False, evaluation.summary.message
    window = tuple(
        (hour_ending_start_utc(day, int(he)), b, parameters["window_adjusted"][he])
        for he, b in sorted(parameters.get("window_baseline", {}).items(), key=lambda kv: int(kv[0]))
    ) if parameters else ()
    return EventDetail(event, method, hours, window, day_load, summary, parameters or None, stored, message)


def _hour_ending(ts: datetime) -> int:
    """Hour-ending (EST) of an hour that starts at ``ts``."""
    return ts.astimezone(MARKET_TZ).hour + 1


# --- trends and league --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    events: int
    measured: int  # events with results
    activated_kwh: float  # sum A_h over the measured hours
    energy_kwh: float  # sum D_h
    percent: float | None

    @property
    def percent_text(self) -> str:
        return format_percent(self.percent)


def aggregate(rows: Iterable[EventRow]) -> Aggregate:
    items = list(rows)
    delivered = {(r.id, h): v for r in items for h, v in r.delivered.items()}
    activated = {(r.id, h): v for r in items for h, v in r.activated.items()}
    return Aggregate(
        events=len(items), measured=sum(r.measured for r in items), activated_kwh=sum(activated.values()),
        energy_kwh=energy(delivered),
        percent=percent_delivered(delivered, activated) if activated else None,
    )


def _key(row: EventRow, by: GroupBy) -> tuple[int, str, str]:
    """(id, name, parent name) of the group an event belongs to."""
    if by == "resource":
        return row.resource_id, f"{row.resource_code} {row.resource_name}", row.aggregator_name
    return row.aggregator_id, row.aggregator_name, ""


def _label(row: EventRow, by: GroupBy) -> str:
    """A short name for a legend: the resource code, or the aggregator's name."""
    return row.resource_code if by == "resource" else row.aggregator_name


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM of the event start, EST
    key: int
    name: str
    label: str  # short name (legends)
    totals: Aggregate


def monthly_trends(rows: Iterable[EventRow], by: GroupBy = "aggregator") -> list[TrendPoint]:
    """Per group and EST month: events, energy and pooled % delivered; by month, then name."""
    groups: dict[tuple[str, int, str, str], list[EventRow]] = defaultdict(list)
    for row in rows:
        key, name, _parent = _key(row, by)
        groups[(row.month, key, name, _label(row, by))].append(row)
    points = [TrendPoint(month, key, name, label, aggregate(items))
              for (month, key, name, label), items in groups.items()]
    return sorted(points, key=lambda p: (p.month, p.name))


@dataclass(frozen=True)
class LeagueRow:
    rank: int
    key: int
    name: str
    parent: str  # the aggregator of a resource
    totals: Aggregate


def league_table(rows: Iterable[EventRow], by: GroupBy = "aggregator") -> list[LeagueRow]:
    """Groups ranked by % delivered (highest first, n/a last), then delivered energy, then name."""
    groups: dict[tuple[int, str, str], list[EventRow]] = defaultdict(list)
    for row in rows:
        groups[_key(row, by)].append(row)
    totals = [(key, aggregate(items)) for key, items in groups.items()]
    totals.sort(key=lambda kt: (kt[1].percent is None, -(kt[1].percent or 0.0), -kt[1].energy_kwh, kt[0][1]))
    return [LeagueRow(rank, key, name, parent, agg) for rank, ((key, name, parent), agg) in enumerate(totals, 1)]
