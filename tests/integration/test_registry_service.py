"""The DER registration services on SQLite and PostgreSQL: registration, the LDC's approval along the tri-level
chain, platform IDs (assigned on approval only, never reused), duplicates, concurrency, scope and assessment flags.
Resources: test_resources_service.py; meters: test_meters_service.py."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied
from data.db import Database
from data.domain.enums import DerStatus, MeterStatus
from data.domain.errors import IllegalTransition, InvalidEntry, StaleEdit
from data.domain.identifiers import DER_ID_PATTERN
from data.models import AuditEntry, Der, Feeder, Meter, Notification, Organisation
from data.queries import registry as rq
from data.queries.feeder_lookup import nearest_feeders
from data.services import registry as svc
from tests.support import principal

TODAY = date(2026, 11, 30)


def org_id(db: Database, code: str) -> int:
    with db.session() as s:
        return s.scalar(select(Organisation.id).where(Organisation.code == code))


def point_in(db: Database, ldc_code: str, nth: int = 0) -> tuple[float, float]:
    """A point on a feeder of `ldc_code` whose nearest feeder is that LDC's (the middle of a feeder line)."""
    ldc = org_id(db, ldc_code)
    with db.session() as s:
        lines = s.scalars(select(Feeder.geometry).where(Feeder.ldc_id == ldc).order_by(Feeder.id)).all()
        points = [(line[len(line) // 2][1], line[len(line) // 2][0]) for line in lines]
        matches = nearest_feeders(s, points)
    found = [p for p, m in zip(points, matches, strict=True) if m is not None and m.ldc_id == ldc]
    assert len(found) > nth, f"no usable feeder point for {ldc_code}"
    return found[nth]


def values(lat: float, lon: float, **overrides: Any) -> dict[str, Any]:
    v = {"name": "Test PV", "address": "1 Test St", "technology": "solar_pv", "capacity_kw": "123.4", "lat": lat,
         "lon": lon, "service_tag": "both", "meter_id": None, "assessment_ref": "CIA-T-1",
         "assessment_date": "2026-01-05", "assessment_class": "under_10mw"}
    v.update(overrides)
    return v


def register(db: Database, username: str, ldc_code: str = "LSH", nth: int = 0, **overrides: Any) -> int:
    lat, lon = point_in(db, ldc_code, nth)
    with db.transaction() as s:
        return svc.register_der(s, principal(db, username), values(lat, lon, **overrides), today=TODAY).id


def der(db: Database, der_id: int) -> Der:
    with db.session() as s:
        return s.get(Der, der_id)


def approve(db: Database, username: str, *ids: int, **kw: Any) -> list[str]:
    with db.transaction() as s:
        return svc.approve_ders(s, principal(db, username), list(ids), **kw)


def test_a_registration_is_pending_without_a_platform_id_and_tells_its_ldc(database: Database) -> None:
    agg = principal(database, "aggregator")
    der_id = register(database, "aggregator", meter_id=" mtr-test-1 ")
    d = der(database, der_id)
    assert (d.status, d.platform_id, d.ldc_id) == (DerStatus.PENDING, None, org_id(database, "LSH"))
    assert d.registered_by_org_id == d.aggregator_org_id == d.owner_org_id == agg.organisation_id
    assert d.meter_id == "MTR-TEST-1"
    with database.session() as s:
        feeder = s.get(Feeder, d.feeder_id)
        assert d.station_id == feeder.station_id and d.ldc_id == feeder.ldc_id
        assert s.scalar(select(Notification.link).where(Notification.organisation_id == d.ldc_id,
                                                        Notification.kind == "registration")) == "/registry?tab=queue"
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.entity == "der",
                                                        AuditEntry.entity_id == str(der_id))) == "der.register"
        assert s.scalar(select(Meter.status).where(Meter.der_id == der_id)) == MeterStatus.SUBMITTED


def test_an_owner_registers_as_owner_with_no_aggregator(database: Database) -> None:
    owner = principal(database, "owner")
    d = der(database, register(database, "owner"))
    assert (d.owner_org_id, d.aggregator_org_id) == (owner.organisation_id, None)


def test_bad_values_and_no_feeder_nearby_change_nothing(database: Database) -> None:
    with database.session() as s:
        before = s.scalar(select(func.count(Der.id)))
    lat, lon = point_in(database, "LSH")
    with database.transaction() as s, pytest.raises(InvalidEntry) as caught:
        svc.register_der(s, principal(database, "aggregator"), values(99, lon, capacity_kw="-1"), today=TODAY)
    assert {p.split(":")[0] for p in caught.value.problems} == {"Capacity", "Latitude"}
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Location: no feeder within 5 km"):
        svc.register_der(s, principal(database, "aggregator"), values(56.5, -88.0), today=TODAY)  # Hudson Bay coast
    with database.session() as s:
        assert s.scalar(select(func.count(Der.id))) == before


def test_only_registrants_register(database: Database) -> None:
    lat, lon = point_in(database, "LSH")
    for username in ("ldc", "ieso", "admin"):
        with database.transaction() as s, pytest.raises(AccessDenied):
            svc.register_der(s, principal(database, username), values(lat, lon), today=TODAY)


def test_duplicates_name_the_platform_id_or_a_pending_registration_only(database: Database) -> None:
    with database.session() as s:
        other = s.execute(select(Der.platform_id, Der.meter_id, Der.lat, Der.lon, Der.technology, Der.capacity_kw)
                          .where(Der.aggregator_org_id != principal(database, "aggregator").organisation_id,
                                 Der.status == DerStatus.ACTIVE, Der.meter_id.is_not(None))).first()
    lat, lon = point_in(database, "LSH")
    agg = principal(database, "aggregator")
    with database.transaction() as s, pytest.raises(svc.DuplicateRegistration) as caught:
        svc.register_der(s, agg, values(lat, lon, meter_id=f"  {other.meter_id.lower()} "), today=TODAY)
    assert caught.value.problems == [f"Meter ID: meter ID already registered to {other.platform_id}"]
    with database.transaction() as s, pytest.raises(svc.DuplicateRegistration) as caught:
        svc.register_der(s, agg, values(other.lat + 0.00002, other.lon, technology=other.technology,
                                        capacity_kw=other.capacity_kw, energy_kwh="10"
                                        if other.technology == "battery" else None), today=TODAY)
    assert caught.value.problems[0].startswith("Location: same technology and capacity")
    assert other.platform_id in caught.value.problems[0]
    # a pending registration of another aggregator: named as such, nothing else
    register(database, "owner", meter_id="PEND-1")
    with database.transaction() as s, pytest.raises(svc.DuplicateRegistration) as caught:
        svc.register_der(s, agg, values(lat + 0.01, lon, meter_id="pend-1"), today=TODAY)
    assert caught.value.problems == ["Meter ID: meter ID already registered to a pending registration"]


def test_platform_id_on_approval_only_and_never_reused_after_a_rejection(database: Database) -> None:
    first = register(database, "aggregator", meter_id="REJ-1")
    second = register(database, "aggregator", nth=1)
    with database.transaction() as s:
        svc.reject_der(s, principal(database, "ldc"), first, "Not connected at this address")
    rejected = der(database, first)
    assert (rejected.status, rejected.platform_id, rejected.meter_id) == (DerStatus.REJECTED, None, None)
    assert rejected.status_reason == "Not connected at this address"
    with database.session() as s:
        highest = max(int(p[-7:]) for p in s.scalars(select(Der.platform_id).where(Der.platform_id.is_not(None))))
    [pid] = approve(database, "ldc", second)
    assert DER_ID_PATTERN.match(pid) and int(pid[-7:]) == highest + 1
    d = der(database, second)
    assert (d.status, d.platform_id) == (DerStatus.ACTIVE, pid) and d.approved_at is not None
    # the rejected registration can never be approved, and its meter ID is free again
    with database.transaction() as s, pytest.raises(IllegalTransition):
        svc.approve_ders(s, principal(database, "ldc"), [first])
    third = register(database, "aggregator", nth=2, meter_id="rej-1")
    [next_pid] = approve(database, "ldc", third)
    assert int(next_pid[-7:]) == highest + 2 and der(database, first).platform_id is None
    with database.session() as s:
        assert s.scalar(select(Notification.text).where(
            Notification.organisation_id == principal(database, "aggregator").organisation_id,
            Notification.text.like("%rejected%Not connected%")))


def test_rejecting_needs_a_reason(database: Database) -> None:
    der_id = register(database, "aggregator")
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Reason"):
        svc.reject_der(s, principal(database, "ldc"), der_id, "   ")
    assert der(database, der_id).status == DerStatus.PENDING


def test_embedded_ldc_approves_first_then_the_host_gives_the_final_approval(database: Database) -> None:
    der_id = register(database, "aggregator", ldc_code="PCE")
    assert der(database, der_id).ldc_id == org_id(database, "PCE")
    with database.transaction() as s, pytest.raises(IllegalTransition, match="waits for the embedded LDC"):
        svc.approve_ders(s, principal(database, "ldc"), [der_id])
    assert approve(database, "ldc-embedded", der_id) == []
    d = der(database, der_id)
    assert (d.status, d.platform_id) == (DerStatus.EMBEDDED_APPROVED, None)
    with database.transaction() as s, pytest.raises(IllegalTransition, match="host LDC"):
        svc.approve_ders(s, principal(database, "ldc-embedded"), [der_id])
    with database.session() as s:
        assert s.scalar(select(Notification.text).where(Notification.organisation_id == org_id(database, "LSH"),
                                                        Notification.text.like(f"%#{der_id}%final approval%")))
    [pid] = approve(database, "ldc", der_id, expected_statuses={der_id: DerStatus.EMBEDDED_APPROVED.value})
    assert der(database, der_id).platform_id == pid and der(database, der_id).status == DerStatus.ACTIVE


def test_a_dso_of_another_territory_cannot_decide(database: Database) -> None:
    der_id = register(database, "aggregator")
    for username in ("dsp-ops", "ldc-embedded"):
        with database.transaction() as s, pytest.raises(AccessDenied):
            svc.approve_ders(s, principal(database, username), [der_id])
        with database.transaction() as s, pytest.raises(AccessDenied):
            svc.reject_der(s, principal(database, username), der_id, "no")
    for username in ("aggregator", "ieso", "admin"):
        with database.transaction() as s, pytest.raises(AccessDenied):
            svc.approve_ders(s, principal(database, username), [der_id])
    assert der(database, der_id).status == DerStatus.PENDING


def test_bulk_approval_is_all_or_nothing_and_names_each_refusal(database: Database) -> None:
    ok = register(database, "aggregator")
    embedded = register(database, "aggregator", ldc_code="PCE")
    with database.transaction() as s, pytest.raises(IllegalTransition) as caught:
        svc.approve_ders(s, principal(database, "ldc"), [ok, embedded])
    assert f"#{embedded}" in str(caught.value) and str(caught.value).startswith("Nothing approved")
    assert der(database, ok).status == DerStatus.PENDING and der(database, ok).platform_id is None
    ids = approve(database, "ldc", ok, register(database, "owner", nth=1))
    assert len(ids) == 2 and ids[0] != ids[1]


def test_a_decision_on_what_someone_else_decided_is_refused(database: Database) -> None:
    der_id = register(database, "aggregator")
    approve(database, "ldc", der_id)
    with database.transaction() as s, pytest.raises(StaleEdit, match="already decided by someone else"):
        svc.approve_ders(s, principal(database, "ldc"), [der_id], expected_statuses={der_id: "pending"})
    with database.transaction() as s, pytest.raises(StaleEdit):
        svc.reject_der(s, principal(database, "ldc"), der_id, "late", expected_status="pending")


def test_concurrent_decisions_one_wins_the_other_is_told(database: Database) -> None:
    der_id = register(database, "aggregator")
    host = principal(database, "ldc")
    first, second = database.sessions(), database.sessions()
    try:
        seen = second.get(Der, der_id)  # held: the identity map keeps what the second decider read
        assert seen.status == DerStatus.PENDING
        svc.approve_ders(first, host, [der_id])
        first.commit()
        with pytest.raises(StaleEdit, match="at the same time"):
            svc.reject_der(second, host, der_id, "too late")
        second.rollback()
    finally:
        first.close()
        second.close()
    d = der(database, der_id)
    assert d.status == DerStatus.ACTIVE and d.platform_id is not None


def test_the_ldc_moves_a_registration_to_another_feeder_of_its_territory(database: Database) -> None:
    der_id = register(database, "aggregator")
    host = principal(database, "ldc")
    with database.session() as s:
        feeders = rq.territory_feeders(s, host)
        other = next(f for f in feeders if f.id != der(database, der_id).feeder_id and f.ldc_id == host.organisation_id)
        foreign = s.scalar(select(Feeder.id).where(Feeder.ldc_id == org_id(database, "DSP")))
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Feeder: choose a feeder of your territory"):
        svc.approve_der(s, host, der_id, feeder_id=foreign)
    with database.transaction() as s:
        outcome = svc.approve_der(s, host, der_id, feeder_id=other.id, expected_status="pending")
    d = der(database, der_id)
    assert outcome.platform_id == d.platform_id and d.feeder_id == other.id
    with database.session() as s:
        assert d.station_id == s.get(Feeder, other.id).station_id
    # moved onto an embedded LDC's feeder: the chain restarts there
    second = register(database, "aggregator", nth=1)
    embedded_feeder = next(f for f in feeders if f.ldc_id == org_id(database, "PCE"))
    with database.transaction() as s:
        outcome = svc.approve_der(s, host, second, feeder_id=embedded_feeder.id)
    assert outcome.platform_id is None and "waits for" in outcome.message
    assert (der(database, second).status, der(database, second).ldc_id) == (DerStatus.PENDING, org_id(database, "PCE"))


def test_scope_of_pending_registrations(database: Database) -> None:
    der_id = register(database, "aggregator")
    agg, other_agg = principal(database, "aggregator"), principal(database, "mapledr-desk")
    with database.session() as s:
        assert der_id in {r.id for r in rq.registrations(s, agg)[0]}
        assert der_id not in {r.id for r in rq.registrations(s, other_agg)[0]}
        assert der_id not in {r.id for r in rq.registrations(s, principal(database, "owner"))[0]}
        assert der_id in {r.id for r in rq.approval_queue(s, principal(database, "ldc"), today=TODAY)}
        assert der_id not in {r.id for r in rq.approval_queue(s, principal(database, "dsp-ops"), today=TODAY)}
        assert rq.approval_queue(s, agg, today=TODAY) == []
        row = next(r for r in rq.approval_queue(s, principal(database, "ldc"), today=TODAY) if r.id == der_id)
        assert row.your_turn and row.suggested_feeder_id == row.feeder_id and row.assessment == "valid"


def test_map_leaves_out_rejected_registrations_and_pending_ones_do_not_break_it(database: Database) -> None:
    from data.queries.map import MapFilters, der_aggregates, ders_in_view

    pending = register(database, "aggregator")
    rejected = register(database, "aggregator", nth=1)
    with database.transaction() as s:
        svc.reject_der(s, principal(database, "ldc"), rejected, "duplicate")
    ieso = principal(database, "ieso")
    with database.session() as s:
        points, _ = ders_in_view(s, ieso, MapFilters(), (41.0, -96.0, 57.0, -73.0), limit=100_000)
        ids = {p.id for p in points}
        total = sum(a.der_count for a in der_aggregates(s, ieso, MapFilters()))
        asked = {p.id for p in ders_in_view(s, ieso, MapFilters(statuses=("rejected",)),
                                            (41.0, -96.0, 57.0, -73.0), limit=100)[0]}
    assert pending in ids and rejected not in ids and total == len(ids) and asked == {rejected}


def test_registrations_show_their_collisions(database: Database) -> None:
    agg = principal(database, "aggregator")
    first = register(database, "aggregator")
    # a second, identical registration slipped in (e.g. through another channel): both are flagged
    with database.transaction() as s:
        d = s.get(Der, first)
        twin = Der(name="twin", technology=d.technology, capacity_kw=d.capacity_kw, lat=d.lat, lon=d.lon,
                   station_id=d.station_id, feeder_id=d.feeder_id, ldc_id=d.ldc_id,
                   owner_org_id=principal(database, "owner").organisation_id, service_tag="both",
                   status=DerStatus.PENDING.value)
        s.add(twin)
        s.flush()
        twin_id = twin.id
    with database.session() as s:
        rows = {r.id: r for r in rq.registrations(s, agg)[0]}
    assert rows[first].collisions == ("Location: same technology and capacity 0.0 m from a pending registration: "
                                      "the same physical DER cannot be registered twice",)
    assert twin_id not in rows


def test_assessment_flags_in_scope(database: Database) -> None:
    der_id = register(database, "aggregator", capacity_kw="123.4", assessment_ref=None, assessment_date=None,
                      assessment_class=None)
    with database.session() as s:
        rows, count = rq.assessment_flags(s, principal(database, "aggregator"), today=TODAY)
        other, _ = rq.assessment_flags(s, principal(database, "mapledr-desk"), today=TODAY)
    flagged = {r.id: r for r in rows}
    assert flagged[der_id].reasons == "no connection assessment recorded" and count >= len(rows)
    assert der_id not in {r.id for r in other}
