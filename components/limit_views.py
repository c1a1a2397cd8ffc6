"""The limits page's grids and panels: the request list, the detail with its history, the decision panel.

Colour only for state, always with text: expired is red for everyone, flagged amber (an engineer must look),
approved green; the countdown turns amber then red as the cut-off nears.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.grid import data_grid
from components.ids import Limits
from data.access import Principal
from data.domain.enums import LimitStatus, Severity
from data.domain.limits.state_machine import Level
from data.domain.limits.values import format_hours, format_kw
from data.domain.market_time import format_market
from data.queries.limits import ApprovedHour, DecisionRow, LimitRow, View

STATUS_LABELS = {
    LimitStatus.SUBMITTED: "Submitted",
    LimitStatus.FLAGGED: "Flagged",
    LimitStatus.EMBEDDED_APPROVED: "Embedded LDC approved",
    LimitStatus.APPROVED: "Approved",
    LimitStatus.REJECTED: "Rejected",
    LimitStatus.EXPIRED: "Expired",
    LimitStatus.WITHDRAWN: "Withdrawn",
}
STATUS_STATES = {LimitStatus.EXPIRED: Severity.ALARM, LimitStatus.FLAGGED: Severity.ACTION,
                 LimitStatus.APPROVED: Severity.COMPLIANT}
VIEW_LABELS = {View.QUEUE: "Waiting for us", View.MINE: "Our requests", View.ALL: "All in view"}
DECISION_LABELS = {"approve": "Approved", "modify": "Approved with changes", "reject": "Rejected",
                   "flag": "Flagged", "withdraw": "Withdrawn", "expire": "Expired"}


def _state_rules(field: str) -> dict[str, dict[str, str]]:
    """Cell classes from a state field of the row (dash-ag-grid function form, no string expressions)."""
    return {f"state-cell-{s}": {"function": f"params.data.{field} === '{s}'"}
            for s in (Severity.ALARM, Severity.ACTION, Severity.COMPLIANT)}


_TEXT = {"cellDataType": "text", "filter": "agTextColumnFilter"}  # no date or number guessing on ISO strings


def request_columns(show_requester: bool, deadline_sort: str) -> list[dict[str, Any]]:
    return [
        {"field": "request", "headerName": "Request", "minWidth": 85, "maxWidth": 100, **_TEXT},
        {"field": "target", "headerName": "DER / resource", "minWidth": 170, **_TEXT},
        {"field": "feeder", "headerName": "Feeder", "minWidth": 135, **_TEXT},
        {"field": "ldc", "headerName": "LDC chain", "minWidth": 125, **_TEXT},
        {"field": "trade_date", "headerName": "Trade date", "minWidth": 110, **_TEXT},
        {"field": "hours", "headerName": "Hours (EST)", "minWidth": 95, **_TEXT},
        {"field": "max_export_kw", "headerName": "Max export kW", "type": "numericColumn", "minWidth": 95,
         "filter": "agNumberColumnFilter"},
        {"field": "max_import_kw", "headerName": "Max import kW", "type": "numericColumn", "minWidth": 95,
         "filter": "agNumberColumnFilter"},
        {"field": "status", "headerName": "Status", "minWidth": 195, "cellClassRules": _state_rules("status_state"),
         **_TEXT},
        {"field": "cutoff", "headerName": "Cut-off (EST)", "minWidth": 180, "sort": deadline_sort, **_TEXT},
        {"field": "countdown", "headerName": "Time left", "minWidth": 110, "cellClassRules": _state_rules("urgency"),
         **_TEXT},
        {"field": "waiting_for", "headerName": "Waiting for", "minWidth": 95, **_TEXT},
        {"field": "requester", "headerName": "Requester", "minWidth": 200, "hide": not show_requester, **_TEXT},
        {"field": "note", "headerName": "Automation note", "minWidth": 260, "tooltipField": "note", **_TEXT},
    ]


def request_grid(selectable: bool, show_requester: bool, deadline_sort: str) -> Any:
    """The request list: multi-row selection with checkboxes for LDC engineers (bulk approve), else one row."""
    grid = data_grid(Limits.GRID, request_columns(show_requester, deadline_sort), height="400px", row_id="key",
                     tooltipShowDelay=200)
    grid.dashGridOptions = {**grid.dashGridOptions, "rowSelection": (
        {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True, "enableClickSelection": True}
        if selectable else {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True})}
    grid.defaultColDef = {**grid.defaultColDef, "floatingFilter": True, "wrapHeaderText": True,
                          "autoHeaderHeight": True}
    return grid


def _kw_or_blank(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def request_row_data(rows: Sequence[LimitRow], principal: Principal) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        status = LimitStatus(r.status)
        expired = status is LimitStatus.EXPIRED
        out.append({
            "key": str(r.id), "id": r.id, "version": r.version, "request": f"#{r.id}", "target": r.target,
            "feeder": r.feeder,
            "ldc": f"{r.ldc} → {r.host_ldc}" if r.host_ldc else r.ldc, "trade_date": r.trade_date.isoformat(),
            "hours": format_hours(h.hour_ending for h in r.hours), "type": r.limit_type,
            "max_export_kw": _kw_or_blank(r.max_export_kw), "max_import_kw": _kw_or_blank(r.max_import_kw),
            "status": STATUS_LABELS[status], "status_state": STATUS_STATES.get(status, ""),
            "cutoff": format_market(r.cutoff), "countdown": "expired" if expired else r.countdown,
            "urgency": Severity.ALARM.value if expired else (r.urgency.value if r.urgency else ""),
            "waiting_for": r.pending_org or "", "requester": r.requester, "note": r.automation_note,
            "yours": r.decided_by(principal),
        })
    return out


def summary(rows: Sequence[LimitRow], principal: Principal) -> list[Any]:
    open_rows = [r for r in rows if r.is_open]
    mine = sum(r.decided_by(principal) for r in open_rows)
    urgent = sum(r.urgency is Severity.ALARM for r in open_rows)
    expired = sum(r.status == LimitStatus.EXPIRED for r in rows)
    badges = [html.Span(f"{len(rows)} requests · {len(open_rows)} open", className="badge state-neutral me-2")]
    if mine:
        badges.append(html.Span(f"{mine} waiting for your decision", className="badge state-information me-2"))
    if urgent:
        badges.append(html.Span([html.I(className="bi bi-alarm me-1"), f"{urgent} within 30 min of cut-off"],
                                className="badge state-alarm me-2"))
    if expired:
        badges.append(html.Span(f"{expired} expired", className="badge state-alarm me-2"))
    return badges


# --- messages ----------------------------------------------------------------------------------------------


def message(text: str | Sequence[str], severity: Severity | None = None) -> html.Div:
    """A message in the page: state colour with an icon and the words (a list becomes bullet points)."""
    icon = {Severity.ALARM: "bi-x-octagon-fill", Severity.ACTION: "bi-exclamation-triangle-fill",
            Severity.COMPLIANT: "bi-check-circle-fill"}.get(severity, "bi-info-circle")
    state = severity.value if severity else "neutral"
    if isinstance(text, str):
        body: Any = text
    else:
        body = html.Ul([html.Li(t) for t in text], className="mb-0 ps-3")
    return html.Div([html.I(className=f"bi {icon} me-2"), body], className=f"small p-2 rounded d-flex state-{state}",
                    role="status")


# --- the detail of one request ----------------------------------------------------------------------------


def _chain_text(row: LimitRow) -> str:
    if row.host_ldc is None:
        return f"{row.ldc} (host LDC) decides"
    return f"{row.ldc} (embedded LDC), then {row.host_ldc} (host LDC)"


def _hours_table(row: LimitRow) -> html.Table:
    head = html.Thead(html.Tr([html.Th("HE (EST)"), html.Th("Export"), html.Th("Import")]))
    body = html.Tbody([
        html.Tr([html.Td(h.hour_ending), html.Td(format_kw(h.export_kw) if h.export_kw is not None else "—"),
                 html.Td(format_kw(h.import_kw) if h.import_kw is not None else "—")])
        for h in row.hours
    ])
    return html.Table([head, body], className="table table-sm small mb-2")


def _history(history: Sequence[DecisionRow], note: str) -> html.Div:
    if not history:
        return html.Div("No decision yet.", className="small text-body-secondary")
    items = []
    for d in history:
        who = f"{d.actor} · {d.organisation}" if d.level != Level.SYSTEM else "the platform"
        items.append(html.Li([
            html.Span(f"{format_market(d.decided_at)} · ", className="text-body-secondary"),
            html.Strong(DECISION_LABELS.get(d.decision, d.decision)),
            f" by {who} ({d.level} level{', automatic' if d.automatic else ''})",
            html.Div("Reason: the automation note above." if d.reason == note else d.reason,
                     className="text-body-secondary") if d.reason else None,
        ], className="mb-1"))
    return html.Ul(items, className="small ps-3 mb-0")


def detail_panel(row: LimitRow | None, history: Sequence[DecisionRow]) -> list[Any]:
    if row is None:
        return [html.Div("Select a request to see its values and decisions.", className="small text-body-secondary")]
    status = LimitStatus(row.status)
    state = STATUS_STATES.get(status)
    waiting = f" · waiting for {row.pending_org}" if row.pending_org else ""
    return [
        html.Div([html.Strong(f"#{row.id} {row.target}"), f" · trade date {row.trade_date} · {row.limit_type}"],
                 className="mb-1"),
        html.Div([html.Span(STATUS_LABELS[status], className=f"badge state-{state.value if state else 'neutral'} me-2"),
                  f"cut-off {format_market(row.cutoff)}",
                  f" · {row.countdown} left" if row.is_open else "", waiting], className="small mb-1"),
        html.Div(f"Chain: {_chain_text(row)} · requested by {row.requester}", className="small mb-2"),
        _hours_table(row),
        html.Div("Automation", className="panel-title"),
        html.Div(row.automation_note or "No automatic decision.", className="small mb-2"),
        html.Div("Decisions", className="panel-title"),
        _history(history, row.automation_note),
    ]


# --- the decision panel (LDC engineers) -------------------------------------------------------------------

_PLAIN = {"sortable": False, "filter": False}
MODIFY_COLUMNS = [
    {"field": "hour_ending", "headerName": "HE (EST)", "maxWidth": 100, "editable": False, **_PLAIN},
    {"field": "export_kw", "headerName": "Export kW", "editable": True, "type": "numericColumn", **_PLAIN},
    {"field": "import_kw", "headerName": "Import kW", "editable": True, "type": "numericColumn", **_PLAIN},
]


def modify_rows(row: LimitRow | None) -> list[dict[str, Any]]:
    if row is None:
        return []
    return [{"hour_ending": h.hour_ending, "export_kw": h.export_kw, "import_kw": h.import_kw} for h in row.hours]


def decision_panel() -> html.Div:
    return html.Div(
        [
            html.Div("Decide", className="panel-title mb-1"),
            html.Div("Select a request in the list; tick several to approve them together.",
                     id=Limits.DECISION_TARGET, className="small mb-2"),
            html.Div("Values to approve (edit them to modify; a modification may only lower or drop hours)",
                     className="small text-body-secondary mb-1"),
            data_grid(Limits.MODIFY_GRID, MODIFY_COLUMNS, height="200px", singleClickEdit=True,
                      stopEditingWhenCellsLoseFocus=True),
            dbc.Textarea(id=Limits.REASON, placeholder="Reason (needed to reject or modify)", maxLength=900,
                         className="form-control-sm mt-2", rows=2),
            html.Div(
                [dbc.Button([html.I(className="bi bi-check-lg me-1"), "Approve"], id=Limits.APPROVE, size="sm",
                            color="success", className="me-1"),
                 dbc.Button([html.I(className="bi bi-pencil me-1"), "Modify"], id=Limits.MODIFY, size="sm",
                            color="secondary", className="me-1"),
                 dbc.Button([html.I(className="bi bi-x-lg me-1"), "Reject"], id=Limits.REJECT, size="sm",
                            color="danger", outline=True, className="me-1"),
                 dbc.Button([html.I(className="bi bi-check2-all me-1"), "Approve all ticked"], id=Limits.BULK_APPROVE,
                            size="sm", color="success", outline=True)],
                className="mt-2",
            ),
            html.Div(id=Limits.DECISION_MESSAGE, className="mt-2"),
        ],
        className="panel p-2 mb-2",
    )


def decision_target_text(selected: int, row: LimitRow | None) -> str:
    if selected > 1:
        return f"{selected} requests ticked: approve them all together, or tick one to decide it alone."
    if row is None:
        return "Select a request in the list; tick several to approve them together."
    turn = "it waits for your decision" if row.pending_org else "it is decided"
    return f"#{row.id} {row.target}, trade date {row.trade_date}: {turn} ({row.countdown} to the cut-off)."


# --- approved limits and exports --------------------------------------------------------------------------

APPROVED_COLUMNS = [
    {"field": "target", "headerName": "DER / resource", "minWidth": 150, **_TEXT},
    {"field": "trade_date", "headerName": "Trade date", "minWidth": 110, **_TEXT},
    {"field": "hour_ending", "headerName": "HE (EST)", "type": "numericColumn", "minWidth": 90},
    {"field": "export_kw", "headerName": "Max export kW", "type": "numericColumn", "minWidth": 110},
    {"field": "import_kw", "headerName": "Max import kW", "type": "numericColumn", "minWidth": 110},
    {"field": "request", "headerName": "Request", "minWidth": 120, **_TEXT},
    {"field": "approved_at", "headerName": "Approved (EST)", "minWidth": 185, **_TEXT},
    {"field": "ldc", "headerName": "LDC", "minWidth": 80, **_TEXT},
]


def approved_grid() -> Any:
    grid = data_grid(Limits.APPROVED_GRID, APPROVED_COLUMNS, height="300px")
    grid.defaultColDef = {**grid.defaultColDef, "wrapHeaderText": True, "autoHeaderHeight": True}
    return grid


def approved_row_data(hours: Sequence[ApprovedHour]) -> list[dict[str, Any]]:
    return [{"target": h.target, "trade_date": h.trade_date.isoformat(), "hour_ending": h.hour_ending,
             "export_kw": h.export_kw, "import_kw": h.import_kw, "request": f"#{h.request_id}",
             "approved_at": format_market(h.approved_at), "ldc": h.ldc} for h in hours]
