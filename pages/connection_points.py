"""Aggregated load at T/D connection points: every TS in scope, its DERs, load, flow and approved limits."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from components.connection_point_charts import no_data
from components.connection_point_table import feeder_columns, point_columns
from components.grid import data_grid
from components.ids import ConnectionPoints
from data.access import Permission
from data.queries.connection_points import shows_station_load

dash.register_page(
    __name__, path="/connection-points", name="Connection points",
    title="Connection points · T-D Coordination", permission=Permission.VIEW_CONNECTION_POINTS, nav_order=20,
    icon="bi-diagram-3",
)

REFRESH_MS = 30_000
PICK = "Select a connection point in the table above."
SCOPE_NOTES = {
    True: "Every T/D connection point in your view, with its whole figures. Net load is the TS load as measured "
          "(already net of DER output); load = net + DER output.",
    False: "Your DERs' contribution only: their capacity, output (telemetry; — where none of your DERs here reports "
           "it) and approved limits at each connection point. Station load, net load and loading describe every "
           "customer behind the TS and are not shown here.",
}


@requires(Permission.VIEW_CONNECTION_POINTS)
def layout(**_query: str) -> html.Div:
    load_visible = shows_station_load(principal_or_refuse())
    header = html.Div(
        [html.H1("Connection points", className="h4 mb-0 me-3"),
         html.Div(id=ConnectionPoints.SUMMARY, className="me-auto"),
         html.Span(id=ConnectionPoints.UPDATED, className="small text-body-secondary me-3"),
         dbc.Input(id=ConnectionPoints.SEARCH, placeholder="Filter: zone, name, technology…", size="sm",
                   maxlength=60, debounce=True, className="me-2", style={"maxWidth": "260px"}),
         dbc.Button([html.I(className="bi bi-download me-1"), "Export CSV"], id=ConnectionPoints.EXPORT, size="sm",
                    color="secondary", outline=True)],
        className="d-flex align-items-center mb-1",
    )
    charts = dbc.Row(
        [dbc.Col([html.Div("Last 24 hours", className="panel-title mb-1"),
                  html.Div(no_data(PICK), id=ConnectionPoints.HISTORY)], lg=6),
         dbc.Col([html.Div("Next trade day: approved limits vs expected DER output", className="panel-title mb-1"),
                  html.Div(no_data(PICK), id=ConnectionPoints.PLAN)], lg=6)],
        className="g-3 mb-2",
    )
    detail = html.Div(
        [html.Div("Select a connection point in the table to see its last 24 hours, the next trade day and its "
                  "feeders.", id=ConnectionPoints.DETAIL_TITLE, className="mb-1"),
         html.Div(id=ConnectionPoints.DETAIL_FACTS, className="small text-body-secondary mb-2"),
         charts,
         html.Div("Feeders", className="panel-title mb-1"),
         data_grid(ConnectionPoints.FEEDERS, feeder_columns(load_visible), height="260px")],
        className="panel p-2",
    )
    return html.Div(
        [
            dcc.Interval(id=ConnectionPoints.REFRESH, interval=REFRESH_MS),
            header,
            html.Div(SCOPE_NOTES[load_visible], className="small text-body-secondary mb-2"),
            html.Div(data_grid(ConnectionPoints.GRID, point_columns(load_visible), height="400px", row_id="id",
                               tooltipShowDelay=300), className="panel p-1 mb-3"),
            detail,
        ]
    )
