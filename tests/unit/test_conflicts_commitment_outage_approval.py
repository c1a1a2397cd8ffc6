"""Conflict rules 3 (double commitment), 4 (outage) and 5 (missing approval) of DOMAIN.md, with edge cases.

Test grid (a supply tree with an embedded LDC):

    TS 1 --- feeder 10 ............................ DER 105
      |
      +-- DS 2 (host LDC) --- feeder 20 ........... DER 103
      |          |                \\
      |          |                 +-- MS 3 (embedded LDC) --- feeder 30 ... DER 101 (resource R1)
      |          |                                         \\-- feeder 31 ... DER 102 (resource R1)
      |          \\-- feeder 21 ........................ DER 104 (sideways of feeder 20)
    TS 5 --- feeder 50 ............................ DER 106 (another connection point)

Times are written in EST (market time, UTC-5 all year); every DER is rated 100 kW.
"""
from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.conflicts import (
    ConflictConfig,
    ConflictRule,
    DamBid,
    DerLimit,
    Outage,
)
from data.domain.enums import Severity
from tests.unit.conflict_scenarios import ALL_DERS, D, est, instr, next_id, run, span

# --- rule 3: double commitment ------------------------------------------------------------------


def test_two_commitments_above_rated_capacity():
    a, b = instr("ieso", 60, est(10), est(12)), instr("dso", 50, est(11), est(13))
    [c] = run(instructions=[a, b])
    assert c.rule == ConflictRule.DOUBLE_COMMITMENT and c.severity == Severity.ACTION
    assert span(c) == (est(11), est(12))
    assert c.evidence["total_kw_by_der"] == {"101": 110}
    assert c.evidence["ders"][0]["rated_kw"] == 100


def test_commitments_are_summed_as_magnitudes():
    found = run(instructions=[instr("ieso", 60, est(10), est(11)), instr("ieso", -50, est(10), est(11))])
    assert [c.rule for c in found] == [ConflictRule.DOUBLE_COMMITMENT]


@pytest.mark.parametrize("setpoints", [(50, 50), (60, 40, 0), (150,), (100, 0)])
def test_total_at_rated_or_a_single_commitment_is_not_double(setpoints: tuple[float, ...]):
    assert run(instructions=[instr("ieso", sp, est(10), est(11)) for sp in setpoints],
               rule=ConflictRule.DOUBLE_COMMITMENT) == []


def test_touching_commitments_are_not_double():
    assert run(instructions=[instr("ieso", 80, est(10), est(11)), instr("dso", 80, est(11), est(12))]) == []


def test_resource_commitment_counts_its_share_for_each_der():
    # R1 = DERs 101 and 102, 100 kW each: 120 kW on R1 is 60 kW on each
    res = instr("ieso", 120, est(10), est(12), target="R1", kind="resource")
    der = instr("dso", 50, est(10), est(12), target=101)
    [c] = run(instructions=[res, der], rule=ConflictRule.DOUBLE_COMMITMENT)
    assert c.der_ids == (101,)
    assert c.evidence["total_kw_by_der"] == {"101": 110}
    ok = instr("dso", 40, est(10), est(12), target=102)
    assert run(instructions=[res, ok], rule=ConflictRule.DOUBLE_COMMITMENT) == []


def test_two_resource_commitments_list_every_der_of_the_resource_once():
    a = instr("ieso", 120, est(10), est(12), target="R1", kind="resource")
    b = instr("dso", 120, est(11), est(12), target="R1", kind="resource")
    [c] = run(instructions=[a, b], rule=ConflictRule.DOUBLE_COMMITMENT)
    assert c.der_ids == (101, 102) and span(c) == (est(11), est(12))


def test_area_instructions_are_not_commitments_of_a_der():
    area = [instr("dso", 500, est(10), est(11), target=30, kind="feeder"),
            instr("dso", 500, est(10), est(11), target=3, kind="station")]
    assert run(instructions=[*area, instr("ieso", 90, est(10), est(11))], rule=ConflictRule.DOUBLE_COMMITMENT) == []


def test_rejected_commitments_are_ignored():
    assert run(instructions=[instr("ieso", 80, est(10), est(11)),
                             instr("dso", 80, est(10), est(11), state="rejected")]) == []


def test_double_commitment_evidence_set_changes_split_the_run():
    a = instr("ieso", 60, est(10), est(13))
    b = instr("dso", 50, est(10), est(11))
    c = instr("dso", 50, est(11), est(12))
    found = run(instructions=[a, b, c])
    assert [span(x) for x in found] == [(est(10), est(11)), (est(11), est(12))]
    assert len({x.fingerprint for x in found}) == 2


# --- rule 4: outage -----------------------------------------------------------------------------


