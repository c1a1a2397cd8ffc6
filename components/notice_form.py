"""The DSO's notice form: kind, service, title, location (station, feeder, zone or a pasted GeoJSON polygon),
size, window, response deadline and recurrence; save as draft, publish, or amend the selected notice."""
from __future__ import annotations

from datetime import datetime, timedelta

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Notices
from data.domain.enums import NoticeKind
from data.domain.market_time import MARKET_TZ
from data.domain.notices import KIND_LABELS, MAX_TITLE, RECURRENCE_HELP, SERVICE_TYPES

TIME_HELP = "YYYY-MM-DD HH:MM, market time (EST, UTC-5 all year)"
LOCATION_KINDS = {"feeder": "Feeder", "station": "Station (and all below it)", "zone": "IESO zone",
                  "area": "Area (GeoJSON)"}
AREA_PLACEHOLDER = '{"type": "Polygon", "coordinates": [[[-79.40, 43.64], [-79.36, 43.64], [-79.36, 43.67], ' \
                   '[-79.40, 43.67], [-79.40, 43.64]]]}'


def location_hidden(kind: object) -> tuple[bool, bool, bool, bool]:
    """hidden of the station, feeder, zone and area fields for a location kind (feeder: station + feeder)."""
    kind = kind if isinstance(kind, str) and kind in LOCATION_KINDS else "feeder"
    return kind not in ("station", "feeder"), kind != "feeder", kind != "zone", kind != "area"


def default_times(now: datetime) -> tuple[str, str, str]:
    """Start tomorrow at the same hour, 4 hours long; respond 6 hours before (EST text)."""
    start = (now.astimezone(MARKET_TZ) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return tuple(f"{t:%Y-%m-%d %H:%M}" for t in (start, start + timedelta(hours=4),  # type: ignore[return-value]
                                                  start - timedelta(hours=6)))


def _field(label: str, control, hint: str | None = None, md: int = 6, field_id: str | None = None,  # type: ignore[no-untyped-def]
           hidden: bool = False) -> dbc.Col:
    parts = [dbc.Label(label, className="small mb-0"), control]
    if hint:
        parts.append(dbc.FormText(hint, className="small"))
    extra = {"id": field_id} if field_id else {}
    return dbc.Col(parts, md=md, className="mb-2", style={"display": "none"} if hidden else None, **extra)


def notice_form(stations: list[tuple[int, str]], zones: list[str], now: datetime, visible: bool) -> html.Div:
    start, end, deadline = default_times(now)
    hidden = location_hidden("feeder")
    body = [
        html.Div([html.Span("Publish a need or standby notice", className="panel-title me-auto"),
                  html.Span("Selecting a notice and pressing “Load into form” prepares an amendment.",
                            className="small text-body-secondary")], className="d-flex mb-2"),
        dbc.RadioItems(id=Notices.FORM_KIND, value=NoticeKind.STANDBY.value, inline=True, className="small mb-2",
                       options=[{"label": KIND_LABELS[k], "value": k.value} for k in
                                (NoticeKind.STANDBY, NoticeKind.REQUEST_FOR_SERVICE, NoticeKind.REQUIREMENT)]),
        dbc.Row([
            _field("Service type", dcc.Dropdown(id=Notices.FORM_SERVICE, value="congestion_management",
                                                clearable=False, className="small",
                                                options=[{"label": v, "value": k} for k, v in SERVICE_TYPES.items()])),
            _field("Title", dbc.Input(id=Notices.FORM_TITLE, maxlength=MAX_TITLE, size="sm",
                                      placeholder="e.g. Evening peak relief on the lakeshore feeders")),
        ], className="g-2"),
        dbc.Label("Location", className="small mb-0 d-block"),
        dbc.RadioItems(id=Notices.FORM_LOCATION_KIND, value="feeder", inline=True, className="small mb-1",
                       options=[{"label": v, "value": k} for k, v in LOCATION_KINDS.items()]),
        dbc.Row([
            _field("Station", dcc.Dropdown(id=Notices.FORM_STATION, className="small",
                                           options=[{"label": label, "value": i} for i, label in stations],
                                           placeholder="A station of your territory"),
                   field_id=Notices.FORM_STATION_FIELD, hidden=hidden[0]),
            _field("Feeder", dcc.Dropdown(id=Notices.FORM_FEEDER, options=[], className="small",
                                          placeholder="Pick the station first"),
                   field_id=Notices.FORM_FEEDER_FIELD, hidden=hidden[1]),
            _field("Zone", dcc.Dropdown(id=Notices.FORM_ZONE, options=[{"label": z, "value": z} for z in zones],
                                        className="small", placeholder="A zone where your territory lies"),
                   field_id=Notices.FORM_ZONE_FIELD, hidden=hidden[2]),
            _field("Area: a GeoJSON Polygon ([longitude, latitude])",
                   dbc.Textarea(id=Notices.FORM_AREA, rows=3, className="small font-monospace",
                                placeholder=AREA_PLACEHOLDER),
                   "Paste a Polygon, a Feature or a FeatureCollection of one polygon", md=12,
                   field_id=Notices.FORM_AREA_FIELD, hidden=hidden[3]),
        ], className="g-2"),
        dbc.Row([
            _field("Size (MW)", dbc.Input(id=Notices.FORM_SIZE, type="number", step="any", size="sm",
                                          placeholder="MW"), md=3),
            _field("Start (EST)", dbc.Input(id=Notices.FORM_START, value=start, size="sm", maxlength=30), md=3),
            _field("End (EST)", dbc.Input(id=Notices.FORM_END, value=end, size="sm", maxlength=30), md=3),
            _field("Respond by (EST)", dbc.Input(id=Notices.FORM_DEADLINE, value=deadline, size="sm", maxlength=30),
                   md=3),
        ], className="g-2"),
        dbc.FormText(TIME_HELP, className="small d-block mb-2"),
        dbc.Row([
            _field("Recurrence", dbc.Input(id=Notices.FORM_RECURRENCE, value="none", size="sm", maxlength=80),
                   RECURRENCE_HELP, md=6),
        ], className="g-2"),
        html.Div([
            dbc.Button([html.I(className="bi bi-megaphone me-1"), "Publish"], id=Notices.PUBLISH_NOW, size="sm",
                       color="primary", className="me-2"),
            dbc.Button([html.I(className="bi bi-save me-1"), "Save as draft"], id=Notices.SAVE_DRAFT, size="sm",
                       color="secondary", outline=True, className="me-2"),
            dbc.Button([html.I(className="bi bi-arrow-repeat me-1"), "Amend selected notice"], id=Notices.AMEND,
                       size="sm", color="secondary", outline=True, disabled=True),
        ]),
        html.Div(id=Notices.FORM_MESSAGE, className="mt-2"),
    ]
    return html.Div(body, id=Notices.FORM, className="panel p-2 mb-2", hidden=not visible)
