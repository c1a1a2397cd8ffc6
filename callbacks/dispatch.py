"""Dispatch page callbacks: the instruction list, the DSO form, acknowledgements, the next-day IESO checklist."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.ids import Dispatch
from data.access import AccessDenied, Permission
from data.domain.enums import TargetKind
from data.domain.errors import DomainError
from data.domain.outages import parse_market_time
from data.models.base import utcnow
from data.queries.dispatch import instruction_rows, issue_targets, next_day_checklist
from data.services.dispatch import IssueRequest, acknowledge_instruction, issue_instruction, notify_ieso


def _error(text: str) -> html.Span:
    return html.Span([html.I(className="bi bi-exclamation-triangle me-1"), text], className="text-danger")


def _ok(text: str) -> html.Span:
    return html.Span([html.I(className="bi bi-check2 me-1"), text], className="text-success")


def _selected_id(selected: Any, key: str = "id") -> Any:
    if isinstance(selected, list) and selected and isinstance(selected[0], dict):
        return selected[0].get(key)
    return None


@callback(Output(Dispatch.GRID, "rowData"), Output(Dispatch.SUMMARY, "children"),
          Input(Dispatch.REFRESH, "n_intervals"), Input(Dispatch.FORM_MESSAGE, "children"),
          Input(Dispatch.ACK_MESSAGE, "children"))
@requires(Permission.VIEW_DISPATCH)
def instructions(_tick: Any, _a: Any, _b: Any) -> tuple[list[dict[str, Any]], list]:
    with db().session() as s:
        rows = instruction_rows(s, principal_or_refuse(), utcnow())
    ieso = sum(r["issuer"] == "IESO" for r in rows)
    overdue = sum(bool(r["overdue"]) for r in rows)
    summary = [html.Span(f"IESO {ieso}", className="badge state-neutral me-1"),
               html.Span(f"DSO {len(rows) - ieso}", className="badge state-neutral me-1"),
               html.Span(f"{overdue} overdue", className=f"badge state-{'alarm' if overdue else 'compliant'}")]
    return rows, summary


@callback(Output(Dispatch.FORM_TARGET, "options"), Input(Dispatch.FORM_TARGET_KIND, "value"))
@requires(Permission.ISSUE_DISPATCH)
def targets(kind: Any) -> list[dict[str, Any]]:
    if kind not in {k.value for k in TargetKind}:
        return []
    with db().session() as s:
        return issue_targets(s, principal_or_refuse())[kind]


def _market_time(text: Any, label: str) -> datetime:
    try:
        return parse_market_time(text, label)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc


@callback(Output(Dispatch.FORM_MESSAGE, "children"), Input(Dispatch.ISSUE, "n_clicks"),
          State(Dispatch.FORM_TARGET_KIND, "value"), State(Dispatch.FORM_TARGET, "value"),
          State(Dispatch.FORM_DIRECTION, "value"), State(Dispatch.FORM_AMOUNT, "value"),
          State(Dispatch.FORM_UNIT, "value"), State(Dispatch.FORM_MVAR, "value"),
          State(Dispatch.FORM_START, "value"), State(Dispatch.FORM_END, "value"),
          State(Dispatch.FORM_ACK_MINUTES, "value"), prevent_initial_call=True)
@requires(Permission.ISSUE_DISPATCH)
def issue(n: Any, kind: Any, target: Any, direction: Any, amount: Any, unit: Any, mvar: Any, start: Any, end: Any,
          ack_minutes: Any) -> html.Span:
    if not n:
        raise PreventUpdate
    try:
        request = IssueRequest(
            target_kind=str(kind), target_id=target, amount=amount if not isinstance(amount, list | dict) else None,
            unit=unit if unit in ("kW", "MW") else "?", direction=str(direction),
            start=_market_time(start, "Start"), end=_market_time(end, "End"),
            mvar=mvar if not isinstance(mvar, list | dict) else None,
            ack_minutes=ack_minutes if not isinstance(ack_minutes, list | dict) else None)
        with db().transaction() as s:
            ins = issue_instruction(s, principal_or_refuse(), request)
            text = f"Instruction {ins.id} issued: {ins.amount_kw:+,.0f} kW."
    except (DomainError, AccessDenied) as exc:
        return _error(str(exc))
    return _ok(text)


@callback(Output(Dispatch.ACK_MESSAGE, "children"), Input(Dispatch.ACCEPT, "n_clicks"),
          Input(Dispatch.REJECT, "n_clicks"), State(Dispatch.GRID, "selectedRows"), State(Dispatch.ACK_REASON, "value"),
          prevent_initial_call=True)
@requires(Permission.ACKNOWLEDGE_DISPATCH)
def acknowledge(_accept: Any, _reject: Any, selected: Any, reason: Any) -> html.Span:
    action = ctx.triggered_id
    if action not in (Dispatch.ACCEPT, Dispatch.REJECT):
        raise PreventUpdate
    instruction_id = _selected_id(selected)
    if instruction_id is None:
        return _error("Select an instruction first.")
    try:
        with db().transaction() as s:
            ins = acknowledge_instruction(s, principal_or_refuse(), instruction_id, action == Dispatch.ACCEPT,
                                          reason if isinstance(reason, str) else None)
            text = f"Instruction {ins.id} {ins.state}."
    except (DomainError, AccessDenied) as exc:
        return _error(str(exc))
    return _ok(text)


def _countdown(deadline_iso: str, now: datetime) -> html.Span:
    left = (datetime.fromisoformat(deadline_iso) - now).total_seconds()
    if left <= 0:
        return html.Span([html.I(className="bi bi-alarm me-1"), "deadline passed"], className="badge state-alarm")
    hours, minutes = int(left // 3600), int(left % 3600 // 60)
    state = "action" if left < 2 * 3600 else "neutral"
    return html.Span([html.I(className="bi bi-hourglass-split me-1"), f"{hours} h {minutes:02d} min left"],
                     className=f"badge state-{state}")


@callback(Output(Dispatch.CHECKLIST, "rowData"), Output(Dispatch.CHECKLIST_TITLE, "children"),
          Output(Dispatch.CHECKLIST_COUNTDOWN, "children"), Input(Dispatch.REFRESH, "n_intervals"),
          Input(Dispatch.SEND_MESSAGE, "children"))
@requires(Permission.VIEW_DISPATCH)
def checklist(_tick: Any, _sent: Any) -> tuple[list[dict[str, Any]], str, html.Span]:
    now = utcnow()
    with db().session() as s:
        result = next_day_checklist(s, principal_or_refuse(), now)
    title = (f"Tell the IESO of next-day ({result['trade_date']}) disconnections and load reductions by 10:00 EPT "
             f"({result['deadline']})")
    return result["rows"], title, _countdown(result["deadline_iso"], now)


@callback(Output(Dispatch.SEND_MESSAGE, "children"), Input(Dispatch.SEND_IESO, "n_clicks"),
          State(Dispatch.CHECKLIST, "selectedRows"), prevent_initial_call=True)
@requires(Permission.ISSUE_DISPATCH)
def send_to_ieso(n: Any, selected: Any) -> html.Span:
    if not n:
        raise PreventUpdate
    entity, entity_id = _selected_id(selected, "entity"), _selected_id(selected, "entity_id")
    if entity is None:
        return _error("Select an item of the checklist first.")
    try:
        with db().transaction() as s:
            notify_ieso(s, principal_or_refuse(), str(entity), entity_id)
    except (DomainError, AccessDenied) as exc:
        return _error(str(exc))
    return _ok(f"Sent to the IESO: {entity} {entity_id}.")
