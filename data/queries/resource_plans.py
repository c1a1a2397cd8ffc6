"""Resource plans (an aggregator's intention to offer a resource on a trade date) and their saved history, scoped:
the IESO sees all, an aggregator its own resources', an LDC the resources with DERs in its territory."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal
from data.domain.enums import Role
from data.models import AuditEntry, Organisation, Resource, ResourcePlan, User
from data.queries.audit_trail import audit_trail
from data.queries.bids import ROW_LIMIT, fixed_scope, scoped_resource_ids

__all__ = ["PLAN_AFTER_CLOSE_ACTION", "PLAN_ENTITY", "PLAN_SAVED_ACTION", "PlanHistoryRow", "PlanRow", "plan_history",
           "plan_rows", "plan_scope"]

PLAN_ENTITY = "resource_plan"
PLAN_SAVED_ACTION = "resource_plan_saved"
PLAN_AFTER_CLOSE_ACTION = "resource_plan_after_close"


def plan_scope(principal: Principal) -> ColumnElement[bool]:
    fixed = fixed_scope(principal)
    if fixed is not None:
        return fixed
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Resource.aggregator_org_id == (principal.organisation_id or -1)
    if role is Role.DSO_OPERATOR:
        return Resource.id.in_(scoped_resource_ids(principal))
    return false()


# --- plans ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    id: int
    resource_id: int
    resource: str
    resource_name: str
    aggregator: str
    trade_date: date
    intends_to_offer: bool
    first_hour_ending: int | None
    last_hour_ending: int | None
    note: str
    submitted_by: str
    saved_at: datetime
    post_close_changes: int


def plan_rows(session: Session, principal: Principal, trade_date: date | None = None, since: date | None = None,
              limit: int = ROW_LIMIT) -> list[PlanRow]:
    if not principal.can(Permission.VIEW_BIDS):
        return []
    conds = [plan_scope(principal)]
    if trade_date is not None:
        conds.append(ResourcePlan.trade_date == trade_date)
    elif since is not None:
        conds.append(ResourcePlan.trade_date >= since)
    query = (select(ResourcePlan, Resource.resource_code, Resource.name, Organisation.name, User.display_name)
             .join(Resource, Resource.id == ResourcePlan.resource_id)
             .join(Organisation, Organisation.id == Resource.aggregator_org_id)
             .outerjoin(User, User.id == ResourcePlan.submitted_by_user_id)
             .where(*conds).order_by(ResourcePlan.trade_date.desc(), Resource.resource_code).limit(limit))
    rows = session.execute(query).all()
    ids = [str(p.id) for p, *_ in rows]
    saved: dict[str, datetime] = {}
    late: dict[str, int] = defaultdict(int)
    if ids:
        for entity_id, action, at in session.execute(
                select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.at)
                .where(AuditEntry.entity == PLAN_ENTITY, AuditEntry.entity_id.in_(ids))):
            saved[entity_id] = max(saved.get(entity_id, at), at)
            late[entity_id] += action == PLAN_AFTER_CLOSE_ACTION
    return [PlanRow(id=p.id, resource_id=p.resource_id, resource=code, resource_name=name, aggregator=agg,
                    trade_date=p.trade_date, intends_to_offer=bool(p.intends_to_offer),
                    first_hour_ending=p.first_hour_ending, last_hour_ending=p.last_hour_ending, note=p.note or "",
                    submitted_by=user or "", saved_at=saved.get(str(p.id), p.created_at),
                    post_close_changes=late.get(str(p.id), 0))
            for p, code, name, agg, user in rows]


@dataclass(frozen=True)
class PlanHistoryRow:
    plan_id: int
    at: datetime
    action: str
    after_close: bool
    who: str
    resource: str
    trade_date: str
    intends_to_offer: str
    hours: str
    note: str


def plan_history(session: Session, principal: Principal, plan_ids: Iterable[int]) -> list[PlanHistoryRow]:
    """Every recorded save of the visible plans among ``plan_ids``, oldest first."""
    ids = list(plan_ids)
    if not ids or not principal.can(Permission.VIEW_BIDS):
        return []
    visible = list(session.scalars(
        select(ResourcePlan.id).join(Resource, Resource.id == ResourcePlan.resource_id)
        .where(ResourcePlan.id.in_(ids), plan_scope(principal))))
    out = []
    for step in audit_trail(session, PLAN_ENTITY, visible):
        after = step.after
        first, last = after.get("first_hour_ending"), after.get("last_hour_ending")
        out.append(PlanHistoryRow(
            plan_id=int(step.entity_id or 0), at=step.at, action=step.action.removeprefix("resource_plan_"),
            after_close=step.action == PLAN_AFTER_CLOSE_ACTION, who=step.who, resource=str(after.get("resource", "")),
            trade_date=str(after.get("trade_date", "")),
            intends_to_offer="yes" if after.get("intends_to_offer") else "no",
            hours=f"HE{first}–{last}" if first and last else "", note=str(after.get("note") or "")))
    return out
