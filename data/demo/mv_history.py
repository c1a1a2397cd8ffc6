"""Demo M&V history: hourly meter reads of every resource and the events (activations) that dipped them.

For every resource: ``days`` EST market days of hourly ``RESOURCE_METER`` reads, ending the day before
``as_of`` (an EST date; default today in EST), shaped from the typical Ontario load shape
(``ontario_load_shape.json``: month x day type x hour-ending) times the resource's load level, with
deterministic noise (a day factor and an hour factor, scaled from the shape's own ``daily_sigma`` and
``hourly_sigma``). The load level is ``LOAD_PER_FLEX_KW`` x the resource's flexible capacity: the sum of its
active DERs that can cut net load on command (batteries, flexible loads, EV chargers, CHP); a resource
without any gets ``FALLBACK_FLEX_SHARE`` of its whole capacity.

Then 2-4 events per resource, in the last part of the period so that every event has at least
``min(MIN_HISTORY_DAYS, days // 3)`` days of history before it (an early event may get a reduced baseline
sample): mostly on weekdays, never on a baseline holiday, starting HE12-HE19 (EST), 1-4 h long, activated
kW = 30-80 % of the flexible capacity. The program is one the resource's DERs are enrolled in (weighted by
DER count; issuer DSO for a distribution program, else IESO). During an event the load drops by 60-110 % of
the activated kW (a little different each hour), so the measured % delivered varies realistically around
that (baselines are estimates, not the truth).

Double payments for the settlement reconciliation (``data.domain.settlement``): for one resource per aggregator
(the one with the most DERs in a distribution program, among those that also have DERs in a wholesale program),
its latest event gets a *twin* the same day from the other side (an LDC program for an IESO event, or the other
way round) whose hours overlap it. The overlapping hours see one physical response (the larger of the two), which
both buyers then pay for. Twins come from their own random stream, so every other event and read is unchanged;
a resource that already had the maximum number of events loses its earliest one, to stay within
``EVENTS_PER_RESOURCE``.

Sign convention: the reads are the MDM's net interval values in kW, **signed + export** (``SeriesKind``), so a
resource consuming 800 kW reads -800.0; the M&V service turns them back into load (``load = -read``) and a
load reduction is ``baseline - load``, as in ``data.domain.delivery``.

``load_mv_history`` writes reads (bulk, ``upsert_readings``) and events in one transaction;
``ensure_mv_history`` does that once (skipped when any ``MvEvent`` exists) and computes every event's results
for every baseline preset. One seed gives the same rows.
"""
from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from data.db import Database
from data.demo.load_shape import LoadShape, day_type, load_shape
from data.domain.enums import DerStatus, Issuer, Market, SeriesKind, Technology
from data.domain.market_time import hour_ending_start_utc, trade_date_of
from data.domain.ontario_holidays import is_ontario_holiday
from data.models import Der, Enrolment, MvEvent, Program, Resource, Series
from data.models.base import utcnow
from data.services.ingest import upsert_readings
from data.services.mv import LOAD_REDUCTION, RecomputeSummary, recompute_all

__all__ = ["MV_SOURCE", "MvHistorySummary", "MvHistoryExistsError", "ensure_mv_history", "load_mv_history"]

log = logging.getLogger("td_platform.demo")

MV_SOURCE = "demo-mdm"
METER_QUANTITY = "meter_kw"  # as the MDM parser names it
FLEXIBLE = frozenset({Technology.BATTERY, Technology.FLEXIBLE_LOAD, Technology.EV_CHARGER, Technology.GAS_CHP})
LOAD_PER_FLEX_KW = 1.5  # typical site load behind the meter, per kW of flexible capacity, at the yearly peak
FALLBACK_FLEX_SHARE = 0.2
MIN_LOAD_SHARE = 0.05  # an event never takes the load below this share of the level
NOISE_SCALE = 1.5  # a resource is noisier than all of Ontario
EVENTS_PER_RESOURCE = (2, 4)
START_HE = (12, 19)
DURATION_H = (1, 4)
ACTIVATED_SHARE = (0.3, 0.8)
RESPONSE = (0.6, 1.1)  # load drop / activated kW, per event
WEEKDAY_SHARE = 0.85
# Days of reads before the first possible event: a short history now and then gives a reduced baseline sample.
MIN_HISTORY_DAYS = 14
# Serialises concurrent first starts of several PostgreSQL workers (next to the demo's own key).
MV_LOCK_KEY = 746_201_003


class MvHistoryExistsError(RuntimeError):
    """The M&V history loads only into a database without M&V events."""


@dataclass(frozen=True)
class MvHistorySummary:
    resources: int
    readings: int
    events: int
    first_day: date
    last_day: date
    results: RecomputeSummary | None = None


@dataclass(frozen=True)
class _Resource:
    id: int
    code: str
    flex_kw: float
    programs: tuple[tuple[int, str, int], ...]  # (program id, market, DER count)
    aggregator_id: int = 0


