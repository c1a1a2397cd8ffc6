"""M&V per event: baseline, adjusted baseline, actual load, activated and delivered kW (DOMAIN.md steps 1-7).

Inputs come from the stored readings: every ``RESOURCE_METER`` series of the event's resource (the MDM's
interval reads in kW, **signed + export**, see ``SeriesKind``). Sign convention of this module: the meter
read is minus the load, so ``load_kw = -meter_kw`` (consumption positive); baselines come out in the same
unit and a load reduction is ``baseline - load`` (``data.domain.delivery``). Reads finer than an hour are
averaged per EST hour, and an hour counts only when every interval of it is there (a gap is no value, never
zero); when a resource has several series (one per LDC reporting a part of it) their hourly means are added.

Excluded days, passed to ``compute_baseline``: activation days are the EST dates touched by the resource's
other events (any program, any issuer); outage days are the EST dates touched by any outage or constraint,
not cancelled, on a feeder or station of the supply chain of one of the resource's DERs (an outage not yet
restored is in force until now).

``compute_event_results`` stores one ``MvResult`` per event hour and method (idempotent: unchanged values
are not rewritten) with an audit row when something changed; ``evaluate_event`` computes without storing.
A missing baseline (``NoBaselineError``) is a message in the summary, never a crash nor a zero.
"""
from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.domain.baselines import (
    DEFAULT_METHOD_NAME,
    PRESETS,
    BaselineMethod,
    BaselineResult,
    NoBaselineError,
    compute_baseline,
    get_method,
    market_days_touched,
)
from data.domain.delivery import delivered_by_hour, energy, format_percent, percent_delivered
from data.domain.enums import OutageState, SeriesKind
from data.domain.errors import DomainError
from data.domain.market_time import hour_ending_start_utc, market_day_bounds_utc, to_market_time, trade_date_of
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from data.models import Der, Feeder, MvEvent, MvResult, Outage, OutageElement, Program, Reading, Series, Station
from data.models.base import utcnow
from data.services import audit

__all__ = [
    "INJECTION", "LOAD_REDUCTION", "EventEvaluation", "EventSummary", "HourResult", "RecomputeSummary",
    "compute_event_results", "evaluate_event", "method_for_event", "recompute_all", "resolve_method",
    "resource_hourly_loads", "resource_outage_days",
]

HOUR = timedelta(hours=1)
LoadKey = tuple[date, int]
# MvEvent.direction values. The column holds 12 characters, so not "load_reduction". Both are measured the same way
# on the net meter: an extra export lowers the net load exactly as a load cut does.
LOAD_REDUCTION = "reduction"
INJECTION = "injection"


@dataclass(frozen=True)
class HourResult:
    """One event hour (kW, no rounding): ``delivered = max(0, adjusted - actual)``."""

    hour_start: datetime  # UTC
    hour_ending: int  # EST
    baseline_kw: float
    adjusted_baseline_kw: float
    actual_kw: float
    activated_kw: float
    delivered_kw: float


@dataclass(frozen=True)
class EventSummary:
    event_id: int
    method: str
    activated_kw: float  # the event's activated amount
    hours: int
    delivered_kw: float | None  # mean D_h over the event hours
    percent: float | None  # None: undefined (n/a) or no result
    energy_kwh: float | None
    reduced_sample: bool
    sample: str  # eligible days found "of" Y wanted: "10 of 10"
    day_class: str | None = None  # like-day class of the baseline: weekday | weekend
    message: str | None = None  # why there is no result
    changed: int = 0  # result rows written by compute_event_results

    @property
    def percent_text(self) -> str:
        return format_percent(self.percent)


@dataclass(frozen=True)
class EventEvaluation:
    summary: EventSummary
    hours: tuple[HourResult, ...]
    baseline: BaselineResult | None
    parameters: dict[str, Any]  # what is stored with each result row: method and every decision made


@dataclass(frozen=True)
class RecomputeSummary:
    events: int
    computations: int
    without_baseline: int
    changed: int


@dataclass
class _Inputs:
    """What one resource's events need, read once."""

    loads: dict[LoadKey, float]
    event_days: dict[int, set[date]]  # event id -> EST dates it touches
    outage_days: set[date]

    def activation_days(self, event_id: int) -> set[date]:
        return set().union(*(days for other, days in self.event_days.items() if other != event_id))


