"""The bid service on both databases: blocking by outages (refused, kept -> blocked -> unblocked), floor-price
automation and overrides, selection -> notification -> acknowledgement, post-close logging, plans, locking."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied, Principal
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
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import dam_close_utc, hour_ending_start_utc, trade_date_of
from data.models import (
    AuditEntry,
    Bid,
    BidChange,
    Der,
    Enrolment,
    Notification,
    Organisation,
    Outage,
    Program,
    Resource,
    Station,
    User,
)
from data.models.base import utcnow
from data.pollers.parsers.records import OutageEquipment, TxOutage
from data.queries.bids import BLOCKED_KIND, FLOOR_KIND, POST_CLOSE_KIND, SELECTION_KIND, bid_rows, change_rows
from data.queries.outages import ders_reached, outage_elements, supply_tree
from data.services.accounts import principal_for
from data.services.bids import (
    BidBlocked,
    BidRequest,
    acknowledge_selection,
    amend_bid,
    clear_floor_override,
    override_floor,
    save_resource_plan,
    select_bids,
    set_der_availability,
    submit_bid,
    submit_floor_bids,
    withdraw_bid,
)
from data.services.ingest import upsert_tx_outages
from data.services.outages import change_state, log_outage


def who(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def day2() -> date:
    """Two trade dates ahead: its DAM closes tomorrow at 10:00 EST, so it is always open now."""
    return trade_date_of(utcnow()) + timedelta(days=2)


def a_der(db: Database, aggregator: Principal, ldc_ids: tuple[int, ...], tags=("both",)) -> Der:  # type: ignore[no-untyped-def]
    """The aggregator's largest active DER in the LDC territory with one of these service tags."""
    with db.session() as s:
        query = select(Der).where(Der.aggregator_org_id == aggregator.organisation_id, Der.ldc_id.in_(ldc_ids),
                                  Der.status == DerStatus.ACTIVE, Der.service_tag.in_(tags),
                                  Der.platform_id.is_not(None))
        der = s.scalars(query.order_by(Der.capacity_kw.desc(), Der.id)).first()
        assert der is not None, "the demo has such a DER"
        s.expunge(der)
        return der


def bid_request(der: Der, day: date, market: str = Market.DAM, first: int = 10, last: int = 14,
                quantity: float | None = None, price: float = 85.0) -> BidRequest:
    return BidRequest(market=market, trade_date=day, first_hour_ending=first, last_hour_ending=last,
                      quantity_kw=quantity if quantity is not None else round(der.capacity_kw / 2, 1),
                      price_per_mwh=price, der_id=der.id)


def outage_on(db: Database, ldc: Principal, der: Der, start: datetime, hours: float | None = 3.0,
              kind: str = OutageKind.PLANNED, now: datetime | None = None, **extra) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return log_outage(s, ldc, kind=kind, start=start, feeder_ids=[der.feeder_id],
                          estimated_restoration=start + timedelta(hours=hours) if hours else None,
                          description="test", now=now, **extra).outage_id


def stored(db: Database, bid_id: int) -> Bid:
    with db.session() as s:
        bid = s.get(Bid, bid_id)
        s.expunge(bid)
        return bid


def changes(db: Database, bid_id: int) -> list[BidChange]:
    with db.session() as s:
        rows = list(s.scalars(select(BidChange).where(BidChange.bid_id == bid_id).order_by(BidChange.id)))
        for r in rows:
            s.expunge(r)
        return rows


def notes(db: Database, org_id: int, kind: str) -> list[Notification]:
    with db.session() as s:
        rows = list(s.scalars(select(Notification).where(Notification.organisation_id == org_id,
                                                          Notification.kind == kind).order_by(Notification.id)))
        for r in rows:
            s.expunge(r)
        return rows


def bid_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Bid))


# --- blocking ---------------------------------------------------------------------------------------------


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
    with database.session() as s:
        version = s.get(Outage, outage_id).version
    with database.transaction() as s:
        change_state(s, ldc, outage_id, OutageState.CANCELLED, version, note="work postponed")
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
    with database.session() as s:
        version = s.get(Outage, outage_id).version
    with database.transaction() as s:
        change_state(s, ldc, outage_id, OutageState.RESTORED, version, now=t0 + timedelta(minutes=30))
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


