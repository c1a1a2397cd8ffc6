"""The DER registry page's pieces: grids and their rows, the registration form with its map, the decision panels.

Colour only for state and always with words: a rejected registration or a collision is red, a registration
waiting for a decision blue, an approved one green.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components.grid import data_grid
from components.ids import Registry
from components.palette import NEUTRAL_DARK, SEVERITY_COLOURS
from data.domain.enums import (
    DER_STATUS_LABELS,
    AssessmentClass,
    DerStatus,
    IesoZone,
    MeterStatus,
    ServiceTag,
    Severity,
    Technology,
)
from data.domain.market_time import format_market
from data.queries.meters import MeterRow
from data.queries.registry import (
    AssessmentRow,
    FeederOption,
    FeederSuggestion,
    QueueRow,
    RegistrationRow,
    StationPoint,
)
from data.queries.resources import ResourceRow
from layers.basemap import BASEMAP_BOUNDS, basemap_layers

STATUS_LABELS: dict[str, str] = dict(DER_STATUS_LABELS)
STATUS_STATES: dict[str, Severity] = {
    DerStatus.PENDING: Severity.INFORMATION, DerStatus.EMBEDDED_APPROVED: Severity.INFORMATION,
    DerStatus.ACTIVE: Severity.COMPLIANT, DerStatus.REJECTED: Severity.ALARM, DerStatus.INACTIVE: Severity.ACTION,
    MeterStatus.SUBMITTED: Severity.INFORMATION, MeterStatus.APPROVED: Severity.COMPLIANT,
    MeterStatus.REJECTED: Severity.ALARM,
}
SERVICE_LABELS = {ServiceTag.WHOLESALE: "Wholesale", ServiceTag.DISTRIBUTION: "Distribution",
                  ServiceTag.BOTH: "Both"}
CLASS_LABELS = {AssessmentClass.UNDER_10MW: "Under 10 MW", AssessmentClass.OVER_10MW: "Over 10 MW"}
PICK_MARKER_CLASS = "registry-pick"  # the picked point's marker (browser tests find it by this class)
_TEXT = {"cellDataType": "text", "filter": "agTextColumnFilter"}
_NUMBER = {"type": "numericColumn", "filter": "agNumberColumnFilter"}


def _state_rules(field: str) -> dict[str, dict[str, str]]:
    return {f"state-cell-{s}": {"function": f"params.data.{field} === '{s}'"}
            for s in (Severity.ALARM, Severity.ACTION, Severity.COMPLIANT)}


def _label(mapping: dict[str, str], value: str | None) -> str:
    return mapping.get(value or "", value or "")


def _tech(value: str) -> str:
    try:
        return Technology(value).label
    except ValueError:
        return value


def _status(value: str) -> tuple[str, str]:
    state = STATUS_STATES.get(value)
    return _label(STATUS_LABELS, value) or value.capitalize(), state.value if state else ""


def _grid(grid_id: str, columns: list[dict[str, Any]], height: str, *, multi: bool = False) -> Any:
    grid = data_grid(grid_id, columns, height=height, row_id="key", tooltipShowDelay=200)
    if multi:
        grid.dashGridOptions = {**grid.dashGridOptions, "rowSelection": {
            "mode": "multiRow", "checkboxes": True, "headerCheckbox": True, "enableClickSelection": True}}
    grid.defaultColDef = {**grid.defaultColDef, "wrapHeaderText": True, "autoHeaderHeight": True}
    return grid


def badge(text: str, state: str = "neutral", icon: str | None = None) -> html.Span:
    parts = [html.I(className=f"bi {icon} me-1")] if icon else []
    return html.Span([*parts, text], className=f"badge state-{state} me-2")


# --- registrations ----------------------------------------------------------------------------------------

REGISTRATION_COLUMNS = [
    {"field": "platform_id", "headerName": "Platform ID", "minWidth": 160, "pinned": "left", **_TEXT},
    {"field": "name", "headerName": "Name", "minWidth": 200, "tooltipField": "name", **_TEXT},
    {"field": "technology", "headerName": "Technology", "minWidth": 120, **_TEXT},
    {"field": "capacity_kw", "headerName": "Capacity kW", "minWidth": 125, **_NUMBER},
    {"field": "status", "headerName": "Status", "minWidth": 150, "cellClassRules": _state_rules("status_state"),
     **_TEXT},
    {"field": "collisions", "headerName": "Collisions", "minWidth": 220, "tooltipField": "collisions",
     "cellClassRules": _state_rules("collision_state"), **_TEXT},
    {"field": "feeder", "headerName": "Feeder", "minWidth": 130, **_TEXT},
    {"field": "station", "headerName": "Station", "minWidth": 150, **_TEXT},
    {"field": "ldc", "headerName": "LDC", "minWidth": 150, **_TEXT},
    {"field": "meter", "headerName": "Meter", "minWidth": 120, **_TEXT},
    {"field": "service", "headerName": "Service", "minWidth": 100, **_TEXT},
    {"field": "registered", "headerName": "Registered (EST)", "minWidth": 160, "sort": "desc", **_TEXT},
    {"field": "approved", "headerName": "Approved (EST)", "minWidth": 160, **_TEXT},
    {"field": "reason", "headerName": "Reason", "minWidth": 200, "tooltipField": "reason", **_TEXT},
]


def registrations_grid() -> Any:
    return _grid(Registry.REGISTRATIONS_GRID, REGISTRATION_COLUMNS, "560px")


def registration_rows(rows: Sequence[RegistrationRow]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        status, state = _status(r.status)
        out.append({
            "key": str(r.id), "id": r.id, "platform_id": r.platform_id or "pending", "name": r.name,
            "technology": _tech(r.technology), "capacity_kw": round(r.capacity_kw, 1), "status": status,
            "status_state": state, "collisions": "; ".join(r.collisions) or "",
            "collision_state": Severity.ALARM.value if r.collisions else "", "feeder": r.feeder,
            "station": r.station, "ldc": r.ldc, "meter": r.meter_id or "", "service": _label(SERVICE_LABELS,
                                                                                             r.service_tag),
            "registered": format_market(r.registered_at), "approved": format_market(r.approved_at)
            if r.approved_at else "", "reason": r.status_reason or "",
        })
    return out


def count_summary(shown: int, total: int, noun: str) -> str:
    return f"{total:,} {noun}" if shown >= total else f"newest {shown:,} of {total:,} {noun}"


# --- the registration form --------------------------------------------------------------------------------


def _field(label: str, control: Any, width: int = 6, hint: str | None = None) -> dbc.Col:
    parts = [dbc.Label(label, html_for=control.id, className="small mb-0"), control]
    if hint:
        parts.append(dbc.FormText(hint, className="small"))
    return dbc.Col(parts, md=width, className="mb-2")


def _input(component_id: str, **kw: Any) -> dbc.Input:
    return dbc.Input(id=component_id, size="sm", **kw)


def _select(component_id: str, options: list[dict[str, str]], value: str | None = None,
            placeholder: str | None = None) -> dbc.Select:
    return dbc.Select(id=component_id, options=options, value=value, placeholder=placeholder, size="sm")


# The form's inputs in the order the callback reads them, with the registration key each fills.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    (Registry.NAME, "name"), (Registry.ADDRESS, "address"), (Registry.TECHNOLOGY, "technology"),
    (Registry.CAPACITY, "capacity_kw"), (Registry.ENERGY, "energy_kwh"), (Registry.RAMP_UP, "ramp_up_kw_min"),
    (Registry.RAMP_DOWN, "ramp_down_kw_min"), (Registry.METER, "meter_id"), (Registry.LAT, "lat"),
    (Registry.LON, "lon"), (Registry.SERVICE, "service_tag"), (Registry.ASSESS_REF, "assessment_ref"),
    (Registry.ASSESS_DATE, "assessment_date"), (Registry.ASSESS_CLASS, "assessment_class"),
)


def registration_form(registrant_note: str, today: str) -> html.Div:
    tech = [{"label": t.label, "value": t.value} for t in Technology]
    service = [{"label": SERVICE_LABELS[t], "value": t.value} for t in ServiceTag]
    classes = [{"label": CLASS_LABELS[c], "value": c.value} for c in AssessmentClass]
    return html.Div([
        html.Div("Register a DER", className="panel-title mb-1"),
        html.Div(registrant_note, className="small text-body-secondary mb-2"),
        dbc.Row([
            _field("Name", _input(Registry.NAME, maxlength=200, placeholder="e.g. Rooftop PV – 12 King St")),
            _field("Address", _input(Registry.ADDRESS, maxlength=300, placeholder="Street, town")),
            _field("Technology", _select(Registry.TECHNOLOGY, tech, placeholder="Choose…"), 4),
            _field("Capacity (kW)", _input(Registry.CAPACITY, type="number", min=0, step="any"), 4),
            _field("Energy (kWh, storage)", _input(Registry.ENERGY, type="number", min=0, step="any"), 4),
            _field("Ramp up (kW/min)", _input(Registry.RAMP_UP, type="number", min=0, step="any"), 4),
            _field("Ramp down (kW/min)", _input(Registry.RAMP_DOWN, type="number", min=0, step="any"), 4),
            _field("Meter ID", _input(Registry.METER, maxlength=40, placeholder="optional"), 4),
            _field("Latitude (°N)", _input(Registry.LAT, type="number", step="any", debounce=True), 4,
                   "click the map or type"),
            _field("Longitude (°E)", _input(Registry.LON, type="number", step="any", debounce=True), 4),
            _field("Service", _select(Registry.SERVICE, service, ServiceTag.BOTH.value), 4),
        ], className="g-2"),
        html.Div("Connection assessment", className="panel-title mt-1 mb-1"),
        dbc.Row([
            _field("Reference", _input(Registry.ASSESS_REF, maxlength=40, placeholder="e.g. CIA-2025-00123"), 4),
            _field("Date", _input(Registry.ASSESS_DATE, type="date", max=today), 4),
            _field("Class", _select(Registry.ASSESS_CLASS, classes, placeholder="Choose…"), 4),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-send me-1"), "Register"], id=Registry.SUBMIT, size="sm", color="primary",
                   className="mt-1"),
        html.Div(id=Registry.FORM_MESSAGE, className="mt-2"),
    ], className="panel p-2")


def _station_layer(stations: Sequence[StationPoint]) -> dl.LayerGroup:
    """Stations as small grey dots (the grid is public), so the registrant sees where the network is."""
    return dl.LayerGroup([
        dl.CircleMarker(center=[st.lat, st.lon], radius=3, color=NEUTRAL_DARK, weight=1, fillOpacity=0.5,
                        children=dl.Tooltip(f"{st.name} ({st.code})"))
        for st in stations
    ])


def registration_map_panel() -> html.Div:
    """The map's panel; the map itself is drawn into the slot when the tab is first shown (Leaflet measures its
    container when it starts: drawn in a hidden tab, it would stay grey)."""
    return html.Div([
        html.Div("Location: click the map (grey dots are stations)", className="panel-title mb-1"),
        html.Div(id=Registry.MAP_SLOT, style={"height": "430px"}),
        dcc.Store(id=Registry.PICKED),
        html.Div(suggestion_text(None, None), id=Registry.SUGGESTION, className="small mt-2"),
    ], className="panel p-2")


def registration_map(tile_url: str | None, tile_attribution: str,
                     bounds: tuple[tuple[float, float], tuple[float, float]],
                     stations: Sequence[StationPoint]) -> dl.Map:
    return dl.Map(
        [*basemap_layers(tile_url, tile_attribution), _station_layer(stations), dl.LayerGroup(id=Registry.MAP_PICK),
         dl.ScaleControl(position="bottomleft", imperial=False)],
        id=Registry.MAP, bounds=[list(bounds[0]), list(bounds[1])], minZoom=5, maxZoom=18,
        maxBounds=[list(BASEMAP_BOUNDS[0]), list(BASEMAP_BOUNDS[1])], maxBoundsViscosity=1.0,
        center=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2], zoom=7,
        style={"height": "430px", "width": "100%", "cursor": "crosshair"},
    )


def suggestion_text(point: tuple[float, float] | None, suggestion: FeederSuggestion | None) -> Any:
    if point is None:
        return html.Span("No location yet: the nearest feeder is suggested from it.", className="text-body-secondary")
    if suggestion is None:
        return html.Span([html.I(className="bi bi-exclamation-triangle-fill me-1"),
                          f"No feeder within reach of {point[0]:.5f}, {point[1]:.5f}: check the point."],
                         className="badge state-action")
    return html.Span([
        html.I(className="bi bi-diagram-3 me-1"), "Suggested: feeder ", html.Strong(suggestion.code),
        f" · station {suggestion.station} · {suggestion.ldc} ({suggestion.distance_m:,.0f} m away). ",
        html.Span("The LDC confirms or changes it.", className="text-body-secondary"),
    ])


def pick_layer(point: tuple[float, float], line: Any) -> list:
    """The picked point, and the suggested feeder's line ([[lon, lat], ...], as the browser sent it back)."""
    layers: list = []
    positions = []
    for vertex in line[:5000] if isinstance(line, list) else []:
        if (isinstance(vertex, list) and len(vertex) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in vertex[:2])):
            positions.append([vertex[1], vertex[0]])
    if len(positions) >= 2:
        layers.append(dl.Polyline(positions=positions, color=NEUTRAL_DARK, weight=4, opacity=0.9, interactive=False))
    # not interactive: a click on the marker or the line is a click on the map (it picks a new point)
    layers.append(dl.CircleMarker(center=list(point), radius=8, color=SEVERITY_COLOURS[Severity.INFORMATION],
                                  fillOpacity=0.8, weight=2, interactive=False, className=PICK_MARKER_CLASS))
    return layers


