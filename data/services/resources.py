"""Aggregated resources: an aggregator registers one, a platform administrator approves or rejects it and keeps its
resource ID unique.

The caller opens the transaction (`db.transaction()`) and passes it in as `session`. Every function checks the
principal's permission first, writes an audit row and the notifications in the same transaction, and raises domain
errors (data/domain/errors.py) that the page shows. A decision is checked against the status the administrator saw
(`expected_status`) and written with a conditional UPDATE, so a resource decided by someone else is refused with
`StaleEdit`.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal
from data.domain.enums import DerStatus, IesoZone, OrgKind, Role, ServiceTag, Severity
from data.domain.errors import IllegalTransition, InvalidEntry, StaleEdit
from data.models import Organisation, Resource
from data.services import audit
from data.services.registry_common import notify, rejection_reason
from data.services.sequences import next_resource_codes

_RESOURCE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{2,31}$")


def _resource_state(r: Resource) -> dict[str, Any]:
    return {"resource_code": r.resource_code, "name": r.name, "zone": r.zone, "service_tag": r.service_tag,
            "status": r.status}


def _platform_orgs(session: Session) -> list[int]:
    return list(session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.PLATFORM.value)))


def register_resource(session: Session, principal: Principal, *, name: Any, zone: Any, service_tag: Any) -> Resource:
    """An aggregator's aggregated resource: pending, with a new `ON-RES-...` code, until an administrator approves."""
    principal.require(Permission.REGISTER_ASSETS)
    if principal.acts_as is not Role.AGGREGATOR or principal.organisation_id is None:
        raise AccessDenied("only an aggregator registers an aggregated resource")
    problems: list[str] = []
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text:
        problems.append("Name: required")
    elif len(text) > 200:
        problems.append("Name: at most 200 characters")
    if not isinstance(zone, str) or zone not in {z.value for z in IesoZone}:
        problems.append("Zone: choose an IESO zone")
    if not isinstance(service_tag, str) or service_tag not in {t.value for t in ServiceTag}:
        problems.append("Service: choose wholesale, distribution or both")
    if not problems and session.scalar(select(Resource.id).where(
            Resource.aggregator_org_id == principal.organisation_id, func.lower(Resource.name) == text.lower(),
            Resource.status != DerStatus.REJECTED.value)):
        problems.append(f"Name: you already have a resource called “{text}”")
    if problems:
        raise InvalidEntry(problems)
    resource = Resource(resource_code=next_resource_codes(session, 1)[0], name=text,
                        aggregator_org_id=principal.organisation_id, zone=zone, service_tag=service_tag,
                        status=DerStatus.PENDING.value)
    session.add(resource)
    session.flush()
    audit.record(session, principal, "resource.register", "resource", resource.id, None, _resource_state(resource))
    for org in _platform_orgs(session):
        notify(session, org, Severity.INFORMATION,
               f"New aggregated resource {resource.resource_code} “{text[:80]}” from {principal.organisation_name} "
               "waits for approval.", "resources")
    return resource


def _scoped_resource(session: Session, resource_id: Any, expected_status: str | None) -> Resource:
    if isinstance(resource_id, bool) or not isinstance(resource_id, int):
        raise InvalidEntry(["Resource: choose one from the list"])
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise InvalidEntry([f"Resource: #{resource_id} does not exist"])
    if expected_status is not None and expected_status != resource.status:
        raise StaleEdit(f"Resource {resource.resource_code} was changed by someone else: it is now "
                        f"{resource.status}. Reload and decide again.")
    return resource


def _check_code(session: Session, resource: Resource, code: Any) -> str:
    new = code.strip().upper() if isinstance(code, str) else ""
    if not _RESOURCE_CODE.match(new):
        raise InvalidEntry(["Resource ID: 3 to 32 letters, digits, '-', '_' or '.'"])
    taken = session.scalar(select(Resource.id).where(func.upper(Resource.resource_code) == new,
                                                     Resource.id != resource.id))
    if taken is not None:
        raise InvalidEntry([f"Resource ID: {new} is already used by another resource"])
    return new


def decide_resource(session: Session, principal: Principal, resource_id: int, *, approve: bool,
                    reason: str | None = None, new_code: str | None = None,
                    expected_status: str | None = DerStatus.PENDING.value) -> Resource:
    """The administrator approves (optionally with the IESO resource ID) or rejects a pending resource."""
    principal.require(Permission.MANAGE_RESOURCES)
    resource = _scoped_resource(session, resource_id, expected_status)
    if resource.status != DerStatus.PENDING:
        raise IllegalTransition(f"Resource {resource.resource_code} is {resource.status}: only a pending one is "
                                "decided")
    text = None if approve else rejection_reason(reason, "resource")
    code = _check_code(session, resource, new_code) if new_code not in (None, "") else resource.resource_code
    before = _resource_state(resource)
    result = session.execute(update(Resource).where(Resource.id == resource.id, Resource.status == resource.status)
                             .values(status=DerStatus.ACTIVE.value if approve else DerStatus.REJECTED.value,
                                     resource_code=code).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(f"Resource {resource.resource_code} was decided by someone else: reload and decide again.")
    session.refresh(resource)
    audit.record(session, principal, "resource.approve" if approve else "resource.reject", "resource", resource.id,
                 before, {**_resource_state(resource), **({"reason": text} if text else {})})
    notify(session, resource.aggregator_org_id, Severity.COMPLIANT if approve else Severity.ACTION,
           f"Your resource “{resource.name[:80]}” was approved as {resource.resource_code}." if approve else
           f"Your resource {resource.resource_code} “{resource.name[:80]}” was rejected: {text}", "resources")
    return resource


def update_resource_code(session: Session, principal: Principal, resource_id: int, new_code: str) -> Resource:
    """The administrator's duty: update a resource's ID (kept unique across every resource)."""
    principal.require(Permission.MANAGE_RESOURCES)
    resource = _scoped_resource(session, resource_id, None)
    code = _check_code(session, resource, new_code)
    if code == resource.resource_code:
        raise InvalidEntry([f"Resource ID: {code} is already this resource's ID"])
    before = _resource_state(resource)
    resource.resource_code = code
    session.flush()
    audit.record(session, principal, "resource.update_code", "resource", resource.id, before,
                 _resource_state(resource))
    notify(session, resource.aggregator_org_id, Severity.INFORMATION,
           f"The ID of your resource “{resource.name[:80]}” changed from {before['resource_code']} to {code}.",
           "resources")
    return resource


__all__ = ["decide_resource", "register_resource", "update_resource_code"]
