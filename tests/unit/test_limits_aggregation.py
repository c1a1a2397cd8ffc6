"""Approved limits summed per T/D connection point and hour (the IESO view)."""
from datetime import UTC, date, datetime

import pytest

from data.domain.enums import LimitType, StationKind
from data.domain.limits.aggregation import (
    ConnectionPointDay,
    ConnectionPointHour,
    daily_maxima,
    sum_by_connection_point,
)
from data.domain.limits.values import HourlyLimit, LimitSchedule
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

DAY = date(2026, 7, 15)
NEXT = date(2026, 7, 16)
A, B, C = "ON-DER-0000001", "ON-DER-0000002", "ON-DER-0000003"


def at(hour: int) -> datetime:
    return datetime(2026, 7, 14, hour, tzinfo=UTC)


def by_key(rows):
    return {(r.connection_point, r.trade_date, r.hour_ending): r for r in rows}


def test_two_ders_at_one_station_are_summed_per_hour():
    limits = [LimitSchedule.peak(A, DAY, [14, 15], 300, 50), LimitSchedule.peak(B, DAY, [15, 16], 200, None)]
    rows = sum_by_connection_point(limits, {A: "LSH-TS1", B: "LSH-TS1"})
    assert rows == [
        ConnectionPointHour("LSH-TS1", DAY, 14, 300.0, 50.0, 1, 1, (A,)),
        ConnectionPointHour("LSH-TS1", DAY, 15, 500.0, 50.0, 2, 1, (A, B)),
        ConnectionPointHour("LSH-TS1", DAY, 16, 200.0, 0.0, 1, 0, (B,)),
    ]


def test_stations_and_days_stay_apart_and_sorted():
    limits = [
        LimitSchedule.peak(A, NEXT, [1], 10, None),
        LimitSchedule.peak(B, DAY, [2], 20, None),
        LimitSchedule.peak(A, DAY, [2], 30, None),
    ]
    rows = sum_by_connection_point(limits, {A: 2, B: 1})
    assert [(r.connection_point, r.trade_date, r.hour_ending, r.export_kw) for r in rows] == [
        (1, DAY, 2, 20.0), (2, DAY, 2, 30.0), (2, NEXT, 1, 10.0),
    ]


def test_embedded_ldc_ders_count_at_the_host_ts():
    # TS 1 -> DS 2 (host LDC) -> feeder 20 -> MS 3 (embedded LDC) -> feeder 30 -> DER A.
    # DER B sits on the host's feeder 10 straight under TS 1; DER C under TS 5.
    tree = SupplyTree(
        [StationNode(1, StationKind.TS), StationNode(2, StationKind.DS, supply_station_id=1),
         StationNode(3, StationKind.MS, supply_feeder_id=20), StationNode(5, StationKind.TS)],
        [FeederNode(10, 1), FeederNode(20, 2), FeederNode(30, 3), FeederNode(50, 5)],
    )
    der_feeder = {A: 30, B: 10, C: 50}
    mapping = {der: tree.connection_point(tree.feeder_station[f]) for der, f in der_feeder.items()}
    assert mapping == {A: 1, B: 1, C: 5}
    limits = [LimitSchedule.peak(d, DAY, [17], kw, None) for d, kw in ((A, 400), (B, 250), (C, 90))]
    rows = by_key(sum_by_connection_point(limits, mapping))
    assert rows[(1, DAY, 17)].export_kw == 650
    assert rows[(1, DAY, 17)].targets == (A, B)
    assert rows[(5, DAY, 17)].export_kw == 90


def test_the_latest_approval_counts_once_per_der_and_hour():
    first = LimitSchedule.peak(A, DAY, [14, 15], 500, None, approved_at=at(9), request_id=1)
    revised = LimitSchedule.peak(A, DAY, [15], 100, None, approved_at=at(10), request_id=2)
    rows = by_key(sum_by_connection_point([revised, first], {A: "TS"}))
    assert rows[("TS", DAY, 14)].export_kw == 500
    assert rows[("TS", DAY, 15)].export_kw == 100  # not 600: the revision replaces, it does not add
    assert rows[("TS", DAY, 15)].export_count == 1


def test_a_missing_direction_adds_nothing_and_is_counted():
    limits = [
        LimitSchedule.peak(A, DAY, [14], 300, None),
        LimitSchedule.peak(B, DAY, [14], None, 80),
        LimitSchedule.peak(C, DAY, [14], 0, 0),
    ]
    row = sum_by_connection_point(limits, {A: "TS", B: "TS", C: "TS"})[0]
    assert (row.export_kw, row.import_kw) == (300, 80)
    assert (row.export_count, row.import_count) == (2, 2)  # a zero limit is a stated limit
    assert row.targets == (A, B, C)


def test_dynamic_curves_are_summed_hour_by_hour():
    curve_a = tuple(HourlyLimit(he, export_kw=10.0 * he) for he in range(1, 25))
    curve_b = tuple(HourlyLimit(he, export_kw=1.5) for he in range(1, 25))
    limits = [LimitSchedule(A, DAY, LimitType.DYNAMIC, curve_a), LimitSchedule(B, DAY, LimitType.DYNAMIC, curve_b)]
    rows = sum_by_connection_point(limits, {A: "TS", B: "TS"})
    assert len(rows) == 24
    assert [r.export_kw for r in rows] == [10.0 * he + 1.5 for he in range(1, 25)]


def test_unmapped_targets_are_named():
    limits = [LimitSchedule.peak(B, DAY, [1], 1, None), LimitSchedule.peak(C, DAY, [1], 1, None)]
    with pytest.raises(ValueError, match=f"no connection point for {B}, {C}"):
        sum_by_connection_point(limits, {A: "TS"})


def test_extra_mappings_are_harmless_and_nothing_sums_to_nothing():
    assert sum_by_connection_point([], {A: "TS"}) == []


def test_sums_are_floats_even_from_ints():
    row = sum_by_connection_point([LimitSchedule.peak(A, DAY, [1], 3, 4)], {A: "TS"})[0]
    assert isinstance(row.export_kw, float) and isinstance(row.import_kw, float)


def test_daily_maxima():
    limits = [
        LimitSchedule(A, DAY, LimitType.DYNAMIC, (HourlyLimit(14, 100, 5), HourlyLimit(15, 300, 5),
                                                  HourlyLimit(16, 300, 70))),
        LimitSchedule.peak(B, DAY, [14], 50, None),
        LimitSchedule.peak(A, NEXT, [3], 10, None),
    ]
    rows = sum_by_connection_point(limits, {A: "TS", B: "TS"})
    assert daily_maxima(rows) == [
        ConnectionPointDay("TS", DAY, 300.0, 15, 70.0, 16),  # export tie at HE 15/16: the earlier hour
        ConnectionPointDay("TS", NEXT, 10.0, 3, 0.0, 3),
    ]


def test_daily_maxima_of_nothing():
    assert daily_maxima([]) == []
