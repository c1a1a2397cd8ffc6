"""Performance (M&V): events in view, one event's baseline and delivery, monthly trends and a league table."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import requires
from callbacks.performance import EVENT_COLUMNS, league_columns
from components.grid import data_grid
from components.ids import Performance
from components.kpi import kpi
from data.access import Permission
from data.domain.baselines import DEFAULT_METHOD_NAME, PRESETS

dash.register_page(
    __name__, path="/performance", name="Performance", title="Performance · T-D Coordination",
    permission=Permission.VIEW_PERFORMANCE, nav_order=70, icon="bi-graph-up-arrow",
)

def _kpis() -> list[html.Div]:
    return [kpi("Activated kW", "—", Performance.KPI_ACTIVATED), kpi("Delivered kW (mean)", "—",
                                                                    Performance.KPI_DELIVERED),
            kpi("% delivered", "—", Performance.KPI_PERCENT), kpi("Energy kWh", "—", Performance.KPI_ENERGY),
            kpi("Baseline days", "—", Performance.KPI_SAMPLE)]


def _header() -> html.Div:
    methods = [{"label": name, "value": name} for name in PRESETS]
    return html.Div(
        [
            html.H1("Performance (M&V)", className="h4 mb-0 me-3"),
            html.Div(id=Performance.SUMMARY, className="me-auto small"),
            html.Span("Baseline method", className="small text-body-secondary me-2"),
            dbc.Select(id=Performance.METHOD, options=methods, value=DEFAULT_METHOD_NAME, size="sm",
                       style={"width": "210px"}),
        ],
        className="d-flex align-items-center mb-2 gap-1",
    )


def _panel(title: object, *children: object, title_id: str | None = None) -> html.Div:
    head = html.Div(title, className="panel-title mb-1", id=title_id) if title_id else html.Div(
        title, className="panel-title mb-1")
    return html.Div([head, *children], className="panel p-2 h-100")


@requires(Permission.VIEW_PERFORMANCE)
def layout(**_query: str) -> html.Div:
    graph_config = {"displayModeBar": False, "responsive": True}
    events = _panel(
        html.Div([html.Span("Events in view", className="me-auto"),
                  dbc.Button([html.I(className="bi bi-download me-1"), "CSV"], id=Performance.EXPORT, size="sm",
                             color="secondary", outline=True)], className="d-flex align-items-center"),
        data_grid(Performance.EVENTS, EVENT_COLUMNS, height="500px", row_id="event", tooltipShowDelay=200),
    )
    detail = _panel(
        "Select an event", html.Div(id=Performance.DETAIL_MESSAGE, className="small mb-1"),
        html.Div(_kpis(), id=Performance.KPIS, className="d-grid gap-2 mb-2",
                 style={"gridTemplateColumns": "repeat(5, minmax(0, 1fr))"}),
        dcc.Loading(dcc.Graph(id=Performance.CHART, config=graph_config, style={"height": "400px"}), delay_show=300),
        title_id=Performance.DETAIL_TITLE,
    )
    group_by = dbc.RadioItems(
        id=Performance.GROUP_BY, value="aggregator", inline=True, className="small",
        options=[{"label": "by aggregator", "value": "aggregator"}, {"label": "by resource", "value": "resource"}],
    )
    trend = _panel(html.Div([html.Span("Monthly % delivered", className="me-auto"), group_by],
                            className="d-flex align-items-center"),
                   dcc.Graph(id=Performance.TREND, config=graph_config, style={"height": "330px"}))
    league = _panel("League table", data_grid(Performance.LEAGUE, league_columns(False), height="330px",
                                              tooltipShowDelay=200), title_id=Performance.LEAGUE_TITLE)
    return html.Div([
        _header(),
        dbc.Row([dbc.Col(events, lg=5), dbc.Col(detail, lg=7)], className="g-2 mb-2"),
        dbc.Row([dbc.Col(trend, lg=6), dbc.Col(league, lg=6)], className="g-2"),
    ])
