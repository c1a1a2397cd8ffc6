"""Meters: an owner or aggregator submits a new or changed meter for an approved DER, its LDC approves or rejects it,
and every meter a DER has had stays in the history.

The caller opens the transaction (`db.transaction()`) and passes it in as `session`. Every function checks the
principal's permission first and the scope of what it touches (`der_scope`), writes an audit row and the
notification in the same transaction, and raises domain errors (data/domain/errors.py) that the page shows. A
decision is checked against the status the LDC saw (`expected_status`) and written with a conditional UPDATE, so a
meter decided by someone else is refused with `StaleEdit`. (A registration's own meter comes with the registration
and is approved with it: data/services/registry.py.)
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal, der_scope
from data.domain.der_registration import collision_problems, parse_date, validate_meter_id
from data.domain.enums import DerStatus, MeterStatus, Severity
from data.domain.errors import IllegalTransition, InvalidEntry, StaleEdit
from data.domain.registration import CollisionReason, DerFingerprint, find_collisions
from data.models import Der, Meter
from data.queries.registry import registered_fingerprints_near
from data.services import audit
from data.services.registry_common import (
    DuplicateRegistration,
    der_label,
    notify,
    rejection_reason,
    scoped_der,
    today_or,
)

MAX_METER_AHEAD_DAYS = 365


def _meter_collisions(session: Session, der_id: int | None, meter: str) -> list[str]:
    """Another registration (or a meter change waiting for its LDC) holding this meter ID."""
    candidate = DerFingerprint(str(der_id) if der_id is not None else "new", meter, 0.0, 0.0, "meter", -1.0)
    nearby = registered_fingerprints_near(session, [candidate])
    found = [c for c in find_collisions([candidate], nearby.fingerprints) if c.reason is CollisionReason.METER]
    return collision_problems(found, nearby.labels)


def submit_meter(session: Session, principal: Principal, der_id: int, meter_code: Any, valid_from: Any, *,
                 today: date | None = None) -> Meter:
    """A new or changed meter for one of the principal's approved DERs; the LDC approves it."""
    principal.require(Permission.REGISTER_ASSETS)
    der = scoped_der(session, principal, der_id)
    if der.platform_id is None or der.status not in (DerStatus.ACTIVE, DerStatus.INACTIVE):
        raise IllegalTransition(f"{der_label(der)} is {der.status}: a meter is submitted for an approved DER (a "
                                "registration's meter comes with the registration)")
    day = today_or(today)
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
    notify(session, der.ldc_id, Severity.INFORMATION,
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
    notify(session, meter.submitted_by_org_id, Severity.COMPLIANT,
           f"Meter {meter.meter_code} for {der.platform_id} was approved by {principal.organisation_name}, "
           f"valid from {meter.valid_from}.", "meters")
    return meter


def reject_meter(session: Session, principal: Principal, meter_id: int, reason: str, *,
                 expected_status: str | None = MeterStatus.SUBMITTED.value) -> Meter:
    principal.require(Permission.APPROVE_ASSETS)
    meter, der = _scoped_meter(session, principal, meter_id, expected_status)
    text = rejection_reason(reason, "meter")
    _write_meter(session, meter, status=MeterStatus.REJECTED.value, status_reason=text)
    session.refresh(meter)
    audit.record(session, principal, "meter.reject", "meter", meter.id, {"status": MeterStatus.SUBMITTED.value},
                 {"status": meter.status, "reason": text})
    notify(session, meter.submitted_by_org_id, Severity.ACTION,
           f"Meter {meter.meter_code} for {der.platform_id} was rejected by {principal.organisation_name}: {text}",
           "meters")
    return meter


__all__ = ["DuplicateRegistration", "approve_meter", "reject_meter", "submit_meter"]
