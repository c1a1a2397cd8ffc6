"""Aggregated load at the T/D connection points (TS stations), scoped to the principal.

What each figure is, and the choices behind it:

- **Roll-up.** A connection point (CP) is a station with ``is_connection_point`` (a TS). Stations, feeders and
  DERs roll up through ``Station.connection_point_id`` (the denormalised top of the supply chain), so an
  embedded LDC's DERs count at their host's TS (DOMAIN.md, grid model).
- **Who sees what.** The IESO (and the platform admin): every CP. An LDC: the CPs that supply its territory
  (its own and its hosted embedded LDCs' stations and feeders), with the CP's whole figures (sums only, never an
  individual DER). An aggregator: only its own DERs' contribution, i.e. the capacity, telemetry output and
  approved limits of its DERs. Station load, net load, loading and reverse flow describe every customer behind
  the TS, so they are never shown to an aggregator (``load_visible`` False, values None).
- **Capacity**: connected DERs (active or inactive), counted and summed per CP and technology.
- **Current DER output (MW), without double counting.** The LDC ADMS reports, per station and feeder, "the
  estimated DER output below the element" (docs/FEEDS.md): a cumulative figure. A station's figure already holds
  its feeders', and a feeder's the embedded stations it supplies, so summing every figure under a TS would count
  the same DERs two or three times. Instead a recursive CTE walks the supply tree down from the TS and stops at
  the first element with a current figure (a non-blank reading in the last 30 min). Each subtree is counted
  once, at the highest level that reported. Below a feeder without a figure, the latest aggregator telemetry
  (DER_OUTPUT, kW) of its own DERs fills in. A TS whose own figure is current therefore uses that alone; one whose
  ADMS is silent falls back to its feeders and then to telemetry.
- **Load**: the TS's latest STATION_LOAD, measured at the transformer. It is already net of the DER output below
  it, so it *is* the net load seen by the transmission system (``net_load_mw`` == ``load_mw``).
  ``gross_load_mw`` = net + DER output estimates the demand the DERs serve. Reverse flow: net < 0. Loading: net
  load against ``rated_mw``, with the traffic light from ``grid_state.loading_state``.
- **Approved limits.** Per target (DER or resource), trade date and hour, the most recently approved interval
  counts, as in ``data/domain/limits/aggregation.py`` (the reference this SQL must agree with). The intervals are
  summed per CP and hour (kW -> MW), and each EST trade day shows its largest hourly sum. A resource-level limit
  is one figure for the whole resource: it counts whole at its CP when all of the resource's connected DERs sit
  under one CP (exactly as the reference). When they are spread over several CPs, it is shared among those CPs
  in proportion to the connected capacity of its DERs under each. The shares are an estimate, and they add up
  to the resource's limit.
- **History**: hourly means per series in SQL (GROUP BY series, hour), summed per hour. The expected DER output
  for an hour of the next trade day is the mean of the same hour-ending over the last 7 x 24 complete hours.
  The history uses the sources chosen now (the same ADMS elements or telemetry as the current figure).
All aggregation runs in the database (GROUP BY, a recursive CTE over the grid); Python only shapes rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal, der_scope, feeder_scope, station_scope
from data.domain.enums import DerStatus, LimitStatus, Role, SeriesKind, Severity
from data.domain.grid_state import loading_pct, loading_state
from data.domain.market_time import to_market_time, trade_date_of
from data.models import Der, Feeder, LimitInterval, LimitRequest, Organisation, Reading, Series, Station
from data.models.base import utcnow
from data.queries.drilldown import TechnologyTotal
from data.queries.map import CURRENT_WINDOW

__all__ = ["ConnectionPointDetail", "ConnectionPointRow", "CpFeeder", "HourPoint", "LimitHour", "PlanHour",
           "approved_limit_hours", "connection_point_detail", "connection_points", "der_output_by_hour",
           "shows_station_load"]

CONNECTED = (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value)
HISTORY_HOURS = 24
EXPECTED_DAYS = 7
_HOUR = timedelta(hours=1)
# Node kinds of the supply-tree walk, and the unit flag of a source series (0: MW from ADMS, 1: kW telemetry).
_ONE, _TWO = literal_column("1"), literal_column("2")
_MW, _KW = literal_column("0"), literal_column("1")


@dataclass(frozen=True)
class LimitHour:
    trade_date: date
    hour_ending: int
    export_mw: float  # sum of the stated export limits (0 when none stated)
    import_mw: float
    export_count: int  # targets stating an export limit in this hour
    import_count: int


@dataclass(frozen=True)
class ConnectionPointRow:
    id: int
    code: str
    name: str
    zone: str
    owner: str
    rated_mw: float
    der_export_limit_mw: float | None
    der_import_limit_mw: float | None
    der_count: int
    der_capacity_kw: float
    technologies: tuple[TechnologyTotal, ...]  # largest capacity first
    der_output_mw: float | None
    der_output_source: str | None  # "ADMS", "telemetry", "ADMS + telemetry"
    load_visible: bool
    load_mw: float | None  # latest STATION_LOAD of the TS (already net of DER output)
    net_load_mw: float | None  # == load_mw: what the transmission system sees
    gross_load_mw: float | None  # net + DER output
    reverse_flow: bool | None
    loading_pct: float | None
    loading_state: Severity | None
    load_at: datetime | None
    trade_date: date
    next_trade_date: date
    export_limit_mw: float | None  # largest hourly sum of approved export limits, current trade day
    import_limit_mw: float | None
    next_export_limit_mw: float | None  # the same for the next trade day
    next_import_limit_mw: float | None
    limit_hours: tuple[LimitHour, ...]  # both days, sorted


@dataclass(frozen=True)
class HourPoint:
    start_utc: datetime
    gross_load_mw: float | None
    der_output_mw: float | None
    net_load_mw: float | None


@dataclass(frozen=True)
class PlanHour:
    hour_ending: int
    export_limit_mw: float | None
    import_limit_mw: float | None
    expected_der_mw: float | None
    expected_samples: int  # hours of history behind the expectation


@dataclass(frozen=True)
class CpFeeder:
    id: int
    code: str
    name: str
    station: str
    ldc: str
    rated_mw: float
    load_mw: float | None
    der_output_mw: float | None
    loading_pct: float | None
    loading_state: Severity | None
    der_count: int
    der_capacity_kw: float


@dataclass(frozen=True)
class ConnectionPointDetail:
    point: ConnectionPointRow
    history: tuple[HourPoint, ...]  # the last 24 hours, the current (partial) hour last
    plan: tuple[PlanHour, ...]  # HE 1..24 of point.next_trade_date
    feeders: tuple[CpFeeder, ...]


@dataclass(frozen=True)
class _View:
    whole: bool  # the CP's whole figures (IESO, admin, LDC); False: the principal's own DERs only
    ders: ColumnElement[bool]  # the DERs that count
    cps: Select  # ids of the visible CPs


def _view(principal: Principal) -> _View:
    principal.require(Permission.VIEW_CONNECTION_POINTS)
    if principal.sees_everything:
        return _View(True, true(), select(Station.id).where(Station.is_connection_point))
    if principal.acts_as is Role.DSO_OPERATOR:
        return _View(True, true(), select(Station.connection_point_id).where(station_scope(principal)))
    mine = der_scope(principal)
    return _View(False, mine, select(Station.connection_point_id).join(Der, Der.station_id == Station.id).where(mine))


def shows_station_load(principal: Principal) -> bool:
    """True when the principal sees a CP's whole figures; False: only its own DERs' contribution (no load)."""
    return _view(principal).whole


def _latest(among: list[ColumnElement[bool]], now: datetime) -> Subquery:
    """(series_id, ts, value): the newest non-blank reading of each series within CURRENT_WINDOW (one pass, no
    join back to the table)."""
    ranked = (
        select(Reading.series_id, Reading.ts, Reading.value,
               func.row_number().over(partition_by=Reading.series_id, order_by=Reading.ts.desc()).label("newest"))
        .where(*among, Reading.ts > now - CURRENT_WINDOW, Reading.ts <= now, Reading.value.is_not(None))
    ).subquery()
    return select(ranked.c.series_id, ranked.c.ts, ranked.c.value).where(ranked.c.newest == 1).subquery()


def _one_series(kind: SeriesKind, column, keys: list[int]) -> Subquery:  # type: ignore[no-untyped-def]
    """(key, series_id, kw) of one series of `kind` per subject (the oldest, if several feeds report it)."""
    return (select(column.label("key"), func.min(Series.id).label("series_id"), _MW.label("kw"))
            .where(Series.kind == kind, column.in_(keys)).group_by(column)).subquery()


def _frontier(session: Session, ids: list[int], now: datetime) -> tuple[list[int], list[int]]:
    """Walk the supply tree down from each CP (a recursive CTE) and stop at every element with a current ADMS
    figure. Returns the ADMS series that count, and the feeders whose own DERs' telemetry fills in."""
    adms = (SeriesKind.STATION_DER_OUTPUT, SeriesKind.FEEDER_DER_OUTPUT)
    current = _latest([Reading.series_id.in_(select(Series.id).where(Series.kind.in_(adms)))], now)
    nodes = (
        select(case((Series.kind == SeriesKind.STATION_DER_OUTPUT, _ONE), else_=_TWO).label("kind"),
               func.coalesce(Series.station_id, Series.feeder_id).label("id"), func.min(Series.id).label("series_id"))
        .join(current, current.c.series_id == Series.id)
        .group_by(Series.kind, Series.station_id, Series.feeder_id)
    ).subquery("nodes")
    edges = union_all(  # parent -> child: station -> its feeders and stations, feeder -> stations it supplies
        select(_ONE.label("parent_kind"), Feeder.station_id.label("parent_id"), _TWO.label("kind"),
               Feeder.id.label("id")),
        select(_ONE, Station.supply_station_id, _ONE, Station.id).where(Station.supply_station_id.is_not(None)),
        select(_TWO, Station.supply_feeder_id, _ONE, Station.id).where(Station.supply_feeder_id.is_not(None)),
    ).subquery("edges")
    walk = select(_ONE.label("kind"), Station.id.label("id")).where(Station.id.in_(ids)).cte("walk", recursive=True)
    walk = walk.union_all(  # go below an element only while it has no current figure of its own
        select(edges.c.kind, edges.c.id).select_from(walk)
        .join(edges, and_(edges.c.parent_kind == walk.c.kind, edges.c.parent_id == walk.c.id))
        .outerjoin(nodes, and_(nodes.c.kind == walk.c.kind, nodes.c.id == walk.c.id)).where(nodes.c.series_id.is_(None))
    )
    rows = session.execute(select(walk.c.kind, walk.c.id, nodes.c.series_id).select_from(walk)
                           .outerjoin(nodes, and_(nodes.c.kind == walk.c.kind, nodes.c.id == walk.c.id))).all()
    return ([series for _, _, series in rows if series is not None],
            [element for kind, element, series in rows if kind == 2 and series is None])


