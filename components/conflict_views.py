"""Views of conflict alerts: the grid's columns and the two sides of one conflict, from its evidence."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

VIEWS = [
    {"label": "Unacknowledged", "value": "unacknowledged"},
    {"label": "Open", "value": "open"},
    {"label": "All (resolved too)", "value": "all"},
]
ALERT_COLUMNS = [
    {"field": "severity", "headerName": "Severity", "maxWidth": 120},
    {"field": "rule", "headerName": "Rule", "maxWidth": 160},
    {"field": "state", "headerName": "State", "maxWidth": 140},
    {"field": "start", "headerName": "From (EST)", "minWidth": 160},
    {"field": "end", "headerName": "To (EST)", "minWidth": 160},
    {"field": "summary", "headerName": "Conflict", "minWidth": 320, "tooltipField": "summary"},
    {"field": "ders", "headerName": "DERs", "type": "numericColumn", "maxWidth": 90},
    {"field": "acknowledged", "headerName": "Acknowledged by", "minWidth": 170},
    {"field": "resolved", "headerName": "Resolved by", "minWidth": 170},
    {"field": "note", "headerName": "Note", "minWidth": 180, "tooltipField": "note"},
]
_LABELS = {
    "issuer": "Issuer", "target_kind": "Target", "target_id": "Target id", "setpoint_kw": "Set point (kW)",
    "start": "From (UTC)", "end": "To (UTC)", "state": "State", "export_kw": "Export limit (kW)",
    "import_kw": "Import limit (kW)", "trade_date": "Trade date", "hour_ending": "Hour ending (EST)",
    "approved_at": "Approved (UTC)", "kind": "Kind", "restored_at": "Restored (UTC)", "derate_pct": "De-rate (%)",
    "max_kw": "Max (kW)", "station_ids": "Stations", "feeder_ids": "Feeders", "resource_id": "Resource",
    "hours": "Hours (HE)", "der_ids": "DERs", "der_export_limit_kw": "Station DER export limit (kW)",
    "der_import_limit_kw": "Station DER import limit (kW)", "status": "Status",
}
_TITLES = {"instruction": "Instruction", "limit": "Limit", "outage": "Outage / constraint", "bid": "DAM bid",
           "station": "Station limit"}


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return "—" if value is None or value == "" else str(value)


def evidence_card(kind: str, item: dict[str, Any]) -> dbc.Card:
    title = f"{_TITLES.get(kind, kind)} {item.get('id', '')}"
    if kind == "instruction":
        title += f" · {str(item.get('issuer', '')).upper()}"
    rows = [html.Tr([html.Th(_LABELS.get(k, k), className="fw-normal text-muted pe-2"), html.Td(_value(v))])
            for k, v in item.items() if k != "id"]
    return dbc.Card([dbc.CardHeader(title, className="py-1 fw-semibold"),
                     dbc.CardBody(html.Table(html.Tbody(rows), className="table table-sm mb-0 small"),
                                  className="p-1")], className="mb-2")


def side(title: str, items: list[tuple[str, dict[str, Any]]]) -> html.Div:
    cards = [evidence_card(kind, item) for kind, item in items] or [html.Div("—", className="text-muted")]
    return html.Div([html.Div(title, className="panel-title mb-1"), *cards])