def a_spread_resource(db: Database, aggregator: Principal, ldc_ids: tuple[int, ...]) -> tuple[int, str, list[Der]]:
    """(id, code, active contributor DERs) of the aggregator's wholesale resource with the most contributors, on
    at least two feeders, the first of them in the LDC's territory."""
    with db.session() as s:
        best = None
        for resource in s.scalars(select(Resource).where(Resource.aggregator_org_id == aggregator.organisation_id,
                                                         Resource.status == DerStatus.ACTIVE,
                                                         Resource.service_tag != "distribution")
                                  .order_by(Resource.id)):
            ders = list(s.scalars(select(Der).where(Der.resource_id == resource.id, Der.status == DerStatus.ACTIVE)
                                  .order_by(Der.id)))
            ders.sort(key=lambda d: d.ldc_id not in ldc_ids)
            if ders and ders[0].ldc_id in ldc_ids and len({d.feeder_id for d in ders}) > 1 and \
                    (best is None or len(ders) > len(best[2])):
                best = (resource.id, resource.resource_code, ders)
        assert best is not None, "the demo has such a resource"
        for der in best[2]:
            s.expunge(der)
        return best


def reached_ids(db: Database, outage_id: int) -> set[int]:
    with db.session() as s:
        return {d.id for d in ders_reached(s, outage_elements(s, outage_id), supply_tree(s))}


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


# --- floor-price bids -------------------------------------------------------------------------------------


def floor_der(db: Database, ldc: Principal) -> Der:
    with db.session() as s:
        der = s.scalars(select(Der).join(Enrolment, Enrolment.der_id == Der.id)
                        .join(Program, Program.id == Enrolment.program_id)
                        .where(Program.market == Market.DISTRIBUTION, Enrolment.end_date.is_(None),
                               Der.ldc_id == ldc.organisation_id, Der.status == DerStatus.ACTIVE)
                        .order_by(Der.capacity_kw.desc(), Der.id)).first()
        assert der is not None, "the demo enrols DERs of the ldc in its flexibility program"
        s.expunge(der)
        return der


def test_floor_bid_quantity_is_zero_during_an_outage_and_restored_after(database: Database) -> None:
    ldc = who(database, "ldc")
    der = floor_der(database, ldc)
    day = day2()
    with database.transaction() as s:
        (bid,) = submit_floor_bids(s, ldc, [der.id], day, 8, 20)
        bid_id = bid.id
    first = stored(database, bid_id)
    assert first.is_floor_price and first.price_per_mwh == 0 and first.quantity_kw == der.capacity_kw
    assert first.market == Market.DISTRIBUTION and first.base_quantity_kw is None
    outage_id = outage_on(database, ldc, der, hour_ending_start_utc(day, 12))
    during = stored(database, bid_id)
    assert during.quantity_kw == 0 and during.base_quantity_kw == der.capacity_kw
    assert during.status == BidStatus.SUBMITTED  # a floor bid is reduced, never blocked
    auto = changes(database, bid_id)[-1]
    assert auto.kind == BidChangeKind.FLOOR_AUTOMATIC and auto.user_id is None and f"#{outage_id}" in auto.detail
    assert auto.before["quantity_kw"] == der.capacity_kw and auto.after["quantity_kw"] == 0
    assert f"#{bid_id}" in notes(database, ldc.organisation_id, FLOOR_KIND)[-1].text
    with database.session() as s:
        version = s.get(Outage, outage_id).version
    with database.transaction() as s:
        change_state(s, ldc, outage_id, OutageState.CANCELLED, version)
    after = stored(database, bid_id)
    assert after.quantity_kw == der.capacity_kw and after.base_quantity_kw is None
    # a constraint leaves capacity x (1 - de-rate)
    outage_on(database, ldc, der, hour_ending_start_utc(day, 15), kind=OutageKind.CONSTRAINT, derate_pct=40.0)
    assert stored(database, bid_id).quantity_kw == pytest.approx(der.capacity_kw * 0.6, abs=1e-3)
    with database.session() as s:
        floor_log = change_rows(s, ldc, kinds=[BidChangeKind.FLOOR_AUTOMATIC])
    assert sum(r.bid_id == bid_id for r in floor_log) == 3


