"""Distribution dispatch: a DSO issues instructions, aggregators accept or reject them, overdue ones are flagged.

IESO instructions arrive through the poller (``data.services.ingest.upsert_dispatches``); aggregators
acknowledge both kinds here. After every change the conflict check runs in the same transaction
(``data.services.conflicts.run_conflict_check``). Amounts are signed kW: + export/injection, - import.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal
from data.domain.enums import DispatchState, Issuer, OrgKind, Role, Severity, TargetKind
from data.domain.errors import DomainError, IllegalTransition
from data.domain.market_time import format_market, is_on_interval_boundary
from data.models import Der, DispatchInstruction, Feeder, Notification, Organisation, Resource, Station
from data.models.base import utcnow
from data.services import audit
from data.services.conflicts import run_conflict_check

__all__ = [
    "AUDIT_ENTITY",
    "DEFAULT_ACK_MINUTES",
    "OVERDUE_KIND",
    "Direction",
    "InvalidInstruction",
    "IssueRequest",
    "acknowledge_instruction",
    "aggregator_orgs_of",
    "flag_overdue",
    "issue_instruction",
    "target_der_ids",
]

AUDIT_ENTITY = "dispatch_instruction"
DEFAULT_ACK_MINUTES = 15
MAX_KW = 1_000_000.0
MAX_MVAR = 1_000.0
MAX_WINDOW = timedelta(days=7)
ISSUED_KIND = "dispatch_issued"
OVERDUE_KIND = "dispatch_overdue"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInstruction(DomainError):
    """The instruction as entered cannot be issued."""


class Direction:
    EXPORT = "export"  # + export / injection / load reduction
    IMPORT = "import"  # - curtail output / consume

    ALL = (EXPORT, IMPORT)


@dataclass(frozen=True)
class IssueRequest:
    target_kind: str
    target_id: Any
    amount: Any
    unit: str = "kW"
    direction: str = Direction.IMPORT
    start: Any = None
    end: Any = None
    mvar: Any = None
    ack_minutes: Any = DEFAULT_ACK_MINUTES


def _number(value: Any, name: str, *, optional: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise InvalidInstruction(f"Enter the {name}.")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInstruction(f"The {name} must be a number.") from exc
    if not math.isfinite(number):
        raise InvalidInstruction(f"The {name} must be a finite number.")
    return number


def _time(value: Any, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidInstruction(f"The {name} is not a date and time.") from exc
    if not isinstance(value, datetime):
        raise InvalidInstruction(f"Enter the {name}.")
    if value.tzinfo is None:
        raise InvalidInstruction(f"The {name} has no time zone.")
    value = value.astimezone(UTC)
    if not is_on_interval_boundary(value):
        raise InvalidInstruction(f"The {name} must be on a 5-minute boundary ({format_market(value)} is not).")
    return value


def _in_territory(session: Session, principal: Principal, kind: str, target_id: int) -> bool:
    territory = principal.territory_ldc_ids
    if kind == TargetKind.DER:
        return session.scalar(select(Der.id).where(Der.id == target_id, Der.ldc_id.in_(territory))) is not None
    if kind == TargetKind.FEEDER:
        return session.scalar(select(Feeder.id).where(Feeder.id == target_id, Feeder.ldc_id.in_(territory))) \
            is not None
    if kind == TargetKind.STATION:
        return session.scalar(select(Station.id).where(
            Station.id == target_id, Station.owner_org_id.in_(territory))) is not None
    if kind == TargetKind.RESOURCE:
        ders = list(session.scalars(select(Der.ldc_id).where(Der.resource_id == target_id)))
        return bool(ders) and all(ldc in territory for ldc in ders)
    return False


def target_der_ids(session: Session, kind: str, target_id: int | None) -> list[int]:
    """The DERs an instruction is aimed at (feeder and station: the DERs directly on them)."""
    if target_id is None:
        return []
    column = {TargetKind.DER: Der.id, TargetKind.RESOURCE: Der.resource_id, TargetKind.FEEDER: Der.feeder_id,
              TargetKind.STATION: Der.station_id}.get(TargetKind(kind))
    return list(session.scalars(select(Der.id).where(column == target_id))) if column is not None else []


def _target_id(ins: DispatchInstruction) -> int | None:
    return {TargetKind.DER: ins.der_id, TargetKind.RESOURCE: ins.resource_id, TargetKind.FEEDER: ins.feeder_id,
            TargetKind.STATION: ins.station_id}.get(TargetKind(ins.target_kind))


def aggregator_orgs_of(session: Session, ins: DispatchInstruction) -> set[int]:
    """The aggregator organisations that must acknowledge this instruction."""
    if ins.target_kind == TargetKind.RESOURCE and ins.resource_id is not None:
        org = session.scalar(select(Resource.aggregator_org_id).where(Resource.id == ins.resource_id))
        return {org} if org is not None else set()
    ids = target_der_ids(session, ins.target_kind, _target_id(ins))
    if not ids:
        return set()
    return {o for o in session.scalars(select(Der.aggregator_org_id).where(Der.id.in_(ids))) if o is not None}


def _snapshot(ins: DispatchInstruction) -> dict[str, Any]:
    return {"state": ins.state, "issuer": ins.issuer, "target_kind": ins.target_kind, "target_id": _target_id(ins),
            "amount_kw": ins.amount_kw, "mvar": ins.mvar, "start_at": ins.start_at.isoformat(),
            "end_at": ins.end_at.isoformat(),
            "ack_deadline": ins.ack_deadline.isoformat() if ins.ack_deadline else None}


def issue_instruction(session: Session, principal: Principal, request: IssueRequest,
                      now: datetime | None = None) -> DispatchInstruction:
    """A DSO instruction on a DER, resource, feeder or station of the principal's territory."""
    principal.require(Permission.ISSUE_DISPATCH)
    now = now or utcnow()
    try:
        kind = TargetKind(str(request.target_kind))
    except ValueError as exc:
        raise InvalidInstruction("Choose what the instruction targets: DER, resource, feeder or station.") from exc
    try:
        target_id = int(request.target_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInstruction("Choose the target of the instruction.") from exc
    if not _in_territory(session, principal, kind, target_id):
        raise AccessDenied(f"{kind.value} {target_id} is not in your territory")
    amount = _number(request.amount, "amount")
    unit = str(request.unit or "kW")
    if unit not in ("kW", "MW"):
        raise InvalidInstruction("The unit must be kW or MW.")
    amount_kw = abs(amount) * (1000.0 if unit == "MW" else 1.0)
    if amount_kw > MAX_KW:
        raise InvalidInstruction(f"The amount is above {MAX_KW:,.0f} kW.")
    if request.direction not in Direction.ALL:
        raise InvalidInstruction("Choose a direction: export (+) or curtail/import (-).")
    signed = amount_kw if request.direction == Direction.EXPORT else -amount_kw
    mvar = _number(request.mvar, "MVAR", optional=True)
    if mvar is not None and abs(mvar) > MAX_MVAR:
        raise InvalidInstruction(f"The MVAR is outside +/-{MAX_MVAR:,.0f}.")
    start, end = _time(request.start, "start"), _time(request.end, "end")
    if end <= start:
        raise InvalidInstruction("The end must be after the start.")
    if end - start > MAX_WINDOW:
        raise InvalidInstruction("An instruction lasts at most 7 days.")
    if start <= now:
        raise InvalidInstruction("The start must be in the future.")
    ack = _number(request.ack_minutes, "acknowledgement lead time", optional=True)
    ack_minutes = DEFAULT_ACK_MINUTES if ack is None else ack
    if not 0 <= ack_minutes <= 24 * 60:
        raise InvalidInstruction("The acknowledgement lead time must be 0 to 1,440 minutes.")
    deadline = start - timedelta(minutes=ack_minutes)
    if deadline <= now:
        raise InvalidInstruction(f"The acknowledgement deadline ({format_market(deadline)}) has already passed: "
                                 "start later or shorten the lead time.")
    ins = DispatchInstruction(
        issuer=Issuer.DSO.value, issuer_org_id=principal.organisation_id, issued_by_user_id=principal.user_id,
        state=DispatchState.NEW.value, target_kind=kind.value, amount_kw=signed, mvar=mvar, start_at=start,
        end_at=end, ack_deadline=deadline,
        **{f"{kind.value}_id": target_id})
    session.add(ins)
    session.flush()
    for org in sorted(aggregator_orgs_of(session, ins)):
        session.add(Notification(
            organisation_id=org, kind=ISSUED_KIND, severity=Severity.ACTION.value,
            text=(f"DSO instruction {ins.id}: {signed:+,.0f} kW on {kind.value} {target_id}, "
                  f"{format_market(start)} to {format_market(end)}; acknowledge by {format_market(deadline)}")[:1000],
            link=f"/dispatch?instruction={ins.id}"))
    audit.record(session, principal, "issue", AUDIT_ENTITY, ins.id, after=_snapshot(ins))
    run_conflict_check(session, now)
    return ins


def _may_acknowledge(session: Session, principal: Principal, ins: DispatchInstruction) -> bool:
    if principal.acts_as is not Role.AGGREGATOR or principal.organisation_id is None:
        return False
    return principal.organisation_id in aggregator_orgs_of(session, ins)


def acknowledge_instruction(session: Session, principal: Principal, instruction_id: Any, accept: bool,
                            reason: str | None = None, now: datetime | None = None) -> DispatchInstruction:
    """An aggregator accepts or rejects an instruction (IESO or DSO) aimed at its DERs, before the deadline."""
    principal.require(Permission.ACKNOWLEDGE_DISPATCH)
    now = now or utcnow()
    try:
        key = int(instruction_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInstruction("Select an instruction first.") from exc
    ins = session.get(DispatchInstruction, key)
    if ins is None or not _may_acknowledge(session, principal, ins):
        raise AccessDenied("this instruction is not aimed at your DERs")
    if ins.state != DispatchState.NEW.value:
        raise IllegalTransition(f"This instruction is already {ins.state.replace('_', ' ')}.")
    if ins.ack_deadline is not None and now > ins.ack_deadline:
        raise IllegalTransition(f"The acknowledgement deadline ({format_market(ins.ack_deadline)}) has passed.")
    text = _CONTROL.sub("", str(reason or "")).strip()[:500] or None
    before = _snapshot(ins)
    ins.state = (DispatchState.ACCEPTED if accept else DispatchState.REJECTED).value
    ins.acknowledged_at, ins.acknowledged_by_user_id = now, principal.user_id
    session.flush()
    audit.record(session, principal, "accept" if accept else "reject", AUDIT_ENTITY, ins.id, before=before,
                 after={**_snapshot(ins), "reason": text})
    issuer_org = ins.issuer_org_id
    if ins.issuer == Issuer.DSO.value and issuer_org is not None:
        session.add(Notification(
            organisation_id=issuer_org, kind="dispatch_acknowledged",
            severity=(Severity.COMPLIANT if accept else Severity.ACTION).value,
            text=f"Instruction {ins.id} {ins.state} by {principal.organisation_name}"[:1000],
            link=f"/dispatch?instruction={ins.id}"))
    run_conflict_check(session, now)
    return ins


def is_overdue(ins: DispatchInstruction, now: datetime) -> bool:
    return ins.state == DispatchState.NEW.value and ins.ack_deadline is not None and now > ins.ack_deadline


def flag_overdue(session: Session, now: datetime | None = None) -> list[int]:
    """Instructions still new after their deadline: flagged once (``raw["overdue_flagged_at"]``) and notified.

    The state stays new: the IESO's own "Timed Out" comes through the poller.
    """
    now = now or utcnow()
    flagged: list[int] = []
    rows = session.scalars(select(DispatchInstruction).where(
        DispatchInstruction.state == DispatchState.NEW.value, DispatchInstruction.ack_deadline.is_not(None),
        DispatchInstruction.ack_deadline < now).order_by(DispatchInstruction.id))
    ieso = None
    for ins in rows:
        raw = dict(ins.raw or {})
        if raw.get("overdue_flagged_at"):
            continue
        raw["overdue_flagged_at"] = now.isoformat()
        ins.raw = raw
        text = (f"{ins.issuer.upper()} instruction {ins.id} was not acknowledged by "
                f"{format_market(ins.ack_deadline)}")[:1000]  # type: ignore[arg-type]
        orgs = aggregator_orgs_of(session, ins)
        if ins.issuer == Issuer.DSO.value:
            orgs.add(ins.issuer_org_id)
        else:
            if ieso is None:
                ieso = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value)
                                      .order_by(Organisation.id))
            if ieso is not None:
                orgs.add(ieso)
        for org in sorted(orgs):
            session.add(Notification(organisation_id=org, kind=OVERDUE_KIND, severity=Severity.ALARM.value,
                                     text=text, link=f"/dispatch?instruction={ins.id}"))
        audit.record(session, None, "flag_overdue", AUDIT_ENTITY, ins.id, after={"overdue_flagged_at": raw[
            "overdue_flagged_at"]})
        flagged.append(ins.id)
    session.flush()
    return flagged


def notify_ieso(session: Session, principal: Principal, entity: str, entity_id: Any,
                now: datetime | None = None) -> None:
    """Record that a next-day disconnection/load reduction was sent to the IESO (audit action "notify_ieso")."""
    from data.queries.dispatch import NOTICE_ENTITIES, checklist_item_in_scope

    principal.require(Permission.ISSUE_DISPATCH)
    if entity not in NOTICE_ENTITIES:
        raise InvalidInstruction("Unknown kind of item.")
    try:
        key = int(entity_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInstruction("Select an item first.") from exc
    if not checklist_item_in_scope(session, principal, entity, key):
        raise AccessDenied("this item is not yours to send")
    now = now or utcnow()
    ieso = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value)
                          .order_by(Organisation.id))
    if ieso is not None:
        session.add(Notification(
            organisation_id=ieso, kind="next_day_reduction", severity=Severity.ACTION.value,
            text=f"{principal.organisation_name}: next-day {entity.replace('_', ' ')} {key} (load reduction or "
                 "disconnection)"[:1000], link="/dispatch"))
    audit.record(session, principal, "notify_ieso", entity, key, after={"notified_ieso_at": now.isoformat()})