def _resources(session: Session) -> list[_Resource]:
    capacity: dict[int, dict[bool, float]] = defaultdict(lambda: {True: 0.0, False: 0.0})
    for resource_id, tech, kw in session.execute(
        select(Der.resource_id, Der.technology, func.sum(Der.capacity_kw))
        .where(Der.resource_id.is_not(None), Der.status == DerStatus.ACTIVE.value)
        .group_by(Der.resource_id, Der.technology)
    ):
        capacity[resource_id][tech in FLEXIBLE] += kw or 0.0
    programs: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for resource_id, program_id, market, count in session.execute(
        select(Der.resource_id, Program.id, Program.market, func.count())
        .join(Enrolment, Enrolment.der_id == Der.id).join(Program, Program.id == Enrolment.program_id)
        .where(Der.resource_id.is_not(None), Enrolment.end_date.is_(None))
        .group_by(Der.resource_id, Program.id, Program.market).order_by(Der.resource_id, Program.id)
    ):
        programs[resource_id].append((program_id, market, count))
    out = []
    for rid, code, aggregator in session.execute(
            select(Resource.id, Resource.resource_code, Resource.aggregator_org_id).order_by(Resource.id)):
        flex = capacity[rid][True] or FALLBACK_FLEX_SHARE * capacity[rid][False] or 100.0
        out.append(_Resource(rid, code, flex, tuple(programs[rid]), aggregator))
    return out


def _series_ids(session: Session, resources: list[_Resource]) -> dict[int, int]:
    """Find or create each resource's demo meter series."""
    found = dict(session.execute(select(Series.resource_id, Series.id).where(
        Series.kind == SeriesKind.RESOURCE_METER.value, Series.source == MV_SOURCE,
        Series.quantity == METER_QUANTITY)).all())
    missing = [r for r in resources if r.id not in found]
    if missing:
        rows = [{"kind": SeriesKind.RESOURCE_METER.value, "resource_id": r.id, "quantity": METER_QUANTITY,
                 "unit": "kW", "resolution_s": 3600, "source": MV_SOURCE} for r in missing]
        session.execute(insert(Series), rows)
        return _series_ids(session, resources)
    return found


@dataclass(frozen=True)
class _Event:
    day: date
    start_he: int
    hours: int
    activated_kw: float
    response: tuple[float, ...]  # load drop / activated kW, per event hour
    program_id: int | None
    issuer: Issuer


def _pick_events(rng: random.Random, resource: _Resource, days: list[date]) -> list[_Event]:
    weekdays = [d for d in days if d.weekday() < 5 and not is_ontario_holiday(d)]
    weekends = [d for d in days if d.weekday() >= 5 and not is_ontario_holiday(d)]
    chosen: set[date] = set()
    events = []
    for _ in range(rng.randint(*EVENTS_PER_RESOURCE)):
        pool = [d for d in (weekdays if rng.random() < WEEKDAY_SHARE or not weekends else weekends)
                if d not in chosen] or [d for d in weekdays + weekends if d not in chosen]
        if not pool:
            break
        day = rng.choice(pool)
        chosen.add(day)
        hours = rng.randint(*DURATION_H)
        response = rng.uniform(*RESPONSE)
        if resource.programs:
            program_id, market, _n = rng.choices(resource.programs, [p[2] for p in resource.programs])[0]
            issuer = Issuer.DSO if market == Market.DISTRIBUTION.value else Issuer.IESO
        else:
            program_id, issuer = None, Issuer.IESO if rng.random() < 0.7 else Issuer.DSO
        events.append(_Event(
            day, rng.randint(*START_HE), hours, round(resource.flex_kw * rng.uniform(*ACTIVATED_SHARE), 1),
            tuple(response * rng.uniform(0.95, 1.05) for _ in range(hours)), program_id, issuer,
        ))
    return sorted(events, key=lambda e: e.day)


def _twin_resources(resources: list[_Resource]) -> set[int]:
    """Per aggregator, the resource with the most DERs in a distribution program that also has a wholesale one."""
    best: dict[int, tuple[int, int]] = {}  # aggregator -> (distribution DERs, resource id)
    for r in resources:
        local = sum(n for _p, market, n in r.programs if market == Market.DISTRIBUTION.value)
        wholesale = any(market != Market.DISTRIBUTION.value for _p, market, _n in r.programs)
        if local and wholesale and (r.aggregator_id not in best or local > best[r.aggregator_id][0]):
            best[r.aggregator_id] = (local, r.id)
    return {rid for _n, rid in best.values()}


def _with_twin(rng: random.Random, resource: _Resource, events: list[_Event]) -> list[_Event]:
    """The events plus a twin of the latest one, bought by the other side, with overlapping hours."""
    if not events:
        return events
    base = events[-1]
    local = base.issuer is Issuer.IESO  # the twin is bought by the other side
    options = [p for p in resource.programs if (p[1] == Market.DISTRIBUTION.value) == local]
    if not options:
        return events
    program_id = max(options, key=lambda p: (p[2], -p[0]))[0]
    start = rng.randint(max(1, base.start_he - 1), base.start_he + base.hours - 1)
    hours = min(rng.randint(2, 3), 25 - start)
    response = rng.uniform(*RESPONSE)
    twin = _Event(base.day, start, hours, round(resource.flex_kw * rng.uniform(*ACTIVATED_SHARE), 1),
                  tuple(response * rng.uniform(0.95, 1.05) for _ in range(hours)), program_id,
                  Issuer.DSO if local else Issuer.IESO)
    kept = events[1:] if len(events) >= EVENTS_PER_RESOURCE[1] else events
    return sorted([*kept, twin], key=lambda e: e.day)