def test_floor_override_is_respected_and_can_be_cleared(database: Database) -> None:
    ldc = who(database, "ldc")
    der = floor_der(database, ldc)
    day = day2()
    with database.transaction() as s:
        (bid,) = submit_floor_bids(s, ldc, [der.id], day, 8, 20)
        bid_id, version = bid.id, bid.version
    with pytest.raises(InvalidBid), database.transaction() as s:
        override_floor(s, ldc, bid_id, version, der.capacity_kw + 1)
    with database.transaction() as s:
        version = override_floor(s, ldc, bid_id, version, 12.5, note="feeder study").version
    outage_on(database, ldc, der, hour_ending_start_utc(day, 12))
    kept = stored(database, bid_id)
    assert kept.quantity_kw == 12.5 and kept.floor_override and kept.version == version
    last = changes(database, bid_id)[-1]
    assert last.kind == BidChangeKind.FLOOR_AUTOMATIC and "overridden by hand" in last.detail
    with database.transaction() as s:
        cleared = clear_floor_override(s, ldc, bid_id, version)
        assert cleared.quantity_kw == 0 and cleared.base_quantity_kw == der.capacity_kw
    kinds = [c.kind for c in changes(database, bid_id)]
    assert kinds.count(BidChangeKind.FLOOR_OVERRIDE) == 2


def test_who_may_submit_floor_bids_and_for_which_ders(database: Database) -> None:
    ldc, other_ldc, agg = who(database, "ldc"), who(database, "gre-ops"), who(database, "aggregator")
    der = floor_der(database, ldc)
    day = day2()
    with pytest.raises(AccessDenied), database.transaction() as s:
        submit_floor_bids(s, agg, [der.id], day, 8, 20)
    with pytest.raises(InvalidBid, match="not in your territory"), database.transaction() as s:
        submit_floor_bids(s, other_ldc, [der.id], day, 8, 20)
    with database.session() as s:
        plain = s.scalar(select(Der.id).where(Der.ldc_id == ldc.organisation_id, Der.status == DerStatus.ACTIVE,
                                              Der.id.not_in(select(Enrolment.der_id))).order_by(Der.id))
    with pytest.raises(InvalidBid, match="not selected for distribution services"), database.transaction() as s:
        submit_floor_bids(s, ldc, [plain], day, 8, 20)
    with database.transaction() as s:
        submit_floor_bids(s, ldc, [der.id], day, 8, 20)
    with pytest.raises(InvalidBid, match="already has a floor-price bid"), database.transaction() as s:
        submit_floor_bids(s, ldc, [der.id], day, 12, 22)


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


# --- selection and acknowledgement ------------------------------------------------------------------------


def test_selection_notifies_the_aggregator_which_acknowledges(database: Database) -> None:
    ldc, ieso, agg = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator")
    other = who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both", "wholesale"))
    day = day2()
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day))
        bid_id, version = bid.id, bid.version
    with pytest.raises(AccessDenied), database.transaction() as s:
        select_bids(s, agg, [(bid_id, version)], True)
    with pytest.raises(InvalidBid, match="decided by the IESO"), database.transaction() as s:
        select_bids(s, ldc, [(bid_id, version)], True)
    with pytest.raises(StaleEdit), database.transaction() as s:
        select_bids(s, ieso, [(bid_id, version + 5)], True)
    with database.transaction() as s:
        (done,) = select_bids(s, ieso, [(bid_id, version)], True)
        version = done.version
    selected = stored(database, bid_id)
    assert selected.status == BidStatus.SELECTED and selected.selected_at is not None
    assert selected.selection_acknowledged_at is None
    note = notes(database, agg.organisation_id, SELECTION_KIND)[-1]
    assert f"#{bid_id}" in note.text and "acknowledge" in note.text and note.severity == Severity.ACTION
    with pytest.raises(InvalidBid, match="only a submitted bid"), database.transaction() as s:
        select_bids(s, ieso, [(bid_id, version)], False)
    with pytest.raises(DomainError, match="among your organisation's"), database.transaction() as s:
        acknowledge_selection(s, other, bid_id, version)
    with database.transaction() as s:
        acknowledge_selection(s, agg, bid_id, version)
    acked = stored(database, bid_id)
    assert acked.selection_acknowledged_at is not None
    assert [c.kind for c in changes(database, bid_id)][-2:] == [BidChangeKind.SELECTED, BidChangeKind.ACKNOWLEDGED]
    assert not any(c.after_close for c in changes(database, bid_id))
    with pytest.raises(IllegalTransition), database.transaction() as s:
        acknowledge_selection(s, agg, bid_id, acked.version)


