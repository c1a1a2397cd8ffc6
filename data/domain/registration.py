"""Duplicate registrations: the same meter, or the same physical DER registered twice.

A DER is "the same physical DER" as another when both are within ``DUPLICATE_DISTANCE_M`` metres, of the
same technology and the same rated capacity (within ``CAPACITY_TOLERANCE_KW``). Candidates are checked
against the existing registrations and against each other (a file that lists one DER twice). Pure Python;
a grid of cells about the size of the distance makes it linear in the number of DERs, so a 100,000-row
contributor upload is checked in about a second.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CAPACITY_TOLERANCE_KW",
    "DUPLICATE_DISTANCE_M",
    "Collision",
    "CollisionReason",
    "DerFingerprint",
    "distance_m",
    "find_collisions",
]

DUPLICATE_DISTANCE_M = 5.0  # GPS pins of one rooftop or one cabinet land within a few metres
CAPACITY_TOLERANCE_KW = 0.05  # same nameplate, allowing for rounding in a spreadsheet
_EARTH_RADIUS_M = 6_371_008.8
_METRES_PER_DEGREE_LAT = math.pi * _EARTH_RADIUS_M / 180.0


class CollisionReason(StrEnum):
    METER = "meter"  # the same meter ID
    LOCATION = "location"  # same place, technology and capacity


@dataclass(frozen=True)
class DerFingerprint:
    """What identifies a DER physically. ``key`` names it in a report: a platform ID, or "row 12"."""

    key: str
    meter_id: str | None
    lat: float
    lon: float
    technology: str
    capacity_kw: float


@dataclass(frozen=True)
class Collision:
    candidate: str  # the candidate's key
    existing: str  # the key of the registration (or earlier candidate) it collides with
    reason: CollisionReason
    metres: float | None = None  # for a location collision

    @property
    def text(self) -> str:
        if self.reason is CollisionReason.METER:
            return f"meter ID already registered to {self.existing}"
        return (f"same technology and capacity {self.metres:.1f} m from {self.existing}: "
                "the same physical DER cannot be registered twice")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _normal_meter(meter_id: str | None) -> str | None:
    """Meter IDs compare without case or surrounding spaces ("ab-1 " is "AB-1")."""
    cleaned = (meter_id or "").strip().upper()
    return cleaned or None


class _Cells:
    """DERs bucketed by (technology, lat cell, lon cell) with cells at least ``size_m`` wide both ways."""

    def __init__(self, size_m: float) -> None:
        self.lat_step = size_m / _METRES_PER_DEGREE_LAT
        self.cells: dict[tuple[str, int, int], list[DerFingerprint]] = defaultdict(list)

    def _lon_step(self, row: int) -> float:
        # Degrees of longitude shrink towards the pole: size a row's cells at its poleward edge.
        edge = min(max(abs(row * self.lat_step), abs((row + 1) * self.lat_step)), 89.9)
        return self.lat_step / math.cos(math.radians(edge))

    def add(self, der: DerFingerprint) -> None:
        row = math.floor(der.lat / self.lat_step)
        self.cells[(der.technology, row, math.floor(der.lon / self._lon_step(row)))].append(der)

    def near(self, der: DerFingerprint) -> Iterable[DerFingerprint]:
        row = math.floor(der.lat / self.lat_step)
        for r in (row - 1, row, row + 1):
            col = math.floor(der.lon / self._lon_step(r))
            for c in (col - 1, col, col + 1):
                yield from self.cells.get((der.technology, r, c), ())


def _same_physical(a: DerFingerprint, b: DerFingerprint, limit_m: float) -> float | None:
    if a.technology != b.technology or abs(a.capacity_kw - b.capacity_kw) > CAPACITY_TOLERANCE_KW:
        return None
    metres = distance_m(a.lat, a.lon, b.lat, b.lon)
    return metres if metres <= limit_m else None


def find_collisions(candidates: Sequence[DerFingerprint], existing: Sequence[DerFingerprint], *,
                    distance_limit_m: float = DUPLICATE_DISTANCE_M) -> list[Collision]:
    """Every candidate that collides with an existing registration or with an earlier candidate.

    One collision per candidate and reason (the first found, existing registrations before other candidates),
    in candidate order. An existing DER listed again under its own key (an update of itself) is not a collision.
    """
    meters: dict[str, str] = {}
    for der in existing:
        meter = _normal_meter(der.meter_id)
        if meter is not None:
            meters.setdefault(meter, der.key)
    registered = {der.key for der in existing}
    cells = _Cells(distance_limit_m)
    for der in existing:
        cells.add(der)
    found: list[Collision] = []
    for cand in candidates:
        meter = _normal_meter(cand.meter_id)
        owner = meters.get(meter) if meter is not None else None
        if owner is not None and owner != cand.key:
            found.append(Collision(cand.key, owner, CollisionReason.METER))
        hits = [(m, other.key) for other in cells.near(cand) if other.key != cand.key
                and (m := _same_physical(cand, other, distance_limit_m)) is not None]
        if hits:
            # an existing registration first (that is what the registrant must be told about), then the nearest
            _, metres, key = min((key not in registered, m, key) for m, key in hits)
            found.append(Collision(cand.key, key, CollisionReason.LOCATION, metres))
        if meter is not None:
            meters.setdefault(meter, cand.key)
        cells.add(cand)
    return found
