"""DER registration and the LDC's approval along the tri-level chain.

The caller opens the transaction (`db.transaction()`) and passes it in as `session`. Every function checks the
principal's permission first and the scope of what it touches (`der_scope`), writes an audit row and the
notifications in the same transaction, and raises domain errors (data/domain/errors.py) that the page shows.
Aggregated resources are in data/services/resources.py, meter changes in data/services/meters.py; the steps they
share with this module in data/services/registry_common.py.

- A DER registration is `pending` with no platform ID. The LDC whose feeder it is on approves it; when that LDC is
  embedded in a host LDC, the embedded LDC's approval makes it `embedded_ok` and the host LDC gives the final one.
  The final approval assigns the `ON-DER-...` platform ID (`next_der_ids`: never reused; a rejected registration
  never gets one) and makes it active.
- Decisions are checked against the status the decider saw (`expected_status(es)`) and written with a conditional
  UPDATE, so a registration someone else decided first is refused with `StaleEdit`, never decided twice.
- A bulk approval is all or nothing: every registration is checked first; one refusal refuses the lot, naming each.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal
from data.domain.der_registration import DerEntry, RegistrationLimits, collision_problems, validate_der_entry
from data.domain.enums import DerStatus, MeterStatus, Role, Severity
from data.domain.errors import DomainError, IllegalTransition, InvalidEntry, StaleEdit
from data.domain.market_time import trade_date_of
from data.domain.registration import find_collisions
from data.models import Der, Feeder, Meter, Organisation
from data.models.base import utcnow
from data.queries.feeder_lookup import nearest_feeders
from data.queries.registry import deciding_org, registered_fingerprints_near
from data.services import audit
from data.services.registry_common import (
    DuplicateRegistration,
    der_label,
    notify,
    rejection_reason,
    scoped_der,
    today_or,
)
from data.services.sequences import next_der_ids

MAX_BULK = 500


@dataclass(frozen=True)
class Outcome:
    """What one approval did: the status reached and the platform ID when it was the final approval."""

    der_id: int
    status: str
    platform_id: str | None
    message: str


# --- shared steps -----------------------------------------------------------------------------------------


def _der_state(der: Der) -> dict[str, Any]:
    return {"status": der.status, "platform_id": der.platform_id, "feeder_id": der.feeder_id,
            "station_id": der.station_id, "ldc_id": der.ldc_id, "meter_id": der.meter_id,
            "status_reason": der.status_reason}


def _registrant(der: Der) -> int:
    return der.registered_by_org_id or der.aggregator_org_id or der.owner_org_id


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
    day = today_or(today)
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
    notify(session, der.ldc_id, Severity.INFORMATION,
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
        raise StaleEdit(f"{der_label(der)} was already decided by someone else: it is now {der.status}. "
                        "Reload and decide again.")
    ldc, host_id = _chain(session, der)
    waiting = deciding_org(der.status, der.ldc_id, host_id)
    if waiting is None:
        raise IllegalTransition(f"{der_label(der)} is {der.status}: only a pending registration is decided")
    if waiting != principal.organisation_id:
        if der.status == DerStatus.PENDING and host_id is not None:
            raise IllegalTransition(f"{der_label(der)} waits for the embedded LDC {ldc.name} first")
        raise IllegalTransition(f"{der_label(der)} waits for the host LDC's final approval")
    after = DerStatus.EMBEDDED_APPROVED if der.status == DerStatus.PENDING and host_id is not None else DerStatus.ACTIVE
    return ldc, after.value


def _write_status(session: Session, der: Der, seen: str, **values: Any) -> None:
    """The conditional UPDATE: refused if another transaction changed the status since it was read."""
    result = session.execute(update(Der).where(Der.id == der.id, Der.status == seen).values(**values)
                             .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(f"{der_label(der)} was decided by someone else at the same time: reload and decide again.")


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
            der = scoped_der(session, principal, der_id)
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
            notify(session, _registrant(der), Severity.COMPLIANT,
                   f"Your DER registration #{der.id} “{der.name[:80]}” was approved by {principal.organisation_name}"
                   f": platform ID {pid}.", "registrations")
            text = f"Registration #{der.id} approved: {pid}."
        else:
            pid = None
            _write_status(session, der, seen, status=after)
            notify(session, _registrant(der), Severity.INFORMATION,
                   f"Your DER registration #{der.id} “{der.name[:80]}” was approved by the embedded LDC "
                   f"{ldc.name}; it now waits for the host LDC.", "registrations")
            notify(session, ldc.host_ldc_id, Severity.ACTION,
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
    der = scoped_der(session, principal, der_id)
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
        notify(session, der.ldc_id, Severity.INFORMATION,
               f"DER registration #{der.id} was moved to your feeder {feeder.code} by {principal.organisation_name} "
               "and waits for your approval.", "queue")
    return waiting != principal.organisation_id


def reject_der(session: Session, principal: Principal, der_id: int, reason: str, *,
               expected_status: str | None = None) -> Der:
    """Turn a registration down at the principal's level of the chain, with the reason the registrant is told. It
    never gets a platform ID, and its meter ID is released."""
    principal.require(Permission.APPROVE_ASSETS)
    der = scoped_der(session, principal, der_id)
    text = rejection_reason(reason, "registration")
    ldc, _ = _check_turn(session, principal, der, expected_status)
    before, seen = _der_state(der), der.status
    _write_status(session, der, seen, status=DerStatus.REJECTED.value, status_reason=text, meter_id=None)
    for meter in session.scalars(select(Meter).where(Meter.der_id == der.id,
                                                     Meter.status == MeterStatus.SUBMITTED.value)):
        meter.status, meter.status_reason = MeterStatus.REJECTED.value, text
    session.refresh(der)
    audit.record(session, principal, "der.reject", "der", der.id, before, _der_state(der))
    notify(session, _registrant(der), Severity.ACTION,
           f"Your DER registration #{der.id} “{der.name[:80]}” was rejected by {principal.organisation_name}: {text}",
           "registrations")
    if seen == DerStatus.EMBEDDED_APPROVED and ldc.id != principal.organisation_id:
        notify(session, ldc.id, Severity.INFORMATION,
               f"DER registration #{der.id}, which you approved, was rejected by the host LDC: {text}",
               "registrations")
    session.flush()
    return der


__all__ = [
    "DuplicateRegistration", "Outcome", "approve_der", "approve_ders", "register_der", "reject_der",
]