def test_distribution_bids_are_decided_by_the_ldc_of_the_territory(database: Database) -> None:
    ldc, ieso, agg, far = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator"), who(database,
                                                                                                        "gre-ops")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both", "distribution"))
    day = day2()
    with database.transaction() as s:
        a = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=16, last=19))
        b = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=20, last=21, price=40))
        pairs = [(a.id, a.version), (b.id, b.version)]
    with pytest.raises(InvalidBid, match="decided by the LDC"), database.transaction() as s:
        select_bids(s, ieso, pairs, True)
    with pytest.raises(InvalidBid, match="not in your territory"), database.transaction() as s:
        select_bids(s, far, pairs, True)
    with database.transaction() as s:
        assert len(select_bids(s, ldc, pairs, False)) == 2
    assert {stored(database, i).status for i, _ in pairs} == {BidStatus.NOT_SELECTED}
    assert len(notes(database, agg.organisation_id, SELECTION_KIND)) >= 2


# --- post-close logging -----------------------------------------------------------------------------------


def test_changes_after_the_close_are_flagged_and_told_to_the_operators(database: Database) -> None:
    ldc, ieso, agg = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both",))
    day = day2()
    close = dam_close_utc(day)
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day), now=close - timedelta(minutes=5))
        bid_id, version = bid.id, bid.version
    with database.transaction() as s:
        version = amend_bid(s, agg, bid_id, version, quantity_kw=10.0, price_per_mwh=90.0, first_hour_ending=10,
                            last_hour_ending=14, now=close - timedelta(minutes=1)).version
    ieso_before = len(notes(database, ieso.organisation_id, POST_CLOSE_KIND))
    with database.transaction() as s:
        version = amend_bid(s, agg, bid_id, version, quantity_kw=12.0, price_per_mwh=95.0, first_hour_ending=10,
                            last_hour_ending=14, now=close).version  # at the close: closed
    flags = [(c.kind, c.after_close) for c in changes(database, bid_id)]
    assert flags == [(BidChangeKind.SUBMITTED, False), (BidChangeKind.AMENDED, False), (BidChangeKind.AMENDED, True)]
    late = notes(database, ieso.organisation_id, POST_CLOSE_KIND)
    assert len(late) == ieso_before + 1 and f"#{bid_id}" in late[-1].text and "quantity kw 10.0 → 12.0" in late[-1].text
    assert late[-1].severity == Severity.ACTION
    with database.session() as s:
        assert [r.bid_id for r in change_rows(s, ieso, after_close=True)].count(bid_id) == 1
    # a distribution bid closes when its first hour starts; the LDC is told
    with database.transaction() as s:
        dist = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=18, last=20),
                          now=close)
        dist_id, dist_version = dist.id, dist.version
    assert not changes(database, dist_id)[0].after_close
    with database.transaction() as s:
        withdraw_bid(s, agg, dist_id, dist_version, "crew unavailable",
                     now=hour_ending_start_utc(day, 18) + timedelta(minutes=10))
    assert changes(database, dist_id)[-1].after_close
    assert f"#{dist_id}" in notes(database, ldc.organisation_id, POST_CLOSE_KIND)[-1].text


