"""Read functions behind the registry page's meters, scoped to the principal (data/access.py, `der_scope`): the
meter submissions and history of the DERs in scope, and the DERs a meter may be submitted for."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal, der_scope
from data.domain.der_registration import PENDING_LABEL
from data.domain.enums import MeterStatus
from data.models import Der, Meter, Organisation
from data.queries.registry import APPROVED_STATUSES, MAX_ROWS


@dataclass(frozen=True)
class MeterRow:
    id: int
    der_id: int
    der: str  # platform ID, or the name of a pending registration
    meter_code: str
    status: str
    valid_from: date
    valid_to: date | None
    submitted_by: str
    status_reason: str | None
    submitted_at: datetime


def _meter_rows(session: Session, *conditions) -> list[MeterRow]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(Meter, Der.platform_id, Der.name, Organisation.name).join(Der, Der.id == Meter.der_id)
        .join(Organisation, Organisation.id == Meter.submitted_by_org_id).where(*conditions)
        .order_by(Meter.valid_from.desc(), Meter.id.desc()).limit(MAX_ROWS)).all()
    return [MeterRow(m.id, m.der_id, platform_id or f"{name} ({PENDING_LABEL})", m.meter_code, m.status,
                     m.valid_from, m.valid_to, org, m.status_reason, m.created_at)
            for m, platform_id, name, org in rows]


def meter_history(session: Session, principal: Principal, der_id: int) -> list[MeterRow]:
    """Every meter a DER in scope has had, newest first."""
    if principal.is_guest:
        return []
    return _meter_rows(session, Meter.der_id == der_id, der_scope(principal))


def meters(session: Session, principal: Principal, *, submitted_only: bool = False) -> list[MeterRow]:
    """Meter submissions of the DERs in scope (an LDC: waiting for its decision when `submitted_only`)."""
    if principal.is_guest:
        return []
    conditions = [der_scope(principal), Der.platform_id.is_not(None)]
    if submitted_only:
        conditions.append(Meter.status == MeterStatus.SUBMITTED.value)
    return _meter_rows(session, *conditions)


@dataclass(frozen=True)
class DerOption:
    id: int
    label: str


def meterable_ders(session: Session, principal: Principal, search: str = "", chosen: int | None = None,
                   limit: int = 50) -> list[DerOption]:
    """The principal's approved DERs a meter may be submitted for (a search by platform ID, name or meter)."""
    if not principal.can(Permission.REGISTER_ASSETS):
        return []
    conditions = [der_scope(principal), Der.status.in_(APPROVED_STATUSES), Der.platform_id.is_not(None)]
    text = search.strip()[:40] if isinstance(search, str) else ""
    if text:
        like = f"%{text.upper()}%"
        conditions.append(or_(func.upper(Der.platform_id).like(like), func.upper(Der.name).like(like),
                              func.upper(Der.meter_id).like(like)))
    rows = list(session.execute(select(Der.id, Der.platform_id, Der.name, Der.meter_id).where(*conditions)
                                .order_by(Der.platform_id).limit(limit)).all())
    if chosen is not None and all(r[0] != chosen for r in rows):
        rows += session.execute(select(Der.id, Der.platform_id, Der.name, Der.meter_id)
                                .where(Der.id == chosen, der_scope(principal))).all()
    return [DerOption(i, f"{p} · {n[:60]} · meter {m or 'none'}") for i, p, n, m in rows]
