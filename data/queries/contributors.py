"""Reads for contributor DER uploads and the enrolment log.

`upload_context` loads, in a handful of queries, everything an upload is checked against (no per-row
queries). Its result goes to the pure domain and never to the browser: only the uploading aggregator's own
DERs carry their details. The upload history and the enrolment log are scoped: an aggregator sees its own
uploads and its own enrolments (ended ones included); an LDC the enrolments of DERs in its territory;
the IESO and the administrator everything.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from data.access import Principal
from data.domain.contributor_plan import ExistingDer, ProgramInfo, UploadContext
from data.domain.contributor_upload import DER_FIELDS
from data.domain.enrolments import EnrolmentSpan
from data.domain.enums import DerStatus, OrgKind, Role
from data.models import ContributorUpload, Der, Enrolment, Organisation, Program, Resource, User

LOG_LIMIT = 20_000
EXPORT_LIMIT = 250_000
HISTORY_LIMIT = 200


def upload_context(session: Session, aggregator_org_id: int) -> UploadContext:
    """The registry as an upload of ``aggregator_org_id`` is checked against."""
    own_columns = [getattr(Der, name) for name in DER_FIELDS]
    query = select(Der.id, Der.platform_id, Der.status, Der.aggregator_org_id, Der.ldc_id, Der.meter_id, Der.lat,
                   Der.lon, Der.technology, Der.capacity_kw, Der.service_tag, Der.resource_id, Der.activation_date,
                   *own_columns)
    ders = []
    for row in session.execute(query):
        (der_id, platform_id, status, aggregator, ldc_id, meter_id, lat, lon, technology, capacity, tag, resource,
         activation) = row[:13]
        fields = None
        if aggregator == aggregator_org_id:
            fields = dict(zip(DER_FIELDS, row[13:], strict=True))
            fields["activation_date"] = activation
        ders.append(ExistingDer(der_id, platform_id, status, aggregator, ldc_id, meter_id, lat, lon, technology,
                                capacity, tag, resource, fields))
    programs = {code.upper(): ProgramInfo(pid, code, market, operator) for pid, code, market, operator in
                session.execute(select(Program.id, Program.code, Program.market, Program.operator_org_id))}
    resources = {code.upper(): rid for rid, code in session.execute(
        select(Resource.id, Resource.resource_code).where(Resource.aggregator_org_id == aggregator_org_id,
                                                          Resource.status == DerStatus.ACTIVE.value))}
    enrolments: dict[int, list[EnrolmentSpan]] = defaultdict(list)
    for eid, der_id, program_id, aggregator, start, end in session.execute(
            select(Enrolment.id, Enrolment.der_id, Enrolment.program_id, Enrolment.aggregator_org_id,
                   Enrolment.start_date, Enrolment.end_date)):
        enrolments[der_id].append(EnrolmentSpan(eid, program_id, aggregator, start, end))
    hosts: dict[int, int] = {}
    names: dict[int, str] = {}
    for oid, name, host in session.execute(select(Organisation.id, Organisation.name, Organisation.host_ldc_id)
                                           .where(Organisation.kind == OrgKind.LDC.value)):
        names[oid] = name
        if host is not None:
            hosts[oid] = host
    return UploadContext(aggregator_org_id, ders, programs, resources, dict(enrolments), hosts, names)


def organisation_name(session: Session, organisation_id: int) -> str:
    return session.scalar(select(Organisation.name).where(Organisation.id == organisation_id)) or ""


# --- upload history ------------------------------------------------------------------------------------------
def upload_scope(principal: Principal) -> ColumnElement[bool]:
    """Uploads the principal may read: its own organisation's (an aggregator), or all (IESO, admin)."""
    if principal.sees_everything:
        return true()
    if principal.acts_as is Role.AGGREGATOR and principal.organisation_id is not None:
        return ContributorUpload.aggregator_org_id == principal.organisation_id
    return false()


@dataclass(frozen=True)
class UploadSummary:
    id: int
    file_name: str
    status: str
    row_count: int
    counts: dict[str, int]
    problem_count: int
    created_at: datetime
    applied_at: datetime | None
    by: str
    aggregator: str


def upload_history(session: Session, principal: Principal, limit: int = HISTORY_LIMIT) -> list[UploadSummary]:
    """The newest uploads in scope first (without their content)."""
    agg = aliased(Organisation)
    rows = session.execute(
        select(ContributorUpload.id, ContributorUpload.file_name, ContributorUpload.status,
               ContributorUpload.row_count, ContributorUpload.summary, ContributorUpload.created_at,
               ContributorUpload.applied_at, User.display_name, agg.name)
        .join(agg, agg.id == ContributorUpload.aggregator_org_id)
        .outerjoin(User, User.id == ContributorUpload.user_id)
        .where(upload_scope(principal))
        .order_by(ContributorUpload.id.desc()).limit(limit)
    )
    return [UploadSummary(uid, name, status, count, dict((summary or {}).get("counts") or {}),
                          int((summary or {}).get("problem_count") or 0), created, applied, by or "", aggregator)
            for uid, name, status, count, summary, created, applied, by, aggregator in rows]