def _history(shape: LoadShape, rng: random.Random, level_kw: float, days: list[date],
             events: list[_Event]) -> dict[datetime, float]:
    """Meter reads (kW, signed + export: minus the load) by UTC hour start."""
    drops: dict[tuple[date, int], float] = {}
    for e in events:  # overlapping events (twins) share one physical response: the larger one
        for k in range(e.hours):
            key = (e.day, e.start_he + k)
            drops[key] = max(drops.get(key, 0.0), e.activated_kw * e.response[k])
    daily_sigma, hourly_sigma = shape.daily_sigma * NOISE_SCALE, shape.hourly_sigma * NOISE_SCALE
    reads: dict[datetime, float] = {}
    for day in days:
        level = level_kw * (1.0 + max(-3 * daily_sigma, min(3 * daily_sigma, rng.gauss(0.0, daily_sigma))))
        kind = day_type(day)
        for he in range(1, 25):
            typical = shape.ontario_mw(day.month, kind, he) / shape.peak_mw
            load = level * typical * (1.0 + rng.gauss(0.0, hourly_sigma))
            load = max(MIN_LOAD_SHARE * level_kw, load - drops.get((day, he), 0.0))
            reads[hour_ending_start_utc(day, he)] = -round(load, 3)
    return reads


def _write(session: Session, *, days: int, seed: int, as_of: date) -> MvHistorySummary:
    resources = _resources(session)
    first_day, last_day = as_of - timedelta(days=days), as_of - timedelta(days=1)
    period = [first_day + timedelta(days=k) for k in range(days)]
    event_days = period[min(MIN_HISTORY_DAYS, days // 3):]
    shape = load_shape()
    series = _series_ids(session, resources)
    reads: dict[tuple[int, datetime], float | None] = {}
    event_rows = []
    twins = _twin_resources(resources)
    for resource in resources:
        rng = random.Random(f"{seed}:mv:{resource.code}")
        events = _pick_events(rng, resource, event_days)
        if resource.id in twins:
            events = _with_twin(random.Random(f"{seed}:mv-twin:{resource.code}"), resource, events)
        history = _history(shape, rng, resource.flex_kw * LOAD_PER_FLEX_KW, period, events)
        reads.update({(series[resource.id], ts): value for ts, value in history.items()})
        for e in events:
            start = hour_ending_start_utc(e.day, e.start_he)
            event_rows.append({
                "program_id": e.program_id, "resource_id": resource.id, "dispatch_id": None,
                "issuer": e.issuer.value, "start_at": start, "end_at": start + timedelta(hours=e.hours),
                "activated_kw": e.activated_kw, "direction": LOAD_REDUCTION,
            })
    upsert_readings(session, reads, utcnow())
    if event_rows:
        session.execute(insert(MvEvent), event_rows)
    return MvHistorySummary(len(resources), len(reads), len(event_rows), first_day, last_day)


def _has_events(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(MvEvent)) > 0


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MV_LOCK_KEY})


def load_mv_history(db: Database, *, days: int = 60, seed: int = 20261130,
                    as_of: date | None = None) -> MvHistorySummary:
    """Write the reads and events (one transaction); refuses (MvHistoryExistsError) when events exist."""
    if days < 2:
        raise ValueError(f"days must be at least 2, got {days}")
    as_of = as_of or trade_date_of(utcnow())
    with db.transaction() as session:
        _lock(session)
        if _has_events(session):
            raise MvHistoryExistsError("the database already has M&V events")
        return _write(session, days=days, seed=seed, as_of=as_of)


def ensure_mv_history(db: Database, *, days: int = 60, seed: int = 20261130,
                      as_of: date | None = None) -> MvHistorySummary | None:
    """On first start: the history, then every event's results for every preset, in one transaction.

    None when there is nothing to do (M&V events exist already, or there is no resource yet).
    """
    if days < 2:
        raise ValueError(f"days must be at least 2, got {days}")
    as_of = as_of or trade_date_of(utcnow())
    with db.session() as session:
        if _has_events(session) or session.scalar(select(func.count()).select_from(Resource)) == 0:
            return None
    try:
        with db.transaction() as session:
            _lock(session)
            if _has_events(session):
                return None
            summary = _write(session, days=days, seed=seed, as_of=as_of)
            results = recompute_all(session)
    except DBAPIError:
        # Another worker may have written it between our check and our write (SQLite reports a lock or a
        # stale snapshot): then there is nothing to do.
        with db.session() as session:
            if _has_events(session):
                return None
        raise
    summary = MvHistorySummary(summary.resources, summary.readings, summary.events, summary.first_day,
                               summary.last_day, results)
    log.info("demo M&V history: %s", summary)
    return summary
