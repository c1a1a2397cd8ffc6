"""Read functions behind the map, already scoped to the principal (data/access.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from data.access import GUEST_MIN_AGGREGATE, Principal, der_scope, feeder_scope, station_scope
from data.domain.enums import DerStatus, OutageState, SeriesKind
from data.domain.grid_state import DerAggregate, guest_safe
from data.models import Der, Feeder, Organisation, Outage, OutageElement, Reading, Series, Station
from data.models.base import utcnow

Tier = Literal["zone", "station", "feeder"]

# Shown only when the status filter asks for them.
OFF_MAP_STATUSES = (DerStatus.REJECTED.value, DerStatus.DEACTIVATED.value)

# Readings older than this do not count as "current".
CURRENT_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class MapFilters:
    ldc_ids: tuple[int, ...] = ()
    zones: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    aggregator_ids: tuple[int, ...] = ()

    def der_conditions(self, principal: Principal) -> list:
        conds = [der_scope(principal) if not principal.is_guest else Der.status == DerStatus.ACTIVE]
        if self.ldc_ids:
            conds.append(Der.ldc_id.in_(self.ldc_ids))
        if self.technologies:
            conds.append(Der.technology.in_(self.technologies))
        if self.statuses and not principal.is_guest:
            conds.append(Der.status.in_(self.statuses))
        elif not principal.is_guest:  # a turned-down registration or a retired DER is no asset on the grid
            conds.append(Der.status.notin_(OFF_MAP_STATUSES))
        if self.aggregator_ids and not principal.is_guest:
            conds.append(Der.aggregator_org_id.in_(self.aggregator_ids))
        if self.zones:
            conds.append(Der.station_id.in_(select(Station.id).where(Station.zone.in_(self.zones))))
        return conds


@dataclass(frozen=True)
class StationRow:
    id: int
    code: str
    name: str
    kind: str
    zone: str
    owner: str
    lat: float
    lon: float
    rated_mw: float
    is_connection_point: bool
    load_mw: float | None
    der_count: int
    der_capacity_kw: float
    outage: bool


@dataclass(frozen=True)
class FeederRow:
    id: int
    code: str
    name: str
    station_id: int
    ldc: str
    voltage_kv: float
    rated_mw: float
    geometry: list[list[float]]
    load_mw: float | None
    der_count: int
    der_capacity_kw: float
    outage: bool


@dataclass(frozen=True)
class DerPoint:
    id: int
    platform_id: str | None
    name: str
    technology: str
    capacity_kw: float
    status: str
    lat: float
    lon: float
    feeder_id: int
    station_id: int


@dataclass(frozen=True)
class FilterOptions:
    ldcs: list[tuple[int, str]] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    aggregators: list[tuple[int, str]] = field(default_factory=list)


def latest_values(session: Session, kind: SeriesKind, column, ids: Sequence[int], now: datetime) -> dict[int, float]:
    """The newest reading (within CURRENT_WINDOW) of each subject's series of `kind`."""
    if not ids:
        return {}
    newest = (
        select(Reading.series_id, func.max(Reading.ts).label("ts"))
        .join(Series, Series.id == Reading.series_id)
        .where(Series.kind == kind, column.in_(ids), Reading.ts >= now - CURRENT_WINDOW, Reading.ts <= now)
        .group_by(Reading.series_id)
        .subquery()
    )
    rows = session.execute(
        select(column, Reading.value)
        .join(Series, Series.id == Reading.series_id)
        .join(newest, and_(newest.c.series_id == Reading.series_id, newest.c.ts == Reading.ts))
    )
    return {subject: value for subject, value in rows if value is not None}


def _elements_in_outage(session: Session, now: datetime) -> tuple[set[int], set[int]]:
    in_force = or_(
        Outage.state == OutageState.ACTIVE, and_(Outage.state == OutageState.PLANNED, Outage.start_at <= now)
    )
    rows = session.execute(
        select(OutageElement.station_id, OutageElement.feeder_id)
        .join(Outage, Outage.id == OutageElement.outage_id)
        .where(in_force)
    ).all()
    return {s for s, _ in rows if s}, {f for _, f in rows if f}


def _der_totals(session: Session, principal: Principal, filters: MapFilters, key) -> dict[int, tuple[int, float]]:
    rows = session.execute(
        select(key, func.count(Der.id), func.coalesce(func.sum(Der.capacity_kw), 0.0))
        .where(*filters.der_conditions(principal))
        .group_by(key)
    )
    return {k: (n, kw) for k, n, kw in rows}


def _station_filter(filters: MapFilters) -> list:
    conds = []
    if filters.zones:
        conds.append(Station.zone.in_(filters.zones))
    if filters.ldc_ids:
        conds.append(
            or_(
                Station.owner_org_id.in_(filters.ldc_ids),
                Station.id.in_(select(Feeder.station_id).where(Feeder.ldc_id.in_(filters.ldc_ids))),
            )
        )
    return conds


