"""DER registry callbacks: lists, the registration form and its map, decisions on registrations, resources and meters.

Thin: parse what the browser sent (any type, any size), call one query or service function, shape the answer.
Refusals (bad values, duplicates, not your turn, decided by someone else, out of scope) come back as messages.
"""
from __future__ import annotations

import math
from typing import Any

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from callbacks.inputs import clipped_text, record_id
from components import registry_views as views
from components.ids import Registry
from components.limit_views import message
from data.access import AccessDenied, Permission
from data.domain.der_registration import FIELD_LABELS, ONTARIO_BOUNDS
from data.domain.enums import DerStatus, Severity
from data.domain.errors import DomainError, InvalidEntry, problem_field
from data.domain.market_time import trade_date_of
from data.models.base import utcnow
from data.queries import meters as meter_q
from data.queries import registry as rq
from data.queries import resources as resource_q
from data.queries.grid_extent import station_bounds
from data.services import meters as meter_svc
from data.services import registry as svc
from data.services import resources as resource_svc

MAX_SELECTED = 500
PICK_ZOOM = 11  # the map flies in to the picked point: the suggested feeder line in view
_ID_LIMIT = 2**31
_FIELD_BY_LABEL = {label: key for key, label in FIELD_LABELS.items()}
_INPUT_BY_KEY = {key: component for component, key in views.FORM_FIELDS}
_STATUS_VALUES = {s.value for s in DerStatus} | {"submitted", "approved", "rejected", "retired"}


def _changed() -> str:
    return utcnow().isoformat()


def _today():  # type: ignore[no-untyped-def]
    return trade_date_of(utcnow())


def _refusal(exc: Exception) -> Any:
    if isinstance(exc, InvalidEntry):
        return message(exc.problems, Severity.ALARM)
    return message(str(exc), Severity.ALARM)



def _picked(rows: Any) -> list[dict[str, Any]]:
    """The ticked rows as {"id", "seen", ...}; anything malformed is left out."""
    out = []
    for row in rows[:MAX_SELECTED] if isinstance(rows, list) else []:
        if not isinstance(row, dict) or record_id(row.get("id")) is None:
            continue
        seen = row.get("seen")
        out.append({**row, "seen": seen if isinstance(seen, str) and seen in _STATUS_VALUES else None})
    return out



# --- lists ------------------------------------------------------------------------------------------------


@callback(Output(Registry.REGISTRATIONS_GRID, "rowData"), Output(Registry.REGISTRATIONS_SUMMARY, "children"),
          Output(Registry.SUMMARY, "children"),
          Input(Registry.CHANGED, "data"), Input(Registry.REFRESH, "n_intervals"))
@requires(Permission.VIEW_REGISTRY)
def registrations(_changed_at: Any, _tick: Any) -> tuple[Any, Any, Any]:
    principal = principal_or_refuse()
    with db().session() as s:
        rows, total = rq.registrations(s, principal)
        counts = rq.status_counts(s, principal)
    waiting = counts.get(DerStatus.PENDING, 0) + counts.get(DerStatus.EMBEDDED_APPROVED, 0)
    clashes = sum(1 for r in rows if r.collisions)
    badges = [views.badge(f"{total:,} registrations", "neutral"),
              views.badge(f"{waiting:,} waiting for approval", "information" if waiting else "neutral",
                          "bi-hourglass-split")]
    if clashes:
        badges.append(views.badge(f"{clashes} with collisions", "alarm", "bi-exclamation-octagon"))
    note = views.count_summary(len(rows), total, "registrations in your view")
    return views.registration_rows(rows), note, badges


@callback(Output(Registry.ASSESS_GRID, "rowData"), Output(Registry.ASSESS_SUMMARY, "children"),
          Output(Registry.TAB_ASSESSMENT, "label"),
          Input(Registry.CHANGED, "data"), Input(Registry.REFRESH, "n_intervals"))
@requires(Permission.VIEW_REGISTRY)
def assessment_checks(_changed_at: Any, _tick: Any) -> tuple[Any, Any, Any]:
    principal = principal_or_refuse()
    with db().session() as s:
        rows, count = rq.assessment_flags(s, principal, today=_today())
    note = [views.badge(f"{count:,} flagged", "action" if count else "compliant",
                        "bi-exclamation-triangle" if count else "bi-check-circle"),
            "DERs without a valid connection assessment (reference, date, and a class covering the capacity; "
            "assessed before activation)."]
    return views.assessment_rows(rows), note, views.assessment_tab_label(count)


