"""Contributor DERs page: template download, upload -> preview, apply, upload history, the enrolment log and
its export. Browser values are parsed defensively; refusals become messages, never a 500."""
from __future__ import annotations

import base64
import binascii
import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import int_list, parse_day, record_id, str_list
from components.contributor_template import TEMPLATE_NAME, template_csv, template_xlsx
from components.contributor_views import (
    LOG_HEADERS,
    history_rows,
    log_rows,
    log_values,
    preview_rows,
    problem_rows,
    result_panel,
)
from components.ids import Contributors
from components.spreadsheet import table_csv, table_xlsx
from data.access import AccessDenied, Permission
from data.domain.contributor_upload import MAX_FILE_BYTES
from data.domain.enums import DerStatus, UploadStatus
from data.domain.errors import DomainError
from data.queries.contributors import (
    EXPORT_LIMIT,
    LOG_LIMIT,
    LogFilters,
    enrolment_log,
    upload_history,
    upload_in_scope,
)
from data.services.contributor_upload import apply_upload, market_today, preview_upload

MAX_ENCODED = MAX_FILE_BYTES * 4 // 3 + 1_024  # base64 of the largest file, plus its data: prefix
ENROLMENT_STATES = ("active", "scheduled", "ended", "none")
LOG_STATES = [State(Contributors.LOG_LDC, "value"), State(Contributors.LOG_DER_STATUS, "value"),
              State(Contributors.LOG_ENROLMENT_STATUS, "value"), State(Contributors.LOG_DATE, "date")]


def _alert(text: str, color: str = "danger") -> dbc.Alert:
    return dbc.Alert(text, color=color, className="small py-2 mb-2")


def decode_upload(contents: Any) -> bytes | str:
    """dcc.Upload's "data:<type>;base64,<data>" -> the file's bytes, or a message saying what is wrong."""
    if not isinstance(contents, str) or "," not in contents[:300]:
        return "The file did not arrive: choose it again."
    if len(contents) > MAX_ENCODED:
        return f"The file is larger than {MAX_FILE_BYTES // 1_048_576} MB: split it into several uploads."
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return "The file did not arrive intact: choose it again."


def _shown(upload_id: int) -> dict[str, int]:
    return {"id": upload_id, "t": time.time_ns()}



@callback(Output(Contributors.TEMPLATE_DOWNLOAD, "data"), Input(Contributors.TEMPLATE_CSV, "n_clicks"),
          Input(Contributors.TEMPLATE_XLSX, "n_clicks"), prevent_initial_call=True)
@requires(Permission.VIEW_REGISTRY)
def download_template(_csv, _xlsx):  # type: ignore[no-untyped-def]
    if ctx.triggered_id == Contributors.TEMPLATE_XLSX:
        return dcc.send_bytes(template_xlsx(), f"{TEMPLATE_NAME}.xlsx")
    if ctx.triggered_id == Contributors.TEMPLATE_CSV:
        return dcc.send_string(template_csv(), f"{TEMPLATE_NAME}.csv")
    raise PreventUpdate


@callback(Output(Contributors.SHOWN, "data"), Output(Contributors.UPLOAD_MESSAGE, "children"),
          Output(Contributors.UPLOAD, "contents"),
          Input(Contributors.UPLOAD, "contents"), State(Contributors.UPLOAD, "filename"), prevent_initial_call=True)
@requires(Permission.UPLOAD_CONTRIBUTORS)
def receive_upload(contents, filename):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if contents is None:
        raise PreventUpdate
    content = decode_upload(contents)
    if isinstance(content, str):
        return no_update, _alert(content), None
    name = filename if isinstance(filename, str) and filename.strip() else "upload"
    try:
        with db().transaction() as s:
            upload = preview_upload(s, principal, name[:300], content)
            upload_id = upload.id
    except (DomainError, AccessDenied) as exc:
        return no_update, _alert(str(exc)), None
    return _shown(upload_id), None, None


@callback(Output(Contributors.SHOWN, "data", allow_duplicate=True),
          Output(Contributors.APPLY_MESSAGE, "children"),
          Input(Contributors.APPLY, "n_clicks"), State(Contributors.SHOWN, "data"), prevent_initial_call=True)
@requires(Permission.UPLOAD_CONTRIBUTORS)
def apply(n_clicks, shown):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if not n_clicks:
        raise PreventUpdate
    upload_id = record_id(shown.get("id")) if isinstance(shown, dict) else None
    if upload_id is None:
        return no_update, html.Span("Upload a file first.", className="small text-danger")
    try:
        with db().transaction() as s:
            upload = apply_upload(s, principal, upload_id)
            status = upload.status
            counts = dict((upload.summary or {}).get("counts") or {})
    except (DomainError, AccessDenied) as exc:
        return no_update, html.Span(str(exc), className="small text-danger")
    if status != UploadStatus.APPLIED.value:
        return _shown(upload_id), html.Span("Refused: the registry changed since the preview; nothing was "
                                            "applied (see the problems).", className="small text-danger")
    done = ", ".join(f"{n:,} {a}" for a, n in counts.items() if n) or "nothing to change"
    return _shown(upload_id), html.Span([html.I(className="bi bi-check2-circle me-1"), f"Applied: {done}."],
                                        className="small")


