"""The feeder nearest to each of many points (station, feeder and LDC suggested from a location).

Feeder lines and points are projected to metres (Ontario MNR Lambert, EPSG:3161, conformal) and matched
with one vectorised shapely STRtree nearest query, so 100,000 points resolve in about a second; the
distance is corrected by the projection's scale factor at the point (within 0.1 %).
The grid itself is not confidential (guests see it on the map), so the lookup is not scoped.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Feeder, Station

MAX_DISTANCE_M = 5_000.0
_ONTARIO_LAMBERT = CRS.from_epsg(3161)
_TO_METRES = Transformer.from_crs("EPSG:4326", _ONTARIO_LAMBERT, always_xy=True)
_PROJ = Proj(_ONTARIO_LAMBERT)


@dataclass(frozen=True)
class FeederMatch:
    feeder_id: int
    feeder_name: str
    station_id: int
    station_name: str
    ldc_id: int
    distance_m: float


def _project(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_METRES.transform(lons, lats)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def nearest_feeders(
    session: Session,
    points: Sequence[tuple[float, float]],
    ldc_ids: Sequence[int] | None = None,
    *,
    max_distance_m: float = MAX_DISTANCE_M,
) -> list[FeederMatch | None]:
    """For each (lat, lon): the nearest feeder line within `max_distance_m`, else None.

    `ldc_ids` restricts the candidates to those LDCs' feeders. Points that are not finite give None.
    """
    if not points:
        return []
    query = select(
        Feeder.id, Feeder.name, Feeder.station_id, Station.name, Feeder.ldc_id, Feeder.geometry
    ).join(Station, Station.id == Feeder.station_id)
    if ldc_ids is not None:
        query = query.where(Feeder.ldc_id.in_(list(ldc_ids)))
    rows = session.execute(query.order_by(Feeder.id)).all()
    result: list[FeederMatch | None] = [None] * len(points)
    lines = [(row, coords) for row in rows if (coords := _coords(row[5]))]
    if not lines:
        return result

    flat = np.array([c for _, coords in lines for c in coords], dtype=float)
    fx, fy = _project(flat[:, 0], flat[:, 1])
    line_index = np.repeat(np.arange(len(lines)), [len(coords) for _, coords in lines])
    geoms = shapely.linestrings(np.column_stack([fx, fy]), indices=line_index)
    tree = shapely.STRtree(geoms)

    pts = np.array(points, dtype=float).reshape(-1, 2)
    finite = np.isfinite(pts).all(axis=1)
    if not finite.any():
        return result
    where = np.flatnonzero(finite)
    px, py = _project(pts[where, 1], pts[where, 0])
    scale = np.asarray(_PROJ.get_factors(pts[where, 1], pts[where, 0]).parallel_scale, dtype=float)
    (src, dst), dist = tree.query_nearest(
        shapely.points(px, py), max_distance=max_distance_m, return_distance=True, all_matches=False
    )
    true_m = np.round(dist / scale[src], 1)
    for s, d, m in zip(where[src].tolist(), dst.tolist(), true_m.tolist(), strict=True):
        row = lines[d][0]
        result[s] = FeederMatch(row[0], row[1], row[2], row[3], row[4], m)
    return result


def _coords(geometry: object) -> list[tuple[float, float]]:
    """A feeder's [[lon, lat], ...]; a single point is doubled so it is still a line."""
    if not isinstance(geometry, list):
        return []
    coords = [
        (float(c[0]), float(c[1]))
        for c in geometry
        if isinstance(c, list | tuple) and len(c) >= 2 and all(isinstance(v, int | float) for v in c[:2])
    ]
    if len(coords) == 1:
        coords.append(coords[0])
    return coords
