"""Dispatch on both databases: issuing in territory, acknowledging before the deadline, overdue flags, the checklist,
and the conflict check run after each change."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data.access import AccessDenied
from data.db import Database
from data.domain.enums import AlertState, DispatchState, Issuer, OrgKind, TargetKind
from data.domain.errors import IllegalTransition
from data.domain.market_time import floor_to_interval, market_day_bounds_utc, trade_date_of
from data.models import AuditEntry, ConflictAlert, Der, DispatchInstruction, Feeder, Notification, Organisation, User
from data.models.base import utcnow
from data.queries.dispatch import instruction_rows, next_day_checklist
from data.services.accounts import principal_for
from data.services.dispatch import (
    OVERDUE_KIND,
    InvalidInstruction,
    IssueRequest,
    acknowledge_instruction,
    flag_overdue,
    issue_instruction,
    notify_ieso,
)


def who(db: Database, username: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def aggregator_feeder(db: Database) -> tuple[int, int]:
    """A feeder of the `ldc` territory with DERs of the `aggregator` user's organisation, and a resource there."""
    with db.session() as s:
        ldc = s.scalar(select(User).where(User.username == "ldc"))
        org = s.scalar(select(User.organisation_id).where(User.username == "aggregator"))
        der = s.scalars(select(Der).join(Feeder, Feeder.id == Der.feeder_id).where(
            Feeder.ldc_id == ldc.organisation_id, Der.aggregator_org_id == org,
            Der.resource_id.is_not(None)).order_by(Der.id)).first()
        return der.feeder_id, der.resource_id


def request(feeder_id: int, **overrides):  # type: ignore[no-untyped-def]
    start = floor_to_interval(utcnow()) + timedelta(hours=2)
    values = {"target_kind": "feeder", "target_id": feeder_id, "amount": 0.5, "unit": "MW", "direction": "import",
              "start": start, "end": start + timedelta(hours=1)}
    values.update(overrides)
    return IssueRequest(**values)


def test_issue_acknowledge_and_conflict(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    feeder_id, resource_id = aggregator_feeder(database)
    req = request(feeder_id)
    with database.transaction() as s:
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value))
        up = DispatchInstruction(issuer=Issuer.IESO.value, issuer_org_id=ieso, message_id="T-UP",
                                 state=DispatchState.ACCEPTED.value, target_kind=TargetKind.RESOURCE.value,
                                 resource_id=resource_id, amount_kw=900.0, start_at=req.start, end_at=req.end)
        s.add(up)
        s.flush()
        up_id = up.id
    with database.transaction() as s:
        ins = issue_instruction(s, ldc, req)
        ins_id = ins.id
        assert ins.amount_kw == -500.0 and ins.ack_deadline == req.start - timedelta(minutes=15)
    with database.session() as s:
        alerts = [a for a in s.scalars(select(ConflictAlert).where(ConflictAlert.rule == "direction"))
                  if {up_id, ins_id} <= {i["id"] for i in a.evidence.get("instructions", [])}]
        assert len(alerts) == 1 and alerts[0].state == AlertState.NEW.value
        assert s.scalar(select(Notification.id).where(Notification.organisation_id == agg.organisation_id,
                                                      Notification.link == f"/dispatch?instruction={ins_id}"))
        rows = instruction_rows(s, agg, utcnow())
        mine = next(r for r in rows if r["id"] == ins_id)
        assert mine["can_ack"] and mine["issuer"] == "DSO"
        assert any(r["id"] == up_id and r["issuer"] == "IESO" for r in instruction_rows(s, ldc, utcnow()))
    # rejecting the DSO curtailment removes the conflict
    with database.transaction() as s:
        done = acknowledge_instruction(s, agg, ins_id, accept=False, reason="cannot")
        assert done.state == DispatchState.REJECTED.value
    with database.session() as s:
        assert s.get(ConflictAlert, alerts[0].id).state == AlertState.RESOLVED.value
    with pytest.raises(IllegalTransition), database.transaction() as s:
        acknowledge_instruction(s, agg, ins_id, accept=True)


@pytest.mark.parametrize("overrides", [
    {"amount": "nan"}, {"amount": "abc"}, {"amount": 10**9}, {"unit": "GW"}, {"direction": "up"},
    {"target_kind": "planet"}, {"target_id": "1; DROP TABLE der"}, {"mvar": "inf"},
    {"ack_minutes": -5}, {"ack_minutes": 10**6},
])
def test_hostile_issue_values_are_refused(database: Database, overrides) -> None:  # type: ignore[no-untyped-def]
    feeder_id, _ = aggregator_feeder(database)
    with pytest.raises(InvalidInstruction), database.transaction() as s:
        issue_instruction(s, who(database, "ldc"), request(feeder_id, **overrides))


def test_times_and_territory(database: Database) -> None:
    ldc = who(database, "ldc")
    feeder_id, _ = aggregator_feeder(database)
    start = floor_to_interval(utcnow()) + timedelta(hours=2)
    for bad in ({"start": start + timedelta(minutes=2)}, {"end": start}, {"start": start - timedelta(hours=4)},
                {"start": start.replace(tzinfo=None)}, {"end": start + timedelta(days=9)}):
        with pytest.raises(InvalidInstruction), database.transaction() as s:
            issue_instruction(s, ldc, request(feeder_id, **bad))
    with database.session() as s:
        foreign = s.scalar(select(Feeder.id).where(Feeder.ldc_id.not_in(ldc.territory_ldc_ids)).order_by(Feeder.id))
    with pytest.raises(AccessDenied), database.transaction() as s:
        issue_instruction(s, ldc, request(foreign))
    with pytest.raises(AccessDenied), database.transaction() as s:
        issue_instruction(s, who(database, "aggregator"), request(feeder_id))


