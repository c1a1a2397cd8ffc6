"""Outage domain: the state machine, entry validation, market-time entry and the reach of an outage."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from data.domain.enums import OutageKind, OutageState, StationKind
from data.domain.errors import DomainError, IllegalTransition
from data.domain.outages import (
    ALLOWED_TRANSITIONS,
    FINAL_STATES,
    MAX_KW,
    Element,
    OutageDraft,
    ReadOnlyOutage,
    affected_ders,
    check_editable,
    check_transition,
    elements_below,
    initial_state,
    limit_text,
    next_states,
    parse_market_time,
    problem_field,
    restoration_time,
    validate_draft,
)
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

S = OutageState
TS, DS, MS = StationKind.TS, StationKind.DS, StationKind.MS
T0 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 10:00 EST


# --- state machine -------------------------------------------------------------------------------------------
ALLOWED = {(S.PLANNED, S.ACTIVE), (S.PLANNED, S.CANCELLED), (S.ACTIVE, S.RESTORED), (S.ACTIVE, S.CANCELLED)}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_the_listed_transitions_are_allowed(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        assert check_transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition) as err:
            check_transition(current, target)
        assert str(current) in str(err.value) and str(target) in str(err.value)


def test_restored_and_cancelled_are_final() -> None:
    assert frozenset({S.RESTORED, S.CANCELLED}) == FINAL_STATES
    assert all(next_states(s) == frozenset() for s in FINAL_STATES)
    assert next_states("nonsense") == frozenset()
    assert set(ALLOWED_TRANSITIONS) == set(S)


def test_unknown_state_is_an_illegal_transition_not_a_crash() -> None:
    with pytest.raises(IllegalTransition):
        check_transition("planned", "exploded")


def test_illegal_transition_is_a_domain_error() -> None:
    assert issubclass(IllegalTransition, DomainError) and issubclass(ReadOnlyOutage, DomainError)


def test_transmission_outages_are_read_only() -> None:
    with pytest.raises(ReadOnlyOutage):
        check_editable(OutageKind.TRANSMISSION)
    for kind in (OutageKind.PLANNED, OutageKind.FORCED, OutageKind.CONSTRAINT):
        check_editable(kind)


def test_initial_state_follows_the_start() -> None:
    assert initial_state(T0, T0) is S.ACTIVE
    assert initial_state(T0 - timedelta(minutes=5), T0) is S.ACTIVE
    assert initial_state(T0 + timedelta(minutes=5), T0) is S.PLANNED


def test_restoration_time_is_on_the_grid_and_never_before_the_start() -> None:
    now = T0 + timedelta(minutes=17, seconds=12)
    assert restoration_time(T0, now) == T0 + timedelta(minutes=15)
    assert restoration_time(T0 + timedelta(minutes=20), now) == T0 + timedelta(minutes=20)


def test_limit_text_says_what_is_left() -> None:
    assert limit_text(40.0, None) == "de-rate 40 %"
    assert limit_text(None, 1500.0) == "max 1,500 kW"
    assert limit_text(None, None) == "full outage"


# --- market-time entry ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2026-11-30 10:00", "2026-11-30T10:00", " 2026-11-30 10:00 EST ",
                                  "2026-11-30 10:00:00"])
def test_entry_is_read_as_est(text: str) -> None:
    assert parse_market_time(text, "start") == T0


def test_entry_is_est_also_in_summer() -> None:
    assert parse_market_time("2026-07-01 10:00", "start") == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [None, "", "  ", 12, "tomorrow", "2026-13-01 10:00", "2026-02-30 10:00",
                                  "2026-11-30 25:00", "30/11/2026 10:00", "1999-11-30 10:00", "2026-11-30",
                                  "<script>alert(1)</script>", "'; DROP TABLE outage; --", "9" * 5000])
def test_bad_entry_gets_a_message(text: object) -> None:
    with pytest.raises(ValueError, match="^start: "):
        parse_market_time(text, "start")


# --- validation ----------------------------------------------------------------------------------------------
GOOD = OutageDraft(kind=OutageKind.PLANNED, elements=(Element(feeder_id=10),), start=T0,
                   estimated_restoration=T0 + timedelta(hours=4), description="Pole replacement")


def test_a_good_entry_has_no_problem() -> None:
    assert validate_draft(GOOD) == []
    assert validate_draft(replace(GOOD, kind=OutageKind.FORCED, estimated_restoration=None)) == []
    assert validate_draft(replace(GOOD, kind=OutageKind.CONSTRAINT, derate_pct=50.0)) == []
    assert validate_draft(replace(GOOD, kind=OutageKind.CONSTRAINT, max_kw=0.0)) == []
    assert validate_draft(replace(GOOD, derate_pct=0)) == [] and validate_draft(replace(GOOD, derate_pct=100)) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({"estimated_restoration": T0}, "estimated restoration: must be after the start"),
    ({"estimated_restoration": T0 - timedelta(hours=1)}, "after the start"),
    ({"estimated_restoration": None}, "estimated restoration: required for a planned outage"),
    ({"elements": ()}, "at least one"),
    ({"elements": (Element(),)}, "either a station or a feeder"),
    ({"elements": (Element(station_id=1, feeder_id=2),)}, "either a station or a feeder"),
    ({"elements": tuple(Element(feeder_id=i) for i in range(51))}, "at most"),
    ({"derate_pct": -1.0}, "de-rate: must be between 0 and 100"),
    ({"derate_pct": 100.5}, "de-rate: must be between 0 and 100"),
    ({"derate_pct": float("nan")}, "de-rate: must be a number"),
    ({"max_kw": -0.1}, "maximum kW: must be between"),
    ({"max_kw": MAX_KW * 10}, "maximum kW: must be between"),
    ({"max_kw": float("inf")}, "maximum kW: must be a number"),
    ({"derate_pct": 10.0, "max_kw": 5.0}, "not both"),
    ({"kind": OutageKind.CONSTRAINT}, "constraint needs a de-rate"),
    ({"kind": OutageKind.TRANSMISSION}, "kind: must be one of"),
    ({"kind": "meteor"}, "kind: must be one of"),
    ({"start": T0 + timedelta(minutes=3)}, "start: must be on a 5-minute boundary"),
    ({"start": None}, "start: required"),
    ({"start": datetime(2026, 11, 30, 15, 0)}, "start: has no time zone"),
    ({"description": "x" * 2001}, "longer than"),
])
def test_each_problem_is_named(change: dict, problem: str) -> None:
    problems = validate_draft(replace(GOOD, **change))
    assert any(problem in p for p in problems), problems


def test_all_problems_are_listed_at_once_each_naming_its_field() -> None:
    bad = replace(GOOD, elements=(), estimated_restoration=T0 - timedelta(hours=1), derate_pct=300.0)
    assert [problem_field(p) for p in validate_draft(bad)] == ["station/feeder", "estimated restoration", "de-rate"]


def test_an_unreadable_start_does_not_hide_the_other_problems() -> None:
    bad = replace(GOOD, start=None, derate_pct=-5.0)
    assert [problem_field(p) for p in validate_draft(bad)] == ["start", "de-rate"]


# --- reach ---------------------------------------------------------------------------------------------------
# TS 1 -- feeders 10, 11 (host LDC) and DS 2 (host) below it; DS 2 has feeders 20, 21.
# Host feeder 10 supplies the embedded LDC's MS 3 (feeders 30, 31); MS 3's feeder 30 supplies MS 4 (feeder 40).
# Host DS 2's feeder 21 supplies embedded MS 5 (feeder 50). TS 6 stands apart (feeder 60).
TREE = SupplyTree(
    [StationNode(1, TS), StationNode(2, DS, supply_station_id=1), StationNode(3, MS, supply_feeder_id=10),
     StationNode(4, MS, supply_feeder_id=30), StationNode(5, MS, supply_feeder_id=21), StationNode(6, TS)],
    [FeederNode(10, 1), FeederNode(11, 1), FeederNode(20, 2), FeederNode(21, 2), FeederNode(30, 3),
     FeederNode(31, 3), FeederNode(40, 4), FeederNode(50, 5), FeederNode(60, 6)],
)


@dataclass(frozen=True)
class D:
    id: int
    feeder_id: int
    station_id: int


FEEDER_STATION = TREE.feeder_station
DERS = [D(i, f, FEEDER_STATION[f]) for i, f in enumerate([10, 11, 20, 21, 30, 31, 40, 50, 60, 10, 30], start=100)]


def reach(*elements: Element) -> set[int]:
    return {d.feeder_id for d in affected_ders(elements, TREE, DERS)}


def test_feeder_outage_reaches_its_ders_and_the_embedded_ldc_below_it() -> None:
    # feeder 10 -> embedded MS 3 (feeders 30, 31) -> MS 4 (feeder 40)
    assert reach(Element(feeder_id=10)) == {10, 30, 31, 40}


def test_feeder_outage_is_never_sideways_or_upward() -> None:
    hit = reach(Element(feeder_id=30))
    assert hit == {30, 40}
    assert not hit & {10, 11, 31, 20, 21, 50, 60}


def test_station_outage_reaches_every_feeder_and_station_below() -> None:
    assert reach(Element(station_id=2)) == {20, 21, 50}
    assert reach(Element(station_id=1)) == {10, 11, 20, 21, 30, 31, 40, 50}
    assert reach(Element(station_id=6)) == {60}


def test_embedded_station_outage_does_not_reach_its_host() -> None:
    assert reach(Element(station_id=3)) == {30, 31, 40}


def test_several_elements_are_a_union_and_each_der_counts_once() -> None:
    found = affected_ders([Element(feeder_id=10), Element(station_id=3)], TREE, DERS)
    assert [d.id for d in found] == sorted({d.id for d in found})
    assert {d.feeder_id for d in found} == {10, 30, 31, 40}


def test_a_feeder_without_ders_reaches_nothing_and_unknown_elements_only_themselves() -> None:
    assert reach(Element(feeder_id=11)) == {11}
    assert affected_ders([Element(feeder_id=999)], TREE, DERS) == []
    stations, feeders = elements_below([Element(station_id=999)], TREE)
    assert stations == {999} and feeders == set()


def test_elements_below_lists_stations_and_feeders() -> None:
    stations, feeders = elements_below([Element(feeder_id=21)], TREE)
    assert stations == {5} and feeders == {21, 50}
