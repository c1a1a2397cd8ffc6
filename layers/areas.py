"""Outage/constraint areas and needs areas: drawn polygons, or a buffer around the affected grid."""
from __future__ import annotations

from typing import Any

from markupsafe import escape
from shapely.geometry import LineString, Point, mapping, shape
from shapely.ops import unary_union

from components.palette import SEVERITY_COLOURS
from data.domain.enums import Severity
from data.queries.overlays import AreaItem
from layers.geojson import collection, feature

# About 1.5 km at Ontario's latitudes: enough to see an area around a feeder from afar.
BUFFER_DEG = 0.015


AREA_SEVERITY = {"outage": Severity.ALARM, "constraint": Severity.ACTION, "need": Severity.INFORMATION}


def _geometry(item: AreaItem) -> dict[str, Any] | None:
    if item.area:
        return mapping(shape(item.area))
    parts = [LineString(line).buffer(BUFFER_DEG) for line in item.feeder_lines if len(line) >= 2]
    parts += [Point(lon, lat).buffer(BUFFER_DEG * 2) for lon, lat in item.station_points]
    if not parts:
        return None
    return mapping(unary_union(parts).simplify(BUFFER_DEG / 5))


def area_features(items: list[AreaItem]) -> dict[str, Any]:
    features = []
    for item in items:
        geometry = _geometry(item)
        if geometry is None:
            continue
        features.append(feature(
            geometry, kind=item.kind, colour=SEVERITY_COLOURS[AREA_SEVERITY[item.kind]],
            tooltip=f"<b>{escape(item.label)}</b><br>{escape(item.detail)}",
        ))
    return collection(features)
