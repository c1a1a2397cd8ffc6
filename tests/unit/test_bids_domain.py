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
    bid_window,
    blocking_reasons,
    blocking_text,
    change_after_close,
    check_transition,
    close_time,
    floor_quantity,
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


def test_he24_window_ends_at_midnight_est() -> None:
    start, end = bid_window(DAY, 24, 24)
    assert start == est(DAY, 23) and end == est(DAY + timedelta(days=1), 0)
    assert remaining_window(start, end, est(DAY, 23, 30)) == (est(DAY, 23, 30), end)
    assert remaining_window(start, end, end) is None


def test_an_outage_over_the_bid_hours_blocks_it_with_the_reason() -> None:
    window = bid_window(DAY, 14, 18)  # 13:00-18:00 EST
    blocks = blocking_reasons(window, [DER], {7: [outage(est(DAY, 16), est(DAY, 20), oid=42)]})
    assert len(blocks) == 1 and blocks[0].outage_id == 42 and blocks[0].der_id == 7
    text = blocks[0].text
    assert "ON-DER-0000007" in text and "#42" in text and "Feeder F1" in text
    assert f"{DAY} 16:00 EST" in text and f"{DAY} 20:00 EST" in text and "full outage" in text


def test_touching_windows_do_not_block() -> None:
    window = bid_window(DAY, 14, 18)  # [13:00, 18:00) EST
    before = outage(est(DAY, 9), est(DAY, 13))
    after = outage(est(DAY, 18), est(DAY, 22))
    assert blocking_reasons(window, [DER], {7: [before, after]}) == []
    overlapping_by_five_minutes = outage(est(DAY, 17, 55), est(DAY, 22))
    assert len(blocking_reasons(window, [DER], {7: [overlapping_by_five_minutes]})) == 1
    he24 = bid_window(DAY, 24, 24)
    assert blocking_reasons(he24, [DER], {7: [outage(est(DAY + timedelta(days=1), 0), None)]}) == []
    assert len(blocking_reasons(he24, [DER], {7: [outage(est(DAY, 23, 55), None)]})) == 1


def test_which_outages_count() -> None:
    window = bid_window(DAY, 14, 18)
    over = (est(DAY, 12), est(DAY, 20))
    assert blocking_reasons(window, [DER], {7: [outage(*over, state=OutageState.CANCELLED)]}) == []
    assert len(blocking_reasons(window, [DER], {7: [outage(*over, state=OutageState.PLANNED)]})) == 1
    # without an end: in force until restored
    assert len(blocking_reasons(window, [DER], {7: [outage(est(DAY, 1), None)]})) == 1
    # restored at 13:00 EST: the outage ended as the bid's hours began
    assert blocking_reasons(window, [DER], {7: [outage(est(DAY, 1), est(DAY, 13), state=OutageState.RESTORED)]}) == []
    # a constraint blocks too, and says how much it leaves
    (block,) = blocking_reasons(window, [DER], {7: [outage(*over, kind=OutageKind.CONSTRAINT, derate=40)]})
    assert "constraint" in block.text and "de-rate 40 %" in block.text


def test_only_the_hours_still_to_come_count() -> None:
    start, end = bid_window(DAY, 10, 18)
    morning = outage(est(DAY, 8), est(DAY, 12))
    assert len(blocking_reasons(remaining_window(start, end, est(DAY, 11)), [DER], {7: [morning]})) == 1
    assert blocking_reasons(remaining_window(start, end, est(DAY, 12)), [DER], {7: [morning]}) == []
    assert blocking_reasons(None, [DER], {7: [morning]}) == []


def test_an_unavailable_der_blocks_with_its_reason() -> None:
    off = DerAvailability(8, "ON-DER-0000008", DerStatus.INACTIVE, 100.0, "inverter replaced")
    blocks = blocking_reasons(bid_window(DAY, 14, 18), [DER, off], {})
    assert [b.der_id for b in blocks] == [8] and blocks[0].outage_id is None
    assert "unavailable" in blocks[0].text and "inverter replaced" in blocks[0].text
    many = [DerAvailability(i, f"ON-DER-{i:07d}", DerStatus.INACTIVE) for i in range(1, 6)]
    assert blocking_text(blocking_reasons(bid_window(DAY, 1, 2), many, {})).endswith("(and 2 more)")


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
    (block, _) = blocking_reasons(bid_window(DAY, 14, 18), [bidder], reached)
    assert block.outage_id == 5 and "ON-DER-0000001" in block.text
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
