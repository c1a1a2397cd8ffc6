"""Bids, plans and floor-price bids: validation, market close in EST, blocking by outages, floor automation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.bids import (
    PRICE_CEILING_PER_MWH,
    PRICE_FLOOR_PER_MWH,
    BidDraft,
    DerAvailability,
    FloorAction,
    FloorBidState,
    OutageWindow,
    PlanDraft,
    Shortfall,
    bid_window,
    capacity_shortfall,
    change_after_close,
    check_transition,
    close_time,
    der_available,
    floor_quantity,
    hourly_availability,
    is_after_close,
    market_accepts,
    outages_reaching,
    plan_after_close,
    plan_floor_update,
    remaining_window,
    validate_bid,
    validate_plan,
)
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OutageKind, OutageState, ServiceTag
from data.domain.errors import IllegalTransition
from data.domain.market_time import MARKET_TZ
from data.domain.outages import Element
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

DAY = date(2026, 7, 15)
NOW = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)  # 07:00 EST the day before DAY: before the DAM close


def est(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=MARKET_TZ).astimezone(UTC)


def outage(start: datetime, end: datetime | None, *, oid: int = 1, state: str = OutageState.ACTIVE,
           kind: str = OutageKind.FORCED, derate: float | None = None, max_kw: float | None = None) -> OutageWindow:
    return OutageWindow(oid, kind, state, start, end, derate_pct=derate, max_kw=max_kw, where="Feeder F1")


DER = DerAvailability(7, "ON-DER-0000007", DerStatus.ACTIVE, 500.0)


# --- validation -------------------------------------------------------------------------------------------


def draft(**changes: object) -> BidDraft:
    values: dict[str, object] = dict(market="dam", trade_date=DAY, first_hour_ending=14, last_hour_ending=18,
                                     quantity_kw=400.0, price_per_mwh=120.0, capacity_kw=500.0,
                                     asset_label="ON-RES-00001")
    values.update(changes)
    return BidDraft(**values)  # type: ignore[arg-type]


def test_a_good_bid_has_no_problem() -> None:
    assert validate_bid(draft(), NOW) == []
    assert validate_bid(draft(price_per_mwh=PRICE_FLOOR_PER_MWH, quantity_kw=500.0), NOW) == []
    assert validate_bid(draft(price_per_mwh=PRICE_CEILING_PER_MWH, first_hour_ending=1, last_hour_ending=24),
                        NOW) == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"market": "spot"}, "market"),
    ({"trade_date": None}, "trade date"),
    ({"trade_date": DAY + timedelta(days=60)}, "trade date"),
    ({"first_hour_ending": 0}, "first hour-ending"),
    ({"last_hour_ending": 25}, "last hour-ending"),
    ({"first_hour_ending": 18, "last_hour_ending": 14}, "last hour-ending"),
    ({"first_hour_ending": True}, "first hour-ending"),
    ({"quantity_kw": 0.0}, "quantity"),
    ({"quantity_kw": -5.0}, "quantity"),
    ({"quantity_kw": 500.5}, "quantity"),
    ({"quantity_kw": float("nan")}, "quantity"),
    ({"price_per_mwh": PRICE_CEILING_PER_MWH + 0.01}, "price"),
    ({"price_per_mwh": PRICE_FLOOR_PER_MWH - 1}, "price"),
    ({"price_per_mwh": None}, "price"),
])
def test_each_bad_field_is_named(changes: dict, field: str) -> None:
    problems = validate_bid(draft(**changes), NOW)
    assert problems and all(p.startswith(f"{field}:") for p in problems), problems


def test_a_bid_whose_hours_are_over_is_refused_but_the_current_hour_is_not() -> None:
    now = est(DAY, 17, 30)  # inside HE18
    assert validate_bid(draft(first_hour_ending=14, last_hour_ending=18), now) == []
    problems = validate_bid(draft(first_hour_ending=14, last_hour_ending=17), now)
    assert problems == [f"last hour-ending: HE17 of {DAY} is over (ended {DAY} 17:00 EST)"]


def test_the_capacity_message_names_the_asset() -> None:
    (problem,) = validate_bid(draft(quantity_kw=900.0), NOW)
    assert "ON-RES-00001" in problem and "500.0 kW" in problem


def test_markets_accept_assets_by_service_tag() -> None:
    assert market_accepts(Market.DAM, ServiceTag.WHOLESALE) and market_accepts(Market.REAL_TIME, ServiceTag.BOTH)
    assert not market_accepts(Market.DAM, ServiceTag.DISTRIBUTION)
    assert market_accepts(Market.DISTRIBUTION, ServiceTag.DISTRIBUTION)
    assert not market_accepts(Market.DISTRIBUTION, ServiceTag.WHOLESALE)


def test_plans() -> None:
    assert validate_plan(PlanDraft(DAY, True, 7, 20, "peak hours"), NOW) == []
    assert validate_plan(PlanDraft(DAY, False), NOW) == []
    assert validate_plan(PlanDraft(DAY, True), NOW)[0].startswith("first hour-ending")
    assert validate_plan(PlanDraft(DAY, None), NOW) == ["intends to offer: yes or no"]
    assert validate_plan(PlanDraft(date(2026, 7, 1), False), NOW) == ["trade date: 2026-07-01 is over"]
    assert validate_plan(PlanDraft(DAY, False, note="x" * 1001), NOW)[0].startswith("note:")


def test_status_machine() -> None:
    assert check_transition(BidStatus.SUBMITTED, BidStatus.BLOCKED) == BidStatus.BLOCKED
    assert check_transition(BidStatus.BLOCKED, BidStatus.SUBMITTED) == BidStatus.SUBMITTED
    assert check_transition(BidStatus.SELECTED, BidStatus.WITHDRAWN) == BidStatus.WITHDRAWN
    for final in (BidStatus.WITHDRAWN, BidStatus.NOT_SELECTED):
        with pytest.raises(IllegalTransition):
            check_transition(final, BidStatus.SUBMITTED)
    with pytest.raises(IllegalTransition):
        check_transition(BidStatus.BLOCKED, BidStatus.SELECTED)


# --- market close in EST ----------------------------------------------------------------------------------


@pytest.mark.parametrize("trade_date", [date(2026, 3, 9), date(2026, 3, 8), date(2026, 11, 2), date(2026, 11, 1),
                                        date(2026, 1, 15), date(2026, 7, 15)])
def test_dam_close_is_10_est_the_day_before_all_year(trade_date: date) -> None:
    close = close_time(Market.DAM, trade_date, 1)
    assert close == datetime.combine(trade_date - timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=15)
    assert not is_after_close(Market.DAM, trade_date, 1, close - timedelta(seconds=1))
    assert is_after_close(Market.DAM, trade_date, 1, close)  # at the close it is closed


def test_on_the_spring_forward_day_11_edt_is_already_after_close() -> None:
    # 2026-03-08: clocks go to EDT at 02:00. 10:00 EST is 11:00 EDT: at 10:30 EDT the DAM is still open.
    trade_date = date(2026, 3, 9)
    assert not is_after_close(Market.DAM, trade_date, 1, datetime(2026, 3, 8, 14, 30, tzinfo=UTC))  # 10:30 EDT
    assert is_after_close(Market.DAM, trade_date, 1, datetime(2026, 3, 8, 15, 0, tzinfo=UTC))  # 11:00 EDT
    assert plan_after_close(trade_date, datetime(2026, 3, 8, 15, 0, tzinfo=UTC))
    assert not plan_after_close(trade_date, datetime(2026, 3, 8, 14, 59, tzinfo=UTC))


def test_real_time_and_distribution_close_when_the_first_hour_starts() -> None:
    for market in (Market.REAL_TIME, Market.DISTRIBUTION):
        assert close_time(market, DAY, 14) == est(DAY, 13)
        assert not is_after_close(market, DAY, 14, est(DAY, 12, 59))
        assert is_after_close(market, DAY, 14, est(DAY, 13))
    # HE24 starts at 23:00 EST (04:00 UTC the next day), also on the fall-back day
    assert close_time(Market.REAL_TIME, date(2026, 11, 1), 24) == datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


def test_only_changes_of_what_is_offered_are_flagged_after_close() -> None:
    late = est(DAY, 9)  # after the DAM close (the day before, 10:00 EST)
    assert change_after_close(BidChangeKind.AMENDED, Market.DAM, DAY, 14, late)
    assert change_after_close(BidChangeKind.FLOOR_AUTOMATIC, Market.DISTRIBUTION, DAY, 8, late)
    assert not change_after_close(BidChangeKind.FLOOR_AUTOMATIC, Market.DISTRIBUTION, DAY, 14, late)
    assert not change_after_close(BidChangeKind.SELECTED, Market.DAM, DAY, 14, late)
    assert not change_after_close(BidChangeKind.ACKNOWLEDGED, Market.DAM, DAY, 14, late)
    assert not change_after_close(BidChangeKind.AMENDED, Market.DAM, DAY, 14, NOW)


# --- windows and blocking ---------------------------------------------------------------------------------


def shortfall(quantity: float, outages: list[OutageWindow] | dict[int, list[OutageWindow]], first: int = 14,
              last: int = 18, now: datetime = NOW, ders: list[DerAvailability] | None = None) -> Shortfall | None:
    """A bid of ``quantity`` kW on DER (or ``ders``) over HE first..last of DAY, the outages given per DER id
    (a plain list: they all reach DER 7)."""
    by_der = outages if isinstance(outages, dict) else {7: outages}
    return capacity_shortfall("ON-RES-00001" if ders else DER.label, DAY, first, last, quantity, now,
                              ders or [DER], by_der)


def test_he24_window_ends_at_midnight_est() -> None:
    start, end = bid_window(DAY, 24, 24)
    assert start == est(DAY, 23) and end == est(DAY + timedelta(days=1), 0)
    assert remaining_window(start, end, est(DAY, 23, 30)) == (est(DAY, 23, 30), end)
    assert remaining_window(start, end, end) is None


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
