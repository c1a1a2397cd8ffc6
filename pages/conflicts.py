"""Conflict alerts: the live list by severity, both sides of the selected conflict, acknowledge and resolve."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from components.conflict_views import ALERT_COLUMNS, VIEWS
from components.grid import STATE_CELL_RULES, data_grid
from components.ids import Conflicts
from data.access import Permission

dash.register_page(
    __name__, path="/conflicts", name="Conflicts", title="Conflicts · T-D Coordination",
    permission=Permission.VIEW_CONFLICTS, nav_order=35, icon="bi-exclamation-triangle",
)


def _actions() -> list:
    if not principal_or_refuse().can(Permission.WORK_CONFLICTS):
        return []
    return [
        dbc.Textarea(id=Conflicts.NOTE, placeholder="Note (required to resolve)", maxlength=2000, size="sm",
                     className="mb-2", style={"height": "70px"}),
        html.Div([
            dbc.Button([html.I(className="bi bi-check2 me-1"), "Acknowledge"], id=Conflicts.ACKNOWLEDGE, size="sm",
                       color="warning", className="me-2"),
            dbc.Button([html.I(className="bi bi-check2-all me-1"), "Resolve"], id=Conflicts.RESOLVE, size="sm",
                       color="success"),
        ]),
    ]


@requires(Permission.VIEW_CONFLICTS)
def layout(**_query: str) -> html.Div:
    columns = [dict(c, cellClassRules=STATE_CELL_RULES) if c["field"] == "severity" else c for c in ALERT_COLUMNS]
    return html.Div(
        [
            dcc.Interval(id=Conflicts.REFRESH, interval=15_000),
            dcc.Store(id=Conflicts.SELECTED),
            html.Div(
                [html.H1("Conflict alerts", className="h4 mb-0 me-3"),
                 html.Div(id=Conflicts.SUMMARY, className="me-auto"),
                 dbc.RadioItems(id=Conflicts.VIEW, options=VIEWS, value="unacknowledged", inline=True,
                                className="small")],
                className="d-flex align-items-center mb-2",
            ),
            html.Div(data_grid(Conflicts.GRID, columns, height="360px", row_id="id", tooltipShowDelay=200),
                     className="panel p-1 mb-3"),
            html.Div(
                [html.Div("Select an alert to see both sides of the conflict.", id=Conflicts.DETAIL,
                          className="mb-2"),
                 dbc.Row([dbc.Col(html.Div(id=Conflicts.SIDE_A), md=6), dbc.Col(html.Div(id=Conflicts.SIDE_B), md=6)],
                         className="mb-2"),
                 *_actions(),
                 html.Div(id=Conflicts.MESSAGE, className="small mt-2", role="status")],
                className="panel p-2",
            ),
        ]
    )