def _sources(session: Session, view: _View, ids: list[int], now: datetime) -> Subquery:
    """(key = CP id, series_id, kw): the series whose values make up each CP's DER output (see the module doc).

    The walk's answer (grid elements, not DERs) comes back as id lists, so the planner sees plain IN lists with
    good row estimates when these series meet millions of readings.
    """
    telemetry = (select(Station.connection_point_id.label("key"), Series.id.label("series_id"), _KW.label("kw"))
                 .join(Der, Der.id == Series.der_id).join(Station, Station.id == Der.station_id)
                 .where(Series.kind == SeriesKind.DER_OUTPUT))
    if not view.whole:
        return telemetry.where(Station.connection_point_id.in_(ids), view.ders).subquery("sources")
    reported, silent = _frontier(session, ids, now)
    at_station, at_feeder = aliased(Station), aliased(Station)
    adms = (select(func.coalesce(at_station.connection_point_id, at_feeder.connection_point_id), Series.id, _MW)
            .outerjoin(at_station, at_station.id == Series.station_id)
            .outerjoin(Feeder, Feeder.id == Series.feeder_id).outerjoin(at_feeder, at_feeder.id == Feeder.station_id)
            .where(Series.id.in_(reported)))
    return union_all(telemetry.where(Der.feeder_id.in_(silent)), adms).subquery("sources")


