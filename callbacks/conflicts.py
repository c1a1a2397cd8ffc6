"""Conflict alerts page callbacks, and the navbar badge with its audible alert."""
from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, html
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.conflict_views import side
from components.ids import Conflicts, Shell
from data.access import AccessDenied, Permission
from data.domain.errors import DomainError
from data.queries.conflicts import alert_detail, alert_rows, badge_counts
from data.services.conflicts import acknowledge, resolve

_VIEWS = ("unacknowledged", "open", "all")

clientside_callback(
    ClientsideFunction(namespace="alerts", function_name="onCount"),
    Output(Conflicts.BEEPED, "children"),
    Input(Conflicts.ALARM_COUNT, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="alerts", function_name="toggleMute"),
    Output(Conflicts.MUTE_ICON, "className"),
    Input(Conflicts.MUTE, "n_clicks"),
)


@callback(Output(Conflicts.BADGE, "children"), Output(Conflicts.ALARM_COUNT, "data"),
          Input(Shell.DATA_AGE_TICK, "n_intervals"))
@requires(Permission.VIEW_CONFLICTS)
def badge(_tick: Any) -> tuple[html.Span, int]:
    principal = principal_or_refuse()
    with db().session() as s:
        total, new_alarms = badge_counts(s, principal)
    state = "alarm" if new_alarms else ("action" if total else "compliant")
    icon = "bi-exclamation-triangle-fill" if total else "bi-check-circle"
    text = f"{total} conflict{'s' if total != 1 else ''}"
    return html.Span([html.I(className=f"bi {icon} me-1"), text], className=f"badge state-{state}",
                     title=f"{total} open conflict alerts in your scope, {new_alarms} new alarms"), new_alarms


@callback(Output(Conflicts.GRID, "rowData"), Output(Conflicts.SUMMARY, "children"),
          Input(Conflicts.REFRESH, "n_intervals"), Input(Conflicts.VIEW, "value"),
          Input(Conflicts.MESSAGE, "children"))
@requires(Permission.VIEW_CONFLICTS)
def alerts(_tick: Any, view: Any, _message: Any) -> tuple[list[dict[str, Any]], list]:
    principal = principal_or_refuse()
    view = view if view in _VIEWS else "unacknowledged"
    with db().session() as s:
        rows = alert_rows(s, principal, view)
        total, new_alarms = badge_counts(s, principal)
    summary = [html.Span(f"{total} open", className="badge state-action me-2"),
               html.Span(f"{new_alarms} new alarms", className=f"badge state-{'alarm' if new_alarms else 'compliant'}")]
    return rows, summary


@callback(Output(Conflicts.DETAIL, "children"), Output(Conflicts.SIDE_A, "children"),
          Output(Conflicts.SIDE_B, "children"), Output(Conflicts.SELECTED, "data"),
          Input(Conflicts.GRID, "selectedRows"), Input(Conflicts.MESSAGE, "children"),
          State(Conflicts.SELECTED, "data"))
@requires(Permission.VIEW_CONFLICTS)
def detail(selected: Any, _message: Any, current: Any) -> tuple[Any, Any, Any, Any]:
    alert_id = None
    if isinstance(selected, list) and selected and isinstance(selected[0], dict):
        alert_id = selected[0].get("id")
    elif ctx.triggered_id == Conflicts.MESSAGE and isinstance(current, dict):
        alert_id = current.get("id")
    if alert_id is None:
        return "Select an alert to see both sides of the conflict.", None, None, None
    with db().session() as s:
        found = alert_detail(s, principal_or_refuse(), alert_id)
    if found is None:
        return "That alert is not available.", None, None, None
    head = html.Div([
        html.Span(found["severity"], className=f"badge state-{found['severity']} me-2"),
        html.Strong(f"Alert {found['id']} · {found['rule'].replace('_', ' ')} · {found['state']}"),
        html.Div(found["summary"], className="small"),
        html.Div(f"{found['window']} · DERs {len(found['der_ids'])} · feeders "
                 f"{', '.join(map(str, found['feeder_ids'])) or '—'}", className="small text-muted"),
        html.Div(" · ".join(filter(None, [f"acknowledged by {found['acknowledged']}" if found["acknowledged"] else "",
                                          f"resolved by {found['resolved']}" if found["resolved"] else "",
                                          f"note: {found['note']}" if found["note"] else ""])), className="small"),
    ])
    return (head, side("Side A", found["side_a"]), side("Side B", found["side_b"]),
            {"id": found["id"], "version": found["version"]})


@callback(Output(Conflicts.MESSAGE, "children"), Input(Conflicts.ACKNOWLEDGE, "n_clicks"),
          Input(Conflicts.RESOLVE, "n_clicks"), State(Conflicts.SELECTED, "data"), State(Conflicts.NOTE, "value"),
          prevent_initial_call=True)
@requires(Permission.WORK_CONFLICTS)
def work(_ack: Any, _resolve: Any, selected: Any, note: Any) -> Any:
    action = ctx.triggered_id
    if action not in (Conflicts.ACKNOWLEDGE, Conflicts.RESOLVE):
        raise PreventUpdate
    if not isinstance(selected, dict):
        return html.Span("Select an alert first.", className="text-danger")
    note = note if isinstance(note, str) else None
    try:
        with db().transaction() as s:
            fn = acknowledge if action == Conflicts.ACKNOWLEDGE else resolve
            alert = fn(s, principal_or_refuse(), selected.get("id"), selected.get("version"), note)
            text = f"Alert {alert.id} {alert.state}."
    except (DomainError, AccessDenied) as exc:
        return html.Span(str(exc), className="text-danger")
    return html.Span([html.I(className="bi bi-check2 me-1"), text], className="text-success")