def stations(
    session: Session, principal: Principal, filters: MapFilters, now: datetime | None = None
) -> list[StationRow]:
    now = now or utcnow()
    rows = session.execute(
        select(Station, Organisation.name)
        .join(Organisation, Organisation.id == Station.owner_org_id)
        .where(station_scope(principal), *_station_filter(filters))
        .order_by(Station.code)
    ).all()
    ids = [st.id for st, _ in rows]
    totals = _der_totals(session, principal, filters, Der.station_id)
    loads = latest_values(session, SeriesKind.STATION_LOAD, Series.station_id, ids, now)
    out_stations, _ = _elements_in_outage(session, now)
    result = []
    for st, owner in rows:
        n, kw = totals.get(st.id, (0, 0.0))
        if principal.is_guest and n < GUEST_MIN_AGGREGATE:
            n, kw = 0, 0.0  # withheld, not zero: the layer shows "< 5"
        result.append(
            StationRow(
                id=st.id,
                code=st.code,
                name=st.name,
                kind=st.kind,
                zone=st.zone,
                owner=owner,
                lat=st.lat,
                lon=st.lon,
                rated_mw=st.rated_mw,
                is_connection_point=st.is_connection_point,
                load_mw=loads.get(st.id),
                der_count=n,
                der_capacity_kw=kw,
                outage=st.id in out_stations,
            )
        )
    return result


def feeders(
    session: Session, principal: Principal, filters: MapFilters, now: datetime | None = None
) -> list[FeederRow]:
    now = now or utcnow()
    conds = [feeder_scope(principal)]
    if filters.ldc_ids:
        conds.append(Feeder.ldc_id.in_(filters.ldc_ids))
    if filters.zones:
        conds.append(Feeder.station_id.in_(select(Station.id).where(Station.zone.in_(filters.zones))))
    rows = session.execute(
        select(Feeder, Organisation.name).join(Organisation, Organisation.id == Feeder.ldc_id).where(*conds)
    ).all()
    ids = [f.id for f, _ in rows]
    totals = _der_totals(session, principal, filters, Der.feeder_id)
    loads = latest_values(session, SeriesKind.FEEDER_LOAD, Series.feeder_id, ids, now)
    out_stations, out_feeders = _elements_in_outage(session, now)
    result = []
    for f, ldc in rows:
        n, kw = totals.get(f.id, (0, 0.0))
        if principal.is_guest and n < GUEST_MIN_AGGREGATE:
            n, kw = 0, 0.0
        result.append(
            FeederRow(
                id=f.id,
                code=f.code,
                name=f.name,
                station_id=f.station_id,
                ldc=ldc,
                voltage_kv=f.voltage_kv,
                rated_mw=f.rated_mw,
                geometry=f.geometry,
                load_mw=loads.get(f.id),
                der_count=n,
                der_capacity_kw=kw,
                outage=f.id in out_feeders or f.station_id in out_stations,
            )
        )
    return result


def der_aggregates(
    session: Session, principal: Principal, filters: MapFilters, by: Tier = "feeder"
) -> list[DerAggregate]:
    """DERs summed in SQL per feeder, station or IESO zone, split by technology.

    Feeder groups sit at their DERs' centroid; station groups at the station; zone groups at
    the DER-weighted centroid of the zone's DERs.
    """
    key = {"feeder": Der.feeder_id, "station": Der.station_id, "zone": Station.zone}[by]
    query = select(key, Der.technology, func.count(Der.id), func.sum(Der.capacity_kw), func.avg(Der.lat),
                   func.avg(Der.lon)).where(*filters.der_conditions(principal)).group_by(key, Der.technology)
    if by == "zone":
        query = query.join(Station, Station.id == Der.station_id)
    acc: dict[int | str, list] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, []])
    for group, tech, n, kw, lat, lon in session.execute(query):
        a = acc[group]
        a[0] += n
        a[1] += kw or 0.0
        a[2] += lat * n
        a[3] += lon * n
        a[4].append((tech, n, kw or 0.0))
    aggs = [
        DerAggregate(key=gid, der_count=n, capacity_kw=kw, lat=slat / n, lon=slon / n,
                     by_technology=tuple(sorted(split, key=lambda t: -t[2])))
        for gid, (n, kw, slat, slon, split) in acc.items()
    ]
    if by == "station" and aggs:
        places = {i: (lat, lon) for i, lat, lon in session.execute(
            select(Station.id, Station.lat, Station.lon).where(Station.id.in_([a.key for a in aggs])))}
        aggs = [replace(a, lat=places[a.key][0], lon=places[a.key][1]) for a in aggs]
    return guest_safe(aggs, GUEST_MIN_AGGREGATE) if principal.is_guest else aggs


def ders_in_view(
    session: Session, principal: Principal, filters: MapFilters, bbox: tuple[float, float, float, float], limit: int
) -> tuple[list[DerPoint], bool]:
    """Individual DERs inside bbox (south, west, north, east), at most `limit`; never for a guest."""
    if principal.is_guest:
        return [], False
    south, west, north, east = bbox
    rows = session.execute(
        select(
            Der.id,
            Der.platform_id,
            Der.name,
            Der.technology,
            Der.capacity_kw,
            Der.status,
            Der.lat,
            Der.lon,
            Der.feeder_id,
            Der.station_id,
        )
        .where(*filters.der_conditions(principal), Der.lat.between(south, north), Der.lon.between(west, east))
        .limit(limit + 1)
    ).all()
    return [DerPoint(*r) for r in rows[:limit]], len(rows) > limit


def filter_options(session: Session, principal: Principal) -> FilterOptions:
    visible_ldcs = select(Feeder.ldc_id).where(feeder_scope(principal)).distinct()
    ldcs = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(visible_ldcs)).order_by(Organisation.name)
    ).all()
    zones = session.scalars(select(Station.zone).where(station_scope(principal)).distinct().order_by(Station.zone))
    aggregators: Select = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(select(Der.aggregator_org_id).where(der_scope(principal)).distinct())
    )
    return FilterOptions(
        ldcs=[(i, n) for i, n in ldcs],
        zones=list(zones),
        aggregators=[]
        if principal.is_guest
        else [(i, n) for i, n in session.execute(aggregators.order_by(Organisation.name))],
    )