# --- the LDC's approval queue -----------------------------------------------------------------------------

QUEUE_COLUMNS = [
    {"field": "registration", "headerName": "#", "minWidth": 90, "maxWidth": 110, "pinned": "left", **_TEXT},
    {"field": "name", "headerName": "Name", "minWidth": 190, "tooltipField": "name", **_TEXT},
    {"field": "technology", "headerName": "Technology", "minWidth": 120, **_TEXT},
    {"field": "capacity_kw", "headerName": "Capacity kW", "minWidth": 125, **_NUMBER},
    {"field": "status", "headerName": "Status", "minWidth": 150, "cellClassRules": _state_rules("status_state"),
     **_TEXT},
    {"field": "waiting_for", "headerName": "Waiting for", "minWidth": 150, **_TEXT},
    {"field": "feeder", "headerName": "Feeder", "minWidth": 130, **_TEXT},
    {"field": "suggested", "headerName": "Nearest feeder", "minWidth": 200, "tooltipField": "suggested", **_TEXT},
    {"field": "assessment", "headerName": "Connection assessment", "minWidth": 200, "tooltipField": "assessment",
     "cellClassRules": _state_rules("assessment_state"), **_TEXT},
    {"field": "collisions", "headerName": "Collisions", "minWidth": 200, "tooltipField": "collisions",
     "cellClassRules": _state_rules("collision_state"), **_TEXT},
    {"field": "registrant", "headerName": "Registered by", "minWidth": 170, **_TEXT},
    {"field": "address", "headerName": "Address", "minWidth": 180, "tooltipField": "address", **_TEXT},
    {"field": "meter", "headerName": "Meter", "minWidth": 110, **_TEXT},
    {"field": "service", "headerName": "Service", "minWidth": 95, **_TEXT},
    {"field": "registered", "headerName": "Registered (EST)", "minWidth": 160, **_TEXT},
]