@callback(Output(Registry.RESOURCES_GRID, "rowData"),
          Input(Registry.CHANGED, "data"), Input(Registry.REFRESH, "n_intervals"))
@requires(Permission.VIEW_REGISTRY)
def resource_list(_changed_at: Any, _tick: Any) -> list[dict[str, Any]]:
    principal = principal_or_refuse()
    with db().session() as s:
        return views.resource_rows(resource_q.resources(s, principal))


@callback(Output(Registry.METER_GRID, "rowData"),
          Input(Registry.CHANGED, "data"), Input(Registry.REFRESH, "n_intervals"))
@requires(Permission.VIEW_REGISTRY)
def meter_list(_changed_at: Any, _tick: Any) -> list[dict[str, Any]]:
    principal = principal_or_refuse()
    with db().session() as s:
        return views.meter_rows(meter_q.meters(s, principal))


@callback(Output(Registry.METER_HISTORY, "rowData"), Output(Registry.METER_HISTORY_TITLE, "children"),
          Input(Registry.METER_GRID, "selectedRows"), Input(Registry.CHANGED, "data"))
@requires(Permission.VIEW_REGISTRY)
def meter_history(selected: Any, _changed_at: Any) -> tuple[Any, Any]:
    picked = _picked(selected)
    der_id = record_id(picked[0].get("der_id")) if len(picked) == 1 else None
    if der_id is None:
        return [], "Select a meter to see its DER's meter history."
    principal = principal_or_refuse()
    with db().session() as s:
        history = meter_q.meter_history(s, principal, der_id)
    if not history:
        return [], "No meter history in your view."
    return views.meter_rows(history), f"Meter history of {history[0].der}"


# --- registering a DER ------------------------------------------------------------------------------------


def _coordinate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


@callback(Output(Registry.MAP_SLOT, "children"), Input(Registry.TABS, "active_tab"),
          State(Registry.MAP_SLOT, "children"))
@requires(Permission.REGISTER_ASSETS)
def draw_map(active: Any, drawn: Any) -> Any:
    """The map is drawn once, when its tab is first shown (Leaflet must start in a visible container)."""
    if active != "register" or drawn:
        raise PreventUpdate
    principal = principal_or_refuse()
    with db().session() as s:
        bounds = station_bounds(s, principal)
        stations = rq.public_stations(s)
    config = settings()
    return views.registration_map(config.tile_url, config.tile_attribution, bounds, stations)


@callback(Output(Registry.LAT, "value"), Output(Registry.LON, "value"), Input(Registry.MAP, "clickData"),
          prevent_initial_call=True)
@requires(Permission.REGISTER_ASSETS)
def pick_on_map(click: Any) -> tuple[Any, Any]:
    point = click.get("latlng") if isinstance(click, dict) else None
    lat = _coordinate(point.get("lat")) if isinstance(point, dict) else None
    lon = _coordinate(point.get("lng")) if isinstance(point, dict) else None
    if lat is None or lon is None:
        raise PreventUpdate
    return round(lat, 6), round(lon, 6)


@callback(Output(Registry.SUGGESTION, "children"), Output(Registry.PICKED, "data"),
          Input(Registry.LAT, "value"), Input(Registry.LON, "value"))
@requires(Permission.REGISTER_ASSETS)
def suggest(lat: Any, lon: Any) -> tuple[Any, Any]:
    """The nearest feeder to the typed or picked point; the point and the feeder go to the map."""
    y, x = _coordinate(lat), _coordinate(lon)
    if y is None or x is None:
        return views.suggestion_text(None, None), None
    south, west, north, east = ONTARIO_BOUNDS
    if not (south <= y <= north and west <= x <= east):
        return message(f"{y:.5f}, {x:.5f} is outside Ontario.", Severity.ACTION), None
    with db().session() as s:
        suggestion = rq.suggest_feeder(s, y, x)
    line = suggestion.geometry if suggestion else []
    return views.suggestion_text((y, x), suggestion), {"lat": y, "lon": x, "line": line}