def test_other_aggregator_cannot_acknowledge_and_overdue_is_flagged(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    feeder_id, _ = aggregator_feeder(database)
    with database.transaction() as s:
        ins_id = issue_instruction(s, ldc, request(feeder_id)).id
        orgs = {o for o in s.scalars(select(Der.aggregator_org_id).where(Der.feeder_id == feeder_id)) if o}
        other = s.scalars(select(User).join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.kind == OrgKind.AGGREGATOR.value, User.organisation_id.not_in(orgs))).first()
    with pytest.raises(AccessDenied), database.transaction() as s:
        acknowledge_instruction(s, who(database, other.username), ins_id, accept=True)
    with pytest.raises(AccessDenied), database.transaction() as s:
        acknowledge_instruction(s, ldc, ins_id, accept=True)
    late = utcnow() + timedelta(hours=3)
    with pytest.raises(IllegalTransition), database.transaction() as s:
        acknowledge_instruction(s, agg, ins_id, accept=True, now=late)
    with database.transaction() as s:
        assert ins_id in flag_overdue(s, late)
        assert ins_id not in flag_overdue(s, late)  # flagged once
    with database.session() as s:
        ins = s.get(DispatchInstruction, ins_id)
        assert ins.state == DispatchState.NEW.value and ins.raw["overdue_flagged_at"]
        assert s.scalar(select(Notification.id).where(Notification.kind == OVERDUE_KIND,
                                                      Notification.organisation_id == ldc.organisation_id))
        row = next(r for r in instruction_rows(s, ldc, late) if r["id"] == ins_id)
        assert row["overdue"] == "OVERDUE"


def test_next_day_checklist_and_notify(database: Database) -> None:
    ldc = who(database, "ldc")
    feeder_id, _ = aggregator_feeder(database)
    tomorrow = trade_date_of(utcnow()) + timedelta(days=1)
    lo, _ = market_day_bounds_utc(tomorrow)
    start = lo + timedelta(hours=10)
    with database.transaction() as s:
        ins_id = issue_instruction(s, ldc, request(feeder_id, start=start, end=start + timedelta(hours=2))).id
    with database.session() as s:
        result = next_day_checklist(s, ldc, utcnow())
        row = next(r for r in result["rows"] if r["key"] == f"dispatch_instruction:{ins_id}")
        assert row["sent"] == "NOT SENT"
        assert next_day_checklist(s, who(database, "aggregator"), utcnow())["rows"] == []
    with pytest.raises(AccessDenied), database.transaction() as s:
        notify_ieso(s, who(database, "ldc-embedded"), "dispatch_instruction", ins_id)
    with database.transaction() as s:
        notify_ieso(s, ldc, "dispatch_instruction", ins_id)
    with database.session() as s:
        row = next(r for r in next_day_checklist(s, who(database, "ieso"), utcnow())["rows"]
                   if r["key"] == f"dispatch_instruction:{ins_id}")
        assert row["sent"] == "yes"
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "notify_ieso"))


def test_the_leaders_conflict_job_flags_overdue_and_stores_alerts(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config.settings import load_settings
    from data.pollers.scheduler import CONFLICT_CHECK_JOB, PollerService

    feeder_id, resource_id = aggregator_feeder(database)
    now = floor_to_interval(utcnow())
    with database.transaction() as s:
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value))
        s.add_all([
            DispatchInstruction(issuer=Issuer.IESO.value, issuer_org_id=ieso, message_id="JOB-UP",
                                state=DispatchState.NEW.value, target_kind=TargetKind.RESOURCE.value,
                                resource_id=resource_id, amount_kw=600.0, start_at=now + timedelta(minutes=10),
                                end_at=now + timedelta(hours=1), ack_deadline=now - timedelta(minutes=5)),
            DispatchInstruction(issuer=Issuer.DSO.value, issuer_org_id=who(database, "ldc").organisation_id,
                                state=DispatchState.ACCEPTED.value, target_kind=TargetKind.FEEDER.value,
                                feeder_id=feeder_id, amount_kw=-300.0, start_at=now + timedelta(minutes=10),
                                end_at=now + timedelta(hours=1)),
        ])
    settings = load_settings(env={}, database_url="sqlite://", instance_dir=tmp_path, demo=False, scheduler=False,
                             simulator=False, secret_key="test")
    service = PollerService(database, settings)
    service._schedule_feeds()  # noqa: SLF001 - what a new leader schedules (the scheduler is not started)
    assert service.scheduler.get_job(CONFLICT_CHECK_JOB) is not None
    service.check_conflicts()
    with database.session() as s:
        up = s.scalar(select(DispatchInstruction).where(DispatchInstruction.message_id == "JOB-UP"))
        assert up.raw["overdue_flagged_at"] and up.state == DispatchState.NEW.value
        assert any(up.id in {i["id"] for i in a.evidence.get("instructions", [])}
                   for a in s.scalars(select(ConflictAlert).where(ConflictAlert.rule == "direction")))
