"""Read side of dispatch: the instruction list (IESO and DSO side by side), issue targets, the 10:00 EPT checklist.

Everything is scoped with ``data.access.dispatch_scope`` / territory; rows are plain dicts ready for AG Grid.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal, dispatch_scope, outage_scope
from data.domain.enums import DispatchState, Issuer, OutageKind, OutageState, Role, TargetKind
from data.domain.market_time import format_market, market_day_bounds_utc, next_day_notice_deadline_utc, trade_date_of
from data.models import AuditEntry, Der, DispatchInstruction, Feeder, Organisation, Outage, Resource, Station

__all__ = [
    "NOTICE_ENTITIES",
    "checklist_item_in_scope",
    "instruction_rows",
    "issue_targets",
    "next_day_checklist",
]

NOTICE_ENTITIES = ("dispatch_instruction", "outage")
MAX_ROWS = 2000


def _labels(session: Session, rows: list[DispatchInstruction]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {k.value: set() for k in TargetKind}
    for r in rows:
        for kind in TargetKind:
            value = getattr(r, f"{kind.value}_id")
            if value is not None:
                wanted[kind.value].add(value)
    out: dict[tuple[str, int], str] = {}
    for kind, model, col in ((TargetKind.DER, Der, Der.name), (TargetKind.RESOURCE, Resource, Resource.resource_code),
                             (TargetKind.FEEDER, Feeder, Feeder.code), (TargetKind.STATION, Station, Station.name)):
        ids = wanted[kind.value]
        if ids:
            for key, label in session.execute(select(model.id, col).where(model.id.in_(ids))):
                out[(kind.value, key)] = label
    return out


def _target_id(r: DispatchInstruction) -> int | None:
    return getattr(r, f"{r.target_kind}_id", None)


def instruction_rows(session: Session, principal: Principal, now: datetime,
                     lookback: timedelta = timedelta(days=1), horizon: timedelta = timedelta(days=2)
                     ) -> list[dict[str, Any]]:
    """Instructions in scope whose window meets ``[now - lookback, now + horizon]``, newest start first."""
    if not principal.can(Permission.VIEW_DISPATCH):
        return []
    from data.services.dispatch import aggregator_orgs_of, is_overdue

    rows = list(session.scalars(select(DispatchInstruction).where(
        dispatch_scope(principal), DispatchInstruction.end_at > now - lookback,
        DispatchInstruction.start_at < now + horizon).order_by(DispatchInstruction.start_at.desc(),
                                                              DispatchInstruction.id).limit(MAX_ROWS)))
    labels = _labels(session, rows)
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    out = []
    for r in rows:
        target = _target_id(r)
        overdue = is_overdue(r, now)
        can_ack = (principal.acts_as is Role.AGGREGATOR and principal.can(Permission.ACKNOWLEDGE_DISPATCH)
                   and r.state == DispatchState.NEW.value and not overdue
                   and principal.organisation_id in aggregator_orgs_of(session, r))
        left = (r.ack_deadline - now).total_seconds() / 60 if r.ack_deadline else None
        out.append({
            "id": r.id, "issuer": r.issuer.upper(), "issuer_org": orgs.get(r.issuer_org_id, ""),
            "message_id": r.message_id or "", "state": r.state.replace("_", " "),
            "target": f"{r.target_kind} {labels.get((r.target_kind, target or -1), target)}",
            "target_kind": r.target_kind, "amount_kw": round(r.amount_kw, 1),
            "direction": "export +" if r.amount_kw > 0 else ("import -" if r.amount_kw < 0 else "zero"),
            "mvar": r.mvar, "start": format_market(r.start_at), "end": format_market(r.end_at),
            "ack_deadline": format_market(r.ack_deadline) if r.ack_deadline else "",
            "ack_deadline_iso": r.ack_deadline.isoformat() if r.ack_deadline else None,
            "minutes_left": None if left is None or r.state != DispatchState.NEW.value else round(left),
            "overdue": "OVERDUE" if overdue else "", "can_ack": can_ack,
        })
    return out


def issue_targets(session: Session, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """Dropdown options per target kind for a DSO: what lies in its territory."""
    if not principal.can(Permission.ISSUE_DISPATCH):
        return {k.value: [] for k in TargetKind}
    territory = principal.territory_ldc_ids
    feeders = [{"label": f"{code} · {name}", "value": i} for i, code, name in session.execute(
        select(Feeder.id, Feeder.code, Feeder.name).where(Feeder.ldc_id.in_(territory)).order_by(Feeder.code))]
    stations = [{"label": f"{name} ({kind})", "value": i} for i, name, kind in session.execute(
        select(Station.id, Station.name, Station.kind).where(Station.owner_org_id.in_(territory))
        .order_by(Station.name))]
    ders = [{"label": f"{name} ({pid or i})", "value": i} for i, name, pid in session.execute(
        select(Der.id, Der.name, Der.platform_id).where(Der.ldc_id.in_(territory)).order_by(Der.name).limit(500))]
    outside = select(Der.resource_id).where(Der.resource_id.is_not(None), Der.ldc_id.not_in(territory))
    resources = [{"label": f"{code} · {name}", "value": i} for i, code, name in session.execute(
        select(Resource.id, Resource.resource_code, Resource.name)
        .where(Resource.id.in_(select(Der.resource_id).where(Der.ldc_id.in_(territory))), Resource.id.not_in(outside))
        .order_by(Resource.resource_code))]
    return {TargetKind.DER.value: ders, TargetKind.RESOURCE.value: resources, TargetKind.FEEDER.value: feeders,
            TargetKind.STATION.value: stations}


# --- the next-day checklist ---------------------------------------------------------------------


def _checklist_instructions(principal: Principal):  # type: ignore[no-untyped-def]
    if principal.sees_everything:
        return DispatchInstruction.issuer == Issuer.DSO.value
    return and_(DispatchInstruction.issuer == Issuer.DSO.value,
                DispatchInstruction.issuer_org_id.in_(principal.territory_ldc_ids or (-1,)))


def _checklist_outages(principal: Principal):  # type: ignore[no-untyped-def]
    base = and_(Outage.state != OutageState.CANCELLED.value, Outage.kind != OutageKind.TRANSMISSION.value)
    if principal.sees_everything:
        return base
    return and_(base, Outage.reporter_org_id.in_(principal.territory_ldc_ids or (-1,)), outage_scope(principal))


def _allowed(principal: Principal) -> bool:
    return principal.can(Permission.VIEW_DISPATCH) and (
        principal.sees_everything or principal.acts_as is Role.DSO_OPERATOR)


def checklist_item_in_scope(session: Session, principal: Principal, entity: str, key: int) -> bool:
    if not _allowed(principal):
        return False
    if entity == "dispatch_instruction":
        return session.scalar(select(DispatchInstruction.id).where(
            DispatchInstruction.id == key, _checklist_instructions(principal))) is not None
    if entity == "outage":
        return session.scalar(select(Outage.id).where(Outage.id == key, _checklist_outages(principal))) is not None
    return False


def next_day_checklist(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """Tomorrow's (EST trade date) DSO instructions and outages to tell the IESO of, by 10:00 EPT today."""
    trade_date = trade_date_of(now) + timedelta(days=1)
    deadline = next_day_notice_deadline_utc(trade_date)
    result: dict[str, Any] = {"trade_date": trade_date.isoformat(), "deadline": format_market(deadline),
                              "deadline_iso": deadline.isoformat(), "rows": []}
    if not _allowed(principal):
        return result
    lo, hi = market_day_bounds_utc(trade_date)
    instructions = list(session.scalars(select(DispatchInstruction).where(
        _checklist_instructions(principal), DispatchInstruction.state.not_in(
            (DispatchState.REJECTED.value, DispatchState.TIMED_OUT.value, DispatchState.CANCELLED.value)),
        DispatchInstruction.start_at < hi, DispatchInstruction.end_at > lo).order_by(DispatchInstruction.start_at)))
    outages = list(session.scalars(select(Outage).where(
        _checklist_outages(principal), Outage.start_at < hi,
        or_(Outage.restored_at.is_(None), Outage.restored_at > lo),
        or_(Outage.estimated_restoration_at.is_(None), Outage.estimated_restoration_at > lo))
        .order_by(Outage.start_at)))
    keys = [str(i.id) for i in instructions] + [str(o.id) for o in outages]
    sent: dict[tuple[str, str], datetime] = {}
    if keys:
        for entity, entity_id, at in session.execute(select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.at)
                                                     .where(AuditEntry.action == "notify_ieso",
                                                            AuditEntry.entity.in_(NOTICE_ENTITIES),
                                                            AuditEntry.entity_id.in_(keys))):
            sent.setdefault((entity, entity_id), at)
    labels = _labels(session, instructions)
    rows = []
    for i in instructions:
        at = sent.get(("dispatch_instruction", str(i.id)))
        rows.append({"key": f"dispatch_instruction:{i.id}", "entity": "dispatch_instruction", "entity_id": i.id,
                     "what": "load reduction / export (+)" if i.amount_kw > 0 else "DER curtailment (-)",
                     "item": f"Instruction {i.id}: {i.target_kind} "
                             f"{labels.get((i.target_kind, _target_id(i) or -1), _target_id(i))}, "
                             f"{i.amount_kw:+,.0f} kW",
                     "window": f"{format_market(i.start_at)} to {format_market(i.end_at)}",
                     "sent": "yes" if at else "NOT SENT", "sent_at": format_market(at) if at else ""})
    for o in outages:
        at = sent.get(("outage", str(o.id)))
        end = o.restored_at or o.estimated_restoration_at
        rows.append({"key": f"outage:{o.id}", "entity": "outage", "entity_id": o.id,
                     "what": f"{o.kind} outage (disconnection)",
                     "item": f"Outage {o.id}: {o.equipment_name or o.description or ''}"[:200],
                     "window": f"{format_market(o.start_at)} to {format_market(end) if end else 'until restored'}",
                     "sent": "yes" if at else "NOT SENT", "sent_at": format_market(at) if at else ""})
    result["rows"] = rows
    return result