@callback(Output(Registry.MAP_PICK, "children"), Output(Registry.MAP, "viewport"), Input(Registry.PICKED, "data"),
          State(Registry.MAP, "zoom"))
@requires(Permission.REGISTER_ASSETS)
def show_pick(picked: Any, zoom: Any) -> tuple[Any, Any]:
    """The picked point and its suggested feeder on the map, flown to close enough to place it on a street."""
    point = (picked.get("lat"), picked.get("lon")) if isinstance(picked, dict) else (None, None)
    y, x = _coordinate(point[0]), _coordinate(point[1])
    if y is None or x is None:
        return [], no_update
    current = zoom if isinstance(zoom, int | float) and not isinstance(zoom, bool) else 0
    viewport = {"center": [y, x], "zoom": max(min(current, 18), PICK_ZOOM), "transition": "flyTo"}
    return views.pick_layer((y, x), picked.get("line")), viewport


_FORM_STATES = [State(component, "value") for component, _ in views.FORM_FIELDS]
_INVALID_OUTPUTS = [Output(component, "invalid") for component, _ in views.FORM_FIELDS]


def _invalid_flags(problems: list[str]) -> list[bool]:
    bad = set()
    for problem in problems:
        label = problem_field(problem)
        if label == "Location":
            bad |= {"lat", "lon"}
        elif label in _FIELD_BY_LABEL:
            bad.add(_FIELD_BY_LABEL[label])
    return [key in bad for _, key in views.FORM_FIELDS]


@callback(Output(Registry.FORM_MESSAGE, "children"), Output(Registry.CHANGED, "data", allow_duplicate=True),
          *_INVALID_OUTPUTS, Input(Registry.SUBMIT, "n_clicks"), *_FORM_STATES, prevent_initial_call=True)
@requires(Permission.REGISTER_ASSETS)
def register(_n: Any, *values: Any) -> tuple[Any, ...]:
    principal = principal_or_refuse()
    raw = {key: value for (_, key), value in zip(views.FORM_FIELDS, values, strict=True)}
    try:
        with db().transaction() as s:
            der = svc.register_der(s, principal, raw, today=_today())
            der_id, feeder = der.id, rq.feeder_label(s, der.feeder_id)
    except InvalidEntry as exc:
        return (message(exc.problems, Severity.ALARM), no_update, *_invalid_flags(exc.problems))
    except (DomainError, AccessDenied) as exc:
        return (_refusal(exc), no_update, *[False] * len(views.FORM_FIELDS))
    text = (f"Registration #{der_id} submitted on feeder {feeder}: pending until the LDC approves it; the platform ID "
            "is assigned then.")
    return (message(text, Severity.COMPLIANT), _changed(), *[False] * len(views.FORM_FIELDS))


# --- the LDC's approval queue -----------------------------------------------------------------------------


@callback(Output(Registry.QUEUE_GRID, "rowData"), Output(Registry.QUEUE_SUMMARY, "children"),
          Input(Registry.CHANGED, "data"), Input(Registry.REFRESH, "n_intervals"))
