"""The outage service on both databases: who may log where, the tri-level reach, alerts, flags, locking, audit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied
from data.db import Database
from data.domain.enums import (
    BidStatus,
    DispatchState,
    Issuer,
    LimitStatus,
    LimitType,
    Market,
    OrgKind,
    OutageKind,
    OutageState,
    Severity,
    TargetKind,
)
from data.domain.errors import IllegalTransition, StaleEdit
from data.domain.market_time import floor_to_interval, hour_ending_start_utc, trade_date_of
from data.domain.outages import ALERT_KIND, IMPACT_KIND, InvalidOutage, ReadOnlyOutage
from data.models import (
    AuditEntry,
    Bid,
    Der,
    DispatchInstruction,
    Feeder,
    LimitInterval,
    LimitRequest,
    Notification,
    Organisation,
    Outage,
    Station,
    User,
)
from data.models.base import utcnow
from data.pollers.parsers.records import OutageEquipment, TxOutage
from data.queries.outages import outage_history, outage_impact
from data.queries.overlays import outage_areas
from data.services.accounts import principal_for
from data.services.ingest import upsert_tx_outages
from data.services.outages import change_state, log_outage, update_outage


def who(db: Database, username: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def window() -> tuple:  # type: ignore[type-arg]
    start = floor_to_interval(utcnow()) - timedelta(hours=1)
    return start, start + timedelta(hours=4)


def busiest_plain_feeder(db: Database, ldc) -> Feeder:  # type: ignore[no-untyped-def]
    """The LDC's own feeder with most aggregated DERs that supplies no other station."""
    with db.session() as s:
        supplying = select(Station.supply_feeder_id).where(Station.supply_feeder_id.is_not(None))
        return s.scalars(
            select(Feeder).join(Der, Der.feeder_id == Feeder.id)
            .where(Feeder.ldc_id == ldc.organisation_id, Der.aggregator_org_id.is_not(None),
                   Feeder.id.not_in(supplying))
            .group_by(Feeder.id).order_by(func.count(Der.id).desc(), Feeder.id)).first()


def host_feeder_of_embedded(db: Database) -> tuple[Feeder, list[int]]:
    """A host LDC feeder supplying an embedded LDC's station with DERs, and that station's DER ids."""
    with db.session() as s:
        for station in s.scalars(select(Station).where(Station.supply_feeder_id.is_not(None)).order_by(Station.id)):
            ders = list(s.scalars(select(Der.id).where(Der.station_id == station.id)))
            if ders:
                return s.get(Feeder, station.supply_feeder_id), ders
    raise AssertionError("the demo has an embedded LDC station with DERs")


def log_on_feeder(db: Database, username: str, feeder_id: int, **kw):  # type: ignore[no-untyped-def]
    start, end = window()
    args = {"kind": OutageKind.FORCED, "start": start, "estimated_restoration": end, "feeder_ids": [feeder_id],
            "description": "Cable fault", **kw}
    with db.transaction() as s:
        return log_outage(s, who(db, username), **args)


