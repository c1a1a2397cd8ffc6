"""Bids and plans: validation field by field, the status machine, market close in EST, bid windows.

Blocking and floor-price automation: tests/unit/test_bid_availability.py."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.bids import (
    PRICE_CEILING_PER_MWH,
    PRICE_FLOOR_PER_MWH,
    BidDraft,
    PlanDraft,
    bid_window,
    change_after_close,
    check_transition,
    close_time,
    is_after_close,
    market_accepts,
    plan_after_close,
    remaining_window,
    validate_bid,
    validate_plan,
)
from data.domain.enums import BidChangeKind, BidStatus, Market, ServiceTag
from data.domain.errors import IllegalTransition
from data.domain.market_time import MARKET_TZ

DAY = date(2026, 7, 15)
NOW = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)  # 07:00 EST the day before DAY: before the DAM close


def est(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=MARKET_TZ).astimezone(UTC)


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


def test_he24_window_ends_at_midnight_est() -> None:
    start, end = bid_window(DAY, 24, 24)
    assert start == est(DAY, 23) and end == est(DAY + timedelta(days=1), 0)
    assert remaining_window(start, end, est(DAY, 23, 30)) == (est(DAY, 23, 30), end)
    assert remaining_window(start, end, end) is None
