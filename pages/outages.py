"""Outage and constraint log: the log, its timeline, the selected outage, alerts, and (LDC) the entry form."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.grid import data_grid
from components.ids import Outages
from components.outage_views import OUTAGE_STATE_CELL_RULES
from data.access import Permission, Principal
from data.domain.enums import OutageKind, OutageState
from data.domain.market_time import MARKET_TZ, floor_to_interval
from data.domain.outages import EDITABLE_KINDS, MAX_DESCRIPTION
from data.models.base import utcnow
from data.queries.outages import ldc_options, station_choices

dash.register_page(
    __name__, path="/outages", name="Outages", title="Outages · T-D Coordination",
    permission=Permission.VIEW_OUTAGES, nav_order=50, icon="bi-exclamation-diamond",
)

COLUMNS = [
    {"field": "state", "headerName": "State", "minWidth": 105, "maxWidth": 120,
     "cellClassRules": OUTAGE_STATE_CELL_RULES},
    {"field": "id", "headerName": "#", "minWidth": 70, "maxWidth": 90, "type": "numericColumn"},
    {"field": "kind", "headerName": "Kind", "minWidth": 110, "maxWidth": 130},
    {"field": "elements", "headerName": "Elements", "minWidth": 260, "tooltipField": "elements"},
    {"field": "start", "headerName": "Start (EST)", "minWidth": 180},
    {"field": "estimated", "headerName": "Est. restoration (EST)", "minWidth": 200},
    {"field": "restored", "headerName": "Restored (EST)", "minWidth": 180},
    {"field": "limit", "headerName": "De-rate / max", "minWidth": 125},
    {"field": "reporter", "headerName": "Reporter", "minWidth": 190, "tooltipField": "reporter"},
    {"field": "description", "headerName": "Description", "minWidth": 220, "tooltipField": "description"},
]
KIND_LABELS = {OutageKind.PLANNED: "Planned outage", OutageKind.FORCED: "Forced outage",
               OutageKind.CONSTRAINT: "Constraint (de-rate)", OutageKind.TRANSMISSION: "IESO transmission"}
ENTRY_HELP = "YYYY-MM-DD HH:MM, market time (EST, UTC-5 all year), on 5 minutes"


def _options(values, labels=None) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{"label": (labels or {}).get(v, str(v).capitalize()), "value": str(v)} for v in values]


def _filters(ldcs: list[tuple[int, str]]) -> html.Div:
    return html.Div([
        dcc.Dropdown(id=Outages.FILTER_STATE, options=_options(OutageState), multi=True, placeholder="All states",
                     value=[OutageState.PLANNED.value, OutageState.ACTIVE.value], className="small"),
        dcc.Dropdown(id=Outages.FILTER_KIND, options=_options(OutageKind, KIND_LABELS), multi=True,
                     placeholder="All kinds", className="small"),
        dcc.Dropdown(id=Outages.FILTER_LDC, options=[{"label": n, "value": i} for i, n in ldcs], multi=True,
                     placeholder="All LDCs", className="small"),
        dcc.DatePickerRange(id=Outages.FILTER_DATES, display_format="YYYY-MM-DD", clearable=True,
                            start_date_placeholder_text="From (EST day)", end_date_placeholder_text="To",
                            className="small"),
        dbc.Input(id=Outages.FILTER_TEXT, placeholder="Search text or #id", debounce=True, maxlength=100, size="sm"),
    ], className="filter-bar")


def _actions(can_log: bool) -> html.Div:
    """Activate / restore / cancel with a note; present (hidden) for every role so the callbacks' ids exist."""
    return html.Div([
        html.Div("Change state", className="small fw-semibold mt-2"),
        dbc.Input(id=Outages.NOTE, placeholder="Note (optional)", maxlength=1000, size="sm", className="mb-1"),
        dbc.ButtonGroup([
            dbc.Button([html.I(className="bi bi-play-fill me-1"), "Activate"], id=Outages.ACTIVATE, size="sm",
                       color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-check2-circle me-1"), "Restore"], id=Outages.RESTORE, size="sm",
                       color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-x-circle me-1"), "Cancel outage"], id=Outages.CANCEL, size="sm",
                       color="secondary", outline=True, disabled=True),
        ], size="sm"),
        html.Div(id=Outages.ACTION_MESSAGE, className="mt-1"),
    ], id=Outages.ACTIONS, hidden=not can_log)


def _field(label: str, control, hint: str | None = None) -> dbc.Col:  # type: ignore[no-untyped-def]
    parts = [dbc.Label(label, className="small mb-0"), control]
    if hint:
        parts.append(dbc.FormText(hint, className="small"))
    return dbc.Col(parts, md=6, className="mb-2")


