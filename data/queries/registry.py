"""Read functions behind the DER registry page, scoped to the principal (data/access.py).

Registrations, the LDC's approval queue, the grid a registration is placed on and the connection-assessment
findings; aggregated resources are read in data/queries/resources.py, meters in data/queries/meters.py. An
aggregator's pending registrations are seen by that aggregator and by the LDC whose territory they are in
(`der_scope`), never by another aggregator. `registered_fingerprints_near` is the one unscoped read: the
duplicate check needs every registration, and it returns nothing but platform IDs and physical facts.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal, der_scope
from data.domain.connection_assessment import AssessmentRecord, assessment_problems, flagged
from data.domain.der_registration import collision_problems, normal_meter_id
from data.domain.enums import DerStatus, MeterStatus, Role
from data.domain.registration import DUPLICATE_DISTANCE_M, DerFingerprint, find_collisions
from data.models import Der, Feeder, Meter, Organisation, Station
from data.queries.feeder_lookup import nearest_feeders

MAX_ROWS = 2000
OPEN_STATUSES = (DerStatus.PENDING.value, DerStatus.EMBEDDED_APPROVED.value)
APPROVED_STATUSES = (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value)
# Registrations that still claim their meter and their place: everything but a turned-down one.
CLAIMING = Der.status != DerStatus.REJECTED.value
_METRES_PER_DEGREE = 111_195.0
_NOT_A_PLACE = "meter-submission"  # a fingerprint that only carries a meter ID


# --- duplicates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    """Registrations a candidate may collide with: fingerprints keyed by DER id, and their platform IDs."""

    fingerprints: list[DerFingerprint]
    labels: dict[str, str | None]


def registered_fingerprints_near(session: Session, candidates: Sequence[DerFingerprint]) -> Nearby:
    """Every registration (any status but rejected) that shares a meter ID with a candidate or stands within a
    few metres with the same technology, plus meters submitted and not yet decided. Keys are DER ids as text."""
    meters = sorted({m for c in candidates if (m := normal_meter_id(c.meter_id))})
    near = []
    for c in candidates:
        dlat = 2 * DUPLICATE_DISTANCE_M / _METRES_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(c.lat)), 0.01)
        near.append(and_(Der.technology == c.technology, Der.lat.between(c.lat - dlat, c.lat + dlat),
                         Der.lon.between(c.lon - dlon, c.lon + dlon)))
    if meters:
        near.append(func.upper(func.trim(Der.meter_id)).in_(meters))
    if not near:
        return Nearby([], {})
    rows = session.execute(select(Der.id, Der.platform_id, Der.meter_id, Der.lat, Der.lon, Der.technology,
                                  Der.capacity_kw).where(CLAIMING, or_(*near))).all()
    prints = [DerFingerprint(str(i), m, lat, lon, t, kw) for i, _, m, lat, lon, t, kw in rows]
    labels: dict[str, str | None] = {str(i): p for i, p, *_ in rows}
    if meters:
        submitted = session.execute(
            select(Meter.der_id, Meter.meter_code, Der.platform_id).join(Der, Der.id == Meter.der_id)
            .where(Meter.status == MeterStatus.SUBMITTED.value, CLAIMING,
                   func.upper(func.trim(Meter.meter_code)).in_(meters))).all()
        for der_id, code, platform_id in submitted:
            prints.append(DerFingerprint(str(der_id), code, 0.0, 0.0, _NOT_A_PLACE, -1.0))
            labels[str(der_id)] = platform_id
    return Nearby(prints, labels)


def collisions_of(session: Session, candidates: Sequence[DerFingerprint]) -> dict[str, list[str]]:
    """Candidate key -> the registrant's collision messages (platform ID or "a pending registration" only)."""
    if not candidates:
        return {}
    nearby = registered_fingerprints_near(session, candidates)
    # A candidate already registered meets its own row under its own key: find_collisions skips that.
    out: dict[str, list[str]] = {}
    for collision in find_collisions(candidates, nearby.fingerprints):
        out.setdefault(collision.candidate, []).extend(collision_problems([collision], nearby.labels))
    return out


# --- registrations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRow:
    id: int
    platform_id: str | None
    name: str
    technology: str
    capacity_kw: float
    status: str
    status_reason: str | None
    meter_id: str | None
    service_tag: str
    feeder: str
    station: str
    ldc: str
    registered_at: datetime
    approved_at: datetime | None
    collisions: tuple[str, ...] = ()


def _row_query(principal: Principal):  # type: ignore[no-untyped-def]
    ldc = aliased(Organisation)
    return (select(Der, Feeder.code, Station.name, ldc.name)
            .join(Feeder, Feeder.id == Der.feeder_id).join(Station, Station.id == Der.station_id)
            .join(ldc, ldc.id == Der.ldc_id).where(der_scope(principal)))


