"""Small-distance geometry on lat/lon (equirectangular: exact enough within ~20 km)."""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass

KM_PER_DEG_LAT = 111.2


def km_per_deg_lon(lat: float) -> float:
    return KM_PER_DEG_LAT * math.cos(math.radians(lat))


def offset(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away from (lat, lon) towards `bearing_deg` (clockwise from north)."""
    b = math.radians(bearing_deg)
    return lat + km * math.cos(b) / KM_PER_DEG_LAT, lon + km * math.sin(b) / km_per_deg_lon(lat)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def bearing_to(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * KM_PER_DEG_LAT
    dx = (lon2 - lon1) * km_per_deg_lon(lat1)
    return math.degrees(math.atan2(dx, dy)) % 360


def clamp_bearing(bearing: float, centre: float, width: float) -> float:
    """Keep a direction inside the fan centre +- width/2 (a full circle keeps everything)."""
    if width >= 360:
        return bearing % 360
    delta = (bearing - centre + 180) % 360 - 180
    half = width / 2
    return (centre + max(-half, min(half, delta))) % 360


@dataclass(frozen=True)
class Polyline:
    """A feeder's route as [lon, lat] vertices (GeoJSON order) with cumulative lengths."""

    coords: tuple[tuple[float, float], ...]
    cum_km: tuple[float, ...]

    @classmethod
    def of(cls, coords: list[tuple[float, float]]) -> Polyline:
        cum = [0.0]
        for (lon1, lat1), (lon2, lat2) in zip(coords, coords[1:], strict=False):
            cum.append(cum[-1] + distance_km(lat1, lon1, lat2, lon2))
        return cls(tuple(coords), tuple(cum))

    @property
    def length_km(self) -> float:
        return self.cum_km[-1]

    def point_at(self, km: float) -> tuple[float, float]:
        """(lat, lon) `km` along the line from its start."""
        i = min(max(bisect_right(self.cum_km, km) - 1, 0), len(self.coords) - 2)
        seg = self.cum_km[i + 1] - self.cum_km[i]
        t = 0.0 if seg == 0 else min(max((km - self.cum_km[i]) / seg, 0.0), 1.0)
        (lon1, lat1), (lon2, lat2) = self.coords[i], self.coords[i + 1]
        return lat1 + t * (lat2 - lat1), lon1 + t * (lon2 - lon1)

    def as_geojson(self) -> list[list[float]]:
        return [[round(lon, 5), round(lat, 5)] for lon, lat in self.coords]


def meandering_line(
    rng: random.Random, lat: float, lon: float, bearing: float, length_km: float, vertices: int,
    land_bearing: float = 0.0, land_width: float = 360.0,
) -> Polyline:
    """A line running out from (lat, lon), turning a little at each vertex but staying on land."""
    coords = [(lon, lat)]
    step = length_km / (vertices - 1)
    heading = bearing
    for _ in range(vertices - 1):
        heading = clamp_bearing(heading + rng.uniform(-25.0, 25.0), land_bearing, land_width)
        lat, lon = offset(lat, lon, heading, step * rng.uniform(0.8, 1.2))
        coords.append((lon, lat))
    return Polyline.of(coords)


def line_towards(
    rng: random.Random, lat: float, lon: float, to_lat: float, to_lon: float, vertices: int
) -> Polyline:
    """A slightly wavy line from one point to another (a feeder reaching a downstream station)."""
    coords = [(lon, lat)]
    length = distance_km(lat, lon, to_lat, to_lon)
    normal = bearing_to(lat, lon, to_lat, to_lon) + 90
    for k in range(1, vertices - 1):
        t = k / (vertices - 1)
        plat, plon = lat + t * (to_lat - lat), lon + t * (to_lon - lon)
        plat, plon = offset(plat, plon, normal, rng.uniform(-0.08, 0.08) * length)
        coords.append((plon, plat))
    coords.append((to_lon, to_lat))
    return Polyline.of(coords)
