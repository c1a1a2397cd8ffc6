"""Contributor DER uploads and the enrolment log: grid columns, rows and the result panel."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from data.domain.contributor_plan import ACTION_LABELS, RowAction
from data.domain.enums import UploadStatus
from data.domain.market_time import format_market
from data.queries.contributors import LogRow, UploadSummary

ACTION_CELL_RULES = {
    "state-cell-action": {"function": "params.value === 'switched' || params.value === 'deactivated'"},
    "state-cell-compliant": {"function": "params.value === 'added'"},
}
STATUS_CELL_RULES = {
    "state-cell-alarm": {"function": "params.value === 'refused'"},
    "state-cell-action": {"function": "params.value === 'previewed'"},
    "state-cell-compliant": {"function": "params.value === 'applied'"},
}

PREVIEW_COLUMNS = [
    {"field": "row", "headerName": "Row", "minWidth": 85, "maxWidth": 95, "type": "numericColumn"},
    {"field": "action", "headerName": "Action", "minWidth": 115, "maxWidth": 130, "cellClassRules": ACTION_CELL_RULES},
    {"field": "platform_id", "headerName": "Platform ID", "minWidth": 140},
    {"field": "name", "headerName": "Name", "minWidth": 190, "tooltipField": "name"},
    {"field": "technology", "headerName": "Technology", "minWidth": 110},
    {"field": "capacity_kw", "headerName": "kW", "minWidth": 85, "maxWidth": 110, "type": "numericColumn"},
    {"field": "ldc", "headerName": "LDC", "minWidth": 150, "tooltipField": "ldc"},
    {"field": "station", "headerName": "Station", "minWidth": 130},
    {"field": "feeder", "headerName": "Feeder", "minWidth": 130},
    {"field": "program", "headerName": "Program", "minWidth": 110},
    {"field": "start", "headerName": "Enrolment start", "minWidth": 130},
    {"field": "changed", "headerName": "Changes", "minWidth": 170, "tooltipField": "changed"},
]
PROBLEM_COLUMNS = [
    {"field": "row", "headerName": "Row", "minWidth": 95, "maxWidth": 110, "type": "numericColumn", "sort": "asc"},
    {"field": "column", "headerName": "Column", "minWidth": 150, "maxWidth": 240},
    {"field": "problem", "headerName": "Problem", "minWidth": 420, "tooltipField": "problem", "flex": 1},
]
HISTORY_COLUMNS = [
    {"field": "id", "headerName": "#", "maxWidth": 80, "type": "numericColumn"},
    {"field": "status", "headerName": "Status", "minWidth": 110, "maxWidth": 130, "cellClassRules": STATUS_CELL_RULES},
    {"field": "file_name", "headerName": "File", "minWidth": 180, "tooltipField": "file_name"},
    {"field": "rows", "headerName": "Rows", "maxWidth": 100, "type": "numericColumn"},
    {"field": "added", "headerName": "Added", "maxWidth": 100, "type": "numericColumn"},
    {"field": "changed", "headerName": "Changed", "maxWidth": 110, "type": "numericColumn"},
    {"field": "switched", "headerName": "Switched", "maxWidth": 110, "type": "numericColumn"},
    {"field": "deactivated", "headerName": "Deactivated", "maxWidth": 125, "type": "numericColumn"},
    {"field": "problems", "headerName": "Problems", "maxWidth": 110, "type": "numericColumn"},
    {"field": "when", "headerName": "Uploaded (EST)", "minWidth": 170},
    {"field": "by", "headerName": "By", "minWidth": 150},
]
LOG_HEADERS = ("DER", "DER name", "DER status", "LDC", "Program", "Aggregator", "Start", "End", "Enrolment")
LOG_COLUMNS = [
    {"field": "der", "headerName": "DER", "minWidth": 140},
    {"field": "der_name", "headerName": "DER name", "minWidth": 190, "tooltipField": "der_name"},
    {"field": "der_status", "headerName": "DER status", "minWidth": 110, "maxWidth": 130},
    {"field": "ldc", "headerName": "LDC", "minWidth": 160, "tooltipField": "ldc"},
    {"field": "program", "headerName": "Program", "minWidth": 110},
    {"field": "aggregator", "headerName": "Aggregator", "minWidth": 180, "tooltipField": "aggregator"},
    {"field": "start", "headerName": "Start", "minWidth": 110},
    {"field": "end", "headerName": "End (exclusive)", "minWidth": 130},
    {"field": "enrolment", "headerName": "Enrolment", "minWidth": 110, "maxWidth": 130},
]
STATUS_TEXT = {
    UploadStatus.PREVIEWED.value: "Checked: every row is valid. Nothing is applied until you press Apply.",
    UploadStatus.REFUSED.value: "Refused: nothing was applied. Fix the rows listed below and upload the file again.",
    UploadStatus.APPLIED.value: "Applied.",
    UploadStatus.SUPERSEDED.value: "Superseded by a later upload: nothing was applied from this file.",
}
_STATUS_COLOUR = {UploadStatus.PREVIEWED.value: "info", UploadStatus.REFUSED.value: "danger",
                  UploadStatus.APPLIED.value: "success", UploadStatus.SUPERSEDED.value: "secondary"}
_STATUS_ICON = {UploadStatus.PREVIEWED.value: "bi-eye", UploadStatus.REFUSED.value: "bi-x-octagon",
                UploadStatus.APPLIED.value: "bi-check2-circle", UploadStatus.SUPERSEDED.value: "bi-slash-circle"}


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def counts_badges(counts: Mapping[str, int]) -> html.Div:
    items = []
    for action in RowAction:
        n = int(counts.get(action.value, 0))
        state = "state-neutral" if n == 0 or action is RowAction.UNCHANGED else (
            "state-action" if action in (RowAction.SWITCHED, RowAction.DEACTIVATED) else "state-information")
        items.append(html.Span(f"{n:,} {ACTION_LABELS[action].lower()}", className=f"badge {state} me-2"))
    return html.Div(items, className="mb-1")


def result_panel(upload_id: int, file_name: str, status: str, summary: Mapping[str, Any] | None,
                 created_at: datetime | None) -> html.Div:
    """What the shown upload did or would do, in words."""
    summary = summary or {}
    counts = summary.get("counts") or {}
    parts: list[Any] = [
        dbc.Alert([html.I(className=f"bi {_STATUS_ICON.get(status, 'bi-info-circle')} me-2"),
                   html.Strong(f"Upload #{upload_id} · {file_name}: "), STATUS_TEXT.get(status, status)],
                  color=_STATUS_COLOUR.get(status, "secondary"), className="py-2 mb-2 small"),
    ]
    rows = int(summary.get("row_count") or 0)
    detail = [f"{rows:,} DER row{'s' if rows != 1 else ''}"]
    if created_at is not None:
        detail.append(f"uploaded {format_market(created_at)}")
    if status == UploadStatus.REFUSED.value:
        n = int(summary.get("problem_count") or 0)
        detail.append(f"{n:,} problem{'s' if n != 1 else ''}")
    parts.append(html.Div(" · ".join(detail), className="small text-body-secondary mb-1"))
    if counts:
        parts.append(counts_badges(counts))
    shown = len(summary.get("rows") or [])
    if status != UploadStatus.REFUSED.value and shown and shown < rows:
        parts.append(html.Div(f"The grid shows the first {shown:,} rows.", className="small text-body-secondary"))
    ldcs = summary.get("ldcs") or []
    if ldcs and status == UploadStatus.PREVIEWED.value:
        parts.append(html.Div(f"New DERs go to {', '.join(ldcs)} for approval.", className="small"))
    left = int(summary.get("left_aggregators") or 0)
    if left and status == UploadStatus.PREVIEWED.value:
        parts.append(html.Div(f"{left} other aggregator{'s are' if left != 1 else ' is'} told how many DERs "
                              "move to you (nothing else about you).", className="small"))
    return html.Div(parts)


def problem_rows(problems: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for n, p in enumerate(problems or ()):
        row = p.get("row")
        out.append({"key": str(n), "row": row if row else None, "column": p.get("column") or "(file)",
                    "problem": p.get("problem", "")})
    return out


def preview_rows(summary: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [{"key": str(r.get("row")), **r} for r in (summary or {}).get("rows") or []]


def history_rows(items: Sequence[UploadSummary]) -> list[dict[str, Any]]:
    return [{"key": str(u.id), "id": u.id, "status": u.status, "file_name": u.file_name, "rows": u.row_count,
             "added": u.counts.get("added"), "changed": u.counts.get("changed"),
             "switched": u.counts.get("switched"), "deactivated": u.counts.get("deactivated"),
             "problems": u.problem_count or None, "when": format_market(u.created_at), "by": u.by}
            for u in items]


def log_values(row: LogRow) -> tuple[Any, ...]:
    return (row.der_label, row.der_name, row.der_status, row.ldc, row.program or "", row.aggregator or "",
            _day(row.start), _day(row.end), row.enrolment_status)


def log_rows(items: Sequence[LogRow]) -> list[dict[str, Any]]:
    keys = [c["field"] for c in LOG_COLUMNS]
    return [{"key": r.key, **dict(zip(keys, log_values(r), strict=True))} for r in items]
