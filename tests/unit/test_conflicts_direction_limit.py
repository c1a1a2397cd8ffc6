"""Conflict rules 1 (direction) and 2 (limit breach) of DOMAIN.md, with their edge cases.

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
    Station,
)
from data.domain.enums import Severity
from tests.unit.conflict_scenarios import ALL_DERS, STATIONS, D, est, instr, limit, run, span

# --- rule 1: direction --------------------------------------------------------------------------


def test_direction_opposite_signs_on_one_der_conflict_over_the_overlap_only():
    a = instr("ieso", 50, est(10), est(12))
    b = instr("dso", -30, est(11), est(13))
    [c] = run(instructions=[a, b])
    assert c.rule == ConflictRule.DIRECTION and c.severity == Severity.ALARM
    assert c.der_ids == (101,)
    assert span(c) == (est(11), est(12))
    assert c.evidence_ids == tuple(sorted([f"instruction:{a.id}", f"instruction:{b.id}"]))
    assert {i["id"] for i in c.evidence["instructions"]} == {a.id, b.id}
    assert c.station_ids == (3,) and c.feeder_ids == (30,)


@pytest.mark.parametrize(("ieso", "dso"), [(50, 30), (-50, -30), (50, 0), (0, -30)])
def test_direction_same_sign_or_zero_is_not_a_conflict(ieso: float, dso: float):
    assert run(instructions=[instr("ieso", ieso, est(10), est(12)), instr("dso", dso, est(10), est(12))]) == []


def test_direction_needs_one_ieso_and_one_dso_instruction():
    assert run(instructions=[instr("ieso", 50, est(10), est(12)), instr("ieso", -50, est(10), est(12))]) == []
    assert run(instructions=[instr("dso", 50, est(10), est(12)), instr("dso", -50, est(10), est(12))]) == []


def test_touching_instructions_do_not_overlap():
    assert run(instructions=[instr("ieso", 50, est(10), est(11)), instr("dso", -50, est(11), est(12))]) == []
    assert run(instructions=[instr("dso", -50, est(10), est(11)), instr("ieso", 50, est(11), est(12))]) == []


def test_equal_times_overlap_fully():
    [c] = run(instructions=[instr("ieso", 50, est(10), est(11)), instr("dso", -50, est(10), est(11))])
    assert span(c) == (est(10), est(11))


def test_one_interval_of_overlap_is_enough():
    [c] = run(instructions=[instr("ieso", 50, est(10), est(11)), instr("dso", -50, est(10, 55), est(12))])
    assert span(c) == (est(10, 55), est(11))


@pytest.mark.parametrize("state", ["rejected", "timed_out", "Timed Out"])
def test_rejected_and_timed_out_instructions_are_ignored(state: str):
    ieso, dso = instr("ieso", 50, est(10), est(12)), instr("dso", -50, est(10), est(12))
    assert run(instructions=[instr("ieso", 50, est(10), est(12), state=state), dso]) == []
    assert run(instructions=[ieso, instr("dso", -50, est(10), est(12), state=state)]) == []


@pytest.mark.parametrize("state", ["new", "accepted"])
def test_new_and_accepted_instructions_count(state: str):
    assert len(run(instructions=[instr("ieso", 50, est(10), est(12), state=state),
                                 instr("dso", -50, est(10), est(12))])) == 1


def test_ignored_states_are_configurable():
    found = [instr("ieso", 50, est(10), est(12), state="cancelled"), instr("dso", -50, est(10), est(12))]
    assert len(run(instructions=found)) == 1  # DOMAIN.md names only rejected and timed-out
    cfg = ConflictConfig(ignored_instruction_states={"rejected", "timed_out", "cancelled"})
    assert run(instructions=found, config=cfg) == []


def test_feeder_instruction_applies_to_the_feeder_and_embedded_ders_below_it_only():
    # DSO on host feeder 20: DER 103 on it, DERs 101 and 102 of the embedded MS 3 it supplies.
    # IESO on TS 1: every DER below TS 1 (101..105), so the overlap shows exactly where feeder 20 reaches.
    ieso = instr("ieso", 80, est(10), est(12), target=1, kind="station")
    dso = instr("dso", -40, est(10), est(12), target=20, kind="feeder")
    [c] = run(instructions=[ieso, dso])
    assert c.der_ids == (101, 102, 103)  # not 104 (sideways, feeder 21), not 105 (feeder 10 of TS 1), not 106
    assert set(c.feeder_ids) >= {20, 30, 31} and 21 not in c.feeder_ids
    assert 1 in c.station_ids


def test_station_instruction_applies_downward_never_upward_or_sideways():
    everywhere = [instr("ieso", 80, est(10), est(12), target=d) for d in ALL_DERS]
    on_ms3 = instr("dso", -40, est(10), est(12), target=3, kind="station")
    assert {c.der_ids for c in run(instructions=[*everywhere, on_ms3])} == {(101,), (102,)}
    on_ds2 = instr("dso", -40, est(10), est(12), target=2, kind="station", id="ds2")
    assert {c.der_ids for c in run(instructions=[*everywhere, on_ds2])} == {(101,), (102,), (103,), (104,)}
    on_ts5 = instr("dso", -40, est(10), est(12), target=5, kind="station", id="ts5")
    assert {c.der_ids for c in run(instructions=[*everywhere, on_ts5])} == {(106,)}


def test_feeder_of_an_embedded_station_does_not_reach_up_to_the_host():
    everywhere = [instr("ieso", 80, est(10), est(12), target=d) for d in ALL_DERS]
    [c] = run(instructions=[*everywhere, instr("dso", -40, est(10), est(12), target=30, kind="feeder")])
    assert c.der_ids == (101,)


def test_resource_instruction_applies_to_its_ders():
    ieso = instr("ieso", 150, est(10), est(12), target="R1", kind="resource")
    dso = [instr("dso", -10, est(10), est(12), target=d) for d in (101, 102, 103)]
    assert sorted(c.der_ids for c in run(instructions=[ieso, *dso], rule=ConflictRule.DIRECTION)) == [(101,), (102,)]


def test_dso_limit_with_export_0_counts_as_a_negative_instruction():
    ieso = instr("ieso", 50, est(10), est(12))
    lim = limit(101, 11, export_kw=0, import_kw=100)  # HE 11 = 10:00-11:00 EST
    [c] = run(instructions=[ieso], limits=[lim], rule=ConflictRule.DIRECTION)
    assert span(c) == (est(10), est(11))
    assert c.evidence_ids == tuple(sorted([f"instruction:{ieso.id}", f"limit:{lim.id}"]))
    assert c.evidence["limits"][0]["export_kw"] == 0
    # an IESO import is in the direction the limit allows
    assert run(instructions=[instr("ieso", -50, est(10), est(12))], limits=[lim], rule=ConflictRule.DIRECTION) == []


def test_dso_limit_with_import_0_counts_as_a_positive_instruction():
    lim = limit(101, 11, export_kw=100, import_kw=0)
    [c] = run(instructions=[instr("ieso", -50, est(10), est(12))], limits=[lim], rule=ConflictRule.DIRECTION)
    assert span(c) == (est(10), est(11))
    assert run(instructions=[instr("ieso", 50, est(10), est(12))], limits=[lim], rule=ConflictRule.DIRECTION) == []


def test_dso_limit_with_both_0_opposes_any_ieso_direction():
    lim = limit(101, 11, export_kw=0, import_kw=0)
    for sp in (50, -50):
        assert len(run(instructions=[instr("ieso", sp, est(10), est(11))], limits=[lim],
                       rule=ConflictRule.DIRECTION)) == 1


def test_other_limits_are_not_direction_matters():
    lim = limit(101, 11, export_kw=20, import_kw=20)
    assert run(instructions=[instr("ieso", 50, est(10), est(11))], limits=[lim], rule=ConflictRule.DIRECTION) == []


def test_a_superseded_zero_limit_no_longer_opposes():
    old = limit(101, 11, 0, 100, approved_at=datetime(2026, 6, 30, 10, tzinfo=UTC))
    new = limit(101, 11, 50, 100, approved_at=datetime(2026, 6, 30, 11, tzinfo=UTC))
    ieso = instr("ieso", 40, est(10), est(11))
    assert run(instructions=[ieso], limits=[old, new], rule=ConflictRule.DIRECTION) == []
    assert len(run(instructions=[ieso], limits=[new, old][1:], rule=ConflictRule.DIRECTION)) == 1


def test_unapproved_limits_do_not_count():
    for status in ("submitted", "flagged", "embedded_approved", "rejected", "expired", "withdrawn"):
        lim = limit(101, 11, 0, 0, status=status)
        assert run(instructions=[instr("ieso", 40, est(10), est(11))], limits=[lim]) == []


def test_maximal_run_merges_consecutive_hours_of_one_limit_and_splits_on_another():
    ieso = instr("ieso", 50, est(9), est(14))
    one_request = [limit(101, he, 0, 100, id="L") for he in (11, 12)]
    [c] = run(instructions=[ieso], limits=one_request, rule=ConflictRule.DIRECTION)
    assert span(c) == (est(10), est(12))
    assert [lim["hour_ending"] for lim in c.evidence["limits"]] == [11, 12]
    gap = [limit(101, he, 0, 100, id="L") for he in (11, 13)]
    assert [span(c) for c in run(instructions=[ieso], limits=gap, rule=ConflictRule.DIRECTION)] == [
        (est(10), est(11)), (est(12), est(13))]
    two_requests = [limit(101, 11, 0, 100, id="A"), limit(101, 12, 0, 100, id="B")]
    found = run(instructions=[ieso], limits=two_requests, rule=ConflictRule.DIRECTION)
    assert [span(c) for c in found] == [(est(10), est(11)), (est(11), est(12))]
    assert found[0].fingerprint != found[1].fingerprint


def test_back_to_back_dso_instructions_are_two_evidence_sets():
    ieso = instr("ieso", 50, est(10), est(12))
    first, second = instr("dso", -10, est(10), est(11)), instr("dso", -10, est(11), est(12))
    found = run(instructions=[ieso, first, second])
    assert [span(c) for c in found] == [(est(10), est(11)), (est(11), est(12))]


def test_direction_on_a_dst_change_day_keeps_est_hours():
    spring = date(2026, 3, 8)  # clocks go forward at 02:00 EST (07:00 UTC): market time does not move
    ieso = instr("ieso", 50, datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 8, 9, tzinfo=UTC))
    lim = limit(101, 3, 0, 100, day=spring)  # HE 3 = 02:00-03:00 EST = 07:00-08:00 UTC
    [c] = run(instructions=[ieso], limits=[lim], rule=ConflictRule.DIRECTION)
    assert (c.start, c.end) == (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))


# --- rule 2: limit breach -----------------------------------------------------------------------


def test_setpoint_above_the_export_limit_breaches():
    ins = instr("dso", 60, est(10), est(11))
    lim = limit(101, 11, export_kw=50, import_kw=50)
    [c] = run(instructions=[ins], limits=[lim])
    assert c.rule == ConflictRule.LIMIT_BREACH and c.der_ids == (101,)
    assert span(c) == (est(10), est(11))
    assert c.evidence["breach"] == "export" and c.evidence["limits"][0]["export_kw"] == 50
    assert c.evidence_ids == tuple(sorted([f"instruction:{ins.id}", f"limit:{lim.id}"]))


def test_setpoint_below_minus_the_import_limit_breaches_for_any_issuer():
    [c] = run(instructions=[instr("ieso", -60, est(10), est(11))], limits=[limit(101, 11, 50, 50)])
    assert c.rule == ConflictRule.LIMIT_BREACH and c.evidence["breach"] == "import"


@pytest.mark.parametrize("setpoint", [50, -50, 0, 49.5])
def test_setpoint_at_or_within_the_limit_is_fine(setpoint: float):
    assert run(instructions=[instr("dso", setpoint, est(10), est(11))], limits=[limit(101, 11, 50, 50)]) == []


def test_a_missing_side_of_a_limit_is_not_checked():
    assert run(instructions=[instr("dso", 500, est(10), est(11))], limits=[limit(101, 11, None, 50)]) == []
    assert len(run(instructions=[instr("dso", -500, est(10), est(11))], limits=[limit(101, 11, None, 50)])) == 1


def test_no_approved_limit_rule_2_does_not_apply():
    assert run(instructions=[instr("dso", 5000, est(10), est(11))]) == []
    assert run(instructions=[instr("dso", 5000, est(10), est(11))],
               limits=[limit(101, 11, 50, 50, status="submitted")]) == []
    assert run(instructions=[instr("dso", 5000, est(10), est(11))], limits=[limit(102, 11, 50, 50)]) == []


def test_limit_breach_only_in_the_hours_that_have_a_limit():
    [c] = run(instructions=[instr("dso", 60, est(8), est(13))], limits=[limit(101, 11, 50, 50)])
    assert span(c) == (est(10), est(11))


def test_limit_superseded_by_a_more_recent_approval():
    early = datetime(2026, 6, 30, 10, tzinfo=UTC)
    late = early + timedelta(hours=2)
    ins = instr("dso", 60, est(10), est(11))
    strict, loose = limit(101, 11, 50, 50, approved_at=early), limit(101, 11, 80, 80, approved_at=late)
    assert run(instructions=[ins], limits=[strict, loose]) == []
    assert run(instructions=[ins], limits=[loose, strict]) == []  # input order does not matter
    loose_first = limit(101, 11, 80, 80, approved_at=early)
    strict_later = limit(101, 11, 50, 50, approved_at=late)
    [c] = run(instructions=[ins], limits=[strict_later, loose_first])
    assert c.evidence["limits"][0]["id"] == strict_later.id
    # a more recent decision that is not an approval does not supersede
    rejected = limit(101, 11, 80, 80, approved_at=late + timedelta(hours=1), status="rejected")
    assert len(run(instructions=[ins], limits=[strict_later, rejected])) == 1


def test_hour_ending_24_is_the_last_hour_of_the_trade_date():
    ins = instr("dso", 60, est(23, 55), est(24))  # 23:55-24:00 EST: trade date D, HE 24
    assert len(run(instructions=[ins], limits=[limit(101, 24, 50, 50)])) == 1
    assert run(instructions=[ins], limits=[limit(101, 1, 50, 50, day=D + timedelta(days=1))]) == []
    assert run(instructions=[ins], limits=[limit(101, 23, 50, 50)]) == []


def test_an_instruction_over_midnight_uses_each_trade_dates_limits():
    ins = instr("dso", 60, est(23), est(25))
    found = run(instructions=[ins], limits=[limit(101, 24, 50, 50, id="d24"),
                                            limit(101, 1, 50, 50, id="d1", day=D + timedelta(days=1))])
    assert [span(c) for c in found] == [(est(23), est(24)), (est(24), est(25))]


@pytest.mark.parametrize(("day", "hour_ending", "utc_hour"), [
    (date(2026, 3, 8), 3, 7),  # spring forward: HE 3 is 02:00-03:00 EST = 07:00 UTC (03:00 EDT)
    (date(2026, 3, 8), 24, 4),  # HE 24 ends 00:00 EST on the 9th = 05:00 UTC
    (date(2026, 11, 1), 2, 6),  # fall back: HE 2 is 01:00-02:00 EST = 06:00 UTC, once
    (date(2026, 11, 1), 24, 4),
])
def test_limits_on_dst_change_days_map_by_est(day: date, hour_ending: int, utc_hour: int):
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=utc_hour + (24 if hour_ending == 24
                                                                                             else 0))
    ins = instr("dso", 60, start, start + timedelta(hours=1))
    [c] = run(instructions=[ins], limits=[limit(101, hour_ending, 50, 50, day=day)])
    assert (c.start, c.end) == (start, start + timedelta(hours=1))
    assert run(instructions=[ins], limits=[limit(101, hour_ending - 1, 50, 50, day=day)]) == []


def test_only_der_targeted_setpoints_are_checked_against_der_limits():
    lim = limit(101, 11, 50, 50)
    for kind, target in (("resource", "R1"), ("feeder", 30), ("station", 3)):
        assert run(instructions=[instr("dso", 5000, est(10), est(11), target=target, kind=kind)], limits=[lim],
                   rule=ConflictRule.LIMIT_BREACH) == []


def _limited(station_id: int, export_kw: float | None, import_kw: float | None) -> tuple[Station, ...]:
    return tuple(Station(s.id, s.kind, s.supply_station_id, s.supply_feeder_id, export_kw, import_kw)
                 if s.id == station_id else s for s in STATIONS)


def test_station_sum_of_der_setpoints_above_its_export_limit():
    a = instr("dso", 100, est(10), est(12), target=101)  # embedded DER under DS 2
    b = instr("ieso", 60, est(11), est(13), target=103)
    outside = instr("dso", 90, est(10), est(13), target=105)  # TS 1 feeder: not below DS 2
    [c] = run(stations=_limited(2, 150, None), instructions=[a, b, outside], rule=ConflictRule.LIMIT_BREACH)
    assert span(c) == (est(11), est(12))
    assert c.der_ids == (101, 103)
    assert c.evidence_ids == tuple(sorted(["station:2", f"instruction:{a.id}", f"instruction:{b.id}"]))
    assert c.evidence["sum_kw"] == 160 and c.evidence["breach"] == "export"
    assert c.evidence["stations"][0]["der_export_limit_kw"] == 150
    assert 2 in c.station_ids


def test_station_sum_at_the_limit_or_netted_below_it_is_fine():
    a = instr("dso", 100, est(10), est(12), target=101)
    b = instr("ieso", 50, est(10), est(12), target=103)
    assert run(stations=_limited(2, 150, None), instructions=[a, b]) == []
    c = instr("dso", 60, est(10), est(12), target=104)
    d = instr("dso", -20, est(10), est(12), target=102)
    assert run(stations=_limited(2, 150, None), instructions=[a, b, d]) == []
    assert len(run(stations=_limited(2, 150, None), instructions=[a, b, c, d])) == 1  # 190 > 150


def test_station_sum_below_minus_its_import_limit():
    found = run(stations=_limited(3, None, 100), instructions=[instr("dso", -70, est(10), est(11), target=101),
                                                                 instr("dso", -70, est(10), est(11), target=102)])
    [c] = found
    assert c.evidence["breach"] == "import" and c.evidence["sum_kw"] == -140


def test_feeder_and_station_level_instructions_are_not_summed():
    big = [instr("dso", 5000, est(10), est(11), target=20, kind="feeder"),
           instr("ieso", 5000, est(10), est(11), target=2, kind="station"),
           instr("ieso", 5000, est(10), est(11), target="R1", kind="resource")]
    small = instr("dso", 100, est(10), est(11), target=101)
    assert run(stations=_limited(2, 150, None), instructions=[*big, small], rule=ConflictRule.LIMIT_BREACH) == []


def test_station_sum_reaches_embedded_ders_and_the_ts_sees_everything_below():
    ts_limited = _limited(1, 250, None)
    found = run(stations=ts_limited, instructions=[instr("dso", 100, est(10), est(11), target=d)
                                                   for d in (101, 103, 105, 106)], rule=ConflictRule.LIMIT_BREACH)
    [c] = found
    assert c.der_ids == (101, 103, 105)  # 106 is below TS 5
    assert c.evidence["sum_kw"] == 300


def test_station_breach_runs_split_when_the_evidence_set_changes():
    a = instr("dso", 100, est(10), est(13), target=101)
    b = instr("dso", 100, est(10), est(11), target=102)
    c = instr("dso", 100, est(11), est(12), target=103)
    found = run(stations=_limited(2, 150, None), instructions=[a, b, c])
    assert [span(x) for x in found] == [(est(10), est(11)), (est(11), est(12))]
