"""DERs on the map: one marker per feeder at low zoom, individual (clustered) DERs up close."""
from __future__ import annotations

import math
from typing import Any

from markupsafe import escape

from components.palette import NEUTRAL, SEVERITY_COLOURS, TECHNOLOGY_COLOURS
from data.domain.enums import DerStatus, Severity, Technology
from data.domain.grid_state import DerAggregate
from data.queries.map import DerPoint
from layers.geojson import collection, feature, fmt_mw, point

# Badge diameter before the log-count growth, px: zone badges stand out, station badges stay small.
TIER_BADGE_BASE = {"zone": 30, "station": 16, "feeder": 18}

COLOUR_BY_TECHNOLOGY = "technology"
COLOUR_BY_STATUS = "status"

STATUS_COLOURS: dict[str, str] = {
    DerStatus.ACTIVE: NEUTRAL,
    DerStatus.PENDING: SEVERITY_COLOURS[Severity.INFORMATION],
    DerStatus.EMBEDDED_APPROVED: SEVERITY_COLOURS[Severity.INFORMATION],
    DerStatus.INACTIVE: SEVERITY_COLOURS[Severity.ACTION],
    DerStatus.DEACTIVATED: SEVERITY_COLOURS[Severity.ALARM],
    DerStatus.REJECTED: SEVERITY_COLOURS[Severity.ALARM],
}


def _tech_label(value: str) -> str:
    try:
        return Technology(value).label
    except ValueError:
        return value


def aggregate_features(aggs: list[DerAggregate], names: dict[int | str, str], tier: str) -> dict[str, Any]:
    """`tier`: "zone" (one badge per IESO zone), "station" (badge beside the station marker) or
    "feeder" (on the feeder's DERs)."""
    features = []
    for a in aggs:
        split = "<br>".join(
            f"{escape(_tech_label(t))}: {n:,} · {fmt_mw(kw)}" for t, n, kw in a.by_technology
        )
        tooltip = (f"<b>{escape(names.get(a.key, str(a.key)))}</b><br>"
                   f"{a.der_count:,} DERs · {fmt_mw(a.capacity_kw)}" + (f"<br>{split}" if split else ""))
        features.append(feature(
            point(a.lon, a.lat), **{f"{tier}_id": a.key}, tier=tier, count=a.der_count,
            label=f"{a.der_count:,}" if a.der_count < 10_000 else f"{a.der_count / 1000:.0f}k",
            size=round(TIER_BADGE_BASE[tier] + 6 * math.log10(max(a.der_count, 1)), 1), tooltip=tooltip,
        ))
    return collection(features)


def point_features(points: list[DerPoint], colour_by: str) -> dict[str, Any]:
    features = []
    for p in points:
        if colour_by == COLOUR_BY_STATUS:
            colour = STATUS_COLOURS.get(p.status, NEUTRAL)
        else:
            colour = TECHNOLOGY_COLOURS.get(Technology(p.technology), NEUTRAL)
        tooltip = (f"<b>{escape(p.platform_id or 'pending registration')}</b><br>{escape(p.name)}<br>"
                   f"{escape(_tech_label(p.technology))} · {fmt_mw(p.capacity_kw)} · {escape(p.status)}")
        features.append(feature(
            point(p.lon, p.lat), id=p.id, platform_id=p.platform_id, colour=colour,
            radius=round(3 + 1.4 * math.log10(max(p.capacity_kw, 1.0)), 1), tooltip=tooltip,
        ))
    return collection(features)


def legend_entries(colour_by: str) -> list[tuple[str, str]]:
    if colour_by == COLOUR_BY_STATUS:
        return [(c, DerStatus(s).value.capitalize()) for s, c in STATUS_COLOURS.items()]
    return [(c, t.label) for t, c in TECHNOLOGY_COLOURS.items()]
