"""The supply tree (DOMAIN.md, grid model): which station supplies which, up to the T/D connection point.

A TS is a connection point and has no supply. A DS/MS is supplied either by an upstream
station (`supply_station_id`) or by a feeder (`supply_feeder_id`, e.g. a host LDC's feeder
feeding an embedded LDC's station), whose own station is the next step up.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from data.domain.enums import StationKind


@dataclass(frozen=True)
class StationNode:
    id: int
    kind: str  # StationKind
    supply_station_id: int | None = None
    supply_feeder_id: int | None = None


@dataclass(frozen=True)
class FeederNode:
    id: int
    station_id: int


class SupplyTree:
    """The stations and feeders indexed once, validated, for repeated walks."""

    def __init__(self, stations: Iterable[StationNode], feeders: Iterable[FeederNode]) -> None:
        self.stations: dict[int, StationNode] = {}
        for station in stations:
            if station.id in self.stations:
                raise ValueError(f"station {station.id} appears twice")
            self.stations[station.id] = station
        self.feeder_station: dict[int, int] = {}
        for feeder in feeders:
            if feeder.station_id not in self.stations:
                raise ValueError(f"feeder {feeder.id} hangs from unknown station {feeder.station_id}")
            self.feeder_station[feeder.id] = feeder.station_id
        self._parent = {sid: self._parent_of(s) for sid, s in self.stations.items()}
        self._connection_point: dict[int, int] = {}
        for sid in self.stations:
            self._resolve(sid)

    def _parent_of(self, station: StationNode) -> int | None:
        if station.kind == StationKind.TS:
            if station.supply_station_id is not None or station.supply_feeder_id is not None:
                raise ValueError(f"station {station.id} is a TS (a connection point) but has a supply")
            return None
        if station.supply_station_id is not None and station.supply_feeder_id is not None:
            raise ValueError(f"station {station.id} has both a supply station and a supply feeder")
        if station.supply_station_id is not None:
            if station.supply_station_id not in self.stations:
                raise ValueError(
                    f"station {station.id} is supplied by unknown station {station.supply_station_id}"
                )
            return station.supply_station_id
        if station.supply_feeder_id is not None:
            if station.supply_feeder_id not in self.feeder_station:
                raise ValueError(
                    f"station {station.id} is supplied by unknown feeder {station.supply_feeder_id}"
                )
            return self.feeder_station[station.supply_feeder_id]
        raise ValueError(f"station {station.id} ({station.kind}) has no supply and is not a TS")

    def _resolve(self, station_id: int) -> int:
        """Walk up once per station; every station met on the way gets its answer cached."""
        path: list[int] = []
        on_path: set[int] = set()
        current = station_id
        while current not in self._connection_point:
            if current in on_path:
                cycle = " -> ".join(str(s) for s in [*path[path.index(current):], current])
                raise ValueError(f"supply cycle: {cycle}")
            path.append(current)
            on_path.add(current)
            parent = self._parent[current]
            if parent is None:
                self._connection_point[current] = current
                break
            current = parent
        top = self._connection_point[current]
        for sid in path:
            self._connection_point[sid] = top
        return top

    def _known(self, station_id: int) -> None:
        if station_id not in self.stations:
            raise ValueError(f"unknown station {station_id}")

    def connection_points(self) -> dict[int, int]:
        return dict(self._connection_point)

    def connection_point(self, station_id: int) -> int:
        self._known(station_id)
        return self._connection_point[station_id]

    def chain(self, station_id: int) -> list[int]:
        self._known(station_id)
        chain = [station_id]
        while (parent := self._parent[chain[-1]]) is not None:
            chain.append(parent)
        return chain

    def below(self, station_id: int) -> set[int]:
        self._known(station_id)
        children: dict[int, list[int]] = {}
        for sid, parent in self._parent.items():
            if parent is not None:
                children.setdefault(parent, []).append(sid)
        found: set[int] = set()
        todo = list(children.get(station_id, []))
        while todo:
            sid = todo.pop()
            if sid not in found:
                found.add(sid)
                todo.extend(children.get(sid, []))
        return found


def connection_points(stations: Iterable[StationNode], feeders: Iterable[FeederNode]) -> dict[int, int]:
    """Each station's connection point (the TS at the top of its chain); a TS maps to itself."""
    return SupplyTree(stations, feeders).connection_points()


def supply_chain(
    station_id: int, stations: Iterable[StationNode], feeders: Iterable[FeederNode]
) -> list[int]:
    """Station ids from `station_id` up to and including its connection point."""
    return SupplyTree(stations, feeders).chain(station_id)


def stations_below(
    station_id: int, stations: Iterable[StationNode], feeders: Iterable[FeederNode]
) -> set[int]:
    """Every station supplied through `station_id`, directly or by its feeders, transitively."""
    return SupplyTree(stations, feeders).below(station_id)
