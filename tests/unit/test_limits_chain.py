"""The tri-level chain end to end, pure: request -> automation -> embedded LDC -> host LDC -> IESO sum -> OpenADR.

Grid: TS 1 -> DS 2 (host LDC) -> feeder 20 -> MS 3 (embedded LDC) -> feeder 30 -> DER E (embedded LDC's DER).
DER H sits on the host LDC's feeder 10 under TS 1. DER X asks too but nobody decides it before the cut-off.
"""
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.enums import LimitStatus, Severity, StationKind
from data.domain.limits.aggregation import sum_by_connection_point
from data.domain.limits.automation import AutomationAction, Headroom, OutageWindow, evaluate
from data.domain.limits.state_machine import Chain, Decision, IllegalTransition, Level, next_status, pending_level
from data.domain.limits.timing import countdown_text, cutoff_for, is_expired, urgency
from data.domain.limits.values import LimitSchedule
from data.domain.market_time import hour_ending_end_utc, hour_ending_start_utc
from data.domain.openadr import EXPORT_CAPACITY_LIMIT, limits_to_openadr_events
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

TRADE = date(2026, 3, 9)  # the day after spring-forward: the cut-off is still 12:00 UTC
CUTOFF = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
E, H, X = "ON-DER-0000101", "ON-DER-0000202", "ON-DER-0000303"
TREE = SupplyTree(
    [StationNode(1, StationKind.TS), StationNode(2, StationKind.DS, supply_station_id=1),
     StationNode(3, StationKind.MS, supply_feeder_id=20)],
    [FeederNode(10, 2), FeederNode(20, 2), FeederNode(30, 3)],
)
FEEDER_OF = {E: 30, H: 10, X: 30}
CHAIN_OF = {E: Chain.EMBEDDED_THEN_HOST, H: Chain.HOST_ONLY, X: Chain.EMBEDDED_THEN_HOST}


def connection_point(der: str) -> int:
    return TREE.connection_point(TREE.feeder_station[FEEDER_OF[der]])


def test_tri_level_chain_to_the_ieso_and_openadr():
    assert cutoff_for(TRADE) == CUTOFF
    morning = CUTOFF - timedelta(hours=4)
    assert countdown_text(morning, CUTOFF) == "4 h 0 min"
    assert urgency(morning, CUTOFF) is None

    requests = {
        E: LimitSchedule.peak(E, TRADE, range(11, 16), 400, None, request_id=1),
        H: LimitSchedule.peak(H, TRADE, range(12, 14), 250, 30, request_id=2),
        X: LimitSchedule.peak(X, TRADE, [12], 999, None, request_id=3),
    }
    status = dict.fromkeys(requests, LimitStatus.SUBMITTED)

    # Automation at the first level of each chain.
    embedded_feeder = Headroom("EMB-MS3-F30", dict.fromkeys(range(1, 25), 1000.0))
    outage = OutageWindow(12, "planned", "feeder EMB-MS3-F30", hour_ending_start_utc(TRADE, 12),
                          hour_ending_end_utc(TRADE, 12))
    outcome_e = evaluate(requests[E], embedded_feeder)
    assert outcome_e.action is AutomationAction.AUTO_APPROVE
    status[E] = next_status(status[E], Decision.APPROVE, pending_level(status[E], CHAIN_OF[E]), CHAIN_OF[E],
                            automatic=True, reason=outcome_e.explanation, now=morning, cutoff=CUTOFF)
    assert status[E] is LimitStatus.EMBEDDED_APPROVED

    outcome_x = evaluate(requests[X], embedded_feeder, [outage])
    assert outcome_x.action is AutomationAction.FLAG
    assert "Planned outage #12 on feeder EMB-MS3-F30 overlaps HE 12: needs an engineer." in outcome_x.reasons
    status[X] = next_status(status[X], Decision.FLAG, Level.EMBEDDED, CHAIN_OF[X], automatic=True,
                            reason=outcome_x.explanation)
    assert status[X] is LimitStatus.FLAGGED

    # Nothing is approved yet: the IESO sees nothing at TS 1.
    approved = [requests[d] for d, s in status.items() if s is LimitStatus.APPROVED]
    assert sum_by_connection_point(approved, {d: connection_point(d) for d in requests}) == []

    # The host LDC finishes E's chain, modifying it down; H (host's own DER) needs only the host.
    later = CUTOFF - timedelta(minutes=20)
    assert urgency(later, CUTOFF) is Severity.ALARM
    status[E] = next_status(status[E], Decision.MODIFY, Level.HOST, CHAIN_OF[E], reason="Host DS 2 limit 300 kW.",
                            now=later, cutoff=CUTOFF)
    requests[E] = replace(LimitSchedule.peak(E, TRADE, range(11, 16), 300, None, request_id=1), approved_at=later)
    status[H] = next_status(status[H], Decision.APPROVE, Level.HOST, CHAIN_OF[H], now=later, cutoff=CUTOFF)
    requests[H] = replace(requests[H], approved_at=later)
    assert status[E] is status[H] is LimitStatus.APPROVED

    # The embedded LDC cannot act on X any more after the cut-off: it expires.
    with pytest.raises(IllegalTransition, match="has passed"):
        next_status(status[X], Decision.APPROVE, Level.EMBEDDED, CHAIN_OF[X], now=CUTOFF, cutoff=CUTOFF)
    assert is_expired(CUTOFF, TRADE)
    status[X] = next_status(status[X], Decision.EXPIRE, Level.SYSTEM, CHAIN_OF[X], now=CUTOFF, cutoff=CUTOFF)
    assert status[X] is LimitStatus.EXPIRED
    assert urgency(CUTOFF, CUTOFF) is Severity.ALARM  # red for everyone

    # The IESO view: E (embedded LDC, via host feeder 20) and H both count at TS 1; X does not.
    approved = [requests[d] for d, s in status.items() if s is LimitStatus.APPROVED]
    rows = {r.hour_ending: r for r in sum_by_connection_point(approved, {d: connection_point(d) for d in requests})}
    assert sorted(rows) == [11, 12, 13, 14, 15]
    assert {r.connection_point for r in rows.values()} == {1}
    assert rows[11].export_kw == 300 and rows[11].targets == (E,)
    assert rows[12].export_kw == 550 and rows[12].import_kw == 30 and rows[12].targets == (E, H)

    # The export: one event per DER, the modified values, one interval per hour.
    events = {ev["targets"][0]: ev for ev in limits_to_openadr_events("der-limits", approved, issued_at=CUTOFF)}
    assert set(events) == {E, H}
    expected = [{"type": EXPORT_CAPACITY_LIMIT, "values": [300.0]}] * 5
    assert [i["payloads"][0] for i in events[E]["intervals"]] == expected
    assert events[E]["intervalPeriod"] == {"start": "2026-03-09T10:00:00-05:00", "duration": "PT1H"}