def upload_in_scope(session: Session, principal: Principal, upload_id: int) -> ContributorUpload | None:
    """One upload, or None when it does not exist or is not the principal's to read."""
    return session.scalar(select(ContributorUpload).where(ContributorUpload.id == upload_id,
                                                          upload_scope(principal)))


# --- the enrolment log -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogFilters:
    ldc_ids: tuple[int, ...] = ()
    der_statuses: tuple[str, ...] = ()
    enrolment_statuses: tuple[str, ...] = ()  # "active" / "scheduled" / "ended" (as of today) / "none"
    on_date: date | None = None  # enrolments in force that day


@dataclass(frozen=True)
class LogRow:
    key: str
    der_id: int
    platform_id: str | None
    der_name: str
    der_status: str
    ldc: str
    program: str | None
    aggregator: str | None
    start: date | None
    end: date | None
    enrolment_status: str  # active (in force today) / scheduled (starts later) / ended / none

    @property
    def der_label(self) -> str:
        return self.platform_id or f"pending #{self.der_id}"


def log_scope(principal: Principal) -> ColumnElement[bool]:
    """Which (DER, enrolment) pairs of the outer join the principal may read."""
    if principal.sees_everything:
        return true()
    role, org = principal.acts_as, principal.organisation_id
    if role is Role.DSO_OPERATOR:
        return Der.ldc_id.in_(principal.territory_ldc_ids)
    if role is Role.AGGREGATOR and org is not None:
        # its enrolments (ended ones included), and its DERs that have none
        return or_(Enrolment.aggregator_org_id == org, and_(Enrolment.id.is_(None), Der.aggregator_org_id == org))
    if role is Role.DER_OWNER and org is not None:
        return Der.owner_org_id == org
    return false()


def ldc_choices(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """Service territories to filter by: an LDC its own territory; anyone else every LDC (names are public)."""
    query = select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.LDC.value)
    if principal.acts_as is Role.DSO_OPERATOR and not principal.sees_everything:
        query = query.where(Organisation.id.in_(principal.territory_ldc_ids))
    return [(i, n) for i, n in session.execute(query.order_by(Organisation.name))]


def enrolment_log(session: Session, principal: Principal, filters: LogFilters, today: date,
                  limit: int = LOG_LIMIT) -> list[LogRow]:
    """DERs and their enrolment history in scope: one row per enrolment (or per DER without one)."""
    ldc, agg = aliased(Organisation), aliased(Organisation)
    query = (
        select(Der.id, Der.platform_id, Der.name, Der.status, ldc.name, Program.code, agg.name, Enrolment.id,
               Enrolment.start_date, Enrolment.end_date)
        .join(ldc, ldc.id == Der.ldc_id)
        .outerjoin(Enrolment, Enrolment.der_id == Der.id)
        .outerjoin(Program, Program.id == Enrolment.program_id)
        .outerjoin(agg, agg.id == Enrolment.aggregator_org_id)
        .where(log_scope(principal))
    )
    if filters.ldc_ids:
        query = query.where(Der.ldc_id.in_(filters.ldc_ids))
    if filters.der_statuses:
        query = query.where(Der.status.in_(filters.der_statuses))
    if filters.enrolment_statuses:
        wanted = []
        if "active" in filters.enrolment_statuses:
            wanted.append(and_(Enrolment.start_date <= today, or_(Enrolment.end_date.is_(None),
                                                                  Enrolment.end_date > today)))
        if "scheduled" in filters.enrolment_statuses:
            wanted.append(and_(Enrolment.start_date > today, or_(Enrolment.end_date.is_(None),
                                                                 Enrolment.end_date > Enrolment.start_date)))
        if "ended" in filters.enrolment_statuses:
            wanted.append(Enrolment.end_date <= today)
        if "none" in filters.enrolment_statuses:
            wanted.append(Enrolment.id.is_(None))
        query = query.where(or_(*wanted) if wanted else false())
    if filters.on_date is not None:
        query = query.where(Enrolment.start_date <= filters.on_date,
                            or_(Enrolment.end_date.is_(None), Enrolment.end_date > filters.on_date))
    query = query.order_by(Der.ldc_id, Der.platform_id.is_(None), Der.platform_id, Der.id,
                           Enrolment.start_date).limit(limit)
    out = []
    for der_id, platform_id, name, status, ldc_name, program, aggregator, eid, start, end in session.execute(query):
        if eid is None:
            state = "none"
        elif end is not None and end <= today:
            state = "ended"
        else:
            state = "scheduled" if start > today else "active"
        out.append(LogRow(f"{der_id}-{eid or 0}", der_id, platform_id, name, status, ldc_name, program, aggregator,
                          start, end, state))
    return out
