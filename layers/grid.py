"""Stations and feeders, coloured by loading or outage state."""
from __future__ import annotations

import math
from typing import Any

from markupsafe import escape

from components.palette import NEUTRAL, SEVERITY_COLOURS, severity_colour
from data.access import GUEST_MIN_AGGREGATE
from data.domain.enums import Severity
from data.domain.grid_state import loading_pct, loading_state
from data.queries.map import FeederRow, StationRow
from layers.geojson import collection, feature, fmt_mw, point

STATE_LABELS: dict[Severity | None, str] = {
    None: "Normal",
    Severity.INFORMATION: "Reverse flow",
    Severity.ACTION: "Loading warning",
    Severity.ALARM: "Overloaded / outage",
}


def _state(load_mw: float | None, rated_mw: float, outage: bool) -> tuple[Severity | None, float | None]:
    pct = loading_pct(load_mw, rated_mw)
    return (Severity.ALARM if outage else loading_state(pct)), pct


def _der_text(count: int, kw: float, guest: bool) -> str:
    if guest and count == 0:
        return f"DERs: fewer than {GUEST_MIN_AGGREGATE} (withheld)"
    return f"DERs: {count:,} · {fmt_mw(kw)}"


def _loading_text(load_mw: float | None, pct: float | None) -> str:
    return "Load: no current reading" if load_mw is None else f"Load: {load_mw:,.1f} MW ({pct:,.0f} %)"


def station_features(rows: list[StationRow], guest: bool) -> dict[str, Any]:
    features = []
    for r in rows:
        state, pct = _state(r.load_mw, r.rated_mw, r.outage)
        tooltip = "<br>".join([
            f"<b>{escape(r.name)}</b> ({escape(r.code)})",
            f"{escape(r.kind)} · {escape(r.zone)} zone · {r.rated_mw:,.0f} MW rated",
            escape(_loading_text(r.load_mw, pct)),
            escape(_der_text(r.der_count, r.der_capacity_kw, guest)),
            f"State: {STATE_LABELS[state]}" + (" (outage in force)" if r.outage else ""),
        ])
        features.append(feature(
            point(r.lon, r.lat), id=r.id, code=r.code, name=r.name, kind=r.kind,
            radius=round(4 + 2.2 * math.sqrt(max(r.rated_mw, 1.0) / 10), 1),
            colour=severity_colour(state), state=state.value if state else "normal",
            connection_point=r.is_connection_point, tooltip=tooltip,
        ))
    return collection(features)


def feeder_features(rows: list[FeederRow], guest: bool, highlight: set[int] | None = None) -> dict[str, Any]:
    features = []
    highlight = highlight or set()
    for r in rows:
        state, pct = _state(r.load_mw, r.rated_mw, r.outage)
        tooltip = "<br>".join([
            f"<b>Feeder {escape(r.code)}</b> · {escape(r.ldc)}",
            f"{r.voltage_kv:g} kV · {r.rated_mw:,.1f} MW rated",
            escape(_loading_text(r.load_mw, pct)),
            escape(_der_text(r.der_count, r.der_capacity_kw, guest)),
        ])
        colour = SEVERITY_COLOURS[Severity.INFORMATION] if r.id in highlight else severity_colour(state)
        features.append(feature(
            {"type": "LineString", "coordinates": [[round(x, 5), round(y, 5)] for x, y in r.geometry]},
            id=r.id, code=r.code, station_id=r.station_id, colour=colour,
            weight=5 if r.id in highlight else (3.5 if state else 2), state=state.value if state else "normal",
            tooltip=tooltip,
        ))
    return collection(features)


LEGEND_STATES: list[tuple[str, str]] = [
    (NEUTRAL, STATE_LABELS[None]),
    (SEVERITY_COLOURS[Severity.INFORMATION], STATE_LABELS[Severity.INFORMATION]),
    (SEVERITY_COLOURS[Severity.ACTION], STATE_LABELS[Severity.ACTION]),
    (SEVERITY_COLOURS[Severity.ALARM], STATE_LABELS[Severity.ALARM]),
]
