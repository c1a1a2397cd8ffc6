"""Conflict engine inputs: off-grid or naive times, bad spans and contradictions are refused at input."""
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from data.domain.conflicts import (
    ConflictConfig,
    ConflictInputs,
    ConflictRule,
    DamBid,
    Der,
    DerLimit,
    Feeder,
    Instruction,
    Outage,
    Station,
    find_conflicts,
)
from data.domain.enums import DispatchState, Issuer, LimitStatus, OutageState, Severity, StationKind, TargetKind
from data.domain.market_time import MARKET_TZ

T0 = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)  # 10:00 EST


def ins(start: datetime = T0, end: datetime = T0 + timedelta(hours=1), **kw: object) -> Instruction:
    fields: dict[str, object] = dict(id=1, issuer="ieso", target_kind="der", target_id=1, setpoint_kw=10.0)
    fields.update(kw)
    return Instruction(start=start, end=end, **fields)  # type: ignore[arg-type]


def test_empty_input_gives_no_conflicts():
    assert find_conflicts(ConflictInputs()) == []
    assert find_conflicts(ConflictInputs(), ConflictConfig()) == []


@pytest.mark.parametrize("bad", [
    T0 + timedelta(minutes=3),
    T0 + timedelta(seconds=1),
    T0 + timedelta(microseconds=1),
    T0 + timedelta(minutes=7, seconds=30),
])
def test_instruction_times_off_the_5_minute_grid_are_refused(bad: datetime):
    with pytest.raises(ValueError, match="5-minute"):
        ins(start=bad, end=T0 + timedelta(hours=2))
    with pytest.raises(ValueError, match="5-minute"):
        ins(start=T0 - timedelta(hours=2), end=bad)


def test_outage_times_off_the_grid_are_refused():
    with pytest.raises(ValueError, match="5-minute"):
        Outage(1, start=T0 + timedelta(minutes=1), station_ids=(1,))
    with pytest.raises(ValueError, match="5-minute"):
        Outage(1, start=T0, end=T0 + timedelta(minutes=61), station_ids=(1,))
    with pytest.raises(ValueError, match="restored_at.*5-minute"):
        Outage(1, start=T0, restored_at=T0 + timedelta(seconds=30), state="restored", station_ids=(1,))


def test_naive_and_non_datetime_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ins(start=datetime(2026, 7, 1, 10, 0), end=datetime(2026, 7, 1, 11, 0))
    with pytest.raises(TypeError):
        ins(start="2026-07-01T10:00:00Z")  # type: ignore[arg-type]