@requires(Permission.APPROVE_ASSETS)
def queue(_changed_at: Any, _tick: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    with db().session() as s:
        rows = rq.approval_queue(s, principal, today=_today())
    mine = sum(r.your_turn for r in rows)
    summary = [views.badge(f"{mine} waiting for your decision", "information" if mine else "neutral",
                           "bi-inbox"),
               f"{len(rows) - mine} waiting for another LDC of your territory" if len(rows) > mine else ""]
    return views.queue_rows(rows), summary


@callback(Output(Registry.DECISION_TARGET, "children"), Output(Registry.QUEUE_FEEDER, "value"),
          Input(Registry.QUEUE_GRID, "selectedRows"))
@requires(Permission.APPROVE_ASSETS)
def queue_selection(selected: Any) -> tuple[Any, Any]:
    picked = _picked(selected)
    if not picked:
        return "Tick registrations to approve them together, or one to check its feeder or reject it.", None
    if len(picked) > 1:
        return f"{len(picked)} registrations ticked: approve them together (all or none).", None
    row = picked[0]
    name = clipped_text(row.get("name"), 120) or ""
    feeder = clipped_text(row.get("feeder"), 120) or ""
    nearest = clipped_text(row.get("suggested"), 200) or "none within reach"
    text = [f"#{row['id']} {name}: on feeder {feeder}. Nearest feeder: {nearest}."]
    if not row.get("your_turn"):
        text.append(f" It waits for {clipped_text(row.get('waiting_for'), 120) or 'another LDC'}.")
    return text, record_id(row.get("feeder_id"))


@callback(Output(Registry.DECISION_MESSAGE, "children"), Output(Registry.CHANGED, "data", allow_duplicate=True),
          Input(Registry.APPROVE, "n_clicks"), Input(Registry.REJECT, "n_clicks"),
          State(Registry.QUEUE_GRID, "selectedRows"), State(Registry.QUEUE_FEEDER, "value"),
          State(Registry.REASON, "value"), prevent_initial_call=True)
@requires(Permission.APPROVE_ASSETS)
def decide(_a: Any, _r: Any, selected: Any, feeder: Any, reason: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    picked = _picked(selected)
    if not picked:
        return message("Tick a registration first.", Severity.ACTION), no_update
    trigger = ctx.triggered_id
    try:
        if trigger == Registry.REJECT:
            if len(picked) != 1:
                return message("Tick one registration to reject it, with the reason.", Severity.ACTION), no_update
            row = picked[0]
            with db().transaction() as s:
                svc.reject_der(s, principal, row["id"], clipped_text(reason) or "", expected_status=row["seen"])
            return message(f"Registration #{row['id']} rejected; the registrant is told why.",
                           Severity.COMPLIANT), _changed()
        if trigger != Registry.APPROVE:
            raise PreventUpdate
        feeder_id = record_id(feeder)
        if len(picked) == 1 and feeder_id is not None and feeder_id != picked[0].get("feeder_id"):
            row = picked[0]
            with db().transaction() as s:
                outcome = svc.approve_der(s, principal, row["id"], feeder_id=feeder_id, expected_status=row["seen"])
            return message(outcome.message, Severity.COMPLIANT), _changed()
        with db().transaction() as s:
            assigned = svc.approve_ders(s, principal, [r["id"] for r in picked],
                                        expected_statuses={r["id"]: r["seen"] for r in picked if r["seen"]})
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), _changed()
    parts = [f"{len(picked)} approved."]
    if assigned:
        parts.append(f"Platform IDs: {', '.join(assigned)}.")
    if len(assigned) < len(picked):
        parts.append(f"{len(picked) - len(assigned)} now wait for the host LDC's final approval.")
    return message(" ".join(parts), Severity.COMPLIANT), _changed()


# --- resources --------------------------------------------------------------------------------------------


@callback(Output(Registry.RES_MESSAGE, "children"), Output(Registry.CHANGED, "data", allow_duplicate=True),
          Input(Registry.RES_SUBMIT, "n_clicks"), State(Registry.RES_NAME, "value"),
          State(Registry.RES_ZONE, "value"), State(Registry.RES_SERVICE, "value"), prevent_initial_call=True)
@requires(Permission.REGISTER_ASSETS)
def register_resource(_n: Any, name: Any, zone: Any, service: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    try:
        with db().transaction() as s:
            code = resource_svc.register_resource(s, principal, name=clipped_text(name, 300), zone=zone,
                                                  service_tag=service).resource_code
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), no_update
    return message(f"Resource {code} registered: pending until a platform administrator approves it.",
                   Severity.COMPLIANT), _changed()


@callback(Output(Registry.RES_CODE, "value"), Input(Registry.RESOURCES_GRID, "selectedRows"))
@requires(Permission.MANAGE_RESOURCES)
def resource_selection(selected: Any) -> Any:
    picked = _picked(selected)
    return clipped_text(picked[0].get("code"), 32) if len(picked) == 1 else ""


@callback(Output(Registry.RES_DECISION_MESSAGE, "children"), Output(Registry.CHANGED, "data", allow_duplicate=True),
          Input(Registry.RES_APPROVE, "n_clicks"), Input(Registry.RES_REJECT, "n_clicks"),
          Input(Registry.RES_UPDATE_CODE, "n_clicks"), State(Registry.RESOURCES_GRID, "selectedRows"),
          State(Registry.RES_CODE, "value"), State(Registry.RES_REASON, "value"), prevent_initial_call=True)
@requires(Permission.MANAGE_RESOURCES)
def decide_resource(_a: Any, _r: Any, _u: Any, selected: Any, code: Any, reason: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    picked = _picked(selected)
    if len(picked) != 1:
        return message("Select one resource first.", Severity.ACTION), no_update
    row, trigger = picked[0], ctx.triggered_id
    code = clipped_text(code, 100)
    try:
        with db().transaction() as s:
            if trigger == Registry.RES_UPDATE_CODE:
                resource = resource_svc.update_resource_code(s, principal, row["id"], code or "")
                text = f"Resource ID updated to {resource.resource_code}."
            elif trigger in (Registry.RES_APPROVE, Registry.RES_REJECT):
                approve = trigger == Registry.RES_APPROVE
                resource = resource_svc.decide_resource(
                    s, principal, row["id"], approve=approve, reason=clipped_text(reason),
                    new_code=code if approve and code != row.get("code") else None, expected_status=row["seen"])
                text = f"Resource {resource.resource_code} {'approved' if approve else 'rejected'}."
            else:
                raise PreventUpdate
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), _changed()
    return message(text, Severity.COMPLIANT), _changed()


# --- meters -----------------------------------------------------------------------------------------------


@callback(Output(Registry.METER_DER, "options"), Input(Registry.METER_DER, "search_value"),
          State(Registry.METER_DER, "value"))
@requires(Permission.REGISTER_ASSETS)
def meter_der_options(search: Any, value: Any) -> list[dict[str, Any]]:
    principal = principal_or_refuse()
    with db().session() as s:
        options = meter_q.meterable_ders(s, principal, clipped_text(search, 40) or "", chosen=record_id(value))
    return [{"label": o.label, "value": o.id} for o in options]


@callback(Output(Registry.METER_FORM_MESSAGE, "children"), Output(Registry.CHANGED, "data", allow_duplicate=True),
          Input(Registry.METER_SUBMIT, "n_clicks"), State(Registry.METER_DER, "value"),
          State(Registry.METER_CODE, "value"), State(Registry.METER_FROM, "value"), prevent_initial_call=True)
@requires(Permission.REGISTER_ASSETS)
def submit_meter(_n: Any, der_id: Any, code: Any, valid_from: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    if record_id(der_id) is None:
        return message("DER: choose one of your DERs.", Severity.ACTION), no_update
    try:
        with db().transaction() as s:
            meter = meter_svc.submit_meter(s, principal, der_id, clipped_text(code, 100), clipped_text(valid_from, 32),
                                           today=_today())
            text = f"Meter {meter.meter_code} submitted, valid from {meter.valid_from}: the LDC validates it."
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), no_update
    return message(text, Severity.COMPLIANT), _changed()


@callback(Output(Registry.METER_DECISION_MESSAGE, "children"),
          Output(Registry.CHANGED, "data", allow_duplicate=True),
          Input(Registry.METER_APPROVE, "n_clicks"), Input(Registry.METER_REJECT, "n_clicks"),
          State(Registry.METER_GRID, "selectedRows"), State(Registry.METER_REASON, "value"),
          prevent_initial_call=True)
@requires(Permission.APPROVE_ASSETS)
def decide_meter(_a: Any, _r: Any, selected: Any, reason: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    picked = _picked(selected)
    if len(picked) != 1:
        return message("Select one submitted meter first.", Severity.ACTION), no_update
    row = picked[0]
    try:
        with db().transaction() as s:
            if ctx.triggered_id == Registry.METER_APPROVE:
                meter = meter_svc.approve_meter(s, principal, row["id"], expected_status=row["seen"])
                text = f"Meter {meter.meter_code} approved, valid from {meter.valid_from}; the previous one ends then."
            elif ctx.triggered_id == Registry.METER_REJECT:
                meter = meter_svc.reject_meter(s, principal, row["id"], clipped_text(reason) or "",
                                               expected_status=row["seen"])
                text = f"Meter {meter.meter_code} rejected; the submitter is told why."
            else:
                raise PreventUpdate
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), _changed()
    return message(text, Severity.COMPLIANT), _changed()