def _among(sources: Subquery, broad: bool) -> list[ColumnElement[bool]]:
    """Which readings to aggregate. Narrow (one CP): only the sources' series, read through the index. Broad (every
    CP): every series in the time range, joined to the sources only after the per-series GROUP BY. Filtering
    millions of rows by a semi-join first costs more than aggregating the few series that are not wanted."""
    return [] if broad else [Reading.series_id.in_(select(sources.c.series_id))]


def _current(session: Session, sources: Subquery, now: datetime,
             broad: bool = False) -> dict[int, dict[int, tuple[float, datetime]]]:
    """key -> {kw flag: (sum of the latest values, newest ts)}."""
    cur = _latest(_among(sources, broad), now)
    rows = session.execute(
        select(sources.c.key, sources.c.kw, func.sum(cur.c.value), func.max(cur.c.ts))
        .join(cur, cur.c.series_id == sources.c.series_id).group_by(sources.c.key, sources.c.kw)
    )
    out: dict[int, dict[int, tuple[float, datetime]]] = defaultdict(dict)
    for key, kw, total, ts in rows:
        out[key][int(kw)] = (float(total), ts if ts.tzinfo else ts.replace(tzinfo=UTC))
    return out


def _mw(parts: dict[int, tuple[float, datetime]]) -> float | None:
    return sum(total / 1000.0 if kw else total for kw, (total, _) in parts.items()) if parts else None


