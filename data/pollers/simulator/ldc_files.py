"""LDC and aggregator feeds exactly as docs/FEEDS.md specifies them (pure: data in, bytes out).

Times are UTC, ISO 8601 with ``Z``; a blank CSV cell or a JSON ``null`` is "no value", never zero.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from data.pollers.simulator.grid import FeederInfo, StationInfo

__all__ = ["ADMS_HEADER", "MDM_HEADER", "adms_csv", "gis_geojson", "iso_z", "mdm_csv", "telemetry_json"]

ADMS_HEADER = ("interval_start_utc", "element_type", "element_code", "load_mw", "der_output_mw")
MDM_HEADER = ("resource_code", "meter_id", "interval_start_utc", "interval_minutes", "kwh")


def iso_z(ts: datetime) -> str:
    """``2026-06-01T14:05:00Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float | None, decimals: int) -> str:
    if value is None:
        return ""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def adms_csv(rows: Iterable[tuple[datetime, str, str, float | None, float | None]]) -> bytes:
    """``adms_<LDC>_<YYYYMMDDHHMM>.csv``: (interval start, station|feeder, code, load MW, DER output MW)."""
    return _table(ADMS_HEADER, (
        (iso_z(ts), kind, code, _number(load, 3), _number(der, 3)) for ts, kind, code, load, der in rows
    ))


def mdm_csv(rows: Iterable[tuple[str, str, datetime, int, float | None]]) -> bytes:
    """``mdm_<LDC>_<YYYYMMDDHHMM>.csv``: (resource code, meter id, interval start, minutes, kWh signed + export)."""
    return _table(MDM_HEADER, (
        (resource, meter, iso_z(ts), str(minutes), _number(kwh, 3)) for resource, meter, ts, minutes, kwh in rows
    ))


def telemetry_json(aggregator: str, sent_at: datetime, readings: Iterable[tuple[str, datetime, float | None]],
                   interval_minutes: int = 5) -> bytes:
    """``telemetry_<AGG>_<YYYYMMDDHHMM>.json``: one reading per DER (kW, + export, null = no value)."""
    document = {
        "aggregator": aggregator,
        "sent_at": iso_z(sent_at),
        "interval_minutes": interval_minutes,
        "readings": [
            {"platform_id": pid, "interval_start_utc": iso_z(ts), "kw": None if kw is None else round(kw, 2)}
            for pid, ts, kw in readings
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def gis_geojson(stations: Sequence[StationInfo], feeders: Sequence[FeederInfo], station_codes: dict[int, str]) -> bytes:
    """``gis_<LDC>_<YYYYMMDD>.geojson``: stations as Points, feeders as LineStrings, WGS84 [lon, lat]."""
    features: list[dict[str, object]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
            "properties": {"element_type": "station", "code": s.code, "name": s.name, "kind": s.kind,
                           "rated_mw": s.rated_mw, "zone": s.zone},
        }
        for s in stations
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y, *_ in f.geometry]},
            "properties": {"element_type": "feeder", "code": f.code, "name": f.name,
                           "station_code": station_codes[f.station_id], "voltage_kv": f.voltage_kv,
                           "rated_mw": f.rated_mw, "hosting_capacity_kw": f.hosting_capacity_kw},
        }
        for f in feeders
        if len(f.geometry) >= 2
    ]
    return (json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n").encode()
