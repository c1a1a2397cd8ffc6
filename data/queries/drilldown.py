"""Details behind a click on the map: a station, a feeder, a DER, or a search."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.access import GUEST_MIN_AGGREGATE, Principal, der_scope, feeder_scope, station_scope
from data.domain.enums import DerStatus, SeriesKind
from data.models import Der, Feeder, Organisation, Series, Station
from data.models.base import utcnow
from data.queries.map import latest_values

FEEDER_DER_LIST_LIMIT = 200


@dataclass(frozen=True)
class TechnologyTotal:
    technology: str
    count: int
    capacity_kw: float


@dataclass(frozen=True)
class StationDetail:
    id: int
    code: str
    name: str
    kind: str
    zone: str
    owner: str
    ldcs: list[str]
    rated_mw: float
    export_limit_mw: float | None
    import_limit_mw: float | None
    is_connection_point: bool
    connection_point: str | None
    supplied_by: str | None
    load_mw: float | None
    der_output_kw: float | None
    technologies: list[TechnologyTotal]
    feeders: list[tuple[int, str, int]]  # (id, code, DER count)
    withheld: bool = False


@dataclass(frozen=True)
class DerRow:
    id: int
    platform_id: str | None
    name: str
    technology: str
    capacity_kw: float
    status: str
    aggregator: str | None
    meter_id: str | None


@dataclass(frozen=True)
class FeederDetail:
    id: int
    code: str
    station: str
    ldc: str
    voltage_kv: float
    rated_mw: float
    hosting_capacity_kw: float | None
    load_mw: float | None
    technologies: list[TechnologyTotal]
    ders: list[DerRow] = field(default_factory=list)
    der_total: int = 0
    withheld: bool = False


def _technology_totals(session: Session, principal: Principal, condition) -> list[TechnologyTotal]:  # type: ignore[no-untyped-def]
    scope = der_scope(principal) if not principal.is_guest else Der.status == DerStatus.ACTIVE
    rows = session.execute(
        select(Der.technology, func.count(Der.id), func.sum(Der.capacity_kw))
        .where(scope, condition).group_by(Der.technology).order_by(func.sum(Der.capacity_kw).desc())
    )
    totals = [TechnologyTotal(t, n, kw or 0.0) for t, n, kw in rows]
    if principal.is_guest:
        totals = [t for t in totals if t.count >= GUEST_MIN_AGGREGATE]
    return totals


def _current_der_output(session: Session, principal: Principal, condition, now: datetime) -> float | None:  # type: ignore[no-untyped-def]
    if principal.is_guest:
        return None
    ids = list(session.scalars(select(Der.id).where(der_scope(principal), condition)))
    values = latest_values(session, SeriesKind.DER_OUTPUT, Series.der_id, ids, now)
    return sum(values.values()) if values else None


def station_detail(session: Session, principal: Principal, station_id: int) -> StationDetail | None:
    st = session.scalar(select(Station).where(Station.id == station_id, station_scope(principal)))
    if st is None:
        return None
    now = utcnow()
    owner = session.get(Organisation, st.owner_org_id)
    below = Der.station_id == st.id
    feeders = session.execute(
        select(Feeder.id, Feeder.code, Organisation.name).join(Organisation, Organisation.id == Feeder.ldc_id)
        .where(Feeder.station_id == st.id, feeder_scope(principal)).order_by(Feeder.code)
    ).all()
    scope = der_scope(principal) if not principal.is_guest else Der.status == DerStatus.ACTIVE
    counts = dict(session.execute(
        select(Der.feeder_id, func.count(Der.id)).where(scope, below).group_by(Der.feeder_id)
    ).all())
    if principal.is_guest:
        counts = {k: v for k, v in counts.items() if v >= GUEST_MIN_AGGREGATE}
    cp = session.get(Station, st.connection_point_id) if st.connection_point_id not in (None, st.id) else None
    supplier = (session.get(Station, st.supply_station_id).name if st.supply_station_id
                else (f"feeder {session.get(Feeder, st.supply_feeder_id).code}" if st.supply_feeder_id else None))
    loads = latest_values(session, SeriesKind.STATION_LOAD, Series.station_id, [st.id], now)
    return StationDetail(
        id=st.id, code=st.code, name=st.name, kind=st.kind, zone=st.zone, owner=owner.name if owner else "",
        ldcs=sorted({ldc for _, _, ldc in feeders}), rated_mw=st.rated_mw, export_limit_mw=st.der_export_limit_mw,
        import_limit_mw=st.der_import_limit_mw, is_connection_point=st.is_connection_point,
        connection_point=cp.name if cp else None, supplied_by=supplier, load_mw=loads.get(st.id),
        der_output_kw=_current_der_output(session, principal, below, now),
        technologies=_technology_totals(session, principal, below),
        feeders=[(fid, code, counts.get(fid, 0)) for fid, code, _ in feeders], withheld=principal.is_guest,
    )


def feeder_detail(session: Session, principal: Principal, feeder_id: int) -> FeederDetail | None:
    row = session.execute(
        select(Feeder, Station.name, Organisation.name)
        .join(Station, Station.id == Feeder.station_id).join(Organisation, Organisation.id == Feeder.ldc_id)
        .where(Feeder.id == feeder_id, feeder_scope(principal))
    ).first()
    if row is None:
        return None
    f, station_name, ldc = row
    here = Der.feeder_id == f.id
    ders: list[DerRow] = []
    total = 0
    if not principal.is_guest:
        agg = Organisation.__table__.alias("agg")
        q = (select(Der.id, Der.platform_id, Der.name, Der.technology, Der.capacity_kw, Der.status, agg.c.name,
                    Der.meter_id)
             .outerjoin(agg, agg.c.id == Der.aggregator_org_id).where(der_scope(principal), here))
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        ders = [DerRow(*r) for r in session.execute(q.order_by(Der.capacity_kw.desc()).limit(FEEDER_DER_LIST_LIMIT))]
    loads = latest_values(session, SeriesKind.FEEDER_LOAD, Series.feeder_id, [f.id], utcnow())
    return FeederDetail(
        id=f.id, code=f.code, station=station_name, ldc=ldc, voltage_kv=f.voltage_kv, rated_mw=f.rated_mw,
        hosting_capacity_kw=None if principal.is_guest else f.hosting_capacity_kw, load_mw=loads.get(f.id),
        technologies=_technology_totals(session, principal, here), ders=ders, der_total=total,
        withheld=principal.is_guest,
    )


@dataclass(frozen=True)
class FoundDer:
    id: int
    platform_id: str | None
    name: str
    lat: float
    lon: float
    feeder_id: int


def find_der(session: Session, principal: Principal, text: str) -> FoundDer | None:
    """Exact platform ID or meter ID, case-insensitive, within scope."""
    needle = text.strip().upper()
    if principal.is_guest or not needle:
        return None
    row = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.lat, Der.lon, Der.feeder_id)
        .where(der_scope(principal), or_(func.upper(Der.platform_id) == needle, func.upper(Der.meter_id) == needle))
    ).first()
    return FoundDer(*row) if row else None


@dataclass(frozen=True)
class DerDetail:
    row: DerRow
    address: str | None
    feeder: str
    station: str
    ldc: str
    owner: str
    service_tag: str
    activation_date: str | None
    connection_assessment_ref: str | None


def der_detail(session: Session, principal: Principal, der_id: int) -> DerDetail | None:
    if principal.is_guest:
        return None
    agg = Organisation.__table__.alias("agg")
    owner = Organisation.__table__.alias("owner")
    ldc = Organisation.__table__.alias("ldc")
    r = session.execute(
        select(Der, agg.c.name, owner.c.name, ldc.c.name, Feeder.code, Station.name)
        .outerjoin(agg, agg.c.id == Der.aggregator_org_id).join(owner, owner.c.id == Der.owner_org_id)
        .join(ldc, ldc.c.id == Der.ldc_id).join(Feeder, Feeder.id == Der.feeder_id)
        .join(Station, Station.id == Der.station_id).where(Der.id == der_id, der_scope(principal))
    ).first()
    if r is None:
        return None
    d, agg_name, owner_name, ldc_name, feeder_code, station_name = r
    return DerDetail(
        row=DerRow(d.id, d.platform_id, d.name, d.technology, d.capacity_kw, d.status, agg_name, d.meter_id),
        address=d.address, feeder=feeder_code, station=station_name, ldc=ldc_name, owner=owner_name,
        service_tag=d.service_tag, activation_date=d.activation_date.isoformat() if d.activation_date else None,
        connection_assessment_ref=d.connection_assessment_ref,
    )