def queue_rows(rows: Sequence[QueueRow]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        status, state = _status(r.status)
        suggested = ""
        if r.suggested_feeder:
            same = " (current)" if r.suggested_feeder_id == r.feeder_id else ""
            suggested = f"{r.suggested_feeder}, {r.suggested_distance_m:,.0f} m{same}"
        out.append({
            "key": str(r.id), "id": r.id, "seen": r.status, "feeder_id": r.feeder_id,
            "suggested_feeder_id": r.suggested_feeder_id, "registration": f"#{r.id}", "name": r.name,
            "technology": _tech(r.technology), "capacity_kw": round(r.capacity_kw, 1), "status": status,
            "status_state": state, "waiting_for": "you" if r.your_turn else r.waiting_for,
            "feeder": f"{r.feeder} · {r.station}",
            "suggested": suggested, "assessment": r.assessment,
            "assessment_state": "" if r.assessment == "valid" else Severity.ACTION.value,
            "collisions": "; ".join(r.collisions), "collision_state": Severity.ALARM.value if r.collisions else "",
            "registrant": r.registrant, "address": r.address or "", "meter": r.meter_id or "",
            "service": _label(SERVICE_LABELS, r.service_tag), "registered": format_market(r.registered_at),
            "lat": r.lat, "lon": r.lon, "your_turn": r.your_turn,
        })
    return out


def _decision_panel(title: str, intro: Any, fields: list, reason_id: str,
                    buttons: list[tuple[str, str, str, str]], message_id: str) -> html.Div:
    """A decision panel: what is selected, the fields, the reason, the buttons (id, icon, label, colour) and the
    answer. Rejecting needs the reason; the service says so when it is missing."""
    return html.Div([
        html.Div(title, className="panel-title mb-1"),
        intro,
        *fields,
        dbc.Textarea(id=reason_id, placeholder="Reason (needed to reject)", maxLength=500, rows=2,
                     className="form-control-sm mb-2"),
        html.Div([dbc.Button([html.I(className=f"bi {icon} me-1"), label], id=button_id, size="sm", color=colour,
                             outline=colour == "danger", className="me-1")
                  for button_id, icon, label, colour in buttons]),
        html.Div(id=message_id, className="mt-2"),
    ], className="panel p-2 mb-2")


def _hint(text: str) -> html.Div:
    return html.Div(text, className="small text-body-secondary mb-2")


def queue_panel(feeders: Sequence[FeederOption]) -> html.Div:
    intro = html.Div("Tick registrations to approve them together, or one to check its feeder or reject it.",
                     id=Registry.DECISION_TARGET, className="small mb-2")
    feeder = [dbc.Label("Feeder (one registration ticked)", html_for=Registry.QUEUE_FEEDER, className="small mb-0"),
              dcc.Dropdown(id=Registry.QUEUE_FEEDER, options=[{"label": f.label, "value": f.id} for f in feeders],
                           placeholder="keep the registration's feeder", className="small mb-2", clearable=True)]
    return _decision_panel("Decide", intro, feeder, Registry.REASON,
                           [(Registry.APPROVE, "bi-check2-all", "Approve ticked", "success"),
                            (Registry.REJECT, "bi-x-lg", "Reject", "danger")], Registry.DECISION_MESSAGE)


def queue_grid() -> Any:
    return _grid(Registry.QUEUE_GRID, QUEUE_COLUMNS, "520px", multi=True)


# --- resources --------------------------------------------------------------------------------------------

RESOURCE_COLUMNS = [
    {"field": "code", "headerName": "Resource ID", "minWidth": 140, **_TEXT},
    {"field": "name", "headerName": "Name", "minWidth": 200, **_TEXT},
    {"field": "aggregator", "headerName": "Aggregator", "minWidth": 200, **_TEXT},
    {"field": "zone", "headerName": "Zone", "minWidth": 100, **_TEXT},
    {"field": "service", "headerName": "Service", "minWidth": 100, **_TEXT},
    {"field": "status", "headerName": "Status", "minWidth": 120, "cellClassRules": _state_rules("status_state"),
     **_TEXT},
    {"field": "der_count", "headerName": "Active DERs", "minWidth": 90, **_NUMBER},
    {"field": "capacity_kw", "headerName": "Capacity kW", "minWidth": 125, **_NUMBER},
    {"field": "registered", "headerName": "Registered (EST)", "minWidth": 160, **_TEXT},
]


def resource_rows(rows: Sequence[ResourceRow]) -> list[dict[str, Any]]:
    out = []
    for r in sorted(rows, key=lambda r: r.status != DerStatus.PENDING):  # waiting ones first, else newest first
        status, state = _status(r.status)
        out.append({"key": str(r.id), "id": r.id, "seen": r.status, "code": r.code, "name": r.name,
                    "aggregator": r.aggregator, "zone": r.zone, "service": _label(SERVICE_LABELS, r.service_tag),
                    "status": status, "status_state": state, "der_count": r.der_count,
                    "capacity_kw": round(r.capacity_kw, 1), "registered": format_market(r.registered_at)})
    return out


def resources_grid() -> Any:
    return _grid(Registry.RESOURCES_GRID, RESOURCE_COLUMNS, "480px")


def resource_form() -> html.Div:
    zones = [{"label": z.value, "value": z.value} for z in IesoZone]
    service = [{"label": SERVICE_LABELS[t], "value": t.value} for t in ServiceTag]
    return html.Div([
        html.Div("Register an aggregated resource", className="panel-title mb-1"),
        dbc.Row([
            _field("Name", _input(Registry.RES_NAME, maxlength=200), 12),
            _field("IESO zone", _select(Registry.RES_ZONE, zones, placeholder="Choose…")),
            _field("Service", _select(Registry.RES_SERVICE, service, ServiceTag.WHOLESALE.value)),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-send me-1"), "Register resource"], id=Registry.RES_SUBMIT, size="sm",
                   color="primary"),
        html.Div(id=Registry.RES_MESSAGE, className="mt-2"),
    ], className="panel p-2")


def resource_admin_panel() -> html.Div:
    code = _field("Resource ID", _input(Registry.RES_CODE, maxlength=32), 12, "kept unique across all resources")
    return _decision_panel("Approve resources and update resource IDs", _hint("Select a resource in the list."),
                           [code], Registry.RES_REASON,
                           [(Registry.RES_APPROVE, "bi-check-lg", "Approve", "success"),
                            (Registry.RES_UPDATE_CODE, "bi-pencil", "Update ID", "secondary"),
                            (Registry.RES_REJECT, "bi-x-lg", "Reject", "danger")], Registry.RES_DECISION_MESSAGE)


# --- meters -----------------------------------------------------------------------------------------------

METER_COLUMNS = [
    {"field": "der", "headerName": "DER", "minWidth": 150, **_TEXT},
    {"field": "meter", "headerName": "Meter ID", "minWidth": 130, **_TEXT},
    {"field": "status", "headerName": "Status", "minWidth": 110, "cellClassRules": _state_rules("status_state"),
     **_TEXT},
    {"field": "valid_from", "headerName": "Valid from", "minWidth": 110, **_TEXT},
    {"field": "valid_to", "headerName": "Valid to", "minWidth": 110, **_TEXT},
    {"field": "submitted_by", "headerName": "Submitted by", "minWidth": 170, **_TEXT},
    {"field": "submitted", "headerName": "Submitted (EST)", "minWidth": 160, **_TEXT},
    {"field": "reason", "headerName": "Reason", "minWidth": 160, "tooltipField": "reason", **_TEXT},
]
_METER_ORDER = {MeterStatus.SUBMITTED: 0}


def meter_rows(rows: Sequence[MeterRow]) -> list[dict[str, Any]]:
    out = []
    for m in sorted(rows, key=lambda m: _METER_ORDER.get(m.status, 1)):  # waiting ones first, else newest first
        status = _label({s.value: s.value.capitalize() for s in MeterStatus}, m.status)
        state = STATUS_STATES.get(m.status)
        out.append({"key": str(m.id), "id": m.id, "der_id": m.der_id, "seen": m.status, "der": m.der,
                    "meter": m.meter_code, "status": status, "status_state": state.value if state else "",
                    "valid_from": m.valid_from.isoformat(), "valid_to": m.valid_to.isoformat() if m.valid_to else "",
                    "submitted_by": m.submitted_by, "submitted": format_market(m.submitted_at),
                    "reason": m.status_reason or ""})
    return out


def meter_grid() -> Any:
    return _grid(Registry.METER_GRID, METER_COLUMNS, "360px")


def meter_history_grid() -> Any:
    columns = [c for c in METER_COLUMNS if c["field"] != "der"]
    return _grid(Registry.METER_HISTORY, columns, "220px")


def meter_form(today: str) -> html.Div:
    return html.Div([
        html.Div("Submit a new or changed meter", className="panel-title mb-1"),
        dbc.Label("DER (search by platform ID, name or meter)", html_for=Registry.METER_DER, className="small mb-0"),
        dcc.Dropdown(id=Registry.METER_DER, options=[], placeholder="Type to search your DERs…",
                     className="small mb-2"),
        dbc.Row([
            _field("New meter ID", _input(Registry.METER_CODE, maxlength=40)),
            _field("Valid from", _input(Registry.METER_FROM, type="date", value=today)),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-send me-1"), "Submit meter"], id=Registry.METER_SUBMIT, size="sm",
                   color="primary"),
        html.Div(id=Registry.METER_FORM_MESSAGE, className="mt-2"),
    ], className="panel p-2 mb-2")


def meter_decision_panel() -> html.Div:
    return _decision_panel("Validate meters", _hint("Select a submitted meter in the list."), [],
                           Registry.METER_REASON,
                           [(Registry.METER_APPROVE, "bi-check-lg", "Approve meter", "success"),
                            (Registry.METER_REJECT, "bi-x-lg", "Reject meter", "danger")],
                           Registry.METER_DECISION_MESSAGE)


# --- connection assessment checks -------------------------------------------------------------------------

ASSESSMENT_COLUMNS = [
    {"field": "platform_id", "headerName": "Platform ID", "minWidth": 160, **_TEXT},
    {"field": "name", "headerName": "Name", "minWidth": 200, "tooltipField": "name", **_TEXT},
    {"field": "capacity_kw", "headerName": "Capacity kW", "minWidth": 125, **_NUMBER},
    {"field": "status", "headerName": "Status", "minWidth": 120, **_TEXT},
    {"field": "reasons", "headerName": "Why flagged", "minWidth": 300, "tooltipField": "reasons",
     "cellClass": "state-cell-action", **_TEXT},
    {"field": "reference", "headerName": "Reference", "minWidth": 150, **_TEXT},
    {"field": "assessed_on", "headerName": "Assessed", "minWidth": 110, **_TEXT},
    {"field": "assessment_class", "headerName": "Class", "minWidth": 110, **_TEXT},
    {"field": "activation", "headerName": "Activated", "minWidth": 110, **_TEXT},
    {"field": "ldc", "headerName": "LDC", "minWidth": 150, **_TEXT},
]


def assessment_grid() -> Any:
    return _grid(Registry.ASSESS_GRID, ASSESSMENT_COLUMNS, "560px")


def assessment_rows(rows: Sequence[AssessmentRow]) -> list[dict[str, Any]]:
    return [{"key": str(r.id), "id": r.id, "platform_id": r.platform_id or "pending", "name": r.name,
             "capacity_kw": round(r.capacity_kw, 1), "status": _status(r.status)[0], "reasons": r.reasons,
             "reference": r.reference or "", "assessed_on": r.assessed_on.isoformat() if r.assessed_on else "",
             "assessment_class": _label(CLASS_LABELS, r.assessment_class),
             "activation": r.activation_date.isoformat() if r.activation_date else "", "ldc": r.ldc}
            for r in rows]


def assessment_tab_label(count: int) -> str:
    return f"Assessment checks ({count:,})"
