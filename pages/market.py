"""Bids & offers: the bids each party may see, one view per asset across markets, resource plans, the change log
(post-close changes and floor-price automation), and the forms of the roles allowed to use them."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.grid import data_grid
from components.ids import Market as Ids
from components.market_views import (
    BID_COLUMNS,
    CHANGE_COLUMNS,
    CONSOLIDATED_COLUMNS,
    MARKET_OPTIONS,
    PLAN_COLUMNS,
    STATUS_OPTIONS,
    actions_panel,
    availability_panel,
    bid_form,
    buyer_panel,
    default_trade_date,
    floor_panel,
    plan_form,
)
from data.access import Permission, Principal
from data.domain.enums import Role
from data.models.base import utcnow
from data.queries.bid_assets import der_choices, resource_choices

dash.register_page(
    __name__, path="/market", name="Bids & offers", title="Bids & offers · T-D Coordination",
    permission=Permission.VIEW_BIDS, nav_order=60, icon="bi-cash-coin",
)

SCROLL = {"maxHeight": "420px", "overflowY": "auto"}
MULTI_ROW = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True, "enableClickSelection": True}


def _grid(grid_id: str, columns: list, height: str, multi: bool = False):  # type: ignore[no-untyped-def]
    grid = data_grid(grid_id, columns, height=height, row_id="key", tooltipShowDelay=200)
    # Columns share the width by flex (with their minimum widths): a grid in a hidden tab has no width to fit to.
    grid.columnSize = None
    grid.defaultColDef = {**grid.defaultColDef, "flex": 1}
    if multi:
        grid.dashGridOptions = {**grid.dashGridOptions, "rowSelection": MULTI_ROW}
    else:
        grid.dashGridOptions = {k: v for k, v in grid.dashGridOptions.items() if k != "rowSelection"}
    return grid


def _filters() -> html.Div:
    return html.Div([
        dcc.DatePickerSingle(id=Ids.FILTER_DATE, display_format="YYYY-MM-DD", clearable=True, className="small",
                             placeholder="Trade date (all recent)", first_day_of_week=1),
        dcc.Dropdown(id=Ids.FILTER_MARKET, options=MARKET_OPTIONS, multi=True, placeholder="All markets",
                     className="small"),
        dcc.Dropdown(id=Ids.FILTER_STATUS, options=STATUS_OPTIONS, multi=True, placeholder="All statuses",
                     className="small"),
    ], className="filter-bar mb-2")


def _buyer(principal: Principal) -> str:
    return "IESO: day-ahead and real-time" if principal.role is Role.TSO_OPERATOR else \
        "LDC: distribution bids of your territory"


def _bids_tab(principal: Principal, assets: list, ders: list, day) -> dbc.Tab:  # type: ignore[no-untyped-def]
    aggregator = principal.can(Permission.SUBMIT_BIDS)
    left = [
        html.Div(html.Div("Tick one bid to act on it, several to decide them together.", id=Ids.SELECTION,
                          className="small text-body-secondary"), className="mb-2"),
        actions_panel(aggregator),
        buyer_panel(principal.can(Permission.SELECT_BIDS), _buyer(principal)),
        floor_panel(day, principal.can(Permission.SUBMIT_FLOOR_BIDS)),
        bid_form(assets, day, aggregator),
        availability_panel(ders, principal.can(Permission.REGISTER_ASSETS)),
    ]
    right = [
        html.Div([html.Div([html.I(className="bi bi-clock-history me-1"), "Changes after market close"],
                           className="panel-title mb-1"), html.Div(id=Ids.POST_CLOSE, style=SCROLL)],
                 className="panel p-2 mb-2"),
        html.Div([html.Div([html.I(className="bi bi-bell me-1"), "Notifications"], className="panel-title mb-1"),
                  html.Div(id=Ids.ALERTS, style=SCROLL)], className="panel p-2 mb-2"),
    ]
    if aggregator:  # an aggregator comes for its selections and blocks first
        right.reverse()
    return dbc.Tab([
        html.Div(_grid(Ids.GRID, BID_COLUMNS, "380px", multi=True), className="panel p-1 mb-2"),
        dbc.Row([dbc.Col(left, lg=7), dbc.Col(right, lg=5)], className="g-2"),
    ], label="Bids & offers", tab_id="bids")


def _consolidated_tab(day) -> dbc.Tab:  # type: ignore[no-untyped-def]
    return dbc.Tab([
        html.Div([html.Span("Trade date (EST)", className="small me-2"),
                  dcc.DatePickerSingle(id=Ids.CONSOLIDATED_DATE, date=day.isoformat(), display_format="YYYY-MM-DD",
                                       className="small", first_day_of_week=1),
                  html.Span("One row per resource or DER: wholesale and distribution bids side by side (kW: live "
                            "bids, blocked ones excluded).", className="small text-body-secondary ms-3")],
                 className="d-flex align-items-center mb-2"),
        html.Div(_grid(Ids.CONSOLIDATED, CONSOLIDATED_COLUMNS, "520px"), className="panel p-1"),
    ], label="Consolidated by asset", tab_id="assets")


def _plans_tab(principal: Principal, resources: list, day) -> dbc.Tab:  # type: ignore[no-untyped-def]
    return dbc.Tab([
        plan_form(resources, day, principal.can(Permission.SUBMIT_BIDS)),
        html.Div(_grid(Ids.PLANS, PLAN_COLUMNS, "440px"), className="panel p-1"),
    ], label="Resource plans", tab_id="plans")


def _changes_tab() -> dbc.Tab:
    return dbc.Tab([
        html.Div("Every change of every bid you may see: by whom (or by automation), and whether it came after "
                 "the market close.", className="small text-body-secondary mb-1"),
        html.Div(_grid(Ids.CHANGES, CHANGE_COLUMNS, "380px"), className="panel p-1 mb-2"),
        html.Div("Floor-price changes (distributors' zero-price bids: automation on outages and overrides by hand)",
                 className="panel-title mb-1"),
        html.Div(_grid(Ids.FLOOR_CHANGES, CHANGE_COLUMNS, "260px"), className="panel p-1"),
    ], label="Change log", tab_id="changes")


@requires(Permission.VIEW_BIDS)
def layout(bid: str | None = None, **_query: str) -> html.Div:
    principal = principal_or_refuse()
    day = default_trade_date(utcnow())
    with db().session() as s:
        resources = resource_choices(s, principal)
        own_ders = der_choices(s, principal)
    assets = [{"label": f"{label} · {kw:,.0f} kW", "value": f"resource:{i}"} for i, label, kw in resources]
    if principal.can(Permission.SUBMIT_BIDS):
        assets += [{"label": label, "value": f"der:{i}"} for i, label, _ in own_ders]
    ders = [{"label": label, "value": i} for i, label, _ in own_ders]
    plan_resources = [{"label": label, "value": i} for i, label, _ in resources]
    focus = int(bid) if isinstance(bid, str) and bid.isdigit() and len(bid) < 10 else None
    header = html.Div([
        html.H1("Bids & offers", className="h4 mb-0 me-3"),
        html.Div(id=Ids.SUMMARY, className="me-auto"),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Bid history CSV"], id=Ids.EXPORT_BIDS_CSV,
                   size="sm", color="secondary", outline=True, className="me-2"),
        dbc.Button([html.I(className="bi bi-filetype-csv me-1"), "Plan history CSV"], id=Ids.EXPORT_PLANS_CSV,
                   size="sm", color="secondary", outline=True, className="me-2"),
        dbc.Button([html.I(className="bi bi-file-earmark-excel me-1"), "Excel"], id=Ids.EXPORT_XLSX, size="sm",
                   color="secondary", outline=True),
    ], className="d-flex align-items-center flex-wrap mb-2")
    return html.Div([
        dcc.Store(id=Ids.FOCUS, data=focus), dcc.Download(id=Ids.DOWNLOAD),
        dcc.Interval(id=Ids.REFRESH, interval=30_000),
        header, _filters(),
        dbc.Tabs([_bids_tab(principal, assets, ders, day), _consolidated_tab(day),
                  _plans_tab(principal, plan_resources, day), _changes_tab()],
                 id=Ids.TABS, active_tab="bids", className="mb-2"),
    ])