def test_ldc_logs_a_feeder_outage_and_each_aggregator_gets_one_alert(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = busiest_plain_feeder(database, ldc)
    result = log_on_feeder(database, "ldc", feeder.id)

    with database.session() as s:
        ders = list(s.execute(select(Der.id, Der.aggregator_org_id).where(Der.feeder_id == feeder.id)))
        expected_orgs = {a for _, a in ders if a is not None}
        assert set(result.affected_der_ids) == {d for d, _ in ders}
        assert set(result.affected_by_aggregator) == expected_orgs
        alerts = list(s.scalars(select(Notification).where(Notification.kind == ALERT_KIND)))
        assert sorted(n.organisation_id for n in alerts) == sorted(expected_orgs)
        for n in alerts:
            count = sum(1 for _, a in ders if a == n.organisation_id)
            assert n.severity == Severity.ACTION
            assert f"Outage #{result.outage_id}" in n.text and feeder.code in n.text and "EST" in n.text
            assert f"{count:,} of your DERs affected" in n.text
        outage = s.get(Outage, result.outage_id)
        assert outage.state == OutageState.ACTIVE and outage.version == 1 == result.version
        assert outage.reporter_org_id == ldc.organisation_id
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "outage",
                                                       AuditEntry.entity_id == str(result.outage_id))))
        assert [r.action for r in rows] == ["outage_logged"]
        assert rows[0].after["affected_ders"] == len(ders) and rows[0].user_id == ldc.user_id
        # the home map draws it, and the aggregators' scoped view shows only their own DERs
        assert any(feeder.code in a.label for a in outage_areas(s, ldc))
        for org in expected_orgs:
            agg_user = s.scalar(select(User).where(User.organisation_id == org))
            if agg_user is not None:
                impact = outage_impact(s, principal_for(s, agg_user), result.outage_id)
                assert impact is not None and impact.ders == result.affected_by_aggregator[org]


def test_host_feeder_outage_reaches_the_embedded_ldcs_ders_and_nothing_sideways(database) -> None:  # type: ignore[no-untyped-def]
    feeder, embedded_ders = host_feeder_of_embedded(database)
    result = log_on_feeder(database, "ldc", feeder.id)
    affected = set(result.affected_der_ids)
    assert set(embedded_ders) <= affected
    with database.session() as s:
        on_feeder = set(s.scalars(select(Der.id).where(Der.feeder_id == feeder.id)))
        siblings = set(s.scalars(select(Der.id).join(Feeder, Feeder.id == Der.feeder_id)
                                 .where(Feeder.station_id == feeder.station_id, Feeder.id != feeder.id)))
        embedded_station_ids = set(s.scalars(select(Station.id).where(Station.supply_feeder_id == feeder.id)))
        below = set(s.scalars(select(Der.id).where(Der.station_id.in_(embedded_station_ids))))
    assert on_feeder <= affected and not siblings & affected
    assert affected == on_feeder | below


def test_embedded_ldc_cannot_log_on_its_hosts_feeder_but_host_may_log_on_the_embedded(database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = host_feeder_of_embedded(database)
    with pytest.raises(AccessDenied, match="outside"):
        log_on_feeder(database, "ldc-embedded", feeder.id)
    embedded = who(database, "ldc-embedded")
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Outage)) == 0
        own = s.scalar(select(Feeder.id).where(Feeder.ldc_id == embedded.organisation_id).order_by(Feeder.id))
    assert log_on_feeder(database, "ldc-embedded", own).outage_id
    assert log_on_feeder(database, "ldc", own).outage_id  # the host hosts the embedded LDC's feeders


@pytest.mark.parametrize("username", ["aggregator", "ieso", "owner", "admin", "manager"])
def test_only_ldc_operators_log_outages(database, username: str) -> None:  # type: ignore[no-untyped-def]
    feeder = busiest_plain_feeder(database, who(database, "ldc"))
    with pytest.raises(AccessDenied):
        log_on_feeder(database, username, feeder.id)


