"""DER and resource registration, the LDC's approval along the tri-level chain, and meter changes.

The caller opens the transaction (`db.transaction()`) and passes it in as `session`. Every function checks the
principal's permission first and the scope of what it touches (`der_scope`), writes an audit row and the
notifications in the same transaction, and raises domain errors (data/domain/errors.py) that the page shows.

- A DER registration is `pending` with no platform ID. The LDC whose feeder it is on approves it; when that LDC is
  embedded in a host LDC, the embedded LDC's approval makes it `embedded_ok` and the host LDC gives the final one.
  The final approval assigns the `ON-DER-...` platform ID (`next_der_ids`: never reused; a rejected registration
  never gets one) and makes it active.
- Decisions are checked against the status the decider saw (`expected_status(es)`) and written with a conditional
  UPDATE, so a registration someone else decided first is refused with `StaleEdit`, never decided twice.
- A bulk approval is all or nothing: every registration is checked first; one refusal refuses the lot, naming each.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal, der_scope
from data.domain.der_registration import (
    PENDING_LABEL,
    DerEntry,
    RegistrationLimits,
    collision_problems,
    parse_date,
    validate_der_entry,
    validate_meter_id,
)
from data.domain.enums import DerStatus, IesoZone, MeterStatus, OrgKind, Role, ServiceTag, Severity
from data.domain.errors import DomainError, IllegalTransition, InvalidEntry, StaleEdit
from data.domain.market_time import trade_date_of
from data.domain.registration import CollisionReason, DerFingerprint, find_collisions
from data.models import Der, Feeder, Meter, Notification, Organisation, Resource
from data.models.base import utcnow
from data.queries.feeder_lookup import nearest_feeders
from data.queries.registry import deciding_org, registered_fingerprints_near
from data.services import audit
from data.services.sequences import next_der_ids, next_resource_codes

MAX_BULK = 500
MAX_REASON = 500
MAX_METER_AHEAD_DAYS = 365
LINK = "/registry"
NOTIFICATION_KIND = "registration"
_RESOURCE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{2,31}$")


class DuplicateRegistration(InvalidEntry):
    """The registration collides with one already on the platform (same meter, or the same physical DER)."""


@dataclass(frozen=True)
class Outcome:
    """What one approval did: the status reached and the platform ID when it was the final approval."""

    der_id: int
    status: str
    platform_id: str | None
    message: str


# --- shared steps -----------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today if today is not None else trade_date_of(utcnow())


def _notify(session: Session, org_id: int | None, severity: Severity, text: str, tab: str) -> None:
    """A notification linking to the registry tab where the reader acts or looks (`/registry?tab=...`)."""
    if org_id is None:
        return
    session.add(Notification(organisation_id=org_id, kind=NOTIFICATION_KIND, severity=severity, text=text[:1000],
                             link=f"{LINK}?tab={tab}"))


def _reason(reason: Any, what: str) -> str:
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise InvalidEntry([f"Reason: say why the {what} is rejected"])
    if len(text) > MAX_REASON:
        raise InvalidEntry([f"Reason: at most {MAX_REASON} characters"])
    return text


def _der_state(der: Der) -> dict[str, Any]:
    return {"status": der.status, "platform_id": der.platform_id, "feeder_id": der.feeder_id,
            "station_id": der.station_id, "ldc_id": der.ldc_id, "meter_id": der.meter_id,
            "status_reason": der.status_reason}


def _label(der: Der) -> str:
    return der.platform_id or f"registration #{der.id} “{der.name[:80]}”"


def _registrant(der: Der) -> int:
    return der.registered_by_org_id or der.aggregator_org_id or der.owner_org_id


def _scoped_der(session: Session, principal: Principal, der_id: Any) -> Der:
    if isinstance(der_id, bool) or not isinstance(der_id, int):
        raise InvalidEntry(["DER: choose a registration from the list"])
    der = session.scalar(select(Der).where(Der.id == der_id, der_scope(principal)))
    if der is None:
        raise AccessDenied(f"DER registration #{der_id} does not exist or is not in your territory")
    return der


def _meter_collisions(session: Session, der_id: int | None, meter: str) -> list[str]:
    """Another registration (or a meter change waiting for its LDC) holding this meter ID."""
    candidate = DerFingerprint(str(der_id) if der_id is not None else "new", meter, 0.0, 0.0, "meter", -1.0)
    nearby = registered_fingerprints_near(session, [candidate])
    found = [c for c in find_collisions([candidate], nearby.fingerprints) if c.reason is CollisionReason.METER]
    return collision_problems(found, nearby.labels)


# --- registering a DER ------------------------------------------------------------------------------------


def _registering_orgs(principal: Principal) -> tuple[int, int | None]:
    """(owner organisation, aggregator organisation) of a DER the principal registers."""
    if principal.organisation_id is None:
        raise AccessDenied("register assets needs an organisation")
    if principal.acts_as is Role.AGGREGATOR:
        # The aggregator registers on behalf of a customer who is no party on the platform: it stands as owner too.
        return principal.organisation_id, principal.organisation_id
    if principal.acts_as is Role.DER_OWNER:
        return principal.organisation_id, None
    raise AccessDenied(f"{principal.role.value} may not register assets")


def register_der(session: Session, principal: Principal, values: Mapping[str, Any] | DerEntry, *,
                 today: date | None = None, limits: RegistrationLimits = RegistrationLimits()) -> Der:
    """A single DER registration: checked field by field and against every registration on the platform, placed
    on the nearest feeder (the LDC confirms or changes it), pending until its LDC approves."""
    principal.require(Permission.REGISTER_ASSETS)
    owner_id, aggregator_id = _registering_orgs(principal)
    day = _today(today)
    entry = values if isinstance(values, DerEntry) else validate_der_entry(values, today=day, limits=limits)
    match = nearest_feeders(session, [(entry.lat, entry.lon)])[0]
    if match is None:
        raise InvalidEntry([f"Location: no feeder within 5 km of {entry.lat:.5f}, {entry.lon:.5f}: check the "
                            "point (a DER is connected to an LDC feeder)"])
    nearby = registered_fingerprints_near(session, [entry.fingerprint("new")])
    clashes = collision_problems(find_collisions([entry.fingerprint("new")], nearby.fingerprints), nearby.labels)
    if clashes:
        raise DuplicateRegistration(clashes)
    der = Der(
        platform_id=None, name=entry.name, technology=entry.technology.value, capacity_kw=entry.capacity_kw,
        energy_kwh=entry.energy_kwh, ramp_up_kw_min=entry.ramp_up_kw_min, ramp_down_kw_min=entry.ramp_down_kw_min,
        address=entry.address, lat=entry.lat, lon=entry.lon, station_id=match.station_id, feeder_id=match.feeder_id,
        ldc_id=match.ldc_id, owner_org_id=owner_id, aggregator_org_id=aggregator_id, meter_id=entry.meter_id,
        service_tag=entry.service_tag.value, status=DerStatus.PENDING.value,
        connection_assessment_ref=entry.assessment_ref, connection_assessment_date=entry.assessment_date,
        connection_assessment_class=entry.assessment_class.value if entry.assessment_class else None,
        registered_by_org_id=principal.organisation_id,
    )
    session.add(der)
    session.flush()
    if entry.meter_id:
        session.add(Meter(der_id=der.id, meter_code=entry.meter_id, status=MeterStatus.SUBMITTED.value,
                          valid_from=day, submitted_by_org_id=principal.organisation_id))
    audit.record(session, principal, "der.register", "der", der.id, None,
                 {**_der_state(der), "name": der.name, "technology": der.technology, "capacity_kw": der.capacity_kw,
                  "lat": der.lat, "lon": der.lon})
    _notify(session, der.ldc_id, Severity.INFORMATION,
            f"New DER registration #{der.id} ({entry.technology.label}, {entry.capacity_kw:,.1f} kW) on feeder "
            f"{match.feeder_name} waits for your approval.", "queue")
    session.flush()
    return der


# --- the LDC's decisions ----------------------------------------------------------------------------------


def _chain(session: Session, der: Der) -> tuple[Organisation, int | None]:
    ldc = session.get(Organisation, der.ldc_id)
    assert ldc is not None
    return ldc, ldc.host_ldc_id


def _check_turn(session: Session, principal: Principal, der: Der, expected: str | None) -> tuple[Organisation, str]:
    """Refuse unless the registration is open, unchanged since the decider saw it, and waits for the decider."""
    if expected is not None and expected != der.status:
        raise StaleEdit(f"{_label(der)} was already decided by someone else: it is now {der.status}. "
                        "Reload and decide again.")
    ldc, host_id = _chain(session, der)
    waiting = deciding_org(der.status, der.ldc_id, host_id)
    if waiting is None:
        raise IllegalTransition(f"{_label(der)} is {der.status}: only a pending registration is decided")
    if waiting != principal.organisation_id:
        if der.status == DerStatus.PENDING and host_id is not None:
            raise IllegalTransition(f"{_label(der)} waits for the embedded LDC {ldc.name} first")
        raise IllegalTransition(f"{_label(der)} waits for the host LDC's final approval")
    after = DerStatus.EMBEDDED_APPROVED if der.status == DerStatus.PENDING and host_id is not None else DerStatus.ACTIVE
    return ldc, after.value


def _write_status(session: Session, der: Der, seen: str, **values: Any) -> None:
    """The conditional UPDATE: refused if another transaction changed the status since it was read."""
    result = session.execute(update(Der).where(Der.id == der.id, Der.status == seen).values(**values)
                             .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(f"{_label(der)} was decided by someone else at the same time: reload and decide again.")


def _approve_meter_of_registration(session: Session, principal: Principal, der: Der) -> None:
    for meter in session.scalars(select(Meter).where(Meter.der_id == der.id,
                                                     Meter.status == MeterStatus.SUBMITTED.value)):
        if meter.meter_code == der.meter_id:
            meter.status = MeterStatus.APPROVED.value
            meter.approved_by_user_id = principal.user_id


def approve_ders(session: Session, principal: Principal, der_ids: Sequence[int], *,
                 expected_statuses: Mapping[int, str] | None = None, now: datetime | None = None) -> list[str]:
    """Approve registrations at the principal's level of the chain, all or nothing; the platform IDs assigned (to
    those that reached their final approval), in the order given.

    `expected_statuses` maps a DER id to the status the decider saw; a registration whose status changed since is
    refused (`StaleEdit`). Every refusal is collected first and raised together: nothing changes.
    """
    return [o.platform_id for o in _approve(session, principal, der_ids, expected_statuses, now) if o.platform_id]


def _approve(session: Session, principal: Principal, der_ids: Sequence[int],
             expected_statuses: Mapping[int, str] | None, now: datetime | None) -> list[Outcome]:
    principal.require(Permission.APPROVE_ASSETS)
    ids = list(dict.fromkeys(der_ids))
    if not ids:
        raise InvalidEntry(["Select at least one registration"])
    if len(ids) > MAX_BULK:
        raise InvalidEntry([f"Approve at most {MAX_BULK} registrations at once"])
    expected = expected_statuses or {}
    checked: list[tuple[Der, Organisation, str]] = []
    denied, stale, refused = [], [], []
    for der_id in ids:
        try:
            der = _scoped_der(session, principal, der_id)
            ldc, after = _check_turn(session, principal, der, expected.get(der_id))
        except AccessDenied as exc:
            denied.append(str(exc))
        except StaleEdit as exc:
            stale.append(str(exc))
        except DomainError as exc:
            refused.append(str(exc))
        else:
            checked.append((der, ldc, after))
    if denied:
        raise AccessDenied("Nothing approved: " + "; ".join(denied + stale + refused))
    if stale:
        raise StaleEdit("Nothing approved: " + "; ".join(stale + refused))
    if refused:
        raise IllegalTransition("Nothing approved: " + "; ".join(refused))
    now = now or utcnow()
    final = [der for der, _, after in checked if after == DerStatus.ACTIVE]
    platform_ids = dict(zip([d.id for d in final], next_der_ids(session, len(final)), strict=True))
    outcomes = []
    for der, ldc, after in checked:
        before, seen = _der_state(der), der.status
        if after == DerStatus.ACTIVE:
            pid = platform_ids[der.id]
            _write_status(session, der, seen, status=after, platform_id=pid, approved_at=now, status_reason=None,
                          activation_date=der.activation_date or trade_date_of(now))
            _approve_meter_of_registration(session, principal, der)
            _notify(session, _registrant(der), Severity.COMPLIANT,
                    f"Your DER registration #{der.id} “{der.name[:80]}” was approved by {principal.organisation_name}"
                    f": platform ID {pid}.", "registrations")
            text = f"Registration #{der.id} approved: {pid}."
        else:
            pid = None
            _write_status(session, der, seen, status=after)
            _notify(session, _registrant(der), Severity.INFORMATION,
                    f"Your DER registration #{der.id} “{der.name[:80]}” was approved by the embedded LDC "
                    f"{ldc.name}; it now waits for the host LDC.", "registrations")
            _notify(session, ldc.host_ldc_id, Severity.ACTION,
                    f"DER registration #{der.id} was approved by the embedded LDC {ldc.name} and waits for your "
                    "final approval.", "queue")
            text = f"Registration #{der.id} approved by {ldc.name}: it now waits for the host LDC."
        session.refresh(der)
        audit.record(session, principal, "der.approve", "der", der.id, before, _der_state(der))
        outcomes.append(Outcome(der.id, after, pid, text))
    session.flush()
    return outcomes


def approve_der(session: Session, principal: Principal, der_id: int, *, feeder_id: int | None = None,
                expected_status: str | None = None, now: datetime | None = None) -> Outcome:
    """Approve one registration, first moving it to `feeder_id` (a feeder of the LDC's territory) when given.

    A move to another LDC's feeder restarts the chain at that LDC: the registration is then pending there and the
    outcome says whom it waits for.
    """
    principal.require(Permission.APPROVE_ASSETS)
    der = _scoped_der(session, principal, der_id)
    if feeder_id is not None and feeder_id != der.feeder_id:
        _check_turn(session, principal, der, expected_status)
        moved_to_other = _reassign(session, principal, der, feeder_id)
        expected_status = der.status
        if moved_to_other:
            ldc = session.get(Organisation, der.ldc_id)
            name = ldc.name if ldc else "its LDC"
            return Outcome(der.id, der.status, None,
                           f"Registration #{der.id} moved to a feeder of {name}: it now waits for {name}.")
    return _approve(session, principal, [der.id], {der.id: expected_status} if expected_status else None, now)[0]


def _reassign(session: Session, principal: Principal, der: Der, feeder_id: Any) -> bool:
    """Put the registration on another feeder of the territory; True when the deciding LDC changed with it."""
    if isinstance(feeder_id, bool) or not isinstance(feeder_id, int):
        raise InvalidEntry(["Feeder: choose a feeder from the list"])
    feeder = session.get(Feeder, feeder_id)
    if feeder is None or feeder.ldc_id not in principal.territory_ldc_ids:
        raise InvalidEntry(["Feeder: choose a feeder of your territory"])
    before = _der_state(der)
    ldc_changed = feeder.ldc_id != der.ldc_id
    values: dict[str, Any] = {"feeder_id": feeder.id, "station_id": feeder.station_id, "ldc_id": feeder.ldc_id}
    if ldc_changed:
        values["status"] = DerStatus.PENDING.value  # the chain restarts at the new LDC
    _write_status(session, der, der.status, **values)
    session.refresh(der)
    audit.record(session, principal, "der.reassign", "der", der.id, before, _der_state(der))
    waiting = deciding_org(der.status, der.ldc_id, _chain(session, der)[1])
    if ldc_changed:
        _notify(session, der.ldc_id, Severity.INFORMATION,
                f"DER registration #{der.id} was moved to your feeder {feeder.code} by {principal.organisation_name} "
                "and waits for your approval.", "queue")
    return waiting != principal.organisation_id


def reject_der(session: Session, principal: Principal, der_id: int, reason: str, *,
               expected_status: str | None = None) -> Der:
    """Turn a registration down at the principal's level of the chain, with the reason the registrant is told. It
    never gets a platform ID, and its meter ID is released."""
    principal.require(Permission.APPROVE_ASSETS)
    der = _scoped_der(session, principal, der_id)
    text = _reason(reason, "registration")
    ldc, _ = _check_turn(session, principal, der, expected_status)
    before, seen = _der_state(der), der.status
    _write_status(session, der, seen, status=DerStatus.REJECTED.value, status_reason=text, meter_id=None)
    for meter in session.scalars(select(Meter).where(Meter.der_id == der.id,
                                                     Meter.status == MeterStatus.SUBMITTED.value)):
        meter.status, meter.status_reason = MeterStatus.REJECTED.value, text
    session.refresh(der)
    audit.record(session, principal, "der.reject", "der", der.id, before, _der_state(der))
    _notify(session, _registrant(der), Severity.ACTION,
            f"Your DER registration #{der.id} “{der.name[:80]}” was rejected by {principal.organisation_name}: {text}",
            "registrations")
    if seen == DerStatus.EMBEDDED_APPROVED and ldc.id != principal.organisation_id:
        _notify(session, ldc.id, Severity.INFORMATION,
                f"DER registration #{der.id}, which you approved, was rejected by the host LDC: {text}",
                "registrations")
    session.flush()
    return der


# --- aggregated resources ---------------------------------------------------------------------------------


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
        _notify(session, org, Severity.INFORMATION,
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
    text = None if approve else _reason(reason, "resource")
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
    _notify(session, resource.aggregator_org_id, Severity.COMPLIANT if approve else Severity.ACTION,
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
    _notify(session, resource.aggregator_org_id, Severity.INFORMATION,
            f"The ID of your resource “{resource.name[:80]}” changed from {before['resource_code']} to {code}.",
            "resources")
    return resource


# --- meters -----------------------------------------------------------------------------------------------


def submit_meter(session: Session, principal: Principal, der_id: int, meter_code: Any, valid_from: Any, *,
                 today: date | None = None) -> Meter:
    """A new or changed meter for one of the principal's approved DERs; the LDC approves it."""
    principal.require(Permission.REGISTER_ASSETS)
    der = _scoped_der(session, principal, der_id)
    if der.platform_id is None or der.status not in (DerStatus.ACTIVE, DerStatus.INACTIVE):
        raise IllegalTransition(f"{_label(der)} is {der.status}: a meter is submitted for an approved DER (a "
                                "registration's meter comes with the registration)")
    day = _today(today)
    problems: list[str] = []
    meter = validate_meter_id(meter_code, problems, required=True)
    start = parse_date(valid_from)
    if start is None:
        problems.append("Valid from: choose a date (YYYY-MM-DD)")
    elif start > day + timedelta(days=MAX_METER_AHEAD_DAYS):
        problems.append(f"Valid from: at most {MAX_METER_AHEAD_DAYS} days ahead")
    current = session.scalar(select(Meter).where(Meter.der_id == der.id, Meter.status == MeterStatus.APPROVED.value,
                                                 Meter.valid_to.is_(None)).order_by(Meter.valid_from.desc()))
    if start is not None and current is not None and start <= current.valid_from:
        problems.append(f"Valid from: after {current.valid_from}, when the current meter {current.meter_code} "
                        "started")
    if meter is not None and meter == der.meter_id:
        problems.append(f"Meter ID: {meter} is already this DER's meter")
    if problems:
        raise InvalidEntry(problems)
    assert meter is not None and start is not None
    waiting = session.scalar(select(Meter.meter_code).where(Meter.der_id == der.id,
                                                            Meter.status == MeterStatus.SUBMITTED.value))
    if waiting is not None:
        raise IllegalTransition(f"A meter change ({waiting}) for {der.platform_id} already waits for the LDC")
    clashes = _meter_collisions(session, der.id, meter)
    if clashes:
        raise DuplicateRegistration(clashes)
    row = Meter(der_id=der.id, meter_code=meter, status=MeterStatus.SUBMITTED.value, valid_from=start,
                submitted_by_org_id=principal.organisation_id)
    session.add(row)
    session.flush()
    audit.record(session, principal, "meter.submit", "meter", row.id, None,
                 {"der_id": der.id, "meter_code": meter, "valid_from": start.isoformat()})
    _notify(session, der.ldc_id, Severity.INFORMATION,
            f"Meter {meter} for {der.platform_id}, valid from {start}, waits for your approval.", "meters")
    return row


def _scoped_meter(session: Session, principal: Principal, meter_id: Any, expected_status: str | None
                  ) -> tuple[Meter, Der]:
    if isinstance(meter_id, bool) or not isinstance(meter_id, int):
        raise InvalidEntry(["Meter: choose a meter submission from the list"])
    row = session.execute(select(Meter, Der).join(Der, Der.id == Meter.der_id)
                          .where(Meter.id == meter_id, der_scope(principal))).first()
    if row is None:
        raise AccessDenied(f"meter submission #{meter_id} does not exist or is not in your territory")
    meter, der = row
    if expected_status is not None and meter.status != expected_status:
        raise StaleEdit(f"Meter {meter.meter_code} was already decided by someone else: it is now {meter.status}. "
                        "Reload and decide again.")
    if meter.status != MeterStatus.SUBMITTED or der.platform_id is None:
        raise IllegalTransition(f"Meter {meter.meter_code} is {meter.status}: only a submitted meter of an approved "
                                "DER is decided here")
    return meter, der


def _write_meter(session: Session, meter: Meter, **values: Any) -> None:
    result = session.execute(update(Meter).where(Meter.id == meter.id, Meter.status == MeterStatus.SUBMITTED.value)
                             .values(**values).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(f"Meter {meter.meter_code} was decided by someone else at the same time: reload.")


def approve_meter(session: Session, principal: Principal, meter_id: int, *,
                  expected_status: str | None = MeterStatus.SUBMITTED.value) -> Meter:
    """The LDC approves a meter change: the previous meter's validity ends where the new one starts, the DER's
    meter ID changes, and the history keeps every meter."""
    principal.require(Permission.APPROVE_ASSETS)
    meter, der = _scoped_meter(session, principal, meter_id, expected_status)
    clashes = _meter_collisions(session, der.id, meter.meter_code)
    if clashes:
        raise DuplicateRegistration(clashes)
    before = {"der_meter_id": der.meter_id, "status": meter.status}
    _write_meter(session, meter, status=MeterStatus.APPROVED.value, approved_by_user_id=principal.user_id)
    for previous in session.scalars(select(Meter).where(Meter.der_id == der.id, Meter.id != meter.id,
                                                        Meter.status == MeterStatus.APPROVED.value,
                                                        Meter.valid_to.is_(None))):
        previous.valid_to = max(meter.valid_from, previous.valid_from)
        previous.status = MeterStatus.RETIRED.value
    der.meter_id = meter.meter_code
    session.flush()
    session.refresh(meter)
    audit.record(session, principal, "meter.approve", "meter", meter.id, before,
                 {"der_meter_id": der.meter_id, "status": meter.status})
    _notify(session, meter.submitted_by_org_id, Severity.COMPLIANT,
            f"Meter {meter.meter_code} for {der.platform_id} was approved by {principal.organisation_name}, "
            f"valid from {meter.valid_from}.", "meters")
    return meter


def reject_meter(session: Session, principal: Principal, meter_id: int, reason: str, *,
                 expected_status: str | None = MeterStatus.SUBMITTED.value) -> Meter:
    principal.require(Permission.APPROVE_ASSETS)
    meter, der = _scoped_meter(session, principal, meter_id, expected_status)
    text = _reason(reason, "meter")
    _write_meter(session, meter, status=MeterStatus.REJECTED.value, status_reason=text)
    session.refresh(meter)
    audit.record(session, principal, "meter.reject", "meter", meter.id, {"status": MeterStatus.SUBMITTED.value},
                 {"status": meter.status, "reason": text})
    _notify(session, meter.submitted_by_org_id, Severity.ACTION,
            f"Meter {meter.meter_code} for {der.platform_id} was rejected by {principal.organisation_name}: {text}",
            "meters")
    return meter


__all__ = [
    "PENDING_LABEL", "DuplicateRegistration", "Outcome", "approve_der", "approve_ders", "approve_meter",
    "decide_resource", "register_der", "register_resource", "reject_der", "reject_meter", "submit_meter",
    "update_resource_code",
]