def test_other_offsets_are_accepted_and_normalised_to_utc():
    est = ins(start=datetime(2026, 7, 1, 10, 0, tzinfo=MARKET_TZ), end=datetime(2026, 7, 1, 11, 0, tzinfo=MARKET_TZ))
    assert est.start == T0 and est.start.tzinfo is UTC
    odd = ins(start=datetime(2026, 7, 1, 20, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
              end=T0 + timedelta(hours=1))
    assert odd.start == T0


def test_a_span_must_end_after_it_starts():
    with pytest.raises(ValueError, match="after start"):
        ins(start=T0, end=T0)
    with pytest.raises(ValueError, match="after start"):
        ins(start=T0, end=T0 - timedelta(minutes=5))
    with pytest.raises(ValueError, match="after start"):
        Outage(1, start=T0, end=T0, station_ids=(1,))
    with pytest.raises(ValueError, match="before its start"):
        Outage(1, start=T0, restored_at=T0 - timedelta(minutes=5), station_ids=(1,))


def test_enum_fields_accept_any_case_and_spelling():
    i = ins(issuer="IESO", target_kind="Resource", state="Timed Out")
    assert (i.issuer, i.target_kind, i.state) == (Issuer.IESO, TargetKind.RESOURCE, DispatchState.TIMED_OUT)
    assert ins(state="timed-out").state == DispatchState.TIMED_OUT
    assert Outage(1, start=T0, state="Planned", station_ids=(1,)).state == OutageState.PLANNED
    with pytest.raises(ValueError, match="issuer"):
        ins(issuer="hydro one")
    with pytest.raises(ValueError, match="target_kind"):
        ins(target_kind="zone")


def test_numbers_are_checked():
    with pytest.raises(ValueError, match="finite"):
        ins(setpoint_kw=float("nan"))
    with pytest.raises(TypeError):
        ins(setpoint_kw=True)
    with pytest.raises(ValueError, match="magnitude"):
        DerLimit(1, 1, date(2026, 7, 1), 10, export_kw=-5, import_kw=10)
    with pytest.raises(ValueError, match="magnitude"):
        Station(1, der_import_limit_kw=-1)
    with pytest.raises(ValueError, match="0..100"):
        Outage(1, start=T0, station_ids=(1,), derate_pct=150)


def test_limit_and_bid_hours_are_hour_endings_1_to_24():
    with pytest.raises(ValueError, match="1..24"):
        DerLimit(1, 1, date(2026, 7, 1), 0, 10, 10)
    with pytest.raises(ValueError, match="1..24"):
        DerLimit(1, 1, date(2026, 7, 1), 25, 10, 10)
    with pytest.raises(TypeError, match="date"):
        DerLimit(1, 1, datetime(2026, 7, 1, tzinfo=UTC), 1, 10, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1..24"):
        DamBid(1, "R1", date(2026, 7, 2), hours=(0, 1))
    with pytest.raises(ValueError, match="no hours"):
        DamBid(1, "R1", date(2026, 7, 2), hours=())
    assert DamBid(1, "R1", date(2026, 7, 2)).hours == tuple(range(1, 25))
    assert DamBid(1, "R1", date(2026, 7, 2), hours=[3, 1, 2, 2]).hours == (1, 2, 3)


def test_limit_approved_at_may_be_any_instant():
    lim = DerLimit(1, 1, date(2026, 7, 1), 10, 10, 10, approved_at=T0 + timedelta(seconds=1))
    assert lim.approved_at == T0 + timedelta(seconds=1)
    assert DerLimit(1, 1, date(2026, 7, 1), 10, 10, 10, status="Approved").status == LimitStatus.APPROVED


def test_restored_outage_needs_a_restoration_or_end_time():
    with pytest.raises(ValueError, match="restored"):
        Outage(1, start=T0, state="restored", station_ids=(1,))


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="instruction id 1 appears twice"):
        ConflictInputs(instructions=[ins(), ins()])
    with pytest.raises(ValueError, match="DER id"):
        ConflictInputs(ders=[Der(1, 10, 1, 5), Der(1, 10, 1, 5)])


def test_wrong_object_kinds_are_refused():
    with pytest.raises(TypeError, match="Instruction"):
        ConflictInputs(instructions=[{"id": 1}])  # type: ignore[list-item]


def test_station_kind_is_inferred_from_its_supply():
    assert Station(1).kind == StationKind.TS
    assert Station(2, supply_station_id=1).kind == StationKind.DS
    assert Station(3, StationKind.MS, supply_feeder_id=10).kind == StationKind.MS


def test_a_der_contradicting_its_feeder_is_refused():
    grid = dict(stations=[Station(1), Station(2, supply_station_id=1)], feeders=[Feeder(10, 1)])
    with pytest.raises(ValueError, match="hangs from station 1"):
        find_conflicts(ConflictInputs(**grid, ders=[Der(7, 10, 2, 50)]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="names no station"):
        find_conflicts(ConflictInputs(**grid, ders=[Der(7, 99, None, 50)]))  # type: ignore[arg-type]
    # the station may be left out: it is the feeder's
    find_conflicts(ConflictInputs(**grid, ders=[Der(7, 10, None, 50)]))  # type: ignore[arg-type]


def test_a_broken_supply_tree_is_refused():
    with pytest.raises(ValueError, match="supply cycle"):
        find_conflicts(ConflictInputs(stations=[Station(1), Station(2, supply_feeder_id=30),
                                                Station(3, supply_feeder_id=20)],
                                      feeders=[Feeder(20, 2), Feeder(30, 3)]))


def test_config_is_validated():
    with pytest.raises(ValueError, match="interval_minutes"):
        ConflictConfig(interval_minutes=7)
    with pytest.raises(ValueError, match="interval_minutes"):
        ConflictConfig(interval_minutes=120)
    with pytest.raises(ValueError, match="dam_close_hour_est"):
        ConflictConfig(dam_close_hour_est=24)
    with pytest.raises(ValueError, match="approval_cutoff_hours"):
        ConflictConfig(approval_cutoff_hours=-1)
    cfg = ConflictConfig(severities={"outage": "information"}, rules={"direction"})
    assert cfg.severities[ConflictRule.OUTAGE] == Severity.INFORMATION
    assert cfg.severities[ConflictRule.DIRECTION] == Severity.ALARM
    assert cfg.rules == frozenset({ConflictRule.DIRECTION})


def test_a_coarser_configured_grid_refuses_times_off_it():
    inputs = ConflictInputs(instructions=[ins(start=T0 + timedelta(minutes=5))])
    find_conflicts(inputs, ConflictConfig(interval_minutes=5))
    with pytest.raises(ValueError, match="15-minute"):
        find_conflicts(inputs, ConflictConfig(interval_minutes=15))