# --- methods ------------------------------------------------------------------------------------------


def resolve_method(name: str | None) -> BaselineMethod:
    """The preset called ``name`` (``DEFAULT_METHOD_NAME`` when None); an unknown name is a DomainError."""
    try:
        return get_method(name)
    except KeyError:
        raise DomainError(f"unknown baseline method {name!r}; known: {', '.join(PRESETS)}") from None


def method_for_event(session: Session, event: MvEvent) -> BaselineMethod:
    """The event's program's preset, else the default preset."""
    name = None
    if event.program_id is not None:
        name = session.scalar(select(Program.baseline_method).where(Program.id == event.program_id))
    return PRESETS.get(name or "", PRESETS[DEFAULT_METHOD_NAME])


# --- inputs -------------------------------------------------------------------------------------------


def resource_hourly_loads(session: Session, resource_id: int, start_utc: datetime,
                          end_utc: datetime) -> dict[LoadKey, float]:
    """Hourly load (kW, consumption positive) of a resource keyed by (EST date, HE), for [start, end)."""
    series = session.execute(select(Series.id, Series.resolution_s).where(
        Series.kind == SeriesKind.RESOURCE_METER.value, Series.resource_id == resource_id)).all()
    expected = {sid: 3600 // res for sid, res in series if 0 < res <= 3600 and 3600 % res == 0}
    if not expected:
        return {}
    sums: dict[tuple[int, LoadKey], list[float]] = defaultdict(lambda: [0.0, 0])
    gaps: set[tuple[int, LoadKey]] = set()
    rows = session.execute(select(Reading.series_id, Reading.ts, Reading.value).where(
        Reading.series_id.in_(list(expected)), Reading.ts >= start_utc, Reading.ts < end_utc))
    for series_id, ts, value in rows:
        mt = to_market_time(ts)
        key = (series_id, (mt.trade_date, mt.hour_ending))
        if value is None or math.isnan(value):
            gaps.add(key)
            continue
        cell = sums[key]
        cell[0] += value
        cell[1] += 1
    by_hour: dict[LoadKey, list[float | None]] = defaultdict(list)
    for (series_id, hour), (total, count) in sums.items():
        complete = count == expected[series_id] and (series_id, hour) not in gaps
        by_hour[hour].append(-total / count if complete else None)
    return {hour: math.fsum(v for v in values if v is not None) for hour, values in by_hour.items()
            if None not in values}


def _grid_tree(session: Session) -> SupplyTree:
    stations = [StationNode(*row) for row in session.execute(
        select(Station.id, Station.kind, Station.supply_station_id, Station.supply_feeder_id))]
    feeders = [FeederNode(*row) for row in session.execute(select(Feeder.id, Feeder.station_id))]
    return SupplyTree(stations, feeders)


def resource_outage_days(session: Session, resource_id: int, start_utc: datetime, end_utc: datetime,
                         now: datetime | None = None) -> set[date]:
    """EST dates in [start, end) touched by an outage or constraint on the supply chain of the resource's DERs."""
    now = now or utcnow()
    outages = session.execute(select(Outage.id, Outage.start_at, Outage.restored_at,
                                     Outage.estimated_restoration_at).where(
        Outage.state != OutageState.CANCELLED.value, Outage.start_at < end_utc,
        or_(Outage.restored_at.is_(None), Outage.restored_at > start_utc))).all()
    if not outages:
        return set()
    positions = session.execute(select(Der.feeder_id).where(Der.resource_id == resource_id).distinct()).scalars()
    tree = _grid_tree(session)
    feeders: set[int] = set()
    stations: set[int] = set()
    for feeder_id in positions:
        feeders.add(feeder_id)
        for station_id in tree.chain(tree.feeder_station[feeder_id]):
            stations.add(station_id)
            supply = tree.stations[station_id].supply_feeder_id
            if supply is not None:
                feeders.add(supply)
    hit = set(session.scalars(select(OutageElement.outage_id).where(
        OutageElement.outage_id.in_([o.id for o in outages]),
        or_(OutageElement.feeder_id.in_(feeders), OutageElement.station_id.in_(stations)))))
    days: set[date] = set()
    for outage in outages:
        if outage.id not in hit:
            continue
        end = outage.restored_at or max(now, outage.estimated_restoration_at or now)
        first, last = max(outage.start_at, start_utc), min(end, end_utc)
        if last > first:
            days |= market_days_touched(first, last)
    return days


def _event_days(event: MvEvent) -> set[date]:
    return market_days_touched(event.start_at, event.end_at)


def _inputs(session: Session, resource_id: int, events: Sequence[MvEvent], lookback_days: int) -> _Inputs:
    first_day = min(trade_date_of(e.start_at) for e in events) - timedelta(days=lookback_days)
    last_day = max(trade_date_of(e.end_at - timedelta(microseconds=1)) for e in events)
    start, end = market_day_bounds_utc(first_day)[0], market_day_bounds_utc(last_day)[1]
    others = session.execute(select(MvEvent.id, MvEvent.start_at, MvEvent.end_at).where(
        MvEvent.resource_id == resource_id)).all()
    return _Inputs(
        loads=resource_hourly_loads(session, resource_id, start, end),
        event_days={o.id: market_days_touched(o.start_at, o.end_at) for o in others},
        outage_days=resource_outage_days(session, resource_id, start, end),
    )


# --- evaluation ---------------------------------------------------------------------------------------


def _activated_by_hour(event: MvEvent) -> tuple[date, dict[int, float]] | str:
    """(EST date, HE -> activated kW) with partial hours pro rata; a message when the event cannot be measured."""
    if event.end_at <= event.start_at:
        return "the event has no duration"
    day = trade_date_of(event.start_at)
    if trade_date_of(event.end_at - timedelta(microseconds=1)) != day:
        return "the event spans two market days (EST); measure each day as its own event"
    activated: dict[int, float] = {}
    he = to_market_time(event.start_at).hour_ending
    while he <= 24 and (hour_start := hour_ending_start_utc(day, he)) < event.end_at:
        covered = min(event.end_at, hour_start + HOUR) - max(event.start_at, hour_start)
        activated[he] = event.activated_kw * covered / HOUR
        he += 1
    return day, activated


def _sample_text(result: BaselineResult) -> str:
    return f"{len(result.eligible_days)} of {result.y}"


def _parameters(method: BaselineMethod, result: BaselineResult) -> dict[str, Any]:
    adjusted_window = {he: (result.ratio * b if result.ratio is not None else
                            b + result.offset if result.offset is not None else b)
                       for he, b in result.window_baseline.items()}
    return {
        "method": dataclasses.asdict(method),
        "load_sign": "load_kw = -meter_kw (RESOURCE_METER reads are signed + export)",
        "day_class": result.day_class, "x": result.x, "y": result.y, "sample": _sample_text(result),
        "eligible_days": [d.isoformat() for d in result.eligible_days],
        "selected_days": [d.isoformat() for d in result.selected_days],
        "window_hours": list(result.window_hours),
        "window_baseline": {str(he): v for he, v in result.window_baseline.items()},
        "window_adjusted": {str(he): v for he, v in adjusted_window.items()},
        "window_load": {str(he): v for he, v in result.window_load.items()},
        "adjustment_applied": result.adjustment_applied, "adjustment_note": result.adjustment_note,
        "ratio": result.ratio, "ratio_unclipped": result.ratio_unclipped, "ratio_clipped": result.ratio_clipped,
        "offset": result.offset,
    }


def _no_result(event: MvEvent, method: BaselineMethod, hours: int, message: str) -> EventEvaluation:
    summary = EventSummary(event.id, method.name, event.activated_kw, hours, None, None, None, False, "—",
                           message=message)
    return EventEvaluation(summary, (), None, {})


def _evaluate(event: MvEvent, method: BaselineMethod, inputs: _Inputs) -> EventEvaluation:
    window = _activated_by_hour(event)
    if isinstance(window, str):
        return _no_result(event, method, 0, window)
    day, activated = window
    try:
        result = compute_baseline(inputs.loads, day, activated, method,
                                  activation_days=inputs.activation_days(event.id), outage_days=inputs.outage_days)
    except NoBaselineError as exc:
        return _no_result(event, method, len(activated), f"No baseline: {exc}")
    missing = [he for he in activated if (day, he) not in inputs.loads]
    if missing:
        hours_text = ", ".join(f"HE{he}" for he in missing)
        return _no_result(event, method, len(activated), f"No meter reads on {day} for {hours_text}: cannot measure")
    actual = {he: inputs.loads[(day, he)] for he in activated}
    delivered = delivered_by_hour(result.adjusted, actual)
    hours = tuple(
        HourResult(hour_ending_start_utc(day, he), he, result.unadjusted[he], result.adjusted[he], actual[he],
                   activated[he], delivered[he])
        for he in sorted(activated)
    )
    summary = EventSummary(
        event.id, method.name, event.activated_kw, len(hours),
        delivered_kw=math.fsum(delivered.values()) / len(delivered),
        percent=percent_delivered(delivered, activated), energy_kwh=energy(delivered),
        reduced_sample=result.reduced_sample, sample=_sample_text(result), day_class=result.day_class,
    )
    return EventEvaluation(summary, hours, result, _parameters(method, result))


def evaluate_event(session: Session, event: MvEvent | int, method_name: str | None = None) -> EventEvaluation:
    """Compute an event's M&V without storing anything (method: the given preset, else the program's)."""
    row = event if isinstance(event, MvEvent) else _event(session, event)
    method = resolve_method(method_name) if method_name is not None else method_for_event(session, row)
    return _evaluate(row, method, _inputs(session, row.resource_id, [row], method.lookback_days))


# --- storing ------------------------------------------------------------------------------------------

_VALUE_FIELDS = ("baseline_kw", "adjusted_baseline_kw", "actual_kw", "activated_kw", "delivered_kw")


def _store(session: Session, evaluation: EventEvaluation, now: datetime) -> int:
    """Upsert the result rows of (event, method) by hour; rows of hours no longer measured go. Rows changed."""
    summary = evaluation.summary
    existing = {r.hour_start: r for r in session.scalars(select(MvResult).where(
        MvResult.event_id == summary.event_id, MvResult.method == summary.method))}
    changed = 0
    for hour in evaluation.hours:
        values: dict[str, Any] = {name: getattr(hour, name) for name in _VALUE_FIELDS}
        values.update(reduced_sample=summary.reduced_sample, parameters=evaluation.parameters)
        row = existing.pop(hour.hour_start, None)
        if row is None:
            session.add(MvResult(event_id=summary.event_id, method=summary.method, hour_start=hour.hour_start,
                                 computed_at=now, **values))
            changed += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.computed_at = now
            changed += 1
    for row in existing.values():
        session.delete(row)
        changed += 1
    session.flush()
    return changed


def _event(session: Session, event_id: int) -> MvEvent:
    event = session.get(MvEvent, event_id)
    if event is None:
        raise DomainError(f"no M&V event {event_id}")
    return event


def compute_event_results(session: Session, event_id: int, method_name: str | None = None) -> EventSummary:
    """Compute and store an event's results for one method (default: its program's preset); audited when changed.

    Runs in the caller's transaction. No baseline -> the summary's ``message`` says why and any stored rows of
    that method go (they would be stale).
    """
    event = _event(session, event_id)
    evaluation = evaluate_event(session, event, method_name)
    changed = _store(session, evaluation, utcnow())
    summary = dataclasses.replace(evaluation.summary, changed=changed)
    if changed:
        audit.record(session, None, "mv_compute", "mv_event", event_id, after={
            "method": summary.method, "hours": summary.hours, "percent": summary.percent,
            "energy_kwh": summary.energy_kwh, "reduced_sample": summary.reduced_sample, "message": summary.message,
        })
    return summary


def recompute_all(session: Session, method_names: Iterable[str] | None = None) -> RecomputeSummary:
    """Every event for every preset (or the given ones): inputs read once per resource; one audit row."""
    methods = [resolve_method(name) for name in (method_names or PRESETS)]
    by_resource: dict[int, list[MvEvent]] = defaultdict(list)
    for event in session.scalars(select(MvEvent).order_by(MvEvent.id)):
        by_resource[event.resource_id].append(event)
    lookback = max(m.lookback_days for m in methods)
    now = utcnow()
    computations = without = changed = 0
    for resource_id, events in by_resource.items():
        inputs = _inputs(session, resource_id, events, lookback)
        for event in events:
            for method in methods:
                evaluation = _evaluate(event, method, inputs)
                changed += _store(session, evaluation, now)
                computations += 1
                without += evaluation.summary.message is not None
    events_count = sum(len(v) for v in by_resource.values())
    summary = RecomputeSummary(events_count, computations, without, changed)
    if changed:
        audit.record(session, None, "mv_recompute", "mv_event", None, after=dataclasses.asdict(summary))
    return summary
