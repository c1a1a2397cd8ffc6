"""Feed health: one row per source, its last success, age, rows, last error and traffic light."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import settings
from components.grid import STATE_CELL_RULES, data_grid
from components.ids import Health
from data.access import Permission

dash.register_page(
    __name__, path="/health", name="Feed health", title="Feed health · T-D Coordination",
    permission=Permission.VIEW_FEED_HEALTH, nav_order=90, icon="bi-activity",
)

FEED_COLUMNS = [
    {"field": "status", "headerName": "Status", "maxWidth": 120, "cellClassRules": STATE_CELL_RULES},
    {"field": "label", "headerName": "Feed", "minWidth": 240},
    {"field": "name", "headerName": "Source", "minWidth": 170},
    {"field": "age", "headerName": "Age of data", "maxWidth": 150},
    {"field": "last_success", "headerName": "Last success (EST)", "minWidth": 170},
    {"field": "rows", "headerName": "Rows", "type": "numericColumn", "maxWidth": 110},
    {"field": "cadence", "headerName": "Expected every", "maxWidth": 150},
    {"field": "source_timestamp", "headerName": "Report time (EST)", "minWidth": 170},
    {"field": "last_error", "headerName": "Last error", "minWidth": 260, "tooltipField": "last_error"},
]
RUN_COLUMNS = [
    {"field": "status", "headerName": "Status", "maxWidth": 110, "cellClassRules": STATE_CELL_RULES},
    {"field": "started", "headerName": "Started (EST)", "minWidth": 170},
    {"field": "duration", "headerName": "Seconds", "type": "numericColumn", "maxWidth": 110},
    {"field": "rows", "headerName": "Rows", "type": "numericColumn", "maxWidth": 100},
    {"field": "file", "headerName": "File", "minWidth": 260},
    {"field": "error", "headerName": "Error", "minWidth": 300, "tooltipField": "error"},
]


def _simulator_controls() -> list:
    """Admins of an install with the simulator may pause a simulated feed (training, demos)."""
    if not settings().simulator or not principal_or_refuse().can(Permission.OPERATE_SIMULATOR):
        return []
    return [
        html.Span(id=Health.PAUSE_MESSAGE, className="small me-2"),
        dbc.Button([html.I(className="bi bi-pause-circle me-1"), "Pause / resume selected simulated feed"],
                   id=Health.PAUSE, size="sm", color="secondary", outline=True, className="me-2"),
    ]


@requires(Permission.VIEW_FEED_HEALTH)
def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=Health.REFRESH, interval=15_000),
            html.Div(
                [html.H1("Feed health", className="h4 mb-0 me-3"), html.Div(id=Health.SUMMARY, className="me-auto"),
                 *_simulator_controls(),
                 dbc.Button([html.I(className="bi bi-download me-1"), "Export CSV"], id=Health.EXPORT, size="sm",
                            color="secondary", outline=True)],
                className="d-flex align-items-center mb-2",
            ),
            html.Div(data_grid(Health.GRID, FEED_COLUMNS, height="470px", row_id="name",
                               tooltipShowDelay=200), className="panel p-1 mb-3"),
            html.Div("Select a feed to see its recent runs.", id=Health.RUNS_TITLE, className="panel-title mb-1"),
            html.Div(data_grid(Health.RUNS, RUN_COLUMNS, height="300px", tooltipShowDelay=200),
                     className="panel p-1"),
        ]
    )
