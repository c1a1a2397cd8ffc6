"""Contributor DERs: an aggregator's DER list upload (template, check, preview, apply, history) and the
enrolment log of active and deactivated DERs per service territory."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.contributor_views import HISTORY_COLUMNS, LOG_COLUMNS, PREVIEW_COLUMNS, PROBLEM_COLUMNS
from components.grid import data_grid
from components.ids import Contributors
from data.access import Permission
from data.domain.contributor_upload import MAX_FILE_BYTES, MAX_ROWS
from data.domain.enums import DerStatus
from data.queries.contributors import ldc_choices

dash.register_page(
    __name__, path="/contributors", name="Contributor DERs", title="Contributor DERs · T-D Coordination",
    permission=Permission.VIEW_REGISTRY, nav_order=57, icon="bi-upload",
)

ENROLMENT_STATES = [("active", "Enrolled today"), ("scheduled", "Enrolment starts later"),
                    ("ended", "Enrolment ended"), ("none", "Not enrolled")]


def _upload_tab(can_upload: bool) -> html.Div:
    templates = html.Div([
        html.Span("Template:", className="small me-2"),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "CSV"], id=Contributors.TEMPLATE_CSV, size="sm",
                   color="secondary", outline=True, className="me-2"),
        dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), "Excel (with notes)"],
                   id=Contributors.TEMPLATE_XLSX, size="sm", color="secondary", outline=True),
    ], className="d-flex align-items-center mb-2")
    drop = dcc.Upload(
        id=Contributors.UPLOAD, accept=".csv,.xlsx", multiple=False, max_size=MAX_FILE_BYTES,
        children=html.Div([html.I(className="bi bi-cloud-arrow-up me-2"), "Drop your DER list here or ",
                           html.A("choose a .csv or .xlsx file"),
                           html.Div(f"Up to {MAX_FILE_BYTES // 1_048_576} MB and {MAX_ROWS:,} rows. Every row "
                                    "is checked; nothing is applied until you have seen the preview and pressed "
                                    "Apply.", className="small text-body-secondary")]),
        className="contributors-drop panel p-3 mb-2 text-center",
        style={"borderStyle": "dashed", "cursor": "pointer"},
    )
    result = html.Div([
        dcc.Loading(html.Div(id=Contributors.UPLOAD_MESSAGE), type="dot"),
        html.Div(id=Contributors.RESULT),
        html.Div([html.Div("Preview: what each row does", className="panel-title mb-1"),
                  data_grid(Contributors.PREVIEW_GRID, PREVIEW_COLUMNS, height="360px", row_id="key",
                            tooltipShowDelay=200)],
                 id=Contributors.PREVIEW_WRAP, hidden=True, className="mb-2"),
        html.Div([html.Div("Problems (row as numbered in your spreadsheet; row 1 is the header)",
                           className="panel-title mb-1"),
                  data_grid(Contributors.PROBLEMS_GRID, PROBLEM_COLUMNS, height="320px", row_id="key",
                            tooltipShowDelay=200)],
                 id=Contributors.PROBLEMS_WRAP, hidden=True, className="mb-2"),
        html.Div([
            dbc.Button([html.I(className="bi bi-check2-all me-1"), "Apply"], id=Contributors.APPLY, color="primary",
                       size="sm", disabled=True, className="me-2"),
            dcc.Loading(html.Span(id=Contributors.APPLY_MESSAGE), type="dot"),
        ], className="d-flex align-items-center mb-2", hidden=not can_upload),
    ], className="panel p-2 mb-2")
    history = html.Div([html.Div("Uploads (select one to see it again)", className="panel-title mb-1"),
                        data_grid(Contributors.HISTORY_GRID, HISTORY_COLUMNS, height="260px", row_id="key")],
                       className="panel p-2")
    return html.Div([html.Div([templates, drop], hidden=not can_upload), result, history],
                    id=Contributors.UPLOAD_PANEL, className="pt-2")


def _log_tab(ldcs: list[tuple[int, str]]) -> html.Div:
    filters = html.Div([
        dcc.Dropdown(id=Contributors.LOG_LDC, options=[{"label": n, "value": i} for i, n in ldcs], multi=True,
                     placeholder="All service territories", className="small"),
        dcc.Dropdown(id=Contributors.LOG_DER_STATUS, multi=True, placeholder="All DER states", className="small",
                     options=[{"label": s.label, "value": s.value} for s in DerStatus]),
        dcc.Dropdown(id=Contributors.LOG_ENROLMENT_STATUS, multi=True, placeholder="All enrolments",
                     className="small", options=[{"label": label, "value": v} for v, label in ENROLMENT_STATES]),
        dcc.DatePickerSingle(id=Contributors.LOG_DATE, display_format="YYYY-MM-DD", clearable=True,
                             placeholder="Enrolled on (day)", className="small"),
    ], className="filter-bar")
    header = html.Div([
        html.Div(id=Contributors.LOG_SUMMARY, className="small me-auto"),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Export CSV"], id=Contributors.LOG_EXPORT_CSV,
                   size="sm", color="secondary", outline=True, className="me-2"),
        dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), "Export Excel"],
                   id=Contributors.LOG_EXPORT_XLSX, size="sm", color="secondary", outline=True),
    ], className="d-flex align-items-center my-2")
    return html.Div([filters, header,
                     html.Div(data_grid(Contributors.LOG_GRID, LOG_COLUMNS, height="520px", row_id="key",
                                        tooltipShowDelay=200), className="panel p-1")], className="pt-2")


@requires(Permission.VIEW_REGISTRY)
def layout(**_query: str) -> html.Div:
    principal = principal_or_refuse()
    can_upload = principal.can(Permission.UPLOAD_CONTRIBUTORS)
    with db().session() as s:
        ldcs = ldc_choices(s, principal)
    tabs = [dbc.Tab(_log_tab(ldcs), label="Enrolment log", tab_id="log")]
    upload_tab = dbc.Tab(_upload_tab(can_upload), label="Upload DER list" if can_upload else "Uploads",
                         tab_id="upload")
    if can_upload:
        tabs = [upload_tab, *tabs]
    elif principal.sees_everything:  # the IESO and the administrator read every aggregator's uploads
        tabs = [*tabs, upload_tab]
    intro = ("Upload your contributor DER list, check the preview, then apply it. DERs you add wait for their "
             "LDC's approval." if can_upload else
             "Active and deactivated DERs and their enrolment history (a DER is in one program at a time).")
    return html.Div([
        dcc.Store(id=Contributors.SHOWN), dcc.Download(id=Contributors.TEMPLATE_DOWNLOAD),
        dcc.Download(id=Contributors.LOG_DOWNLOAD),
        html.Div([html.H1("Contributor DERs", className="h4 mb-0 me-3"),
                  html.Span(intro, className="small text-body-secondary")], className="d-flex align-items-center"),
        dbc.Tabs(tabs, id=Contributors.TABS, active_tab="upload" if can_upload else "log", className="mt-2"),
    ])