def registrations(session: Session, principal: Principal, *, limit: int = MAX_ROWS
                  ) -> tuple[list[RegistrationRow], int]:
    """The registrations in scope, newest first (at most `limit`), and how many there are in all. Open ones carry
    their collisions with other registrations."""
    if principal.is_guest:
        return [], 0
    total = session.scalar(select(func.count(Der.id)).where(der_scope(principal))) or 0
    rows = session.execute(_row_query(principal).order_by(Der.created_at.desc(), Der.id.desc()).limit(limit)).all()
    open_prints = [DerFingerprint(str(d.id), d.meter_id, d.lat, d.lon, d.technology, d.capacity_kw)
                   for d, *_ in rows if d.status in OPEN_STATUSES]
    clashes = collisions_of(session, open_prints)
    out = [RegistrationRow(d.id, d.platform_id, d.name, d.technology, d.capacity_kw, d.status, d.status_reason,
                           d.meter_id, d.service_tag, feeder, station, ldc, d.created_at, d.approved_at,
                           tuple(clashes.get(str(d.id), ()))) for d, feeder, station, ldc in rows]
    return out, total


def status_counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many registrations in scope are in each status."""
    if principal.is_guest:
        return {}
    return {status: n for status, n in session.execute(
        select(Der.status, func.count(Der.id)).where(der_scope(principal)).group_by(Der.status))}


# --- the LDC's approval queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    id: int
    name: str
    address: str | None
    technology: str
    capacity_kw: float
    energy_kwh: float | None
    lat: float
    lon: float
    status: str
    meter_id: str | None
    service_tag: str
    registrant: str
    registered_at: datetime
    feeder_id: int
    feeder: str
    station: str
    ldc: str
    waiting_for: str
    your_turn: bool
    suggested_feeder_id: int | None
    suggested_feeder: str | None
    suggested_distance_m: float | None
    assessment: str
    collisions: tuple[str, ...]


def deciding_org(status: str, ldc_id: int, host_ldc_id: int | None) -> int | None:
    """The LDC whose decision an open registration waits for (None: it is not open)."""
    if status == DerStatus.PENDING:
        return ldc_id
    if status == DerStatus.EMBEDDED_APPROVED:
        return host_ldc_id if host_ldc_id is not None else ldc_id
    return None


def approval_queue(session: Session, principal: Principal, *, today: date) -> list[QueueRow]:
    """Open registrations in the LDC's territory (its own and its embedded LDCs'), oldest first."""
    if not principal.can(Permission.APPROVE_ASSETS) or principal.acts_as is not Role.DSO_OPERATOR:
        return []
    ldc, registrant = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        select(Der, Feeder.code, Station.name, ldc.name, ldc.host_ldc_id, registrant.name)
        .join(Feeder, Feeder.id == Der.feeder_id).join(Station, Station.id == Der.station_id)
        .join(ldc, ldc.id == Der.ldc_id)
        .outerjoin(registrant, registrant.id == func.coalesce(Der.registered_by_org_id, Der.aggregator_org_id,
                                                              Der.owner_org_id))
        .where(der_scope(principal), Der.status.in_(OPEN_STATUSES))
        .order_by(Der.created_at, Der.id).limit(MAX_ROWS)
    ).all()
    if not rows:
        return []
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_(principal.territory_ldc_ids))).all())
    suggestions = nearest_feeders(session, [(d.lat, d.lon) for d, *_ in rows], ldc_ids=principal.territory_ldc_ids)
    codes = dict(session.execute(select(Feeder.id, Feeder.code).where(
        Feeder.id.in_([s.feeder_id for s in suggestions if s is not None]))).all())
    clashes = collisions_of(session, [DerFingerprint(str(d.id), d.meter_id, d.lat, d.lon, d.technology,
                                                     d.capacity_kw) for d, *_ in rows])
    out = []
    for (d, feeder, station, ldc_name, host_id, registrant_name), suggestion in zip(rows, suggestions, strict=True):
        waiting = deciding_org(d.status, d.ldc_id, host_id)
        problems = assessment_problems(_assessment_record(d), today=today)
        out.append(QueueRow(
            id=d.id, name=d.name, address=d.address, technology=d.technology, capacity_kw=d.capacity_kw,
            energy_kwh=d.energy_kwh, lat=d.lat, lon=d.lon, status=d.status, meter_id=d.meter_id,
            service_tag=d.service_tag, registrant=registrant_name or "", registered_at=d.created_at,
            feeder_id=d.feeder_id, feeder=feeder, station=station, ldc=ldc_name,
            waiting_for=names.get(waiting, "another LDC") if waiting is not None else "",
            your_turn=waiting == principal.organisation_id,
            suggested_feeder_id=suggestion.feeder_id if suggestion else None,
            suggested_feeder=(f"{codes.get(suggestion.feeder_id, suggestion.feeder_name)} · "
                              f"{suggestion.station_name}") if suggestion else None,
            suggested_distance_m=suggestion.distance_m if suggestion else None,
            assessment="; ".join(t for _, t in problems) or "valid",
            collisions=tuple(clashes.get(str(d.id), ())),
        ))
    return out


@dataclass(frozen=True)
class FeederOption:
    id: int
    label: str
    ldc_id: int


def territory_feeders(session: Session, principal: Principal) -> list[FeederOption]:
    """The feeders an LDC may put a DER on: those of its territory."""
    if principal.acts_as is not Role.DSO_OPERATOR or not principal.territory_ldc_ids:
        return []
    rows = session.execute(
        select(Feeder.id, Feeder.code, Station.name, Feeder.ldc_id).join(Station, Station.id == Feeder.station_id)
        .where(Feeder.ldc_id.in_(principal.territory_ldc_ids)).order_by(Feeder.code)).all()
    return [FeederOption(i, f"{code} · {station}", ldc_id) for i, code, station, ldc_id in rows]


@dataclass(frozen=True)
class StationPoint:
    code: str
    name: str
    lat: float
    lon: float


def public_stations(session: Session) -> list[StationPoint]:
    """Every station's name and place (the grid is public: guests see it on the map)."""
    return [StationPoint(*r) for r in session.execute(
        select(Station.code, Station.name, Station.lat, Station.lon).order_by(Station.code))]