def test_a_bad_entry_is_refused_with_every_problem_and_nothing_saved(database) -> None:  # type: ignore[no-untyped-def]
    start, _ = window()
    with pytest.raises(InvalidOutage) as err, database.transaction() as s:
        log_outage(s, who(database, "ldc"), kind=OutageKind.PLANNED, start=start,
                   estimated_restoration=start - timedelta(hours=1), feeder_ids=[987654321], derate_pct=150.0)
    assert any("after the start" in p for p in err.value.problems)
    assert any("de-rate" in p for p in err.value.problems)
    with pytest.raises(InvalidOutage, match="unknown feeder 987654321"), database.transaction() as s:
        log_outage(s, who(database, "ldc"), kind=OutageKind.FORCED, start=start, feeder_ids=[987654321])
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Outage)) == 0
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_state_machine_with_optimistic_locking_and_history(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = busiest_plain_feeder(database, ldc)
    start = floor_to_interval(utcnow()) + timedelta(hours=2)
    with database.transaction() as s:
        logged = log_outage(s, ldc, kind=OutageKind.PLANNED, start=start, feeder_ids=[feeder.id],
                            estimated_restoration=start + timedelta(hours=3))
    assert logged.state == OutageState.PLANNED
    with pytest.raises(IllegalTransition, match="planned cannot become restored"), database.transaction() as s:
        change_state(s, ldc, logged.outage_id, OutageState.RESTORED, logged.version)
    with database.transaction() as s:
        active = change_state(s, ldc, logged.outage_id, OutageState.ACTIVE, logged.version, note="crew on site")
    assert active.state == OutageState.ACTIVE and active.version == logged.version + 1
    with pytest.raises(StaleEdit), database.transaction() as s:  # someone acting on what they saw before
        change_state(s, ldc, logged.outage_id, OutageState.CANCELLED, logged.version)
    with database.transaction() as s:
        restored = change_state(s, ldc, logged.outage_id, OutageState.RESTORED, active.version, note="back")
    with pytest.raises(IllegalTransition, match="restored cannot become active"), database.transaction() as s:
        change_state(s, ldc, logged.outage_id, OutageState.ACTIVE, restored.version)
    with database.session() as s:
        outage = s.get(Outage, logged.outage_id)
        assert outage.state == OutageState.RESTORED and outage.restored_at is not None
        assert outage.restored_at >= outage.start_at and outage.restored_at.second == 0
        assert outage.start_at <= utcnow()  # activated early: the window starts when it went active
        history = outage_history(s, ldc, [logged.outage_id])
        assert [(h.action, h.state) for h in history] == [
            ("logged", "planned"), ("state changed", "active"), ("state changed", "restored")]
        assert [h.note for h in history][1:] == ["crew on site", "back"]
        info = list(s.scalars(select(Notification).where(Notification.severity == Severity.INFORMATION)))
        assert info and all("restored" in n.text for n in info)


def test_update_changes_the_window_and_refuses_a_stale_version(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = busiest_plain_feeder(database, ldc)
    logged = log_on_feeder(database, "ldc", feeder.id)
    start, end = window()
    with database.transaction() as s:
        updated = update_outage(s, ldc, logged.outage_id, logged.version, kind=OutageKind.CONSTRAINT, start=start,
                                estimated_restoration=end + timedelta(hours=2), feeder_ids=[feeder.id],
                                derate_pct=40.0, description="Half load until repaired")
    assert updated.version == logged.version + 1
    with pytest.raises(StaleEdit), database.transaction() as s:
        update_outage(s, ldc, logged.outage_id, logged.version, kind=OutageKind.FORCED, start=start,
                      feeder_ids=[feeder.id])
    with database.session() as s:
        outage = s.get(Outage, logged.outage_id)
        assert outage.kind == OutageKind.CONSTRAINT and outage.derate_pct == 40.0
        assert outage.estimated_restoration_at == end + timedelta(hours=2)
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(logged.outage_id))
                                 .order_by(AuditEntry.id)))
    assert actions == ["outage_logged", "outage_updated"]


def test_ieso_transmission_outages_are_read_only(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    start, end = window()
    with database.transaction() as s:
        ieso_org = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO))
        station = s.scalar(select(Station).where(Station.kind == "TS").order_by(Station.id))
        upsert_tx_outages(s, [TxOutage("TX-1", start, end, "1", "Approved",
                                       [OutageEquipment(f"{station.name} T1", "TR", "230", None)])], ieso_org)
        outage = s.scalar(select(Outage).where(Outage.external_id == "TX-1"))
        outage_id, version = outage.id, outage.version
    with pytest.raises(ReadOnlyOutage), database.transaction() as s:
        change_state(s, ldc, outage_id, OutageState.CANCELLED, version)
    with pytest.raises(ReadOnlyOutage), database.transaction() as s:
        update_outage(s, ldc, outage_id, version, kind=OutageKind.FORCED, start=start, station_ids=[station.id])
    with database.session() as s:
        assert s.get(Outage, outage_id).state == OutageState.ACTIVE


