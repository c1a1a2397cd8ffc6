"""KPI tiles and the data-age badge."""
from __future__ import annotations

from dash import html


def kpi(label: str, value: str, tile_id: str | None = None) -> html.Div:
    return html.Div(
        [html.Div(value, className="kpi-value"), html.Div(label, className="kpi-label")],
        className="kpi panel", id=tile_id or f"kpi-{label.lower().replace(' ', '-')}",
    )
