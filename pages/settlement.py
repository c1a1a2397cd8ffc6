"""Settlement report (unofficial): per period and party, events, energy, payments and run time; trades by service and
buyer; payments per event; the double-payment reconciliation; the period's set points, DER limits, outages and
notices. Written for managers; aggregators, LDCs and the IESO read the same report for their own view."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.settlement import default_period
from components.grid import data_grid
from components.ids import Settlement
from components.settlement_views import (
    DISCLAIMER,
    EVENT_COLUMNS,
    FLAG_COLUMNS,
    LIMIT_COLUMNS,
    NOTICE_COLUMNS,
    PARTY_COLUMNS,
    SET_POINT_COLUMNS,
    as_of_text,
)
from data.access import Permission
from data.domain.market_time import trade_date_of
from data.models.base import utcnow
from data.queries.settlement import parties_in_view

dash.register_page(
    __name__, path="/settlement", name="Settlement", title="Settlement · T-D Coordination",
    permission=Permission.VIEW_SETTLEMENT, nav_order=75, icon="bi-receipt",
)

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _panel(title: str, *children: object, **kwargs: object) -> html.Div:
    return html.Div([html.Div(title, className="panel-title mb-1"), *children], className="panel p-2 h-100",
                    **kwargs)


def _header(organisation: str) -> html.Div:
    now = utcnow()
    return html.Div([
        html.Div([
            html.H1("Settlement report", className="h4 mb-0 me-3"),
            html.Span([html.I(className="bi bi-info-circle me-1"), DISCLAIMER],
                      className="badge state-information me-3"),
            html.Span(f"{organisation} · {as_of_text(now)}", className="small text-body-secondary me-auto"),
            dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Export CSV"], id=Settlement.EXPORT_CSV,
                       size="sm", color="secondary", outline=True, className="me-2"),
            dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), "Export Excel"],
                       id=Settlement.EXPORT_XLSX, size="sm", color="secondary", outline=True),
        ], className="d-flex align-items-center flex-wrap gap-1"),
    ], className="mb-2")


def _filters(parties: list[tuple[int, str]]) -> html.Div:
    first, last = default_period(trade_date_of(utcnow()))
    several = len(parties) > 1
    return html.Div([
        html.Span("Period (EST trade dates)", className="small text-body-secondary"),
        html.Div(dcc.DatePickerRange(id=Settlement.PERIOD, start_date=first.isoformat(), end_date=last.isoformat(),
                                     display_format="YYYY-MM-DD", minimum_nights=0, className="small"),
                 style={"width": "300px"}),
        html.Span("Parties", className="small text-body-secondary ms-2"),
        html.Div(dcc.Dropdown(
            id=Settlement.PARTIES, options=[{"label": name, "value": i} for i, name in parties], multi=True,
            placeholder="All parties in your view" if several else (parties[0][1] if parties else "Your organisation"),
            disabled=not several, className="small"), style={"minWidth": "320px"}),
        html.Div(id=Settlement.MESSAGE, className="ms-2"),
    ], className="d-flex align-items-center flex-wrap gap-2 mb-2")


def _tabs(several: bool) -> dbc.Tabs:
    def grid(grid_id: str, columns: list[dict[str, object]], height: str | None = "420px") -> html.Div:
        table = data_grid(grid_id, columns, height=height or "auto", row_id="key", tooltipShowDelay=200,
                          **({} if height else {"domLayout": "autoHeight"}))
        # Flex columns fill the width by themselves: a grid in a hidden tab is never asked to fit a zero width.
        table.columnSize = None
        table.defaultColDef = {**table.defaultColDef, "flex": 1}
        return html.Div(table, className="mt-2")

    def note(text: str) -> html.Div:
        return html.Div(f"{text} Everything in your view, for all parties.", className="small text-body-secondary mt-2")

    return dbc.Tabs([
        dbc.Tab([html.Div([html.Div("Totals by party", className="panel-title mt-2"),
                           grid(Settlement.PARTY_TOTALS, PARTY_COLUMNS, None)], hidden=not several),
                 html.Div("Payments by event", className="panel-title mt-2"),
                 grid(Settlement.EVENTS, EVENT_COLUMNS, "400px")],
                label="Payments", tab_id=Settlement.TAB_EVENTS, id=Settlement.TAB_EVENTS),
        dbc.Tab([html.Div(id=Settlement.RECONCILIATION_SUMMARY, className="mt-2"),
                 grid(Settlement.FLAGS, FLAG_COLUMNS)],
                label="Reconciliation", tab_id=Settlement.TAB_RECONCILIATION, id=Settlement.TAB_RECONCILIATION),
        dbc.Tab([note("Participation set points: the IESO and DSO dispatch instructions whose window meets the "
                      "period."), grid(Settlement.SET_POINTS, SET_POINT_COLUMNS)],
                label="Set points", tab_id=Settlement.TAB_SET_POINTS, id=Settlement.TAB_SET_POINTS),
        dbc.Tab([note("DER limits approved for the period's trade dates (highest export and import over the "
                      "approved hours)."), grid(Settlement.LIMITS, LIMIT_COLUMNS)],
                label="DER limits", tab_id=Settlement.TAB_LIMITS, id=Settlement.TAB_LIMITS),
        dbc.Tab([note("Outages, maintenance and constraints (not cancelled) and published needs and standby "
                      "notices in force during the period."), grid(Settlement.NOTICES, NOTICE_COLUMNS)],
                label="Outages & notices", tab_id=Settlement.TAB_NOTICES, id=Settlement.TAB_NOTICES),
    ], id=Settlement.TABS, active_tab=Settlement.TAB_EVENTS)


@requires(Permission.VIEW_SETTLEMENT)
def layout(**_query: str) -> html.Div:
    principal = principal_or_refuse()
    with db().session() as s:
        parties = [(p.id, p.name) for p in parties_in_view(s, principal)]
    charts = dbc.Row([
        dbc.Col(_panel("Trades by service · what the buyers pay",
                       dcc.Graph(id=Settlement.BY_SERVICE, config=GRAPH_CONFIG, style={"height": "300px"})), lg=6),
        dbc.Col(_panel("Payments by buyer",
                       dcc.Graph(id=Settlement.BY_BUYER, config=GRAPH_CONFIG, style={"height": "300px"})), lg=6),
    ], className="g-2 mb-2")
    return html.Div([
        dcc.Download(id=Settlement.DOWNLOAD),
        _header(principal.organisation_name or principal.display_name),
        _filters(parties),
        html.Div(id=Settlement.SUMMARY, className="small mb-2"),
        html.Div(id=Settlement.KPIS, className="d-grid gap-2 mb-2",
                 style={"gridTemplateColumns": "repeat(6, minmax(0, 1fr))"}),
        charts,
        html.Div(_tabs(len(parties) > 1), className="panel p-2 mb-2"),
        html.Div(id=Settlement.RATES, className="panel p-2"),
    ])