def test_instruction_during_an_active_outage_of_the_ders_feeder():
    out = Outage("O1", start=est(10), end=est(14), feeder_ids=(30,), kind="constraint", derate_pct=40, max_kw=60)
    ins = instr("ieso", 50, est(12), est(16))
    [c] = run(instructions=[ins], outages=[out])
    assert c.rule == ConflictRule.OUTAGE and span(c) == (est(12), est(14))
    assert c.evidence["outages"][0]["derate_pct"] == 40 and c.evidence["outages"][0]["max_kw"] == 60
    assert "de-rate 40 %" in c.summary
    assert c.evidence_ids == tuple(sorted([f"instruction:{ins.id}", "outage:O1"]))


@pytest.mark.parametrize("issuer", ["ieso", "dso"])
@pytest.mark.parametrize("setpoint", [25, -25])
def test_any_non_zero_instruction_of_any_issuer_conflicts(issuer: str, setpoint: float):
    out = Outage("O1", start=est(10), end=est(14), feeder_ids=(30,))
    assert len(run(instructions=[instr(issuer, setpoint, est(11), est(12))], outages=[out])) == 1


def test_zero_instruction_during_an_outage_is_fine():
    out = Outage("O1", start=est(10), end=est(14), feeder_ids=(30,))
    assert run(instructions=[instr("dso", 0, est(11), est(12))], outages=[out]) == []


def test_planned_outage_counts_and_cancelled_is_ignored():
    ins = instr("dso", 10, est(11), est(12))
    assert len(run(instructions=[ins], outages=[Outage("P", start=est(10), end=est(14), feeder_ids=(30,),
                                                       state="planned", kind="planned")])) == 1
    assert run(instructions=[ins], outages=[Outage("C", start=est(10), end=est(14), feeder_ids=(30,),
                                                   state="cancelled")]) == []


def test_restored_outage_ends_at_its_restoration_time():
    out = Outage("R", start=est(10), end=est(18), restored_at=est(12), state="restored", feeder_ids=(30,))
    [c] = run(instructions=[instr("dso", 10, est(11), est(14))], outages=[out])
    assert span(c) == (est(10 + 1), est(12))
    assert run(instructions=[instr("dso", 10, est(12), est(14))], outages=[out]) == []  # touching restoration


def test_outage_without_end_is_in_force_until_restored():
    out = Outage("open", start=est(10), feeder_ids=(30,))
    far = est(10, day=D + timedelta(days=60))
    [c] = run(instructions=[instr("dso", 10, far, far + timedelta(hours=1))], outages=[out])
    assert span(c) == (far, far + timedelta(hours=1))
    assert run(instructions=[instr("dso", 10, est(9), est(10))], outages=[out]) == []  # ends when it starts


def test_host_ldc_outage_on_the_feeder_supplying_an_embedded_station():
    out = Outage("host", start=est(10), end=est(12), feeder_ids=(20,))
    instructions = [instr("ieso", 10, est(10), est(11), target=d) for d in ALL_DERS]
    found = run(instructions=instructions, outages=[out])
    assert sorted(c.der_ids for c in found) == [(101,), (102,), (103,)]  # not 104 on feeder 21


def test_outage_on_the_embedded_station_does_not_reach_up_to_the_host():
    out = Outage("ms3", start=est(10), end=est(12), station_ids=(3,))
    instructions = [instr("ieso", 10, est(10), est(11), target=d) for d in ALL_DERS]
    assert sorted(c.der_ids for c in run(instructions=instructions, outages=[out])) == [(101,), (102,)]


def test_ieso_transmission_outage_at_the_ts_affects_every_der_below_it():
    out = Outage("TX-1", start=est(10), end=est(12), station_ids=(1,), kind="transmission")
    area = instr("dso", -30, est(10), est(11), target=2, kind="station")
    [c] = run(instructions=[area], outages=[out])
    assert c.der_ids == (101, 102, 103, 104)
    assert set(c.station_ids) >= {1, 2}
    instructions = [instr("ieso", 10, est(10), est(11), target=d) for d in ALL_DERS]
    assert sorted(c.der_ids for c in run(instructions=instructions, outages=[out])) == [
        (101,), (102,), (103,), (104,), (105,)]


def test_outage_touching_an_instruction_is_fine():
    out = Outage("O", start=est(10), end=est(12), feeder_ids=(30,))
    assert run(instructions=[instr("dso", 10, est(12), est(13)), instr("dso", 10, est(9), est(10))],
               outages=[out]) == []


def test_rejected_instruction_during_an_outage_is_ignored():
    out = Outage("O", start=est(10), end=est(12), feeder_ids=(30,))
    assert run(instructions=[instr("ieso", 10, est(10), est(11), state="timed_out")], outages=[out]) == []


# --- rule 5: missing approval -------------------------------------------------------------------

TRADE_SUMMER = date(2026, 7, 15)
TRADE_WINTER = date(2026, 1, 15)


def approval(der: int, day: date, approved_at: datetime, status: str = "approved", hour_ending: int = 12) -> DerLimit:
    return DerLimit(next(next_id), der, day, hour_ending, 100, 100, approved_at, status)  # type: ignore[arg-type]


