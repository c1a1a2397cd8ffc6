"""What the LDC and aggregator feed parsers return (ADMS, MDM, GIS, aggregator telemetry).

The file formats are specified in docs/FEEDS.md; the built-in simulator writes exactly these
formats and the pollers read them with the same parsers as a real LDC's files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SubjectKind = Literal["station", "feeder", "der", "resource"]
ElementKind = Literal["station", "feeder"]


@dataclass(frozen=True, slots=True)
class Measurement:
    """One value measured on a grid element or an asset, for one interval starting at `ts_utc`."""

    subject_kind: SubjectKind
    subject_code: str  # station/feeder code, DER platform ID (ON-DER-...), or resource code (ON-RES-...)
    quantity: str  # "load_mw", "der_output_mw" (ADMS); "output_kw" (telemetry); "meter_kw" (MDM)
    ts_utc: datetime
    resolution_s: int
    value: float | None
    unit: str  # "MW" or "kW"


@dataclass(frozen=True)
class GridElementUpdate:
    """A station or feeder as the LDC's GIS describes it (attributes it does not give stay as they are)."""

    kind: ElementKind
    code: str
    name: str | None
    attributes: dict[str, Any]  # e.g. rated_mw, voltage_kv, hosting_capacity_kw, station_code, lat, lon
    line: list[list[float]] | None = None  # feeder geometry [[lon, lat], ...]


@dataclass(frozen=True)
class ParsedFeed:
    source: str  # "adms" | "mdm" | "telemetry" | "gis"
    organisation_code: str | None  # the LDC or aggregator that sent it
    created_at_utc: datetime | None
    measurements: list[Measurement] = field(default_factory=list)
    grid_updates: list[GridElementUpdate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
