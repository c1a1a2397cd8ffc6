"""What a bid's DERs can still give: blocking hour by hour (outages, constraints, unavailable DERs, reach down the
supply chain) and floor-price automation on outage start and end."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from data.domain.bid_availability import (
    DerAvailability,
    FloorAction,
    FloorBidState,
    OutageWindow,
    Shortfall,
    capacity_shortfall,
    der_available,
    floor_quantity,
    hourly_availability,
    outages_reaching,
    plan_floor_update,
)
from data.domain.bids import bid_window
from data.domain.enums import DerStatus, OutageKind, OutageState
from data.domain.outages import Element
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from tests.unit.test_bids_domain import DAY, NOW, est


def outage(start: datetime, end: datetime | None, *, oid: int = 1, state: str = OutageState.ACTIVE,
           kind: str = OutageKind.FORCED, derate: float | None = None, max_kw: float | None = None) -> OutageWindow:
    return OutageWindow(oid, kind, state, start, end, derate_pct=derate, max_kw=max_kw, where="Feeder F1")


DER = DerAvailability(7, "ON-DER-0000007", DerStatus.ACTIVE, 500.0)


# --- blocking ---------------------------------------------------------------------------------------------


def shortfall(quantity: float, outages: list[OutageWindow] | dict[int, list[OutageWindow]], first: int = 14,
              last: int = 18, now: datetime = NOW, ders: list[DerAvailability] | None = None) -> Shortfall | None:
    """A bid of ``quantity`` kW on DER (or ``ders``) over HE first..last of DAY, the outages given per DER id
    (a plain list: they all reach DER 7)."""
    by_der = outages if isinstance(outages, dict) else {7: outages}
    return capacity_shortfall("ON-RES-00001" if ders else DER.label, DAY, first, last, quantity, now,
                              ders or [DER], by_der)


def test_a_full_outage_blocks_a_der_bid_naming_hours_kw_and_the_outage() -> None:
    found = shortfall(100.0, [outage(est(DAY, 16), est(DAY, 20), oid=42)])  # HE14-18 = 13:00-18:00 EST
    assert found is not None and [h.hour_ending for h in found.hours] == [17, 18]
    assert found.available_kw == 0 and found.blocks[0].outage_id == 42 and found.blocks[0].der_id == 7
    text = found.text
    assert text.startswith("ON-DER-0000007: 100.0 kW offered but only 0.0 kW available in HE17–18 of 2026-07-15 "
                           "(EST), reduced by 1 outage on 1 DER: ")
    assert "reduced by 1 outage on 1 DER" in text and "ON-DER-0000007 is inside forced outage #42 (active)" in text
    assert "Feeder F1" in text and f"{DAY} 16:00 EST" in text and f"{DAY} 20:00 EST" in text
    assert "full outage" in text


def test_touching_windows_do_not_block() -> None:
    before = outage(est(DAY, 9), est(DAY, 13))  # ends as HE14 (13:00-14:00 EST) starts
    after = outage(est(DAY, 18), est(DAY, 22))  # starts as HE18 ends
    assert shortfall(500.0, [before, after]) is None
    found = shortfall(1.0, [outage(est(DAY, 17, 55), est(DAY, 22))])
    assert found is not None and [h.hour_ending for h in found.hours] == [18]
    assert shortfall(1.0, [outage(est(DAY + timedelta(days=1), 0), None)], 24, 24) is None
    assert shortfall(1.0, [outage(est(DAY, 23, 55), None)], 24, 24) is not None


def test_which_outages_count() -> None:
    over = (est(DAY, 12), est(DAY, 20))
    assert shortfall(1.0, [outage(*over, state=OutageState.CANCELLED)]) is None
    assert shortfall(1.0, [outage(*over, state=OutageState.PLANNED)]) is not None
    assert shortfall(1.0, [outage(est(DAY, 1), None)]) is not None  # without an end: in force until restored
    # restored at 13:00 EST: the outage ended as the bid's hours began
    assert shortfall(1.0, [outage(est(DAY, 1), est(DAY, 13), state=OutageState.RESTORED)]) is None


def test_a_constraint_blocks_a_der_bid_only_above_what_it_leaves() -> None:
    over = (est(DAY, 12), est(DAY, 20))
    derate = outage(*over, kind=OutageKind.CONSTRAINT, derate=40)  # 500 kW -> 300 kW
    assert shortfall(300.0, [derate]) is None
    found = shortfall(300.5, [derate])
    assert found is not None and found.available_kw == 300 and len(found.hours) == 5
    assert "300.0 kW available in HE14–18" in found.text
    assert "constraint #1" in found.text and "de-rate 40 %" in found.text
    capped = outage(*over, kind=OutageKind.CONSTRAINT, max_kw=200)
    assert shortfall(200.0, [capped]) is None and shortfall(250.0, [capped]) is not None
    # a cap above the capacity takes nothing away and is named nowhere
    assert shortfall(500.0, [outage(*over, kind=OutageKind.CONSTRAINT, max_kw=800)]) is None
    # several at once: the least any of them leaves
    both = shortfall(201.0, [derate, outage(*over, oid=2, kind=OutageKind.CONSTRAINT, max_kw=200)])
    assert both is not None and both.available_kw == 200 and {b.outage_id for b in both.blocks} == {1, 2}


def test_only_the_hours_still_to_come_count() -> None:
    morning = outage(est(DAY, 8), est(DAY, 12))  # 08:00-12:00 EST: HE9-12
    found = shortfall(10.0, [morning], 10, 18, now=est(DAY, 11, 30))
    assert found is not None and [h.hour_ending for h in found.hours] == [12]
    assert shortfall(10.0, [morning], 10, 18, now=est(DAY, 12)) is None
    assert shortfall(10.0, [morning], 10, 12, now=est(DAY, 12)) is None  # all over: nothing to block
    assert [h.hour_ending for h in hourly_availability(DAY, 10, 18, est(DAY, 12), [DER], {})] == list(range(13, 19))


def test_an_unavailable_der_always_blocks_its_own_bid_with_its_reason() -> None:
    off = DerAvailability(7, "ON-DER-0000007", DerStatus.INACTIVE, 500.0, "inverter replaced")
    found = capacity_shortfall(off.label, DAY, 14, 18, 0.1, NOW, [off], {})
    assert found is not None and found.available_kw == 0 and found.blocks[0].outage_id is None
    assert "reported unavailable" in found.text and "inverter replaced" in found.text
    assert "reduced by 1 DER reported unavailable" in found.text


RESOURCE = [DerAvailability(1, "ON-DER-0000001", DerStatus.ACTIVE, 500.0),
            DerAvailability(2, "ON-DER-0000002", DerStatus.ACTIVE, 300.0),
            DerAvailability(3, "ON-DER-0000003", DerStatus.ACTIVE, 200.0)]


def test_a_resource_bid_is_blocked_only_when_the_contributors_left_cannot_deliver_it() -> None:
    # DER 2 (300 kW) out during HE15-16 (14:00-16:00 EST): 700 kW left then, 1000 kW in the other hours
    out = {2: [outage(est(DAY, 14), est(DAY, 16), oid=8)]}
    assert shortfall(700.0, out, ders=RESOURCE) is None
    found = shortfall(700.5, out, ders=RESOURCE)
    assert found is not None and [h.hour_ending for h in found.hours] == [15, 16]
    assert found.text.startswith("ON-RES-00001: 700.5 kW offered but only 700.0 kW available in HE15–16 of "
                                 "2026-07-15")
    assert "ON-DER-0000002 is inside forced outage #8" in found.text and "ON-DER-0000001" not in found.text
    hours = {h.hour_ending: h for h in hourly_availability(DAY, 14, 18, NOW, RESOURCE, out)}
    assert hours[14].available_kw == 1000 and hours[15].available_kw == 700 and hours[15].capacity_kw == 1000
    assert hours[14].causes == () and [c.der_id for c in hours[15].causes] == [2]


def test_a_resource_with_an_unavailable_der_still_offers_the_rest() -> None:
    ders = [*RESOURCE[:2], DerAvailability(3, "ON-DER-0000003", DerStatus.INACTIVE, 200.0, "battery swap")]
    assert shortfall(800.0, {}, ders=ders) is None
    found = shortfall(900.0, {}, ders=ders)
    assert found is not None and found.available_kw == 800 and len(found.hours) == 5
    assert "800.0 kW available in HE14–18" in found.text and "battery swap" in found.text


def test_hours_with_different_capacity_are_named_separately() -> None:
    out = {1: [outage(est(DAY, 13), est(DAY, 15), oid=5)],  # HE14-15: -500
           2: [outage(est(DAY, 14), est(DAY, 16), oid=6, kind=OutageKind.CONSTRAINT, derate=50)]}  # HE15-16: -150
    found = shortfall(900.0, out, ders=RESOURCE)
    assert found is not None
    assert [(h.hour_ending, h.available_kw) for h in found.hours] == [(14, 500), (15, 350), (16, 850)]
    assert "only 500.0 kW available in HE14, 350.0 kW in HE15, 850.0 kW in HE16 of" in found.text
    assert "reduced by 2 outages on 2 DERs" in found.text and found.available_kw == 350


def test_many_causes_are_counted_with_a_few_examples() -> None:
    ders = [DerAvailability(i, f"ON-DER-{i:07d}", DerStatus.ACTIVE, 100.0) for i in range(1, 13)]
    ders += [DerAvailability(i, f"ON-DER-{i:07d}", DerStatus.INACTIVE, 100.0, "fleet check") for i in (13, 14)]
    feeder = outage(est(DAY, 12), est(DAY, 20), oid=21)
    station = outage(est(DAY, 12), est(DAY, 20), oid=22, kind=OutageKind.CONSTRAINT, max_kw=50)
    others = [outage(est(DAY, 12), est(DAY, 20), oid=30 + i) for i in range(3)]
    by_der = {i: [feeder] for i in range(1, 9)} | {9: [station], 10: [station], 11: others[:2], 12: others[2:]}
    found = shortfall(300.0, by_der, ders=ders)
    assert found is not None and found.available_kw == 100  # 2 x 50 kW under the cap, the rest out
    text = found.text
    assert "reduced by 5 outages on 12 DERs and 2 DERs reported unavailable" in text
    assert "ON-DER-0000001, ON-DER-0000002, ON-DER-0000003 and 5 more are inside forced outage #21" in text
    assert "ON-DER-0000009, ON-DER-0000010 are inside constraint #22" in text
    assert text.endswith("(and 3 more)") and len(found.cause_lines()) == 4
    unavailable = Shortfall("R", DAY, 1.0, found.hours).cause_lines(shown=10)[-1]
    assert unavailable == ("ON-DER-0000013 (fleet check), ON-DER-0000014 (fleet check) are reported unavailable "
                           "by their owner or aggregator")


def test_der_available_with_an_outage_on_an_unavailable_der_names_both() -> None:
    off = DerAvailability(7, "ON-DER-0000007", DerStatus.INACTIVE, 500.0)
    kw, causes = der_available(off, [outage(est(DAY, 12), est(DAY, 20), oid=3)], *bid_window(DAY, 14, 14))
    assert kw == 0 and [c.outage_id for c in causes] == [None, 3]
    kw, causes = der_available(DER, [outage(est(DAY, 12), est(DAY, 20), oid=3, state=OutageState.CANCELLED)],
                               *bid_window(DAY, 14, 14))
    assert kw == 500 and causes == ()


@dataclass(frozen=True)
class Placed:
    id: int
    feeder_id: int
    station_id: int


def tri_level_tree() -> SupplyTree:
    """TS 1 -> host DS 2 with feeders 10 and 11; embedded MS 3 supplied by host feeder 10, with feeder 30."""
    return SupplyTree([StationNode(1, "TS"), StationNode(2, "DS", supply_station_id=1),
                       StationNode(3, "MS", supply_feeder_id=10)],
                      [FeederNode(10, 2), FeederNode(11, 2), FeederNode(30, 3), FeederNode(12, 1)])


def test_a_host_ldc_outage_reaches_an_embedded_ders_bid_and_nothing_sideways_or_upward() -> None:
    tree = tri_level_tree()
    embedded = Placed(1, feeder_id=30, station_id=3)
    sideways = Placed(2, feeder_id=11, station_id=2)
    upstream = Placed(3, feeder_id=12, station_id=1)
    host_feeder_outage = outage(est(DAY, 12), est(DAY, 20), oid=5)
    embedded_station_outage = outage(est(DAY, 12), est(DAY, 20), oid=6)
    cancelled = outage(est(DAY, 12), est(DAY, 20), oid=7, state=OutageState.CANCELLED)
    reached = outages_reaching(tree, [embedded, sideways, upstream], [
        (host_feeder_outage, [Element(feeder_id=10)]), (embedded_station_outage, [Element(station_id=3)]),
        (cancelled, [Element(station_id=1)])])
    assert [o.outage_id for o in reached[1]] == [5, 6]
    assert 2 not in reached and 3 not in reached
    bidder = DerAvailability(1, "ON-DER-0000001", DerStatus.ACTIVE, 50.0)
    found = capacity_shortfall(bidder.label, DAY, 14, 18, 10.0, NOW, [bidder], reached)
    assert found is not None and [b.outage_id for b in found.blocks] == [5, 6]
    assert "ON-DER-0000001" in found.text
    # a transmission outage at the TS reaches every DER below it
    ieso = outage(est(DAY, 12), est(DAY, 20), oid=9, kind=OutageKind.TRANSMISSION)
    assert set(outages_reaching(tree, [embedded, sideways, upstream], [(ieso, [Element(station_id=1)])])) == {1, 2, 3}


# --- floor-price bids -------------------------------------------------------------------------------------


def test_floor_quantity_under_outages() -> None:
    assert floor_quantity(500, []) == 500
    assert floor_quantity(500, [outage(NOW, None)]) == 0
    assert floor_quantity(500, [outage(NOW, None, kind=OutageKind.CONSTRAINT, derate=40)]) == 300
    assert floor_quantity(500, [outage(NOW, None, kind=OutageKind.CONSTRAINT, max_kw=200)]) == 200
    assert floor_quantity(500, [outage(NOW, None, kind=OutageKind.CONSTRAINT, max_kw=800)]) == 500
    assert floor_quantity(500, [outage(NOW, None, derate=40), outage(NOW, None, max_kw=250)]) == 250
    assert floor_quantity(500, [outage(NOW, None, derate=100)]) == 0


def test_floor_bid_follows_an_outage_starting_and_ending() -> None:
    bid = FloorBidState(quantity_kw=500, base_quantity_kw=None, override=False, capacity_kw=500)
    started = plan_floor_update(bid, [outage(NOW, None)])
    assert (started.action, started.quantity_kw, started.base_quantity_kw) == (FloorAction.REDUCED, 0, 500)
    during = FloorBidState(0, 500, False, 500)
    assert plan_floor_update(during, [outage(NOW, None)]).action == FloorAction.NONE
    ended = plan_floor_update(during, [])
    assert (ended.action, ended.quantity_kw, ended.base_quantity_kw) == (FloorAction.RESTORED, 500, None)
    assert ended.changed and not plan_floor_update(bid, []).changed


def test_floor_bid_under_a_constraint_then_a_full_outage_keeps_the_first_base() -> None:
    bid = FloorBidState(500, None, False, 500)
    derated = plan_floor_update(bid, [outage(NOW, None, kind=OutageKind.CONSTRAINT, derate=40)])
    assert (derated.quantity_kw, derated.base_quantity_kw) == (300, 500)
    both = plan_floor_update(FloorBidState(300, 500, False, 500),
                             [outage(NOW, None, derate=40), outage(NOW, None, oid=2)])
    assert (both.quantity_kw, both.base_quantity_kw) == (0, 500)
    assert plan_floor_update(FloorBidState(0, 500, False, 500), []).quantity_kw == 500


def test_an_override_is_respected_and_the_automation_says_so() -> None:
    manual = FloorBidState(quantity_kw=120, base_quantity_kw=None, override=True, capacity_kw=500)
    kept = plan_floor_update(manual, [outage(NOW, None)])
    assert kept.action == FloorAction.OVERRIDE_KEPT and kept.quantity_kw == 120 and not kept.changed
    assert plan_floor_update(manual, []).action == FloorAction.OVERRIDE_KEPT
    assert plan_floor_update(manual, [], outage_changed=False).action == FloorAction.NONE
