"""Resource plans: an aggregator says, per resource and trade date, whether it intends to offer and over which hours.
A plan closes with the DAM; a change after the close is still accepted, audited as ``resource_plan_after_close``
and told to the IESO.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import Principal
from data.domain.bids import MAX_NOTE, InvalidBid, PlanDraft, plan_after_close, validate_plan
from data.domain.enums import Severity
from data.models import Resource, ResourcePlan
from data.models.base import utcnow
from data.queries.bids import POST_CLOSE_KIND
from data.queries.resource_plans import PLAN_AFTER_CLOSE_ACTION, PLAN_ENTITY, PLAN_SAVED_ACTION
from data.services import audit
from data.services.bid_records import DEFAULT_CLOSE_HOUR_EST, clean_text, ieso_org, notify, submitter_org

__all__ = ["save_resource_plan"]


def save_resource_plan(session: Session, principal: Principal, *, resource_id: int, trade_date: date | None,
                       intends_to_offer: bool | None, first_hour_ending: int | None = None,
                       last_hour_ending: int | None = None, note: str | None = None, now: datetime | None = None,
                       close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> tuple[ResourcePlan, bool]:
    """Create or change the plan of one of the aggregator's resources for a trade date. After the DAM close the
    change is still accepted, audited as ``resource_plan_after_close`` and the IESO is told. Returns the plan and
    whether it came after the close."""
    org = submitter_org(principal)
    now = now or utcnow()
    resource = session.get(Resource, resource_id) if isinstance(resource_id, int) and \
        not isinstance(resource_id, bool) else None
    if resource is None or resource.aggregator_org_id != org:
        raise InvalidBid([f"resource: there is no resource #{resource_id} among your organisation's"])
    note = clean_text(note, MAX_NOTE, "note")
    if intends_to_offer is False:  # no offer: no hours
        first_hour_ending = last_hour_ending = None
    problems = validate_plan(PlanDraft(trade_date, intends_to_offer, first_hour_ending, last_hour_ending, note), now)
    if problems:
        raise InvalidBid(problems)
    assert trade_date is not None
    plan = session.scalars(select(ResourcePlan).where(ResourcePlan.resource_id == resource.id,
                                                      ResourcePlan.trade_date == trade_date)
                           .order_by(ResourcePlan.id.desc())).first()
    before = None if plan is None else {
        "resource": resource.resource_code, "trade_date": trade_date.isoformat(),
        "intends_to_offer": plan.intends_to_offer, "first_hour_ending": plan.first_hour_ending,
        "last_hour_ending": plan.last_hour_ending, "note": plan.note}
    if plan is None:
        plan = ResourcePlan(resource_id=resource.id, trade_date=trade_date)
        session.add(plan)
    plan.intends_to_offer, plan.note = bool(intends_to_offer), note
    plan.first_hour_ending, plan.last_hour_ending = first_hour_ending, last_hour_ending
    plan.submitted_by_user_id = principal.user_id
    session.flush()
    after = {"resource": resource.resource_code, "trade_date": trade_date.isoformat(),
             "intends_to_offer": plan.intends_to_offer, "first_hour_ending": plan.first_hour_ending,
             "last_hour_ending": plan.last_hour_ending, "note": plan.note}
    if before is not None and before == after:
        raise InvalidBid(["plan: nothing changed"])
    late = plan_after_close(trade_date, now, close_hour_est)
    audit.record(session, principal, PLAN_AFTER_CLOSE_ACTION if late else PLAN_SAVED_ACTION, PLAN_ENTITY, plan.id,
                 before=before, after=after)
    if late:
        ieso = ieso_org(session)
        offer = (f"offer HE{first_hour_ending}–{last_hour_ending}" if intends_to_offer else "no offer")
        notify(session, [ieso] if ieso else [], POST_CLOSE_KIND, Severity.ACTION,
               f"Post-close change: resource plan of {resource.resource_code} for {trade_date} changed by "
               f"{principal.organisation_name} after the DAM close: {offer}", None)
    return plan, late
