"""Views of dispatch instructions: grid columns, the DSO form, the acknowledgement bar, the 10:00 EPT checklist."""
from __future__ import annotations

from datetime import datetime, timedelta

import dash_bootstrap_components as dbc
from dash import html

from components.grid import data_grid
from components.ids import Dispatch
from data.domain.enums import TargetKind
from data.domain.market_time import MARKET_TZ, floor_to_interval

OVERDUE_RULES = {"state-cell-alarm": {"function": "params.value === 'OVERDUE'"}}
INSTRUCTION_COLUMNS = [
    {"field": "issuer", "headerName": "Issuer", "maxWidth": 100},
    {"field": "issuer_org", "headerName": "From", "minWidth": 150},
    {"field": "state", "headerName": "State", "maxWidth": 120},
    {"field": "overdue", "headerName": "Ack", "maxWidth": 110, "cellClassRules": OVERDUE_RULES},
    {"field": "target", "headerName": "Target", "minWidth": 180},
    {"field": "amount_kw", "headerName": "kW (+ export)", "type": "numericColumn", "maxWidth": 140},
    {"field": "mvar", "headerName": "MVAR", "type": "numericColumn", "maxWidth": 100},
    {"field": "start", "headerName": "From (EST)", "minWidth": 160},
    {"field": "end", "headerName": "To (EST)", "minWidth": 160},
    {"field": "ack_deadline", "headerName": "Acknowledge by (EST)", "minWidth": 170},
    {"field": "minutes_left", "headerName": "Min left", "type": "numericColumn", "maxWidth": 110},
    {"field": "message_id", "headerName": "IESO message", "minWidth": 140},
]
CHECKLIST_COLUMNS = [
    {"field": "sent", "headerName": "Sent to IESO", "maxWidth": 140,
     "cellClassRules": {"state-cell-alarm": {"function": "params.value === 'NOT SENT'"},
                        "state-cell-compliant": {"function": "params.value === 'yes'"}}},
    {"field": "what", "headerName": "What", "minWidth": 190},
    {"field": "item", "headerName": "Item", "minWidth": 260},
    {"field": "window", "headerName": "When (EST)", "minWidth": 280},
    {"field": "sent_at", "headerName": "Sent at (EST)", "minWidth": 160},
]
TARGET_KINDS = [{"label": k.value.capitalize(), "value": k.value} for k in
                (TargetKind.FEEDER, TargetKind.STATION, TargetKind.RESOURCE, TargetKind.DER)]
DIRECTIONS = [{"label": "Curtail / import (-)", "value": "import"},
              {"label": "Export / reduce load (+)", "value": "export"}]


def _field(label: str, control, width: int = 2) -> dbc.Col:  # type: ignore[no-untyped-def]
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=width)


def issue_form(now: datetime) -> html.Div:
    start = floor_to_interval(now) + timedelta(hours=1)
    est = start.astimezone(MARKET_TZ)
    return html.Div(
        [
            html.Div("Issue a distribution instruction", className="panel-title mb-1"),
            dbc.Row([
                _field("Target", dbc.Select(id=Dispatch.FORM_TARGET_KIND, options=TARGET_KINDS, value="feeder",
                                            size="sm")),
                _field("Which", dbc.Select(id=Dispatch.FORM_TARGET, options=[], size="sm"), 3),
                _field("Direction", dbc.Select(id=Dispatch.FORM_DIRECTION, options=DIRECTIONS, value="import",
                                               size="sm")),
                _field("Amount", dbc.Input(id=Dispatch.FORM_AMOUNT, type="number", min=0, size="sm"), 1),
                _field("Unit", dbc.Select(id=Dispatch.FORM_UNIT, options=["kW", "MW"], value="kW", size="sm"), 1),
                _field("MVAR", dbc.Input(id=Dispatch.FORM_MVAR, type="number", size="sm"), 1),
            ], className="g-2 mb-2"),
            dbc.Row([
                _field("Start (EST)", dbc.Input(id=Dispatch.FORM_START, value=f"{est:%Y-%m-%d %H:%M}", size="sm",
                                                maxlength=30)),
                _field("End (EST)", dbc.Input(id=Dispatch.FORM_END, value=f"{est + timedelta(hours=1):%Y-%m-%d %H:%M}",
                                              size="sm", maxlength=30)),
                _field("Acknowledge (min before start)", dbc.Input(id=Dispatch.FORM_ACK_MINUTES, type="number",
                                                                   value=15, min=0, max=1440, size="sm")),
                dbc.Col(dbc.Button([html.I(className="bi bi-send me-1"), "Issue"], id=Dispatch.ISSUE, size="sm",
                                   color="primary", className="mt-3"), md=2),
            ], className="g-2"),
        ],
        id=Dispatch.FORM, className="panel p-2 mb-3",
    )


def ack_bar() -> html.Div:
    return html.Div(
        [
            html.Span("Selected instruction:", className="small me-2"),
            dbc.Input(id=Dispatch.ACK_REASON, placeholder="Reason (optional)", size="sm", maxlength=500,
                      style={"maxWidth": "320px"}, className="me-2"),
            dbc.Button([html.I(className="bi bi-check-lg me-1"), "Accept"], id=Dispatch.ACCEPT, size="sm",
                       color="success", className="me-2"),
            dbc.Button([html.I(className="bi bi-x-lg me-1"), "Reject"], id=Dispatch.REJECT, size="sm",
                       color="danger"),
        ],
        className="d-flex align-items-center mb-2",
    )


def checklist_panel(can_send: bool) -> html.Div:
    return html.Div(
        [
            html.Div([html.Div(id=Dispatch.CHECKLIST_TITLE, className="panel-title me-3"),
                      html.Div(id=Dispatch.CHECKLIST_COUNTDOWN, className="me-auto"),
                      dbc.Button([html.I(className="bi bi-envelope-arrow-up me-1"), "Send selected to IESO"],
                                 id=Dispatch.SEND_IESO, size="sm", color="secondary", outline=True)
                      if can_send else None],
                     className="d-flex align-items-center mb-1"),
            data_grid(Dispatch.CHECKLIST, CHECKLIST_COLUMNS, height="240px", row_id="key"),
        ],
        className="panel p-1 mb-3",
    )