def test_commitments_in_the_window_are_flagged_and_the_ieso_told(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = busiest_plain_feeder(database, ldc)
    start, end = window()
    day = trade_date_of(start)
    he = (start - hour_ending_start_utc(day, 1)) // timedelta(hours=1) + 1  # the hour-ending the outage starts in
    with database.transaction() as s:
        der = s.scalar(select(Der).where(Der.feeder_id == feeder.id, Der.aggregator_org_id.is_not(None))
                       .order_by(Der.id))
        ieso_org = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO))
        inside = LimitRequest(der_id=der.id, requester_org_id=der.aggregator_org_id, ldc_id=der.ldc_id,
                              trade_date=day, limit_type=LimitType.PEAK, status=LimitStatus.APPROVED,
                              intervals=[LimitInterval(hour_ending=he, export_kw=10.0, import_kw=10.0)])
        outside = LimitRequest(der_id=der.id, requester_org_id=der.aggregator_org_id, ldc_id=der.ldc_id,
                               trade_date=day + timedelta(days=3), limit_type=LimitType.PEAK,
                               status=LimitStatus.APPROVED,
                               intervals=[LimitInterval(hour_ending=12, export_kw=10.0, import_kw=10.0)])
        bid = Bid(der_id=der.id, submitter_org_id=der.aggregator_org_id, market=Market.DAM, trade_date=day,
                  first_hour_ending=1, last_hour_ending=24, quantity_kw=5.0, price_per_mwh=100.0,
                  status=BidStatus.SUBMITTED)
        dispatch = DispatchInstruction(issuer=Issuer.DSO, issuer_org_id=ldc.organisation_id,
                                       state=DispatchState.NEW, target_kind=TargetKind.FEEDER, feeder_id=feeder.id,
                                       amount_kw=-50.0, start_at=start, end_at=start + timedelta(minutes=30))
        s.add_all([inside, outside, bid, dispatch])
        s.flush()
        ids = inside.id, outside.id, bid.id, dispatch.id
    result = log_on_feeder(database, "ldc", feeder.id)
    assert result.flagged.limit_ids == (ids[0],)
    assert result.flagged.bid_ids == (ids[2],) and result.flagged.dispatch_ids == (ids[3],)
    assert der.id in result.flagged.der_ids
    assert ieso_org in result.notified_org_ids
    with database.session() as s:
        notes = list(s.scalars(select(Notification).where(Notification.kind == IMPACT_KIND)))
    assert len(notes) == 1 and notes[0].organisation_id == ieso_org
    assert "1 approved limit(s), 1 bid(s), 1 dispatch instruction(s)" in notes[0].text
    assert "Impact on wholesale schedules" in notes[0].text


def test_no_commitments_no_note_to_the_ieso(database) -> None:  # type: ignore[no-untyped-def]
    result = log_on_feeder(database, "ldc", busiest_plain_feeder(database, who(database, "ldc")).id)
    assert not result.flagged.any
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == IMPACT_KIND)) == 0


def test_hostile_text_is_stored_as_text_without_control_characters(database) -> None:  # type: ignore[no-untyped-def]
    feeder = busiest_plain_feeder(database, who(database, "ldc"))
    text = "<script>alert(1)</script>\x00'; DROP TABLE outage; --"
    result = log_on_feeder(database, "ldc", feeder.id, description=text)
    with database.session() as s:
        assert s.get(Outage, result.outage_id).description == text.replace("\x00", "")
        assert s.scalar(select(func.count()).select_from(Outage)) == 1  # the table is still there
