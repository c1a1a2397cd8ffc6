"""Needs & notices: the DSOs' requests for service, standby notices and requirements beside the IESO's wholesale
needs; who has acknowledged; (DSO) the form and actions; (aggregators) the acknowledgement; OpenADR export."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.grid import data_grid
from components.ids import Notices
from components.notice_form import notice_form
from components.notice_views import ESCALATION_CELL_RULES
from data.access import Permission
from data.domain.enums import IesoZone, NoticeStatus
from data.domain.notices import MAX_RESPONSE
from data.models.base import utcnow
from data.queries.notices import station_options, territory_zones

dash.register_page(
    __name__, path="/notices", name="Needs & notices", title="Needs & notices · T-D Coordination",
    permission=Permission.VIEW_NOTICES, nav_order=40, icon="bi-megaphone",
)

COLUMNS = [
    {"field": "status", "headerName": "Status", "minWidth": 105, "maxWidth": 125},
    {"field": "id", "headerName": "#", "minWidth": 64, "maxWidth": 80, "type": "numericColumn"},
    {"field": "kind", "headerName": "Kind", "minWidth": 150, "maxWidth": 190},
    {"field": "service", "headerName": "Service", "minWidth": 170},
    {"field": "title", "headerName": "Title", "minWidth": 200, "tooltipField": "title"},
    {"field": "location", "headerName": "Location", "minWidth": 200, "tooltipField": "location"},
    {"field": "size_mw", "headerName": "MW", "headerTooltip": "Size (MW)", "type": "numericColumn",
     "minWidth": 80, "maxWidth": 100},
    {"field": "window", "headerName": "Window (EST)", "minWidth": 235},
    {"field": "deadline", "headerName": "Respond by (EST)", "minWidth": 165},
    {"field": "acks", "headerName": "Acks", "headerTooltip": "Recipients that have acknowledged, of all alerted",
     "minWidth": 95, "maxWidth": 120},
    {"field": "escalation", "headerName": "Escalation", "minWidth": 130, "maxWidth": 150,
     "cellClassRules": ESCALATION_CELL_RULES},
    {"field": "publisher", "headerName": "Publisher", "minWidth": 170, "tooltipField": "publisher"},
]
STATUS_FILTER_DEFAULT = [NoticeStatus.DRAFT.value, NoticeStatus.PUBLISHED.value, NoticeStatus.AMENDED.value]
WINDOWS = {"1d": "Now −12 h … +1 day", "2d": "Now −12 h … +2 days", "7d": "Now −1 day … +6 days"}


def _actions(can_publish: bool) -> html.Div:
    """Publish a draft, load it into the form, close or cancel; present (hidden) for every role so the
    callbacks' ids exist."""
    return html.Div([
        dbc.Input(id=Notices.NOTE, placeholder="Note to the aggregators (optional)", maxlength=1000, size="sm",
                  className="mb-1 mt-2"),
        dbc.ButtonGroup([
            dbc.Button([html.I(className="bi bi-megaphone me-1"), "Publish draft"], id=Notices.PUBLISH, size="sm",
                       color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-pencil-square me-1"), "Load into form"], id=Notices.LOAD,
                       size="sm", color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-check2-square me-1"), "Close"], id=Notices.CLOSE, size="sm",
                       color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-x-circle me-1"), "Cancel notice"], id=Notices.CANCEL, size="sm",
                       color="secondary", outline=True, disabled=True),
        ], size="sm", className="flex-wrap"),
        html.Div(id=Notices.ACTION_MESSAGE, className="mt-1"),
    ], id=Notices.ACTIONS, hidden=not can_publish)


def _acknowledge() -> html.Div:
    """Shown (by the selection callback) when the selected notice waits for the aggregator's acknowledgement."""
    return html.Div([
        dbc.Label("Response to the LDC (optional)", className="small mb-0 mt-2"),
        dbc.Textarea(id=Notices.ACK_RESPONSE, maxlength=MAX_RESPONSE, rows=2, className="small mb-1",
                     placeholder="e.g. 1.5 MW available from 14:00; battery fleet on standby"),
        dbc.Button([html.I(className="bi bi-check2-circle me-1"), "Acknowledge for my organisation"],
                   id=Notices.ACK, size="sm", color="primary", disabled=True),
    ], id=Notices.ACK_PANEL, hidden=True)


