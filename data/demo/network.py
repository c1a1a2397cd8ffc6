"""The demo supply tree: a TS per place, LDC stations below it, feeders, embedded LDC stations.

Rows come in two waves because station and feeder reference each other: first the TS
and the DS/MS they supply with all their feeders, then the embedded LDCs' stations
(supplied by a host feeder) and their own feeders.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from data.demo.catalogue import TRANSMITTER
from data.demo.geo import Polyline, distance_km, line_towards, meandering_line, offset
from data.demo.organisations import DemoOrgs
from data.demo.places import LDCS, NORTHERN_ZONES, PLACES, Place
from data.domain.enums import StationKind
from data.domain.supply_chain import FeederNode, StationNode, connection_points

Row = dict[str, Any]

EMBEDDED_LDC_CODES = frozenset(ldc.code for ldc in LDCS if ldc.host)
HOST_OF = {ldc.code: ldc.host for ldc in LDCS if ldc.host}
FEEDER_RATING_MW = {13.8: (5.0, 10.0), 27.6: (8.0, 16.0), 44.0: (12.0, 20.0)}  # by voltage, kV
DIRECTIONS = ("North", "Northeast", "East", "Southeast", "South", "Southwest", "West", "Northwest")


@dataclass(frozen=True)
class FeederSite:
    """Where DERs can go: a feeder, its station, its LDC and its route."""

    id: int
    station_id: int
    ldc_code: str
    ldc_id: int
    place: Place
    line: Polyline
    voltage_kv: float
    weight: float  # relative number of residential DERs


@dataclass
class DemoNetwork:
    stations: list[Row] = field(default_factory=list)  # first wave
    feeders: list[Row] = field(default_factory=list)
    embedded_stations: list[Row] = field(default_factory=list)  # second wave
    embedded_feeders: list[Row] = field(default_factory=list)
    sites: list[FeederSite] = field(default_factory=list)

    @property
    def all_stations(self) -> list[Row]:
        return self.stations + self.embedded_stations

    @property
    def all_feeders(self) -> list[Row]:
        return self.feeders + self.embedded_feeders


class _Builder:
    def __init__(self, rng: random.Random, orgs: DemoOrgs, created_at: datetime) -> None:
        self.rng, self.orgs, self.created_at = rng, orgs, created_at
        self.net = DemoNetwork()
        self.feeder_count: dict[int, int] = {}  # station id -> feeders so far, for codes

    def station(self, *, into: list[Row], code: str, name: str, kind: StationKind, owner_id: int,
                place: Place, lat: float, lon: float, rated_mw: float, supply_station_id: int | None = None,
                supply_feeder_id: int | None = None) -> Row:
        rng = self.rng
        with_limit = rng.random() < (0.85 if kind == StationKind.TS else 0.2)
        row = {
            "id": len(self.net.stations) + len(self.net.embedded_stations) + 1, "code": code, "name": name,
            "kind": kind.value, "owner_org_id": owner_id, "zone": place.zone.value,
            "lat": round(lat, 6), "lon": round(lon, 6), "rated_mw": rated_mw,
            "der_export_limit_mw": round(rated_mw * rng.uniform(0.08, 0.2) * 2) / 2 if with_limit else None,
            "der_import_limit_mw": round(rated_mw * rng.uniform(0.05, 0.15) * 2) / 2 if with_limit else None,
            "is_connection_point": kind == StationKind.TS, "supply_station_id": supply_station_id,
            "supply_feeder_id": supply_feeder_id, "connection_point_id": None, "created_at": self.created_at,
        }
        into.append(row)
        self.feeder_count[row["id"]] = 0
        return row

    def feeder(self, *, into: list[Row], station: Row, ldc_code: str, place: Place, line: Polyline,
               voltage_kv: float, weight: float) -> Row:
        rng = self.rng
        self.feeder_count[station["id"]] += 1
        prefix = "M" if station["kind"] == StationKind.TS.value else "F"  # Hydro One style M-feeders at a TS
        short = f"{prefix}{self.feeder_count[station['id']]}"
        low, high = FEEDER_RATING_MW[voltage_kv]
        rated = round(rng.uniform(low, high), 1)
        feeder_id = len(self.net.feeders) + len(self.net.embedded_feeders) + 1
        row = {
            "id": feeder_id, "code": f"{station['code']}-{short}", "name": f"{station['name']} {short}",
            "station_id": station["id"], "ldc_id": self.orgs.id_by_code[ldc_code], "voltage_kv": voltage_kv,
            "rated_mw": rated, "hosting_capacity_kw": round(rated * 1000 * rng.uniform(0.15, 0.6), -1),
            "geometry": line.as_geojson(), "created_at": self.created_at,
        }
        into.append(row)
        self.net.sites.append(FeederSite(feeder_id, station["id"], ldc_code, row["ldc_id"], place, line,
                                         voltage_kv, weight))
        return row

    def radial_feeders(self, *, into: list[Row], station: Row, ldc_code: str, place: Place, count: int,
                       length_km: tuple[float, float], voltages: tuple[float, ...], weight: float) -> None:
        rng = self.rng
        width = place.land_width
        start = place.land_bearing - width / 2 + (rng.uniform(0, 360) if width >= 360 else 0)
        for k in range(count):
            bearing = start + (k + rng.uniform(0.2, 0.8)) * width / count
            line = meandering_line(rng, station["lat"], station["lon"], bearing, rng.uniform(*length_km),
                                   rng.randint(5, 10), place.land_bearing, width)
            self.feeder(into=into, station=station, ldc_code=ldc_code, place=place, line=line,
                        voltage_kv=rng.choice(voltages), weight=weight)

    def land_bearing(self, place: Place) -> float:
        return (place.land_bearing + self.rng.uniform(-0.4, 0.4) * min(place.land_width, 300)) % 360


def _length_range(place: Place) -> tuple[float, float]:
    if place.rural:
        return (8.0, 15.0) if place.zone in NORTHERN_ZONES else (5.0, 12.0)
    return (2.0, 6.0) if place.size == 3 else (3.0, 9.0)


def _weight(place: Place) -> float:
    north = 0.6 if place.zone in NORTHERN_ZONES else 1.0
    return {3: 3.0, 2: 2.0, 1: 1.0}[place.size] * north


def build_network(rng: random.Random, orgs: DemoOrgs, created_at: datetime) -> DemoNetwork:
    b = _Builder(rng, orgs, created_at)
    net = b.net
    transmitter_id = orgs.id_by_code[TRANSMITTER.code]
    host_stations: dict[str, list[Row]] = {}  # LDC code -> its stations and the TS serving it

    for place in (p for p in PLACES if p.ldc not in EMBEDDED_LDC_CODES):
        ts_lat, ts_lon = offset(place.lat, place.lon, b.land_bearing(place), rng.uniform(0.5, 2.0))
        rated = {3: rng.uniform(250, 400), 2: rng.uniform(150, 300), 1: rng.uniform(75, 150)}[place.size]
        ts = b.station(into=net.stations, code=f"{place.code}-TS", name=f"{place.name} TS",
                       kind=StationKind.TS, owner_id=transmitter_id, place=place, lat=ts_lat, lon=ts_lon,
                       rated_mw=round(rated, -1))
        host_stations.setdefault(place.ldc, []).append(ts)
        ts_voltages = (44.0, 44.0, 27.6) if place.rural else (27.6, 27.6, 13.8)
        b.radial_feeders(into=net.feeders, station=ts, ldc_code=place.ldc, place=place,
                         count=rng.randint(7, 8 + place.size), length_km=_length_range(place),
                         voltages=ts_voltages, weight=_weight(place))
        n_local = {3: rng.randint(1, 2), 2: int(rng.random() < 0.6), 1: int(rng.random() < 0.1)}[place.size]
        used_names: set[str] = set()
        for k in range(1, n_local + 1):
            kind = rng.choice((StationKind.MS, StationKind.DS))
            bearing = b.land_bearing(place)
            lat, lon = offset(place.lat, place.lon, bearing, rng.uniform(2.0, 5.0))
            name = f"{place.name} {DIRECTIONS[round(bearing / 45) % 8]} {kind.value}"
            if name in used_names:
                name = f"{place.name} {kind.value} {k}"
            used_names.add(name)
            local = b.station(into=net.stations, code=f"{place.code}-{kind.value}{k}", name=name, kind=kind,
                              owner_id=orgs.id_by_code[place.ldc], place=place, lat=lat, lon=lon,
                              rated_mw=round(rng.uniform(20, 60)), supply_station_id=ts["id"])
            host_stations[place.ldc].append(local)
            b.radial_feeders(into=net.feeders, station=local, ldc_code=place.ldc, place=place,
                             count=rng.randint(6, 9), length_km=_length_range(place),
                             voltages=(13.8, 13.8, 27.6), weight=_weight(place))

    for place in (p for p in PLACES if p.ldc in EMBEDDED_LDC_CODES):
        host = HOST_OF[place.ldc]
        ms_lat, ms_lon = offset(place.lat, place.lon, rng.uniform(0, 360), rng.uniform(0.2, 0.8))
        supplier = min(host_stations[host], key=lambda s: distance_km(s["lat"], s["lon"], ms_lat, ms_lon))
        host_place = next(s.place for s in net.sites if s.station_id == supplier["id"])
        line = line_towards(rng, supplier["lat"], supplier["lon"], ms_lat, ms_lon, rng.randint(5, 8))
        tie = b.feeder(into=net.feeders, station=supplier, ldc_code=host, place=host_place, line=line,
                       voltage_kv=27.6, weight=_weight(host_place))
        ms = b.station(into=net.embedded_stations, code=f"{place.code}-MS1", name=f"{place.name} MS",
                       kind=StationKind.MS, owner_id=orgs.id_by_code[place.ldc], place=place, lat=ms_lat,
                       lon=ms_lon, rated_mw=round(rng.uniform(15, 40)), supply_feeder_id=tie["id"])
        b.radial_feeders(into=net.embedded_feeders, station=ms, ldc_code=place.ldc, place=place,
                         count=rng.randint(6, 8), length_km=(2.0, 5.0), voltages=(13.8, 27.6), weight=2.0)

    _set_connection_points(net)
    return net


def _set_connection_points(net: DemoNetwork) -> None:
    tops = connection_points(
        [StationNode(s["id"], s["kind"], s["supply_station_id"], s["supply_feeder_id"])
         for s in net.all_stations],
        [FeederNode(f["id"], f["station_id"]) for f in net.all_feeders],
    )
    for station in net.all_stations:
        station["connection_point_id"] = tops[station["id"]]
