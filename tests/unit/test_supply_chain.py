"""The supply tree: every station reaches exactly one TS; broken trees fail loudly."""
import pytest

from data.domain.enums import StationKind
from data.domain.supply_chain import (
    FeederNode,
    StationNode,
    SupplyTree,
    connection_points,
    stations_below,
    supply_chain,
)

TS, DS, MS = StationKind.TS, StationKind.DS, StationKind.MS

# TS 1 supplies DS 2 directly; DS 2's feeder 20 supplies the embedded LDC's MS 3;
# TS 1's feeder 10 supplies MS 4; TS 5 stands alone.
GRID_STATIONS = [
    StationNode(1, TS),
    StationNode(2, DS, supply_station_id=1),
    StationNode(3, MS, supply_feeder_id=20),
    StationNode(4, MS, supply_feeder_id=10),
    StationNode(5, TS),
]
GRID_FEEDERS = [FeederNode(10, 1), FeederNode(11, 1), FeederNode(20, 2), FeederNode(30, 3), FeederNode(50, 5)]


def test_ts_alone_is_its_own_connection_point():
    stations = [StationNode(1, TS)]
    assert connection_points(stations, []) == {1: 1}
    assert supply_chain(1, stations, []) == [1]
    assert stations_below(1, stations, []) == set()


def test_ds_under_ts():
    stations = [StationNode(1, TS), StationNode(2, DS, supply_station_id=1)]
    assert connection_points(stations, []) == {1: 1, 2: 1}
    assert supply_chain(2, stations, []) == [2, 1]
    assert stations_below(1, stations, []) == {2}


def test_embedded_ms_on_a_host_feeder_under_a_ds_under_a_ts():
    assert connection_points(GRID_STATIONS, GRID_FEEDERS) == {1: 1, 2: 1, 3: 1, 4: 1, 5: 5}
    assert supply_chain(3, GRID_STATIONS, GRID_FEEDERS) == [3, 2, 1]
    assert supply_chain(4, GRID_STATIONS, GRID_FEEDERS) == [4, 1]
    assert stations_below(1, GRID_STATIONS, GRID_FEEDERS) == {2, 3, 4}
    assert stations_below(2, GRID_STATIONS, GRID_FEEDERS) == {3}
    assert stations_below(3, GRID_STATIONS, GRID_FEEDERS) == set()
    assert stations_below(5, GRID_STATIONS, GRID_FEEDERS) == set()


def test_the_answer_does_not_depend_on_input_order():
    reversed_tree = SupplyTree(list(reversed(GRID_STATIONS)), list(reversed(GRID_FEEDERS)))
    assert reversed_tree.connection_points() == connection_points(GRID_STATIONS, GRID_FEEDERS)


def test_cycle_is_refused():
    stations = [
        StationNode(1, TS),
        StationNode(2, DS, supply_feeder_id=30),
        StationNode(3, MS, supply_station_id=2),
    ]
    feeders = [FeederNode(30, 3)]
    with pytest.raises(ValueError, match="cycle"):
        connection_points(stations, feeders)


def test_self_supply_is_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        connection_points([StationNode(2, DS, supply_station_id=2)], [])


@pytest.mark.parametrize(
    ("stations", "feeders", "message"),
    [
        ([StationNode(2, DS, supply_station_id=99)], [], "unknown station 99"),
        ([StationNode(1, TS), StationNode(2, MS, supply_feeder_id=99)], [], "unknown feeder 99"),
        ([StationNode(1, TS)], [FeederNode(10, 99)], "unknown station 99"),
        ([StationNode(2, DS)], [], "no supply"),
        ([StationNode(1, TS), StationNode(2, TS, supply_station_id=1)], [], "TS"),
    ],
)
def test_dangling_or_missing_supply_is_refused(stations, feeders, message):
    with pytest.raises(ValueError, match=message):
        connection_points(stations, feeders)


def test_unknown_station_asked_about_is_refused():
    with pytest.raises(ValueError, match="unknown station 7"):
        supply_chain(7, GRID_STATIONS, GRID_FEEDERS)
    with pytest.raises(ValueError, match="unknown station 7"):
        stations_below(7, GRID_STATIONS, GRID_FEEDERS)


def test_empty_input():
    assert connection_points([], []) == {}