def test_resource_plans_are_editable_and_logged_after_the_close(database: Database) -> None:
    agg, other = who(database, "aggregator"), who(database, "mapledr-desk")
    with database.session() as s:
        resource_id = s.scalar(select(Resource.id).where(Resource.aggregator_org_id == agg.organisation_id)
                               .order_by(Resource.id))
    day = day2()
    close = dam_close_utc(day)
    with pytest.raises(InvalidBid, match="resource"), database.transaction() as s:
        save_resource_plan(s, other, resource_id=resource_id, trade_date=day, intends_to_offer=True,
                           first_hour_ending=7, last_hour_ending=20)
    with pytest.raises(InvalidBid, match="first hour-ending"), database.transaction() as s:
        save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=True)
    with database.transaction() as s:
        plan, late = save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=True,
                                        first_hour_ending=7, last_hour_ending=20, note="peak",
                                        now=close - timedelta(hours=1))
        plan_id = plan.id
    assert not late
    with database.transaction() as s:
        again, late = save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=False,
                                         note="maintenance", now=close + timedelta(minutes=1))
    assert late and again.id == plan_id and again.first_hour_ending is None
    with database.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "resource_plan",
                                                             AuditEntry.entity_id == str(plan_id))
                            .order_by(AuditEntry.id)).all()
        ieso_org = who(database, "ieso").organisation_id
        told = s.scalars(select(Notification.text).where(Notification.organisation_id == ieso_org,
                                                         Notification.kind == POST_CLOSE_KIND)).all()
    assert actions == ["resource_plan_saved", "resource_plan_after_close"]
    assert any("resource plan" in t and str(day) in t for t in told)


# --- amendments, scope, concurrency -----------------------------------------------------------------------


def test_validation_names_the_field_and_changes_nothing(database: Database) -> None:
    ldc, agg, other = who(database, "ldc"), who(database, "aggregator"), who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("wholesale",))
    day = day2()
    before = bid_count(database)
    cases = [
        (bid_request(der, day, quantity=der.capacity_kw * 2), "quantity"),
        (bid_request(der, day, price=5000), "price"),
        (bid_request(der, day, first=0), "first hour-ending"),
        (bid_request(der, day, market=Market.DISTRIBUTION), "market"),
        (BidRequest(Market.DAM, day, 10, 12, 1.0, 10.0), "asset"),
    ]
    for request, field in cases:
        with pytest.raises(InvalidBid) as err, database.transaction() as s:
            submit_bid(s, agg, request)
        assert any(p.startswith(f"{field}:") for p in err.value.problems), err.value.problems
    with pytest.raises(InvalidBid, match="asset"), database.transaction() as s:
        submit_bid(s, other, bid_request(der, day))
    with pytest.raises(AccessDenied), database.transaction() as s:
        submit_bid(s, ldc, bid_request(der, day))
    assert bid_count(database) == before


def test_stale_versions_are_refused_and_other_aggregators_cannot_touch_a_bid(database: Database) -> None:
    ldc, agg, other = who(database, "ldc"), who(database, "aggregator"), who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day, quantity=10))
        bid_id, seen = bid.id, bid.version
    with database.transaction() as s:
        amend_bid(s, agg, bid_id, seen, quantity_kw=11.0, price_per_mwh=85.0, first_hour_ending=10,
                  last_hour_ending=14)
    with pytest.raises(StaleEdit), database.transaction() as s:
        amend_bid(s, agg, bid_id, seen, quantity_kw=12.0, price_per_mwh=85.0, first_hour_ending=10,
                  last_hour_ending=14)
    with pytest.raises(StaleEdit), database.transaction() as s:
        withdraw_bid(s, agg, bid_id, seen)
    current = stored(database, bid_id)
    assert current.quantity_kw == 11.0 and current.status == BidStatus.SUBMITTED
    for action in (lambda s: amend_bid(s, other, bid_id, current.version, quantity_kw=1.0, price_per_mwh=1.0,
                                       first_hour_ending=10, last_hour_ending=11),
                   lambda s: withdraw_bid(s, other, bid_id, current.version)):
        with pytest.raises(DomainError, match="among your organisation's"), database.transaction() as s:
            action(s)
    # two sessions racing on the same version: the second write is refused by the version column
    with database.transaction() as first:
        with database.transaction() as second:
            amend_bid(second, agg, bid_id, current.version, quantity_kw=13.0, price_per_mwh=85.0,
                      first_hour_ending=10, last_hour_ending=14)
        with pytest.raises(StaleEdit):
            withdraw_bid(first, agg, bid_id, current.version)
    assert stored(database, bid_id).quantity_kw == 13.0
    with database.session() as s:
        assert [r.id for r in bid_rows(s, other) if r.id == bid_id] == []
        assert [r.id for r in bid_rows(s, agg) if r.id == bid_id] == [bid_id]
        assert [r.id for r in bid_rows(s, ldc) if r.id == bid_id] == [bid_id]


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
