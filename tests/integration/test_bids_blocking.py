"""Blocking on both databases: a bid refused when its DERs cannot give its quantity in some hour (outages,
constraints, DERs reported unavailable, a host LDC's or an IESO transmission outage), a kept bid blocked and
unblocked as outages and availability change, and amended out of an outage."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from data.db import Database
from data.domain.bids import InvalidBid
from data.domain.enums import (
    BidChangeKind,
    BidStatus,
    DerStatus,
    Market,
    OrgKind,
    OutageKind,
    OutageState,
    Role,
    Severity,
)
from data.domain.errors import DomainError, IllegalTransition
from data.domain.market_time import hour_ending_start_utc
from data.models import AuditEntry, Der, Organisation, Outage, Station, User
from data.pollers.parsers.records import OutageEquipment, TxOutage
from data.queries.bids import BLOCKED_KIND
from data.services.accounts import principal_for
from data.services.bid_rechecks import set_der_availability
from data.services.bids import BidBlocked, BidRequest, amend_bid, submit_bid
from data.services.floor_bids import submit_floor_bids
from data.services.ingest import upsert_tx_outages
from data.services.outages import log_outage
from tests.integration.bid_helpers import (
    a_der,
    a_spread_resource,
    bid_count,
    bid_request,
    changes,
    day2,
    floor_der,
    notes,
    outage_on,
    reached_ids,
    set_outage_state,
    stored,
    who,
)


def test_a_bid_is_refused_during_an_outage_with_the_reason(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    outage_id = outage_on(database, ldc, der, hour_ending_start_utc(day, 12))  # 11:00-14:00 EST
    before = bid_count(database)
    with pytest.raises(BidBlocked) as refused, database.transaction() as s:
        submit_bid(s, agg, bid_request(der, day, first=10, last=14))
    text = str(refused.value)
    assert f"#{outage_id}" in text and der.platform_id in text and f"{day} 11:00 EST" in text
    assert refused.value.blocks[0].outage_id == outage_id and "HE12–14" in text and "0.0 kW" in text
    assert bid_count(database) == before
    # touching is not overlapping: HE15 starts when the outage ends (14:00 EST), HE11 ends when it starts
    with database.transaction() as s:
        late = submit_bid(s, agg, bid_request(der, day, first=15, last=16)).id
        early = submit_bid(s, agg, bid_request(der, day, first=9, last=11)).id
    assert stored(database, late).status == stored(database, early).status == BidStatus.SUBMITTED


def test_a_kept_bid_is_blocked_by_an_outage_and_unblocked_when_it_is_cancelled(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day))
        bid_id = bid.id
    assert [c.kind for c in changes(database, bid_id)] == [BidChangeKind.SUBMITTED]
    outage_id = outage_on(database, ldc, der, hour_ending_start_utc(day, 13))
    blocked = stored(database, bid_id)
    assert blocked.status == BidStatus.BLOCKED and f"#{outage_id}" in blocked.status_reason
    assert der.platform_id in blocked.status_reason
    assert changes(database, bid_id)[-1].kind == BidChangeKind.BLOCKED
    alert = notes(database, agg.organisation_id, BLOCKED_KIND)[-1]
    assert f"#{bid_id}" in alert.text and alert.severity == Severity.ALARM
    set_outage_state(database, ldc, outage_id, OutageState.CANCELLED, note="work postponed")
    back = stored(database, bid_id)
    assert back.status == BidStatus.SUBMITTED and back.status_reason is None
    last = changes(database, bid_id)[-1]
    assert last.kind == BidChangeKind.UNBLOCKED and last.user_id is None and f"#{outage_id}" in last.detail
    assert "unblocked" in notes(database, agg.organisation_id, BLOCKED_KIND)[-1].text


def test_an_active_outage_blocks_until_it_is_restored(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    t0 = hour_ending_start_utc(day, 9)  # "now" = 08:00 EST on the trade date
    with database.transaction() as s:
        bid_id = submit_bid(s, agg, bid_request(der, day, market=Market.REAL_TIME, first=10, last=12),
                            now=t0 - timedelta(hours=3)).id
    outage_id = outage_on(database, ldc, der, t0 - timedelta(hours=1), hours=None, kind=OutageKind.FORCED, now=t0)
    assert stored(database, bid_id).status == BidStatus.BLOCKED
    set_outage_state(database, ldc, outage_id, OutageState.RESTORED, now=t0 + timedelta(minutes=30))
    assert stored(database, bid_id).status == BidStatus.SUBMITTED
    kinds = [c.kind for c in changes(database, bid_id)]
    assert kinds == [BidChangeKind.SUBMITTED, BidChangeKind.BLOCKED, BidChangeKind.UNBLOCKED]


def test_a_host_ldc_outage_blocks_an_embedded_ders_bid(database: Database) -> None:
    ldc = who(database, "ldc")
    with database.session() as s:
        row = s.execute(select(Der, Station.supply_feeder_id).join(Station, Station.id == Der.station_id)
                        .where(Station.supply_feeder_id.is_not(None), Der.aggregator_org_id.is_not(None),
                               Der.status == DerStatus.ACTIVE, Der.service_tag != "distribution")
                        .order_by(Der.id)).first()
        assert row is not None, "the demo has an aggregated DER of an embedded LDC"
        der, host_feeder = row
        s.expunge(der)
        user = s.scalar(select(User).where(User.organisation_id == der.aggregator_org_id,
                                           User.role == Role.AGGREGATOR).order_by(User.id))
        agg = principal_for(s, user)
    assert der.ldc_id != ldc.organisation_id and der.ldc_id in ldc.territory_ldc_ids
    day = day2()
    with database.transaction() as s:
        bid_id = submit_bid(s, agg, bid_request(der, day)).id
    start = hour_ending_start_utc(day, 11)
    with database.transaction() as s:
        log_outage(s, ldc, kind=OutageKind.PLANNED, start=start, feeder_ids=[host_feeder],
                   estimated_restoration=start + timedelta(hours=1))
    blocked = stored(database, bid_id)
    assert blocked.status == BidStatus.BLOCKED and der.platform_id in blocked.status_reason


def test_an_unavailable_der_blocks_its_bids_until_it_is_available(database: Database) -> None:
    ldc, agg, other = who(database, "ldc"), who(database, "aggregator"), who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    with database.transaction() as s:
        bid_id = submit_bid(s, agg, bid_request(der, day)).id
    with pytest.raises(DomainError), database.transaction() as s:
        set_der_availability(s, other, der.id, False, "not mine")
    with pytest.raises(InvalidBid), database.transaction() as s:
        set_der_availability(s, agg, der.id, False, "  ")
    with database.transaction() as s:
        result = set_der_availability(s, agg, der.id, False, "inverter replaced")
    assert bid_id in result.blocked  # (and the live demo bids of its resource)
    assert "inverter replaced" in stored(database, bid_id).status_reason
    with pytest.raises(BidBlocked), database.transaction() as s:
        submit_bid(s, agg, bid_request(der, day, first=20, last=21))
    with pytest.raises(IllegalTransition), database.transaction() as s:
        set_der_availability(s, agg, der.id, False, "again")
    with database.transaction() as s:
        assert bid_id in set_der_availability(s, agg, der.id, True).unblocked
    with database.session() as s:
        assert s.get(Der, der.id).status == DerStatus.ACTIVE
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "der",
                                                             AuditEntry.entity_id == str(der.id))).all()
    assert actions.count("der_availability_changed") == 2


def test_a_resource_bid_is_refused_only_above_what_its_contributors_left_can_give(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    resource_id, code, ders = a_spread_resource(database, agg, ldc.territory_ldc_ids)
    day = day2()
    outage_id = outage_on(database, ldc, ders[0], hour_ending_start_utc(day, 12))  # 11:00-14:00 EST: HE12-14
    out = reached_ids(database, outage_id)
    left = round(sum(d.capacity_kw for d in ders if d.id not in out), 1)
    fleet = sum(d.capacity_kw for d in ders)
    assert 0 < left < fleet
    with pytest.raises(BidBlocked) as refused, database.transaction() as s:
        submit_bid(s, agg, BidRequest(Market.DAM, day, 10, 14, left + 1, 50.0, resource_id=resource_id))
    short = refused.value.shortfall
    assert [h.hour_ending for h in short.hours] == [12, 13, 14] and short.available_kw == pytest.approx(left)
    text = str(refused.value)
    assert code in text and f"{left + 1:,.1f} kW offered" in text and f"{left:,.1f} kW available in HE12–14" in text
    assert f"#{outage_id}" in text and ders[0].platform_id in text
    assert {b.der_id for b in refused.value.blocks} == out & {d.id for d in ders}
    with database.transaction() as s:  # what the others can give is offered normally, then and over the outage
        bid_id = submit_bid(s, agg, BidRequest(Market.DAM, day, 10, 14, left, 50.0, resource_id=resource_id)).id
        whole = submit_bid(s, agg, BidRequest(Market.DAM, day, 15, 16, fleet, 50.0, resource_id=resource_id)).id
    assert stored(database, bid_id).status == stored(database, whole).status == BidStatus.SUBMITTED
    # one more contributor reported unavailable: the kept bid at the limit is blocked, and unblocked after
    spare = next(d for d in ders if d.id not in out)
    with database.transaction() as s:
        result = set_der_availability(s, agg, spare.id, False, "inverter replaced")
    assert bid_id in result.blocked and whole in result.blocked
    blocked = stored(database, bid_id)
    assert blocked.status == BidStatus.BLOCKED and "HE12–14" in blocked.status_reason
    assert "inverter replaced" in blocked.status_reason and f"{left - spare.capacity_kw:,.1f} kW" in \
        blocked.status_reason
    with database.transaction() as s:
        assert {bid_id, whole} <= set(set_der_availability(s, agg, spare.id, True).unblocked)


def test_a_constraint_blocks_a_bid_only_above_what_it_leaves(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    half = round(der.capacity_kw / 2, 1)
    with database.transaction() as s:
        low = submit_bid(s, agg, bid_request(der, day, quantity=half)).id
        high = submit_bid(s, agg, bid_request(der, day, first=13, last=15, quantity=der.capacity_kw)).id
    outage_id = outage_on(database, ldc, der, hour_ending_start_utc(day, 14), kind=OutageKind.CONSTRAINT,
                          derate_pct=40.0)  # 13:00-16:00 EST: HE14-16 at 60 %
    assert stored(database, low).status == BidStatus.SUBMITTED
    blocked = stored(database, high)
    assert blocked.status == BidStatus.BLOCKED and f"#{outage_id}" in blocked.status_reason
    assert f"{der.capacity_kw * 0.6:,.1f} kW available in HE14–15" in blocked.status_reason
    assert "de-rate 40 %" in blocked.status_reason


def test_an_ieso_transmission_outage_blocks_bids_and_moves_floor_bids_like_an_ldc_outage(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der, fder = a_der(database, agg, ldc.territory_ldc_ids), floor_der(database, ldc)
    day = day2()
    with database.transaction() as s:
        bid_id = submit_bid(s, agg, bid_request(der, day)).id  # HE10-14
        (floor,) = submit_floor_bids(s, ldc, [fder.id], day, 8, 20)
        floor_id = floor.id
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO))
        names = [s.get(Station, d.station_id).name for d in (der, fder)]
    start = hour_ending_start_utc(day, 12)
    report = TxOutage("TX-4711", start, start + timedelta(hours=3), "1", "Approved",
                      [OutageEquipment(f"{name} T{n}", "TR", "230", None) for n, name in enumerate(names, 1)])
    with database.transaction() as s:
        assert upsert_tx_outages(s, [report], ieso) == 1
        outage_id = s.scalar(select(Outage.id).where(Outage.external_id == "TX-4711"))
    blocked = stored(database, bid_id)
    assert blocked.status == BidStatus.BLOCKED and f"transmission outage #{outage_id}" in blocked.status_reason
    assert "HE12–14" in blocked.status_reason and der.platform_id in blocked.status_reason
    assert changes(database, bid_id)[-1].kind == BidChangeKind.BLOCKED
    assert f"#{bid_id}" in notes(database, agg.organisation_id, BLOCKED_KIND)[-1].text
    reduced = stored(database, floor_id)
    assert reduced.quantity_kw == 0 and reduced.base_quantity_kw == fder.capacity_kw
    assert f"#{outage_id}" in changes(database, floor_id)[-1].detail
    logged = len(changes(database, bid_id)) + len(changes(database, floor_id))
    with database.transaction() as s:  # the same report again changes nothing
        assert upsert_tx_outages(s, [report], ieso) == 0
    assert len(changes(database, bid_id)) + len(changes(database, floor_id)) == logged
    with database.transaction() as s:  # the IESO cancels it
        assert upsert_tx_outages(s, [dataclasses.replace(report, status="Cancelled")], ieso) == 1
    back = stored(database, bid_id)
    assert back.status == BidStatus.SUBMITTED and back.status_reason is None
    last = changes(database, bid_id)[-1]
    assert last.kind == BidChangeKind.UNBLOCKED and f"outage #{outage_id} cancelled" in last.detail
    restored = stored(database, floor_id)
    assert restored.quantity_kw == fder.capacity_kw and restored.base_quantity_kw is None


def test_a_blocked_bid_amended_out_of_the_outage_is_submitted_again(database: Database) -> None:
    ldc, agg = who(database, "ldc"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    with database.transaction() as s:
        bid_id = submit_bid(s, agg, bid_request(der, day, first=10, last=14)).id
    outage_on(database, ldc, der, hour_ending_start_utc(day, 12))  # 11:00-14:00 EST
    blocked = stored(database, bid_id)
    assert blocked.status == BidStatus.BLOCKED
    with pytest.raises(BidBlocked), database.transaction() as s:
        amend_bid(s, agg, bid_id, blocked.version, quantity_kw=5.0, price_per_mwh=85.0, first_hour_ending=10,
                  last_hour_ending=12)
    with database.transaction() as s:
        amend_bid(s, agg, bid_id, blocked.version, quantity_kw=5.0, price_per_mwh=85.0, first_hour_ending=15,
                  last_hour_ending=17)
    again = stored(database, bid_id)
    assert again.status == BidStatus.SUBMITTED and again.status_reason is None and again.first_hour_ending == 15
