"""DER limits page callbacks: the request list, the detail, decisions, the request form, exports.

Thin: parse what the browser sent, call one query or service function, shape the answer. Refusals of the domain
(illegal transition, stale version, bad values) and of scope come back as messages in the page.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from dash import Input, Output, State, callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from components.ids import Limits
from components.limit_export import excel_bytes, openadr_json
from components.limit_form import curve_hours, parse_target, parse_trade_date, read_hours
from components.limit_views import (
    approved_row_data,
    decision_target_text,
    detail_panel,
    message,
    modify_rows,
    request_row_data,
    summary,
)
from data.access import AccessDenied, Permission
from data.domain.enums import Severity
from data.domain.errors import DomainError
from data.domain.limits.state_machine import Decision
from data.models.base import utcnow
from data.queries.limits import (
    CutoffRule,
    View,
    approved_hours,
    approved_schedules,
    available_views,
    decision_history,
    limit_request,
    limit_requests,
    requestable_targets,
)
from data.services.limits import InvalidLimitRequest, bulk_approve, decide, request_limit, withdraw

MAX_SELECTED = 200


def _rule() -> CutoffRule:
    return CutoffRule.from_settings(settings())


def _selected(rows: Any) -> list[tuple[int, int]]:
    """(request id, version seen) of the ticked rows; anything malformed is left out."""
    out = []
    for row in rows[:MAX_SELECTED] if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        rid, version = row.get("id"), row.get("version")
        if all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in (rid, version)):
            out.append((rid, version))
    return out


def _refusal(exc: Exception) -> Any:
    if isinstance(exc, InvalidLimitRequest):
        return message(list(exc.problems), Severity.ALARM)
    return message(str(exc), Severity.ALARM)


def _changed() -> str:
    return utcnow().isoformat()


# --- the list and the detail ------------------------------------------------------------------------------


@callback(Output(Limits.GRID, "rowData"), Output(Limits.SUMMARY, "children"),
          Input(Limits.REFRESH, "n_intervals"), Input(Limits.VIEW, "value"), Input(Limits.CHANGED, "data"))
@requires(Permission.VIEW_LIMITS)
def request_list(_tick: Any, view: Any, _changed: Any) -> tuple[list[dict[str, Any]], list]:
    principal = principal_or_refuse()
    views = available_views(principal)
    chosen = View(view) if view in {v.value for v in views} else views[0]
    with db().session() as s:
        rows = limit_requests(s, principal, utcnow(), chosen, rule=_rule())
    return request_row_data(rows, principal), summary(rows, principal)


def _one_row(selected: Any):  # type: ignore[no-untyped-def]
    picked = _selected(selected)
    if len(picked) != 1:
        return len(picked), None, []
    principal = principal_or_refuse()
    with db().session() as s:
        row = limit_request(s, principal, picked[0][0], utcnow(), _rule())
        history = decision_history(s, principal, picked[0][0]) if row else []
    return 1, row, history


@callback(Output(Limits.DETAIL, "children"), Input(Limits.GRID, "selectedRows"), Input(Limits.CHANGED, "data"))
@requires(Permission.VIEW_LIMITS)
def detail(selected: Any, _changed: Any) -> list:
    _, row, history = _one_row(selected)
    return detail_panel(row, history)


@callback(Output(Limits.DECISION_TARGET, "children"), Output(Limits.MODIFY_GRID, "rowData"),
          Input(Limits.GRID, "selectedRows"))
@requires(Permission.DECIDE_LIMITS)
def decision_target(selected: Any) -> tuple[str, list[dict[str, Any]]]:
    count, row, _ = _one_row(selected)
    return decision_target_text(count, row), modify_rows(row)


# --- decisions (LDC engineers) ----------------------------------------------------------------------------


@callback(Output(Limits.DECISION_MESSAGE, "children"), Output(Limits.CHANGED, "data", allow_duplicate=True),
          Input(Limits.APPROVE, "n_clicks"), Input(Limits.REJECT, "n_clicks"), Input(Limits.MODIFY, "n_clicks"),
          Input(Limits.BULK_APPROVE, "n_clicks"),
          State(Limits.GRID, "selectedRows"), State(Limits.REASON, "value"), State(Limits.MODIFY_GRID, "rowData"),
          prevent_initial_call=True)
@requires(Permission.DECIDE_LIMITS)
def decide_selected(_a: Any, _r: Any, _m: Any, _b: Any, selected: Any, reason: Any, values: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    trigger = ctx.triggered_id
    picked = _selected(selected)
    reason = reason[:900] if isinstance(reason, str) else None
    if not picked:
        return message("Select a request first.", Severity.ACTION), no_update
    now = utcnow()
    if trigger == Limits.BULK_APPROVE:
        try:
            with db().transaction() as s:
                results = bulk_approve(s, principal, picked, reason, now=now, rule=_rule())
        except (DomainError, AccessDenied) as exc:
            return _refusal(exc), _changed()
        done = [r.message for r in results if r.ok]
        refused = [r.message for r in results if not r.ok]
        severity = Severity.COMPLIANT if not refused else Severity.ACTION if done else Severity.ALARM
        return message([f"{len(done)} approved, {len(refused)} refused", *refused], severity), _changed()
    decision = {Limits.APPROVE: Decision.APPROVE, Limits.REJECT: Decision.REJECT,
                Limits.MODIFY: Decision.MODIFY}.get(trigger)
    if decision is None:
        raise PreventUpdate
    if len(picked) != 1:
        return message("Tick one request to decide it alone, or use “Approve all ticked”.", Severity.ACTION), no_update
    request_id, version = picked[0]
    try:
        new_hours = curve_hours(values) if decision is Decision.MODIFY else None
        with db().transaction() as s:
            request = decide(s, principal, request_id, decision, version, reason, new_hours, now=now, rule=_rule())
            status = request.status
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), _changed()
    return message(f"Request #{request_id}: {status.replace('_', ' ')}.", Severity.COMPLIANT), _changed()


# --- the request form (aggregators and DER owners) --------------------------------------------------------


@callback(Output(Limits.TARGET, "options"), Input(Limits.TARGET, "search_value"), State(Limits.TARGET, "value"))
@requires(Permission.REQUEST_LIMITS)
def target_options(search: Any, value: Any) -> list[dict[str, str]]:
    principal = principal_or_refuse()
    text = search if isinstance(search, str) else ""
    try:
        chosen = parse_target(value)
    except InvalidLimitRequest:
        chosen = (None, None)
    with db().session() as s:
        options = requestable_targets(s, principal, text, chosen=chosen)
    return [{"label": o.label, "value": o.value} for o in options]


@callback(Output(Limits.PEAK_FIELDS, "hidden"), Output(Limits.CURVE_FIELDS, "hidden"),
          Input(Limits.LIMIT_TYPE, "value"))
@requires(Permission.REQUEST_LIMITS)
def limit_type_fields(limit_type: Any) -> tuple[bool, bool]:
    dynamic = limit_type == "dynamic"
    return dynamic, not dynamic


@callback(Output(Limits.FORM_MESSAGE, "children"), Output(Limits.CHANGED, "data", allow_duplicate=True),
          Input(Limits.SUBMIT, "n_clicks"),
          State(Limits.TARGET, "value"), State(Limits.TRADE_DATE, "value"), State(Limits.LIMIT_TYPE, "value"),
          State(Limits.HE_FROM, "value"), State(Limits.HE_TO, "value"), State(Limits.EXPORT_KW, "value"),
          State(Limits.IMPORT_KW, "value"), State(Limits.CURVE_GRID, "rowData"),
          prevent_initial_call=True)
@requires(Permission.REQUEST_LIMITS)
def submit_request(_n: Any, target: Any, trade_date: Any, limit_type: Any, he_from: Any, he_to: Any,
                   export_kw: Any, import_kw: Any, curve: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    try:
        der_id, resource_id = parse_target(target)
        day = parse_trade_date(trade_date)
        kind, hours = read_hours(limit_type, he_from, he_to, export_kw, import_kw, curve)
        with db().transaction() as s:
            request = request_limit(s, principal, der_id=der_id, resource_id=resource_id, trade_date=day,
                                    limit_type=kind, hours=hours, now=utcnow(), rule=_rule())
            outcome = (request.id, request.status, request.automation_note or "")
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), no_update
    request_id, status, note = outcome
    severity = Severity.COMPLIANT if status == "approved" else Severity.INFORMATION
    return message(f"Request #{request_id} submitted: {status.replace('_', ' ')}. {note}", severity), _changed()


@callback(Output(Limits.WITHDRAW_MESSAGE, "children"), Output(Limits.CHANGED, "data", allow_duplicate=True),
          Input(Limits.WITHDRAW, "n_clicks"), State(Limits.GRID, "selectedRows"), prevent_initial_call=True)
@requires(Permission.REQUEST_LIMITS)
def withdraw_selected(_n: Any, selected: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    picked = _selected(selected)
    if len(picked) != 1:
        return message("Select one of your open requests first.", Severity.ACTION), no_update
    try:
        with db().transaction() as s:
            withdraw(s, principal, picked[0][0], picked[0][1], now=utcnow(), rule=_rule())
    except (DomainError, AccessDenied) as exc:
        return _refusal(exc), _changed()
    return message(f"Request #{picked[0][0]} withdrawn.", Severity.COMPLIANT), _changed()


# --- approved limits and exports --------------------------------------------------------------------------


def _export_date(value: Any) -> date | None:
    try:
        return parse_trade_date(value[:10] if isinstance(value, str) else value)
    except InvalidLimitRequest:
        return None


@callback(Output(Limits.APPROVED_GRID, "rowData"), Input(Limits.EXPORT_DATE, "date"),
          Input(Limits.CHANGED, "data"), Input(Limits.REFRESH, "n_intervals"))
@requires(Permission.VIEW_LIMITS)
def approved(trade_date: Any, _changed: Any, _tick: Any) -> list[dict[str, Any]]:
    day = _export_date(trade_date)
    if day is None:
        return []
    principal = principal_or_refuse()
    with db().session() as s:
        return approved_row_data(approved_hours(s, principal, day))


@callback(Output(Limits.APPROVED_GRID, "exportDataAsCsv"), Input(Limits.EXPORT_CSV, "n_clicks"),
          prevent_initial_call=True)
@requires(Permission.VIEW_LIMITS)
def export_csv(_n: Any) -> bool:
    return True


@callback(Output(Limits.DOWNLOAD, "data"), Output(Limits.EXPORT_MESSAGE, "children"),
          Input(Limits.EXPORT_EXCEL, "n_clicks"), Input(Limits.EXPORT_OPENADR, "n_clicks"),
          State(Limits.EXPORT_DATE, "date"), prevent_initial_call=True)
@requires(Permission.VIEW_LIMITS)
def export_file(_excel: Any, _openadr: Any, trade_date: Any) -> tuple[Any, Any]:
    day = _export_date(trade_date)
    if day is None:
        return no_update, message("Choose a trade date to export.", Severity.ACTION)
    principal = principal_or_refuse()
    with db().session() as s:
        if ctx.triggered_id == Limits.EXPORT_EXCEL:
            content = excel_bytes(approved_hours(s, principal, day), day)
            return dcc.send_bytes(content, f"der-limits-{day.isoformat()}.xlsx"), None
        schedules = approved_schedules(s, principal, day)
    if not schedules:
        return no_update, message(f"No approved limit for trade date {day} in your view.", Severity.INFORMATION)
    return dict(content=openadr_json(schedules, utcnow()), filename=f"der-limits-{day.isoformat()}-openadr3.json",
                type="application/json"), None