@callback(Output(Contributors.SHOWN, "data", allow_duplicate=True), Input(Contributors.HISTORY_GRID, "selectedRows"),
          prevent_initial_call=True)
@requires(Permission.VIEW_REGISTRY)
def select_history(selected):  # type: ignore[no-untyped-def]
    first = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else {}
    upload_id = record_id(first.get("id"))
    if upload_id is None:
        raise PreventUpdate
    return _shown(upload_id)


@callback(Output(Contributors.RESULT, "children"), Output(Contributors.PREVIEW_GRID, "rowData"),
          Output(Contributors.PROBLEMS_GRID, "rowData"), Output(Contributors.PREVIEW_WRAP, "hidden"),
          Output(Contributors.PROBLEMS_WRAP, "hidden"), Output(Contributors.APPLY, "disabled"),
          Input(Contributors.SHOWN, "data"))
@requires(Permission.VIEW_REGISTRY)
def show_upload(shown):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    upload_id = record_id(shown.get("id")) if isinstance(shown, dict) else None
    if upload_id is None:
        hint = html.Div("Download the template, fill it in, and drop it above." if principal.can(
            Permission.UPLOAD_CONTRIBUTORS) else "Select an upload below to see it.", className="small mb-2")
        return hint, [], [], True, True, True
    with db().session() as s:
        upload = upload_in_scope(s, principal, upload_id)
        if upload is None:
            return _alert(f"Upload #{upload_id} is not one of the uploads you may see."), [], [], True, True, True
        refused = upload.status == UploadStatus.REFUSED.value
        can_apply = (upload.status == UploadStatus.PREVIEWED.value and principal.can(Permission.UPLOAD_CONTRIBUTORS)
                     and upload.aggregator_org_id == principal.organisation_id)
        return (result_panel(upload.id, upload.file_name, upload.status, upload.summary, upload.created_at),
                [] if refused else preview_rows(upload.summary), problem_rows(upload.problems) if refused else [],
                refused, not refused, not can_apply)


@callback(Output(Contributors.HISTORY_GRID, "rowData"), Input(Contributors.SHOWN, "data"))
@requires(Permission.VIEW_REGISTRY)
def history(_shown):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        return history_rows(upload_history(s, principal))


def parse_log_filters(ldcs: Any, der_states: Any, enrolment_states: Any, day: Any) -> LogFilters:
    """Filter values from the browser -> LogFilters; anything unrecognised is ignored."""
    return LogFilters(
        ldc_ids=int_list(ldcs),
        der_statuses=tuple(v for v in str_list(der_states) if v in {s.value for s in DerStatus}),
        enrolment_statuses=tuple(v for v in str_list(enrolment_states) if v in ENROLMENT_STATES),
        on_date=parse_day(day),
    )


@callback(Output(Contributors.LOG_GRID, "rowData"), Output(Contributors.LOG_SUMMARY, "children"),
          Input(Contributors.LOG_LDC, "value"), Input(Contributors.LOG_DER_STATUS, "value"),
          Input(Contributors.LOG_ENROLMENT_STATUS, "value"), Input(Contributors.LOG_DATE, "date"),
          Input(Contributors.SHOWN, "data"))
@requires(Permission.VIEW_REGISTRY)
def refresh_log(ldcs, der_states, enrolment_states, day, _shown):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    today = market_today()
    with db().session() as s:
        rows = enrolment_log(s, principal, parse_log_filters(ldcs, der_states, enrolment_states, day), today)
    ders = len({r.der_id for r in rows})
    active = sum(r.enrolment_status == "active" for r in rows)
    text = f"{len(rows):,} rows · {ders:,} DERs · {active:,} enrolments in force (today {today.isoformat()} EST)"
    if len(rows) >= LOG_LIMIT:
        text += f" · the first {LOG_LIMIT:,} shown: narrow the filters, or export"
    return log_rows(rows), text


@callback(Output(Contributors.LOG_DOWNLOAD, "data"), Input(Contributors.LOG_EXPORT_CSV, "n_clicks"),
          Input(Contributors.LOG_EXPORT_XLSX, "n_clicks"), *LOG_STATES, prevent_initial_call=True)
@requires(Permission.VIEW_REGISTRY)
def export_log(_csv, _xlsx, ldcs, der_states, enrolment_states, day):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    trigger = ctx.triggered_id
    if trigger not in (Contributors.LOG_EXPORT_CSV, Contributors.LOG_EXPORT_XLSX):
        raise PreventUpdate
    today = market_today()
    with db().session() as s:
        rows = enrolment_log(s, principal, parse_log_filters(ldcs, der_states, enrolment_states, day), today,
                             limit=EXPORT_LIMIT)
    values = [log_values(r) for r in rows]
    name = f"enrolment-log-{today.isoformat()}"
    if trigger == Contributors.LOG_EXPORT_XLSX:
        return dcc.send_bytes(table_xlsx("Enrolment log", LOG_HEADERS, values), f"{name}.xlsx")
    return dcc.send_string(table_csv(LOG_HEADERS, values), f"{name}.csv")