def _form(principal: Principal, can_log: bool) -> html.Div:
    stations = []
    if can_log:
        with db().session() as s:
            stations = station_choices(s, principal)
    now_est = floor_to_interval(utcnow()).astimezone(MARKET_TZ)
    station_options = [{"label": label if owned else f"{label} · its feeders only", "value": i}
                       for i, label, owned in stations]
    body = [
        html.Div("Log an outage or constraint", className="panel-title mb-2"),
        dbc.RadioItems(id=Outages.FORM_KIND, value=OutageKind.PLANNED.value, inline=True, className="small mb-2",
                       options=[{"label": KIND_LABELS[k], "value": k.value} for k in EDITABLE_KINDS]),
        dbc.Row([
            _field("Station", dcc.Dropdown(id=Outages.FORM_STATION, options=station_options, className="small",
                                           placeholder="Pick a station of your territory")),
            _field("Feeders", dcc.Dropdown(id=Outages.FORM_FEEDERS, options=[], multi=True, className="small",
                                           placeholder="Feeders of that station"),
                   "Leave empty for the whole station"),
            _field("Start (EST)", dbc.Input(id=Outages.FORM_START, value=f"{now_est:%Y-%m-%d %H:%M}", size="sm",
                                            maxlength=30), ENTRY_HELP),
            _field("Estimated restoration (EST)", dbc.Input(id=Outages.FORM_END, size="sm", maxlength=30,
                                                            placeholder="YYYY-MM-DD HH:MM"),
                   "Required for a planned outage"),
            _field("De-rate (%)", dbc.Input(id=Outages.FORM_DERATE, inputmode="decimal", maxlength=30, size="sm",
                                            placeholder="0–100")),
            _field("or maximum (kW)", dbc.Input(id=Outages.FORM_MAX_KW, inputmode="decimal", maxlength=30,
                                                size="sm", placeholder="kW"), "A constraint needs one of the two"),
        ], className="g-2"),
        dbc.Label("Description", className="small mb-0"),
        dbc.Textarea(id=Outages.FORM_DESCRIPTION, maxlength=MAX_DESCRIPTION, rows=2, className="mb-2 small"),
        dbc.Button([html.I(className="bi bi-plus-circle me-1"), "Log outage"], id=Outages.FORM_SUBMIT, size="sm",
                   color="primary"),
        html.Div(id=Outages.FORM_MESSAGE, className="mt-2"),
    ]
    # Numbers are typed as text: a browser "number" field drops what it finds out of range and would send
    # nothing, so the server could not say what is wrong with it.
    return html.Div(body, id=Outages.FORM, className="panel p-2 mb-2", hidden=not can_log)


@requires(Permission.VIEW_OUTAGES)
def layout(outage: str | None = None, **_query: str) -> html.Div:
    principal = principal_or_refuse()
    can_log = principal.can(Permission.LOG_OUTAGES)
    with db().session() as s:
        ldcs = ldc_options(s, principal)
    focus = int(outage) if isinstance(outage, str) and outage.isdigit() and len(outage) < 10 else None
    header = html.Div([
        html.H1("Outages & constraints", className="h4 mb-0 me-3"),
        html.Div(id=Outages.SUMMARY, className="me-auto"),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Export CSV"], id=Outages.EXPORT_CSV, size="sm",
                   color="secondary", outline=True, className="me-2"),
        dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), "Export Excel"], id=Outages.EXPORT_XLSX,
                   size="sm", color="secondary", outline=True),
    ], className="d-flex align-items-center mb-2")
    log = html.Div(data_grid(Outages.GRID, COLUMNS, height="300px", row_id="key", tooltipShowDelay=200),
                   className="panel p-1 mt-2")
    left = [
        html.Div([html.Div("Timeline of the filtered outages", className="panel-title mb-1"),
                  dcc.Graph(id=Outages.TIMELINE, config={"displayModeBar": False, "responsive": True},
                            style={"height": "260px"})], className="panel p-2 mb-2"),
        _form(principal, can_log),
    ]
    selected = html.Div([html.Div("Selected outage", className="panel-title mb-1"),
                         html.Div("Select an outage in the log.", id=Outages.DETAIL,
                                  className="small text-body-secondary"),
                         _actions(can_log)], className="panel p-2 mb-2")
    alerts = html.Div([html.Div([html.I(className="bi bi-bell me-1"), "Alerts"], className="panel-title mb-1"),
                       html.Div(id=Outages.ALERTS)], className="panel p-2 mb-2 outage-alerts")
    right = [selected, alerts] if can_log else [alerts, selected]  # an aggregator comes for its alerts
    return html.Div([
        dcc.Store(id=Outages.SELECTED), dcc.Store(id=Outages.LOGGED), dcc.Store(id=Outages.ACTED),
        dcc.Store(id=Outages.FOCUS, data=focus), dcc.Download(id=Outages.DOWNLOAD),
        dcc.Interval(id=Outages.REFRESH, interval=60_000),
        header, _filters(ldcs), log,
        dbc.Row([dbc.Col(left, lg=8), dbc.Col(right, lg=4)], className="g-2 mt-1"),
    ])
