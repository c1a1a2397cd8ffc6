"""Conflict alerts on both databases: the engine run on stored rows, idempotence, working alerts, scope."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data.access import AccessDenied
from data.db import Database
from data.domain.enums import AlertState, DispatchState, Issuer, OrgKind, Role, TargetKind
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import floor_to_interval
from data.models import AuditEntry, ConflictAlert, Der, DispatchInstruction, Feeder, Organisation, User
from data.models.base import utcnow
from data.services.accounts import principal_for
from data.services.conflicts import AUTO_RESOLVE_NOTE, acknowledge, resolve, run_conflict_check


def who(db: Database, username: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def opposite_instructions(db: Database, ldc) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """An IESO increase on a resource and a DSO curtailment on the feeder of one of its DERs (overlapping)."""
    start = floor_to_interval(utcnow()) + timedelta(hours=3)
    with db.transaction() as s:
        der = s.scalars(select(Der).join(Feeder, Feeder.id == Der.feeder_id).where(
            Der.resource_id.is_not(None), Feeder.ldc_id == ldc.organisation_id).order_by(Der.id)).first()
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value))
        up = DispatchInstruction(
            issuer=Issuer.IESO.value, issuer_org_id=ieso, message_id="TEST-UP-1", state=DispatchState.ACCEPTED.value,
            target_kind=TargetKind.RESOURCE.value, resource_id=der.resource_id, amount_kw=800.0,
            start_at=start, end_at=start + timedelta(hours=1))
        down = DispatchInstruction(
            issuer=Issuer.DSO.value, issuer_org_id=ldc.organisation_id, state=DispatchState.NEW.value,
            target_kind=TargetKind.FEEDER.value, feeder_id=der.feeder_id, amount_kw=-500.0,
            start_at=start + timedelta(minutes=30), end_at=start + timedelta(hours=2))
        s.add_all([up, down])
        s.flush()
        return up.id, down.id, der.feeder_id


def direction_alert(db: Database, up: int, down: int) -> ConflictAlert:
    with db.session() as s:
        for alert in s.scalars(select(ConflictAlert).where(ConflictAlert.rule == "direction")):
            ids = {i["id"] for i in alert.evidence.get("instructions", [])}
            if {up, down} <= ids:
                s.expunge(alert)
                return alert
    raise AssertionError("no direction alert with both instructions")


def test_direction_conflict_is_stored_once_with_both_instructions(database: Database) -> None:
    ldc = who(database, "ldc")
    up, down, feeder_id = opposite_instructions(database, ldc)
    with database.transaction() as s:
        first = run_conflict_check(s, utcnow())
    assert first.created >= 1
    alert = direction_alert(database, up, down)
    assert alert.state == AlertState.NEW.value and alert.severity == "alarm"
    assert feeder_id in alert.feeder_ids
    with database.transaction() as s:
        again = run_conflict_check(s, utcnow())
    assert again.created == 0 and again.auto_resolved == 0
    with database.session() as s:
        assert s.query(ConflictAlert).filter(ConflictAlert.fingerprint == alert.fingerprint).count() == 1
    # the DSO instruction rejected: the conflict disappears and is resolved automatically
    with database.transaction() as s:
        s.get(DispatchInstruction, down).state = DispatchState.REJECTED.value
    with database.transaction() as s:
        gone = run_conflict_check(s, utcnow())
    assert gone.auto_resolved >= 1
    with database.session() as s:
        stored = s.get(ConflictAlert, alert.id)
        assert stored.state == AlertState.RESOLVED.value and stored.note == AUTO_RESOLVE_NOTE


def test_acknowledge_and_resolve_with_audit(database: Database) -> None:
    ldc = who(database, "ldc")
    up, down, _ = opposite_instructions(database, ldc)
    with database.transaction() as s:
        run_conflict_check(s, utcnow())
    alert = direction_alert(database, up, down)
    with database.transaction() as s:
        acked = acknowledge(s, ldc, alert.id, alert.version, "looking\x00 at it")
        version = acked.version
    with pytest.raises(StaleEdit), database.transaction() as s:
        resolve(s, ldc, alert.id, alert.version, "late")
    with pytest.raises(IllegalTransition), database.transaction() as s:
        acknowledge(s, ldc, alert.id, version)
    with pytest.raises(DomainError), database.transaction() as s:
        resolve(s, ldc, alert.id, version, "   ")
    with database.transaction() as s:
        done = resolve(s, who(database, "ieso"), alert.id, version, "DSO curtailment moved")
        assert done.state == AlertState.RESOLVED.value
    with database.session() as s:
        stored = s.get(ConflictAlert, alert.id)
        assert stored.acknowledged_by_user_id == ldc.user_id and stored.resolved_by_user_id is not None
        actions = set(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "conflict_alert", AuditEntry.entity_id == str(alert.id))))
        assert actions == {"acknowledge", "resolve"}
    # a resolved alert that was resolved by a person is never reopened by the check
    with database.transaction() as s:
        run_conflict_check(s, utcnow())
    with database.session() as s:
        assert s.get(ConflictAlert, alert.id).state == AlertState.RESOLVED.value


def test_out_of_scope_and_read_only_roles_cannot_work_alerts(database: Database) -> None:
    ldc = who(database, "ldc")
    up, down, _ = opposite_instructions(database, ldc)
    with database.transaction() as s:
        run_conflict_check(s, utcnow())
    alert = direction_alert(database, up, down)
    with database.session() as s:
        other = s.scalars(select(User).where(User.role == Role.AGGREGATOR.value)).all()
        mine_of = {u.organisation_id: list(s.scalars(select(Der.id).where(
            Der.aggregator_org_id == u.organisation_id))) for u in other}
        outsiders = [u for u in other if not (set(alert.der_ids) & set(s.scalars(
            select(Der.id).where(Der.aggregator_org_id == u.organisation_id))))]
    assert outsiders, "the demo has an aggregator without DERs in this alert"
    outsider = who(database, outsiders[0].username)
    with pytest.raises(AccessDenied), database.transaction() as s:
        acknowledge(s, outsider, alert.id, alert.version)
    with pytest.raises(AccessDenied), database.transaction() as s:
        acknowledge(s, who(database, "owner"), alert.id, alert.version)
    insiders = [u for u in other if set(alert.der_ids) & set(mine_of[u.organisation_id])]
    assert insiders, "the aggregator of the resource has DERs in the alert"
    with database.transaction() as s:
        assert acknowledge(s, who(database, insiders[0].username), alert.id, alert.version).state == "acknowledged"
