"""Read functions behind the registry page's aggregated resources, scoped to the principal (data/access.py): an
aggregator sees its own, an LDC those with DERs in its territory, the IESO and the administrator all."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.access import Principal, der_scope
from data.domain.enums import Role
from data.models import Der, Organisation, Resource
from data.queries.registry import APPROVED_STATUSES, MAX_ROWS


@dataclass(frozen=True)
class ResourceRow:
    id: int
    code: str
    name: str
    aggregator: str
    zone: str
    service_tag: str
    status: str
    der_count: int
    capacity_kw: float
    registered_at: datetime


def _resource_scope(principal: Principal):  # type: ignore[no-untyped-def]
    if principal.sees_everything:
        return None
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Resource.aggregator_org_id == principal.organisation_id
    if role is Role.DSO_OPERATOR:
        return Resource.id.in_(select(Der.resource_id).where(der_scope(principal), Der.resource_id.is_not(None)))
    return False


def resources(session: Session, principal: Principal) -> list[ResourceRow]:
    """Aggregated resources in scope: an aggregator's own, those with DERs in an LDC's territory, all for the IESO
    and the administrator."""
    scope = _resource_scope(principal)
    if scope is False or principal.is_guest:
        return []
    totals = (select(Der.resource_id, func.count(Der.id).label("n"), func.sum(Der.capacity_kw).label("kw"))
              .where(Der.status.in_(APPROVED_STATUSES), Der.resource_id.is_not(None))
              .group_by(Der.resource_id).subquery())
    query = (select(Resource, Organisation.name, totals.c.n, totals.c.kw)
             .join(Organisation, Organisation.id == Resource.aggregator_org_id)
             .outerjoin(totals, totals.c.resource_id == Resource.id)
             .order_by(Resource.created_at.desc(), Resource.id.desc()).limit(MAX_ROWS))
    if scope is not None:
        query = query.where(scope)
    return [ResourceRow(r.id, r.resource_code, r.name, agg, r.zone, r.service_tag, r.status, n or 0, kw or 0.0,
                        r.created_at) for r, agg, n, kw in session.execute(query)]