def _hour_index(session: Session) -> ColumnElement[int]:
    """Whole hours since the Unix epoch (UTC) of Reading.ts, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        # date_part is double precision (EXTRACT is numeric since PostgreSQL 14: several times slower here)
        return cast(func.floor(func.date_part("epoch", Reading.ts) / literal_column("3600")), Integer)
    return cast(func.strftime("%s", Reading.ts), Integer).op("/")(literal_column("3600"))


def _hourly(session: Session, sources: Subquery, start: datetime, end: datetime,
            broad: bool = False) -> dict[int, dict[int, float]]:
    """key -> {hour index: MW}: the mean of each series per hour, then summed per key and hour, in SQL."""
    hour = _hour_index(session)
    per_series = (
        select(Reading.series_id, hour.label("hour"), func.avg(Reading.value).label("mean"))
        .where(*_among(sources, broad), Reading.ts >= start, Reading.ts < end, Reading.value.is_not(None))
        .group_by(Reading.series_id, hour)
    ).cte("per_series").prefix_with("MATERIALIZED")  # aggregated once, never re-run per parallel worker
    rows = session.execute(select(sources.c.key, sources.c.kw, per_series.c.hour, func.sum(per_series.c.mean))
                           .join(per_series, per_series.c.series_id == sources.c.series_id)
                           .group_by(sources.c.key, sources.c.kw, per_series.c.hour))
    out: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for key, kw, h, total in rows:
        out[key][int(h)] += float(total) / 1000.0 if kw else float(total)
    return out


def _capacity(session: Session, view: _View, key, keys: list[int]) -> dict[int, list[TechnologyTotal]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(key, Der.technology, func.count(Der.id), func.coalesce(func.sum(Der.capacity_kw), 0.0))
        .join(Station, Station.id == Der.station_id)
        .where(key.in_(keys), Der.status.in_(CONNECTED), view.ders).group_by(key, Der.technology)
    )
    out: dict[int, list[TechnologyTotal]] = defaultdict(list)
    for k, tech, n, kw in rows:
        out[k].append(TechnologyTotal(tech, int(n), float(kw)))
    return {k: sorted(v, key=lambda t: (-t.capacity_kw, t.technology)) for k, v in out.items()}


def _limit_hours(session: Session, view: _View, ids: list[int], dates: tuple[date, ...]) -> dict[int, list[LimitHour]]:
    ranked = (
        select(LimitRequest.der_id, LimitRequest.resource_id, LimitRequest.trade_date, LimitInterval.hour_ending,
               LimitInterval.export_kw, LimitInterval.import_kw,
               func.row_number().over(
                   partition_by=(LimitRequest.der_id, LimitRequest.resource_id, LimitRequest.trade_date,
                                 LimitInterval.hour_ending),
                   order_by=(case((LimitRequest.approved_at.is_(None), 1), else_=0), LimitRequest.approved_at.desc(),
                             LimitRequest.id.desc()),
               ).label("recency"))
        .join(LimitInterval, LimitInterval.request_id == LimitRequest.id)
        .where(LimitRequest.status == LimitStatus.APPROVED, LimitRequest.trade_date.in_(dates))
    ).subquery()
    der_cp = (select(Der.id.label("der_id"), Station.connection_point_id.label("cp_id"))
              .join(Station, Station.id == Der.station_id).where(view.ders)).subquery()
    in_scope = select(Der.resource_id).where(view.ders).correlate(None)
    capacity = func.sum(Der.capacity_kw)
    resource_cp = (  # a resource's share at each CP: the capacity of its connected DERs there / its total
        select(Der.resource_id.label("resource_id"), Station.connection_point_id.label("cp_id"),
               (capacity / func.nullif(func.sum(capacity).over(partition_by=Der.resource_id), 0)).label("share"))
        .join(Station, Station.id == Der.station_id)
        .where(Der.resource_id.in_(in_scope), Der.status.in_(CONNECTED))
        .group_by(Der.resource_id, Station.connection_point_id)
    ).subquery()
    cp = func.coalesce(der_cp.c.cp_id, resource_cp.c.cp_id)
    share = case((ranked.c.der_id.is_not(None), literal_column("1.0")), else_=resource_cp.c.share)
    rows = session.execute(
        select(cp, ranked.c.trade_date, ranked.c.hour_ending,
               func.coalesce(func.sum(ranked.c.export_kw * share), 0.0),
               func.coalesce(func.sum(ranked.c.import_kw * share), 0.0), func.count(ranked.c.export_kw),
               func.count(ranked.c.import_kw))
        .select_from(ranked)
        .outerjoin(der_cp, der_cp.c.der_id == ranked.c.der_id)
        .outerjoin(resource_cp, and_(ranked.c.der_id.is_(None), resource_cp.c.resource_id == ranked.c.resource_id))
        .where(ranked.c.recency == 1, cp.in_(ids))
        .group_by(cp, ranked.c.trade_date, ranked.c.hour_ending)
    )
    out: dict[int, list[LimitHour]] = defaultdict(list)
    for cp_id, day, he, exp, imp, n_exp, n_imp in rows:
        out[cp_id].append(LimitHour(day, int(he), float(exp) / 1000.0, float(imp) / 1000.0, int(n_exp), int(n_imp)))
    return {k: sorted(v, key=lambda h: (h.trade_date, h.hour_ending)) for k, v in out.items()}


def _day_max(hours: list[LimitHour], day: date, attr: str) -> float | None:
    values = [getattr(h, attr) for h in hours if h.trade_date == day]
    return max(values) if values else None


def _visible(session: Session, view: _View, station_id: int | None) -> list[tuple[Station, str]]:
    cp = aliased(Station, name="cp")
    query = (select(cp, Organisation.name).join(Organisation, Organisation.id == cp.owner_org_id)
             .where(cp.is_connection_point, cp.id.in_(view.cps)))
    if station_id is not None:
        query = query.where(cp.id == station_id)
    return [(st, owner) for st, owner in session.execute(query.order_by(cp.zone, cp.name))]


def approved_limit_hours(session: Session, principal: Principal, trade_dates: tuple[date, ...]
                         ) -> dict[int, list[LimitHour]]:
    """CP id -> approved limits summed per trade date and hour (MW), for the CPs (and DERs) in scope."""
    view = _view(principal)
    ids = [st.id for st, _ in _visible(session, view, None)]
    return _limit_hours(session, view, ids, trade_dates) if ids else {}


def connection_points(session: Session, principal: Principal, now: datetime | None = None,
                      station_id: int | None = None) -> list[ConnectionPointRow]:
    """Every CP in the principal's scope (or only `station_id`), sorted by zone and name."""
    view = _view(principal)
    now = now or utcnow()
    cps = _visible(session, view, station_id)
    ids = [st.id for st, _ in cps]
    if not ids:
        return []
    today = trade_date_of(now)
    tomorrow = today + timedelta(days=1)
    capacity = _capacity(session, view, Station.connection_point_id, ids)
    output = _current(session, _sources(session, view, ids, now), now, broad=station_id is None)
    load = _current(session, _one_series(SeriesKind.STATION_LOAD, Series.station_id, ids), now) if view.whole else {}
    limits = _limit_hours(session, view, ids, (today, tomorrow))
    rows = []
    for st, owner in cps:
        techs = tuple(capacity.get(st.id, ()))
        parts = output.get(st.id, {})
        der_mw = _mw(parts)
        source = " + ".join(name for kw, name in ((0, "ADMS"), (1, "telemetry")) if kw in parts) or None
        net = load[st.id][0][0] if st.id in load else None
        pct = loading_pct(net, st.rated_mw)
        hours = limits.get(st.id, [])
        rows.append(ConnectionPointRow(
            id=st.id, code=st.code, name=st.name, zone=st.zone, owner=owner, rated_mw=st.rated_mw,
            der_export_limit_mw=st.der_export_limit_mw, der_import_limit_mw=st.der_import_limit_mw,
            der_count=sum(t.count for t in techs), der_capacity_kw=sum(t.capacity_kw for t in techs),
            technologies=techs, der_output_mw=der_mw, der_output_source=source, load_visible=view.whole,
            load_mw=net, net_load_mw=net, gross_load_mw=None if net is None or der_mw is None else net + der_mw,
            reverse_flow=None if net is None else net < 0, loading_pct=pct, loading_state=loading_state(pct),
            load_at=load[st.id][0][1] if st.id in load else None, trade_date=today, next_trade_date=tomorrow,
            export_limit_mw=_day_max(hours, today, "export_mw"), import_limit_mw=_day_max(hours, today, "import_mw"),
            next_export_limit_mw=_day_max(hours, tomorrow, "export_mw"),
            next_import_limit_mw=_day_max(hours, tomorrow, "import_mw"), limit_hours=tuple(hours),
        ))
    return rows