@requires(Permission.VIEW_NOTICES)
def layout(notice: str | None = None, **_query: str) -> html.Div:
    principal = principal_or_refuse()
    can_publish = principal.can(Permission.PUBLISH_NOTICES)
    can_ack = principal.can(Permission.ACKNOWLEDGE_DISPATCH)
    stations: list[tuple[int, str]] = []
    zones: list[str] = []
    if can_publish:
        with db().session() as s:
            stations, zones = station_options(s, principal), territory_zones(s, principal)
    focus = int(notice) if isinstance(notice, str) and notice.isdigit() and len(notice) < 10 else None
    header = html.Div([
        html.H1("Needs & notices", className="h4 mb-0 me-3"),
        html.Div(id=Notices.SUMMARY, className="me-auto"),
        dcc.Dropdown(id=Notices.FILTER_STATUS, multi=True, value=STATUS_FILTER_DEFAULT, placeholder="All statuses",
                     options=[{"label": s.value.capitalize(), "value": s.value} for s in NoticeStatus],
                     className="small me-2", style={"minWidth": "320px"}),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Export CSV"], id=Notices.EXPORT_CSV, size="sm",
                   color="secondary", outline=True),
    ], className="d-flex align-items-center mb-2")
    attention_title = "Waiting for your acknowledgement" if can_ack else "Acknowledgements late or due soon"
    timeline = html.Div([
        html.Div([
            html.Span("Needs timeline: DSO notices and IESO wholesale needs", className="panel-title me-auto"),
            dcc.Dropdown(id=Notices.TIMELINE_ZONE, options=[{"label": f"{z.value} zone demand", "value": z.value}
                                                            for z in IesoZone],
                         value=zones[0] if zones else None, placeholder="Add a zone's demand", className="small me-2",
                         style={"minWidth": "210px"}),
            dcc.Dropdown(id=Notices.TIMELINE_WINDOW, options=[{"label": v, "value": k} for k, v in WINDOWS.items()],
                         value="2d", clearable=False, className="small", style={"minWidth": "210px"}),
        ], className="d-flex align-items-center mb-1 gap-1"),
        dcc.Graph(id=Notices.TIMELINE, config={"displayModeBar": False, "responsive": True},
                  style={"height": "360px"}),
    ], className="panel p-2 mb-2")
    selected = html.Div([
        html.Div("Selected notice", className="panel-title mb-1"),
        html.Div("Select a notice in the list.", id=Notices.DETAIL, className="small text-body-secondary"),
        html.Div(id=Notices.ACKS, className="mt-2"),
        _acknowledge(),
        html.Div(id=Notices.ACK_MESSAGE, className="mt-1"),
        _actions(can_publish),
        html.Div([
            dbc.Button([html.I(className="bi bi-filetype-json me-1"), "Export OpenADR 3 event"],
                       id=Notices.EXPORT_OPENADR, size="sm", color="secondary", outline=True, disabled=True),
            html.Span(id=Notices.EXPORT_MESSAGE, className="small ms-2"),
        ], className="mt-2"),
    ], className="panel p-2 mb-2")
    attention = html.Div([html.Div([html.I(className="bi bi-bell me-1"), attention_title],
                                   className="panel-title mb-1"),
                          html.Div(id=Notices.ATTENTION)], className="panel p-2 mb-2")
    grid = html.Div(data_grid(Notices.GRID, COLUMNS, height="232px", row_id="key", tooltipShowDelay=200),
                    className="panel p-1 mb-2")
    left = [timeline, notice_form(stations, zones, utcnow(), visible=can_publish)]
    right = [attention, selected] if can_ack else [selected, attention]
    return html.Div([
        dcc.Store(id=Notices.SELECTED), dcc.Store(id=Notices.SAVED), dcc.Store(id=Notices.ACTED),
        dcc.Store(id=Notices.ACKED), dcc.Store(id=Notices.FOCUS, data=focus), dcc.Download(id=Notices.DOWNLOAD),
        dcc.Interval(id=Notices.REFRESH, interval=60_000),
        header, grid,
        dbc.Row([dbc.Col(left, lg=8), dbc.Col(right, lg=4)], className="g-2"),
    ])
