"""Small GeoJSON builders shared by the layers."""
from __future__ import annotations

from typing import Any


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def fmt_mw(kw: float) -> str:
    return f"{kw / 1000:,.1f} MW" if kw >= 1000 else f"{kw:,.0f} kW"