def der_output_by_hour(session: Session, principal: Principal, start: datetime, end: datetime,
                       now: datetime | None = None) -> dict[int, dict[datetime, float]]:
    """CP id -> {hour start (UTC): DER output MW} over [start, end), from the sources chosen at `now`."""
    view = _view(principal)
    ids = [st.id for st, _ in _visible(session, view, None)]
    if not ids:
        return {}
    hourly = _hourly(session, _sources(session, view, ids, now or end), start, end, broad=True)
    return {cp: {_at(h): mw for h, mw in sorted(hours.items())} for cp, hours in hourly.items()}


def _at(hour_index: int) -> datetime:
    return datetime.fromtimestamp(hour_index * 3600, UTC)


def connection_point_detail(session: Session, principal: Principal, station_id: int,
                            now: datetime | None = None) -> ConnectionPointDetail | None:
    """One CP with its last 24 hours, next trade day plan and feeders; None when it is not in scope."""
    now = now or utcnow()
    found = connection_points(session, principal, now, station_id=station_id)
    if not found:
        return None
    point, view = found[0], _view(principal)
    this_hour = datetime.fromtimestamp(int(now.timestamp()) // 3600 * 3600, UTC)
    start = this_hour - (HISTORY_HOURS - 1) * _HOUR
    sources = _sources(session, view, [station_id], now)
    der = _hourly(session, sources, start, now).get(station_id, {})
    load = _hourly(session, _one_series(SeriesKind.STATION_LOAD, Series.station_id, [station_id]), start,
                   now).get(station_id, {}) if view.whole else {}
    history = []
    for k in range(HISTORY_HOURS):
        h = int((start + k * _HOUR).timestamp()) // 3600
        net, out = load.get(h), der.get(h)
        history.append(HourPoint(_at(h), None if net is None or out is None else net + out, out, net))
    past = _hourly(session, sources, this_hour - EXPECTED_DAYS * 24 * _HOUR, this_hour).get(station_id, {})
    by_he: dict[int, list[float]] = defaultdict(list)
    for h, mw in past.items():
        by_he[to_market_time(_at(h)).hour_ending].append(mw)
    limits = {h.hour_ending: h for h in point.limit_hours if h.trade_date == point.next_trade_date}
    plan = tuple(
        PlanHour(he, limits[he].export_mw if he in limits else None, limits[he].import_mw if he in limits else None,
                 sum(by_he[he]) / len(by_he[he]) if by_he[he] else None, len(by_he[he]))
        for he in range(1, 25)
    )
    return ConnectionPointDetail(point, tuple(history), plan, _feeders(session, principal, view, station_id, now))


def _feeders(session: Session, principal: Principal, view: _View, cp_id: int, now: datetime) -> tuple[CpFeeder, ...]:
    rows = session.execute(
        select(Feeder, Station.code, Organisation.name).join(Station, Station.id == Feeder.station_id)
        .join(Organisation, Organisation.id == Feeder.ldc_id)
        .where(Station.connection_point_id == cp_id, feeder_scope(principal)).order_by(Feeder.code)
    ).all()
    ids = [f.id for f, _, _ in rows]
    if not ids:
        return ()
    ders = (select(Der.feeder_id.label("key"), Series.id.label("series_id"), _KW.label("kw"))
            .join(Series, and_(Series.der_id == Der.id, Series.kind == SeriesKind.DER_OUTPUT))
            .where(Der.feeder_id.in_(ids), view.ders)).subquery()
    telemetry = _current(session, ders, now)
    adms, load = ({}, {}) if not view.whole else (
        _current(session, _one_series(SeriesKind.FEEDER_DER_OUTPUT, Series.feeder_id, ids), now),
        _current(session, _one_series(SeriesKind.FEEDER_LOAD, Series.feeder_id, ids), now))
    capacity = _capacity(session, view, Der.feeder_id, ids)
    out = []
    for f, station, ldc in rows:
        net = load[f.id][0][0] if f.id in load else None
        pct = loading_pct(net, f.rated_mw)
        techs = capacity.get(f.id, [])
        out.append(CpFeeder(f.id, f.code, f.name, station, ldc, f.rated_mw, net,
                            _mw(adms.get(f.id) or telemetry.get(f.id, {})), pct, loading_state(pct),
                            sum(t.count for t in techs), sum(t.capacity_kw for t in techs)))
    return tuple(out)