@dataclass(frozen=True)
class FeederSuggestion:
    feeder_id: int
    code: str
    station: str
    ldc: str
    distance_m: float
    geometry: list[list[float]]  # [[lon, lat], ...]


def suggest_feeder(session: Session, lat: float, lon: float) -> FeederSuggestion | None:
    """The feeder nearest to a point (within the lookup's reach), with its station and LDC; the grid itself is not
    confidential (guests see it on the map)."""
    match = nearest_feeders(session, [(lat, lon)])[0]
    if match is None:
        return None
    row = session.execute(select(Feeder.code, Feeder.geometry, Organisation.name)
                          .join(Organisation, Organisation.id == Feeder.ldc_id)
                          .where(Feeder.id == match.feeder_id)).first()
    code, geometry, ldc = row if row else (match.feeder_name, [], "")
    return FeederSuggestion(match.feeder_id, code, match.station_name, ldc, match.distance_m,
                            geometry if isinstance(geometry, list) else [])


def feeder_label(session: Session, feeder_id: int) -> str:
    """"FDR-12 · Station name (LDC name)" for a message."""
    row = session.execute(select(Feeder.code, Station.name, Organisation.name)
                          .join(Station, Station.id == Feeder.station_id)
                          .join(Organisation, Organisation.id == Feeder.ldc_id).where(Feeder.id == feeder_id)).first()
    return f"{row[0]} · {row[1]} ({row[2]})" if row else f"#{feeder_id}"


# --- connection assessment checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    platform_id: str | None
    name: str
    capacity_kw: float
    status: str
    ldc: str
    reference: str | None
    assessed_on: date | None
    assessment_class: str | None
    activation_date: date | None
    reasons: str


def _assessment_record(d: Der) -> AssessmentRecord:
    return AssessmentRecord(d.id, d.capacity_kw, d.connection_assessment_ref, d.connection_assessment_date,
                            d.connection_assessment_class, d.activation_date)


def assessment_flags(session: Session, principal: Principal, *, today: date, limit: int = MAX_ROWS
                     ) -> tuple[list[AssessmentRow], int]:
    """DERs in scope (any status but rejected or deactivated) without a valid connection assessment: at most
    `limit` rows, and the number flagged in all."""
    if principal.is_guest:
        return [], 0
    ldc = aliased(Organisation)
    rows = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.capacity_kw, Der.status, ldc.name,
               Der.connection_assessment_ref, Der.connection_assessment_date, Der.connection_assessment_class,
               Der.activation_date)
        .join(ldc, ldc.id == Der.ldc_id)
        .where(der_scope(principal), Der.status.notin_((DerStatus.REJECTED.value, DerStatus.DEACTIVATED.value)))
        .order_by(Der.id)).all()
    by_id = {r[0]: r for r in rows}
    findings = flagged((AssessmentRecord(r[0], r[3], r[6], r[7], r[8], r[9]) for r in rows), today=today)
    out = [AssessmentRow(*by_id[f.key][:10], reasons=f.text) for f in findings[:limit]]
    return out, len(findings)
