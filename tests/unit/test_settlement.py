"""Settlement arithmetic and the double-payment reconciliation (data/domain/settlement.py), on hand-computed examples.

Rates used throughout (RATES below), $ figures:
    DAM:          activation 100 per MW per event, availability 20 per MWh activated, delivery 250 per MWh
    distribution: activation 150 per MW per event, availability 30 per MWh activated, delivery 400 per MWh
    real time:    activation  50,                  availability  0,                     delivery 200
    non-performance 100 per MWh short of 80 % of the activated energy.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from config.settings import load_settings
from data.domain.enums import Market, Severity
from data.domain.market_time import UTC, hour_ending_start_utc
from data.domain.settlement import (
    PENDING,
    ContributorDer,
    EventInput,
    HourDelivery,
    MarketRates,
    Membership,
    RateCard,
    Totals,
    breakdown,
    by_pair,
    contributors,
    reconcile,
    settle,
    settle_event,
    totals,
    window_text,
)

RATES = RateCard(
    {Market.DAM.value: MarketRates(100.0, 20.0, 250.0),
     Market.DISTRIBUTION.value: MarketRates(150.0, 30.0, 400.0),
     Market.REAL_TIME.value: MarketRates(50.0, 0.0, 200.0)},
    non_performance_per_mwh=100.0, performance_threshold_pct=80.0,
)
DAY = date(2026, 6, 3)  # a Wednesday
IESO, LDC, LDC2 = 1, 2, 3
AGG = 10
RESOURCE = 7


def event(event_id: int, first_he: int, delivered: list[float], activated_kw: float = 1000.0, *,
          buyer: int = IESO, market: Market = Market.DAM, day: date = DAY, hours: bool = True,
          service: str = "capacity") -> EventInput:
    """An event of RESOURCE from ``first_he`` (EST), one stored hour per delivered value."""
    start = hour_ending_start_utc(day, first_he)
    rows = tuple(HourDelivery(start + timedelta(hours=k), activated_kw, d) for k, d in enumerate(delivered))
    return EventInput(event_id, RESOURCE, "ON-RES-00007", AGG, "Agg", buyer, {IESO: "IESO", LDC: "Lakeshore",
                      LDC2: "Grand River"}.get(buyer, "?"), market.value, service, start,
                      start + timedelta(hours=len(delivered)), activated_kw, rows if hours else ())


def der(der_id: int, capacity_kw: float, *memberships: Membership,
        resource_id: int | None = RESOURCE) -> ContributorDer:
    return ContributorDer(der_id, f"ON-DER-{der_id:07d}", resource_id, capacity_kw,
                          memberships or (Membership(AGG, date(2026, 1, 1)),))


# --- payments ---------------------------------------------------------------------------------------------


def test_a_dam_event_that_delivers():
    """2 MW activated for HE15-HE16; delivered 1,800 then 2,200 kW.

    E = (1800 + 2200) kWh = 4.0 MWh; A = 2 x 2000 kWh = 4.0 MWh; within activation min(1800, 2000) +
    min(2200, 2000) = 3.8 MWh -> 95 %. Activation 100 x 2 MW = 200; availability 20 x 4.0 = 80; delivery
    250 x 4.0 = 1,000; shortfall max(0, 0.8 x 4.0 - 3.8) = 0 -> no charge. Total 1,280. Run time 2 h.
    """
    s = settle_event(event(1, 15, [1800.0, 2200.0], 2000.0), RATES)
    assert s.measured and s.status == "settled"
    assert s.delivered_mwh == pytest.approx(4.0) and s.activated_mwh == pytest.approx(4.0)
    assert s.percent == pytest.approx(95.0)
    assert (s.activation, s.availability, s.delivery, s.non_performance) == pytest.approx((200, 80, 1000, 0))
    assert s.total == pytest.approx(1280.0) and s.run_time_h == 2.0


def test_a_distribution_event_short_of_the_threshold_pays_a_charge():
    """1 MW activated for 3 h; delivered 500, 0 and -50 kW (clamped to 0).

    E = 0.5 MWh; A = 3.0 MWh; within 0.5 MWh (16.7 %). Activation 150 x 1 = 150; availability 30 x 3.0 = 90;
    delivery 400 x 0.5 = 200; shortfall 0.8 x 3.0 - 0.5 = 1.9 MWh -> charge 100 x 1.9 = 190.
    Total 150 + 90 + 200 - 190 = 250. Run time 1 h (only the first hour delivered).
    """
    s = settle_event(event(2, 17, [500.0, 0.0, -50.0], buyer=LDC, market=Market.DISTRIBUTION), RATES)
    assert s.delivered_mwh == pytest.approx(0.5) and s.percent == pytest.approx(100 * 0.5 / 3)
    assert (s.activation, s.availability, s.delivery, s.non_performance) == pytest.approx((150, 90, 200, 190))
    assert s.total == pytest.approx(250.0) and s.run_time_h == 1.0


def test_totals_and_breakdowns_add_the_events_up():
    """The two events above: 2 events, 4.5 MWh, activation 350, availability 170, delivery 1,200, charges 190,
    total 1,530, run time 3 h. By service: capacity (DAM, 1,280 paid) before peak (440 paid before the charge)."""
    lines = settle([event(2, 17, [500.0, 0.0, -50.0], buyer=LDC, market=Market.DISTRIBUTION, service="peak"),
                    event(1, 15, [1800.0, 2200.0], 2000.0)], RATES)
    assert [line.event.event_id for line in lines] == [1, 2]  # by start
    t = totals(lines)
    assert (t.events, t.measured) == (2, 2)
    assert (t.delivered_mwh, t.activation, t.availability, t.delivery, t.non_performance, t.total, t.run_time_h) == \
        pytest.approx((4.5, 350, 170, 1200, 190, 1530, 3))
    assert t.paid == pytest.approx(1720)
    by_service = breakdown(lines, lambda s: s.event.service)
    assert [(name, round(tot.paid, 6)) for name, tot in by_service] == [("capacity", 1280.0), ("peak", 440.0)]
    by_buyer = breakdown(lines, lambda s: s.event.buyer)
    assert [name for name, _ in by_buyer] == ["IESO", "Lakeshore"]


def test_empty_input():
    assert settle([], RATES) == [] and totals([]) == Totals() and totals([]).total == 0
    assert breakdown([], lambda s: s.event.buyer) == [] and reconcile([], []) == []


def test_zero_activated():
    """Nothing activated, nothing delivered: no payment, no charge, % delivered n/a.
    Nothing activated but 100 kW delivered for 1 h: only the delivery is paid, 250 x 0.1 = 25 (DAM); no charge,
    since 80 % of nothing is nothing."""
    idle = settle_event(event(3, 12, [0.0, 0.0], 0.0), RATES)
    assert idle.percent is None and idle.total == 0 and idle.run_time_h == 0 and idle.activated_mwh == 0
    unasked = settle_event(event(4, 12, [100.0], 0.0), RATES)
    assert unasked.percent is None and unasked.non_performance == 0 and unasked.activation == 0
    assert unasked.total == pytest.approx(25.0)


def test_an_event_without_results_is_pending_and_settled_at_zero():
    s = settle_event(event(5, 15, [900.0, 900.0], hours=False), RATES)
    assert not s.measured and s.status == PENDING and s.total == 0 and s.delivered_mwh == 0
    assert totals([s]) == Totals(events=1)


def test_a_market_without_rates_pays_nothing():
    s = settle_event(event(6, 15, [1000.0], market=Market.DAM), RateCard({}, 100.0))
    assert s.total == 0 and s.delivered_mwh == pytest.approx(1.0)


def test_rates_are_checked_and_read_from_settings():
    with pytest.raises(ValueError, match="dam.delivery_per_mwh"):
        RateCard({"dam": MarketRates(1.0, 1.0, -5.0)})
    with pytest.raises(ValueError, match="threshold"):
        RateCard({}, performance_threshold_pct=120)
    settings = load_settings(env={"SETTLEMENT_DISTRIBUTION_DELIVERY_PER_MWH": "410.5",
                                  "SETTLEMENT_PERFORMANCE_THRESHOLD_PCT": "75"}, secret_key="x")
    card = RateCard.from_settings(settings)
    assert card.for_market("distribution").delivery_per_mwh == 410.5 and card.performance_threshold_pct == 75
    assert card.for_market("dam") == MarketRates(100.0, 20.0, 250.0)  # the documented defaults


def test_the_period_is_by_est_trade_date_and_he24_belongs_to_its_day():
    """HE24 of June 3 starts 23:00 EST = 04:00 UTC June 4: it is June 3's, not June 4's."""
    late = event(7, 24, [1000.0])
    assert late.start_at == datetime(2026, 6, 4, 4, tzinfo=UTC) and late.trade_date == DAY
    assert [s.event.event_id for s in settle([late], RATES, DAY, DAY)] == [7]
    assert settle([late], RATES, DAY + timedelta(days=1), DAY + timedelta(days=1)) == []
    assert [s.event.event_id for s in settle([late], RATES, None, DAY)] == [7]


def test_a_dst_day_has_24_market_hours():
    """2026-03-08: Toronto clocks skip 02:00 (a 23-hour local day) but the EST market day has HE1..24:
    1 MW delivered every hour is 24 MWh, 24 h of run time, all on March 8."""
    dst = date(2026, 3, 8)
    all_day = event(8, 1, [1000.0] * 24, day=dst)
    assert all_day.end_at - all_day.start_at == timedelta(hours=24)
    (s,) = settle([all_day], RATES, dst, dst)
    assert s.delivered_mwh == pytest.approx(24.0) and s.run_time_h == 24 and s.percent == pytest.approx(100.0)
    assert s.delivery == pytest.approx(24 * 250.0)


# --- contributors -------------------------------------------------------------------------------------------


def test_contributors_follow_the_enrolment_dates_and_the_aggregator():
    e = event(9, 15, [1000.0])
    ders = [
        der(1, 300.0),
        der(2, 100.0, Membership(AGG, DAY)),  # starts on the event day: in (start inclusive)
        der(3, 500.0, Membership(AGG, date(2026, 1, 1), DAY)),  # ended on the event day: out (end exclusive)
        der(4, 500.0, Membership(99, date(2026, 1, 1))),  # enrolled through another aggregator: out
        der(5, 500.0, resource_id=8),  # another resource: out
        der(6, 200.0, Membership(AGG, date(2026, 1, 1), date(2026, 2, 1)), Membership(AGG, date(2026, 5, 1))),
    ]
    found = {d.der_id: share for d, share in contributors(e, ders)}
    assert found == pytest.approx({1: 0.5, 2: 100 / 600, 6: 200 / 600})
    assert contributors(e, [der(1, 0.0), der(2, 0.0)]) == [(der(1, 0.0), 0.5), (der(2, 0.0), 0.5)]
    assert contributors(e, []) == []


# --- reconciliation -----------------------------------------------------------------------------------------


def test_overlapping_events_of_two_buyers_are_flagged_per_der():
    """IESO event 14:00-16:00 EST (HE15-16) delivering 1,000 kW each hour; Lakeshore event 15:00-17:00 (HE16-17)
    delivering 600 kW. Overlap 15:00-16:00: 1.0 MWh of the IESO event, 0.6 MWh of the LDC's.
    DER 1 (300 kW of 400) has 0.75 and 0.45 MWh in it: 0.45 MWh paid twice, x 250 $/MWh (the lower delivery
    rate, DAM's) = 112.50 $. DER 2 (100 of 400): 0.25 and 0.15 MWh -> 0.15 MWh, 37.50 $."""
    lines = settle([event(10, 15, [1000.0, 1000.0]),
                    event(11, 16, [600.0, 600.0], buyer=LDC, market=Market.DISTRIBUTION)], RATES)
    flags = reconcile(lines, [der(1, 300.0), der(2, 100.0)])
    assert [f.der_id for f in flags] == [1, 2]  # most energy at stake first
    one, two = flags
    assert (one.first.event.event_id, one.second.event.event_id) == (10, 11)
    assert one.overlap_start == hour_ending_start_utc(DAY, 16) and one.overlap_end == hour_ending_start_utc(DAY, 17)
    assert (one.first_mwh, one.second_mwh, one.at_stake_mwh) == pytest.approx((0.75, 0.45, 0.45))
    assert one.amount_at_stake == pytest.approx(112.5) and two.amount_at_stake == pytest.approx(37.5)
    assert one.severity is Severity.ALARM
    assert one.text == ("ON-DER-0000001: 0.450 MWh paid by both IESO (event 10) and Lakeshore (event 11) over "
                        "2026-06-03 15:00–16:00 EST")
    (pair,) = by_pair(flags)  # one pair of events, two DERs: 0.45 + 0.15 = 0.6 MWh, 112.50 + 37.50 = 150 $
    assert (pair.ders, pair.at_stake_mwh, pair.amount_at_stake) == pytest.approx((2, 0.6, 150.0))
    assert pair.severity is Severity.ALARM and pair.overlap_start == one.overlap_start


def test_touching_events_are_not_overlapping():
    """14:00-16:00 and 16:00-18:00 EST share no instant: [start, end) is half-open."""
    lines = settle([event(12, 15, [1000.0, 1000.0]), event(13, 17, [600.0, 600.0], buyer=LDC)], RATES)
    assert reconcile(lines, [der(1, 300.0)]) == []


def test_the_same_buyer_twice_is_not_a_double_payment_between_buyers():
    lines = settle([event(14, 15, [1000.0, 1000.0]), event(15, 16, [600.0])], RATES)
    assert reconcile(lines, [der(1, 300.0)]) == []


def test_a_partial_hour_overlap_takes_its_share_of_the_hour():
    """IESO HE15 (14:00-15:00) 1,000 kW; an LDC event 14:30-15:30 whose stored hours are 14:30 and 15:30 starts
    with 800 kW. Overlap 14:30-15:00: IESO 0.5 h x 1,000 = 0.5 MWh; LDC 0.5 h x 800 = 0.4 MWh -> 0.4 at stake."""
    ieso = event(16, 15, [1000.0])
    start = ieso.start_at + timedelta(minutes=30)
    ldc = EventInput(17, RESOURCE, "ON-RES-00007", AGG, "Agg", LDC, "Lakeshore", Market.DISTRIBUTION.value, "peak",
                     start, start + timedelta(hours=1), 1000.0, (HourDelivery(start, 1000.0, 800.0),))
    (flag,) = reconcile(settle([ieso, ldc], RATES), [der(1, 10.0)])
    assert (flag.first_mwh, flag.second_mwh, flag.at_stake_mwh) == pytest.approx((0.5, 0.4, 0.4))
    assert window_text(flag.overlap_start, flag.overlap_end) == "2026-06-03 14:30–15:00 EST"


def test_three_buyers_give_one_flag_per_pair():
    """IESO HE15-17, Lakeshore HE16-17, Grand River HE17: all three overlap in HE17, so three pairs."""
    lines = settle([event(20, 15, [900.0, 900.0, 900.0]),
                    event(21, 16, [500.0, 500.0], buyer=LDC, market=Market.DISTRIBUTION),
                    event(22, 17, [300.0], buyer=LDC2, market=Market.DISTRIBUTION)], RATES)
    flags = reconcile(lines, [der(1, 100.0)])
    pairs = sorted((f.first.event.event_id, f.second.event.event_id) for f in flags)
    assert pairs == [(20, 21), (20, 22), (21, 22)]
    assert [(p.first.event.event_id, p.second.event.event_id) for p in by_pair(flags)] == [(20, 21), (20, 22),
                                                                                          (21, 22)]
    found = {(f.first.event.event_id, f.second.event.event_id): f for f in flags}
    assert found[(20, 21)].at_stake_mwh == pytest.approx(1.0)  # HE16-17: min(1.8, 1.0)
    assert found[(21, 22)].at_stake_mwh == pytest.approx(0.3)  # HE17: min(0.5, 0.3)
    assert found[(21, 22)].amount_at_stake == pytest.approx(0.3 * 400)  # both distribution


def test_overlap_without_delivered_energy_is_an_action_not_an_alarm():
    """Both activations overlap but one has no M&V result yet (pending): nothing is paid twice yet."""
    lines = settle([event(30, 15, [1000.0]), event(31, 15, [500.0], buyer=LDC, hours=False)], RATES)
    (flag,) = reconcile(lines, [der(1, 100.0)])
    assert flag.at_stake_mwh == 0 and flag.severity is Severity.ACTION
    assert flag.text.startswith("ON-DER-0000001: activated for both IESO (event 30) and Lakeshore (event 31)")


def test_a_der_not_enrolled_on_the_day_is_not_flagged():
    lines = settle([event(40, 15, [1000.0]), event(41, 15, [500.0], buyer=LDC)], RATES)
    ended = der(1, 100.0, Membership(AGG, date(2026, 1, 1), date(2026, 6, 1)))
    assert reconcile(lines, [ended]) == []
