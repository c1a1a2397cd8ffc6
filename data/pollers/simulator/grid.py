"""A read-only snapshot of the grid and portfolio the simulator needs, read in one short session.

Only connected DERs count: those with a platform ID whose status is active (running) or inactive
(connected, not available: output 0). Pending, rejected and deactivated DERs are not on the grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from data.db import Database
from data.domain.enums import DerStatus, OrgKind, StationKind
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from data.models import Der, Feeder, Organisation, Resource, Station

__all__ = ["DerInfo", "FeederInfo", "GridSnapshot", "OrgInfo", "ResourceInfo", "StationInfo", "load_grid"]

CONNECTED = (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value)


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: int
    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class StationInfo:
    id: int
    code: str
    name: str
    kind: str
    zone: str
    lat: float
    lon: float
    rated_mw: float
    owner_org_id: int
    supply_station_id: int | None
    supply_feeder_id: int | None


@dataclass(frozen=True, slots=True)
class FeederInfo:
    id: int
    code: str
    name: str
    station_id: int
    ldc_id: int
    voltage_kv: float
    rated_mw: float
    hosting_capacity_kw: float | None
    geometry: list[list[float]]


@dataclass(frozen=True, slots=True)
class DerInfo:
    id: int
    platform_id: str
    technology: str
    capacity_kw: float
    energy_kwh: float | None
    feeder_id: int
    station_id: int
    ldc_id: int
    aggregator_org_id: int | None
    resource_id: int | None
    meter_id: str | None
    active: bool  # False: connected but not available (output 0)
    zone: str  # the zone of its station


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    id: int
    code: str
    aggregator_org_id: int
    zone: str


@dataclass
class GridSnapshot:
    orgs: dict[int, OrgInfo]
    stations: dict[int, StationInfo]
    feeders: dict[int, FeederInfo]
    ders: list[DerInfo]
    resources: dict[int, ResourceInfo]
    # derived by ``index()``
    feeders_of_station: dict[int, list[int]] = field(default_factory=dict)
    stations_fed_by_station: dict[int, list[int]] = field(default_factory=dict)
    stations_fed_by_feeder: dict[int, list[int]] = field(default_factory=dict)
    deepest_first: list[int] = field(default_factory=list)  # stations, every child before its supplier
    ldc_stations: dict[int, list[int]] = field(default_factory=dict)  # LDC id -> station ids it reports
    ldc_feeders: dict[int, list[int]] = field(default_factory=dict)  # LDC id -> its feeder ids

    @property
    def ldcs(self) -> list[OrgInfo]:
        return sorted((o for o in self.orgs.values() if o.kind == OrgKind.LDC.value), key=lambda o: o.code)

    @property
    def aggregators(self) -> list[OrgInfo]:
        return sorted((o for o in self.orgs.values() if o.kind == OrgKind.AGGREGATOR.value), key=lambda o: o.code)

    @property
    def transformer_stations(self) -> list[StationInfo]:
        return sorted((s for s in self.stations.values() if s.kind == StationKind.TS.value), key=lambda s: s.code)

    def index(self) -> GridSnapshot:
        for fid in sorted(self.feeders):
            self.feeders_of_station.setdefault(self.feeders[fid].station_id, []).append(fid)
        for sid in sorted(self.stations):
            station = self.stations[sid]
            if station.supply_station_id is not None:
                self.stations_fed_by_station.setdefault(station.supply_station_id, []).append(sid)
            if station.supply_feeder_id is not None:
                self.stations_fed_by_feeder.setdefault(station.supply_feeder_id, []).append(sid)
        tree = SupplyTree(
            [StationNode(s.id, s.kind, s.supply_station_id, s.supply_feeder_id) for s in self.stations.values()],
            [FeederNode(f.id, f.station_id) for f in self.feeders.values()],
        )
        depth = {sid: len(tree.chain(sid)) for sid in self.stations}
        self.deepest_first = sorted(self.stations, key=lambda sid: (-depth[sid], sid))
        self._assign_reporting_ldcs()
        return self

    def _assign_reporting_ldcs(self) -> None:
        """Each LDC reports its feeders and its own stations; a transmitter's TS is reported by the LDC with
        the most feeders on it (ties: the lower LDC code), so every station appears in one ADMS feed."""
        ldc_ids = {o.id for o in self.ldcs}
        for fid in sorted(self.feeders):
            feeder = self.feeders[fid]
            self.ldc_feeders.setdefault(feeder.ldc_id, []).append(fid)
        for sid in sorted(self.stations):
            station = self.stations[sid]
            reporter: int | None = station.owner_org_id if station.owner_org_id in ldc_ids else None
            if reporter is None:
                counts: dict[int, int] = {}
                for fid in self.feeders_of_station.get(sid, []):
                    counts[self.feeders[fid].ldc_id] = counts.get(self.feeders[fid].ldc_id, 0) + 1
                if counts:
                    reporter = min(counts, key=lambda lid: (-counts[lid], self.orgs[lid].code))
            if reporter is not None:
                self.ldc_stations.setdefault(reporter, []).append(sid)


def load_grid(db: Database, on: date | None = None) -> GridSnapshot:
    """Read the snapshot. ``on`` (an EST date) leaves out DERs activated later or deactivated by then."""
    with db.session() as s:
        orgs = {
            r.id: OrgInfo(r.id, r.code, r.name, r.kind)
            for r in s.execute(select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind))
        }
        stations = {
            r.id: StationInfo(
                r.id, r.code, r.name, r.kind, r.zone, r.lat, r.lon, r.rated_mw, r.owner_org_id,
                r.supply_station_id, r.supply_feeder_id,
            )
            for r in s.execute(select(
                Station.id, Station.code, Station.name, Station.kind, Station.zone, Station.lat, Station.lon,
                Station.rated_mw, Station.owner_org_id, Station.supply_station_id, Station.supply_feeder_id,
            ))
        }
        feeders = {
            r.id: FeederInfo(
                r.id, r.code, r.name, r.station_id, r.ldc_id, r.voltage_kv, r.rated_mw, r.hosting_capacity_kw,
                list(r.geometry or []),
            )
            for r in s.execute(select(
                Feeder.id, Feeder.code, Feeder.name, Feeder.station_id, Feeder.ldc_id, Feeder.voltage_kv,
                Feeder.rated_mw, Feeder.hosting_capacity_kw, Feeder.geometry,
            ))
        }
        resources = {
            r.id: ResourceInfo(r.id, r.resource_code, r.aggregator_org_id, r.zone)
            for r in s.execute(select(
                Resource.id, Resource.resource_code, Resource.aggregator_org_id, Resource.zone,
            ).where(Resource.status == DerStatus.ACTIVE.value))
        }
        rows = s.execute(
            select(
                Der.id, Der.platform_id, Der.technology, Der.capacity_kw, Der.energy_kwh, Der.feeder_id,
                Der.station_id, Der.ldc_id, Der.aggregator_org_id, Der.resource_id, Der.meter_id, Der.status,
                Der.activation_date, Der.deactivation_date,
            )
            .where(Der.platform_id.is_not(None), Der.status.in_(CONNECTED))
            .order_by(Der.id)
        ).all()
    ders: list[DerInfo] = []
    for (der_id, platform_id, technology, capacity, energy, feeder_id, station_id, ldc_id, aggregator_id,
         resource_id, meter_id, status, activated, deactivated) in rows:
        if feeder_id not in feeders or station_id not in stations:
            continue
        if on is not None and ((activated is not None and activated > on)
                               or (deactivated is not None and deactivated <= on)):
            continue
        ders.append(DerInfo(
            der_id, platform_id, technology, float(capacity), energy, feeder_id, station_id, ldc_id, aggregator_id,
            resource_id if resource_id in resources else None, meter_id, status == DerStatus.ACTIVE.value,
            stations[station_id].zone,
        ))
    return GridSnapshot(orgs, stations, feeders, ders, resources).index()