@pytest.mark.parametrize("trade", [TRADE_SUMMER, TRADE_WINTER])
def test_cutoff_is_07_00_est_which_is_12_00_utc_summer_and_winter(trade: date):
    cutoff = datetime(trade.year, trade.month, trade.day - 1, 12, 0, tzinfo=UTC)
    bid = DamBid("B1", "R1", trade, hours=(10, 11))
    limits = [approval(101, trade, cutoff), approval(102, trade, cutoff + timedelta(seconds=1))]
    [c] = run(bids=[bid], limits=limits)
    assert c.rule == ConflictRule.MISSING_APPROVAL and c.severity == Severity.ACTION
    assert c.der_ids == (102,)
    assert c.evidence["cutoff"] == cutoff.isoformat()
    assert (c.start, c.end) == (est(9, day=trade), est(11, day=trade))
    assert c.evidence_ids == ("bid:B1", "der:102")


def test_each_der_of_a_bid_without_approval_is_its_own_conflict():
    found = run(bids=[DamBid("B1", "R1", TRADE_SUMMER, hours=(1,))])
    assert sorted(c.der_ids for c in found) == [(101,), (102,)]
    assert len({c.fingerprint for c in found}) == 2


def test_bid_ders_given_explicitly_win_over_the_resource():
    found = run(bids=[DamBid("B1", "R1", TRADE_SUMMER, hours=(1,), der_ids=(103,))])
    assert [c.der_ids for c in found] == [(103,)]


@pytest.mark.parametrize("status", ["submitted", "embedded_approved", "rejected", "flagged"])
def test_only_approved_limits_count(status: str):
    cutoff = datetime(2026, 7, 14, 12, tzinfo=UTC)
    found = run(bids=[DamBid("B1", None, TRADE_SUMMER, hours=(1,), der_ids=(101,))],
                limits=[approval(101, TRADE_SUMMER, cutoff - timedelta(hours=3), status=status)])
    assert len(found) == 1


def test_an_approval_for_another_trade_date_does_not_count_but_any_hour_of_the_day_does():
    cutoff = datetime(2026, 7, 14, 12, tzinfo=UTC)
    bid = DamBid("B1", None, TRADE_SUMMER, hours=(1,), der_ids=(101,))
    assert len(run(bids=[bid], limits=[approval(101, TRADE_SUMMER - timedelta(days=1), cutoff)])) == 1
    assert run(bids=[bid], limits=[approval(101, TRADE_SUMMER, cutoff, hour_ending=20)]) == []


def test_an_approval_in_time_is_not_undone_by_a_later_one():
    cutoff = datetime(2026, 7, 14, 12, tzinfo=UTC)
    limits = [approval(101, TRADE_SUMMER, cutoff - timedelta(hours=1)),
              approval(101, TRADE_SUMMER, cutoff + timedelta(hours=1))]
    assert run(bids=[DamBid("B1", None, TRADE_SUMMER, der_ids=(101,))], limits=limits) == []


def test_cutoff_parameters_are_explicit():
    bid = DamBid("B1", None, TRADE_SUMMER, hours=(1,), der_ids=(101,))
    at_0730_est = datetime(2026, 7, 14, 12, 30, tzinfo=UTC)
    limits = [approval(101, TRADE_SUMMER, at_0730_est)]
    assert len(run(bids=[bid], limits=limits)) == 1  # default cut-off 07:00 EST
    assert run(bids=[bid], limits=limits, config=ConflictConfig(approval_cutoff_hours=2.5)) == []
    assert run(bids=[bid], limits=limits, config=ConflictConfig(dam_close_hour_est=11)) == []
    late = ConflictConfig(approval_cutoff_hours=0, dam_close_hour_est=7, dam_close_minute_est=30)
    assert run(bids=[bid], limits=limits, config=late) == []
    early = ConflictConfig(approval_cutoff_hours=0, dam_close_hour_est=7, dam_close_minute_est=25)
    assert len(run(bids=[bid], limits=limits, config=early)) == 1


def test_cutoff_around_dst_changes_stays_est():
    # D-1 of 2026-03-09 is the spring-forward day; D-1 of 2026-11-02 the fall-back day: still 12:00 UTC
    for trade in (date(2026, 3, 9), date(2026, 11, 2)):
        cutoff = datetime(trade.year, trade.month, trade.day - 1, 12, tzinfo=UTC)
        bid = DamBid("B1", None, trade, hours=(1,), der_ids=(101,))
        assert run(bids=[bid], limits=[approval(101, trade, cutoff)]) == []
        assert len(run(bids=[bid], limits=[approval(101, trade, cutoff + timedelta(seconds=1))])) == 1


def test_bid_hours_make_maximal_runs():
    found = run(bids=[DamBid("B1", None, TRADE_SUMMER, hours=(1, 2, 3, 7, 24), der_ids=(101,))])
    assert [span(c) for c in found] == [(est(0, day=TRADE_SUMMER), est(3, day=TRADE_SUMMER)),
                                        (est(6, day=TRADE_SUMMER), est(7, day=TRADE_SUMMER)),
                                        (est(23, day=TRADE_SUMMER), est(24, day=TRADE_SUMMER))]
