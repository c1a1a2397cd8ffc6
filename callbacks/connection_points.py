"""Connection points page callbacks: the table every 30 s, and the selected station's charts and feeders."""
from __future__ import annotations

from typing import Any

from dash import Input, Output, Patch, callback, dcc, html
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.connection_point_charts import has_history, has_plan, history_figure, no_data, plan_figure
from components.connection_point_table import feeder_rows, point_rows
from components.ids import ConnectionPoints, Shell
from data.access import Permission
from data.domain.enums import Severity
from data.domain.market_time import format_market
from data.models.base import utcnow
from data.queries.connection_points import ConnectionPointRow, connection_point_detail, connection_points

MAX_FILTER_TEXT = 60
GRAPH_STYLE = {"height": "260px"}
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _badge(text: str, state: str) -> html.Span:
    return html.Span(text, className=f"badge state-{state} me-2")


def _summary(rows: list[ConnectionPointRow]) -> list[html.Span]:
    badges = [_badge(f"{len(rows)} connection point{'s' if len(rows) != 1 else ''}", "neutral")]
    alarms = sum(r.loading_state is Severity.ALARM for r in rows)
    warnings = sum(r.loading_state is Severity.ACTION for r in rows)
    reverse = sum(bool(r.reverse_flow) for r in rows)
    if alarms:
        badges.append(_badge(f"{alarms} above rating", "alarm"))
    if warnings:
        badges.append(_badge(f"{warnings} at 80-100 % of rating", "action"))
    if reverse:
        badges.append(_badge(f"⇅ {reverse} in reverse flow", "information"))
    return badges


@callback(
    Output(ConnectionPoints.GRID, "rowData"), Output(ConnectionPoints.SUMMARY, "children"),
    Output(ConnectionPoints.UPDATED, "children"), Input(ConnectionPoints.REFRESH, "n_intervals"),
)
@requires(Permission.VIEW_CONNECTION_POINTS)
def table(_tick: Any) -> tuple[list[dict[str, Any]], list, str]:
    principal = principal_or_refuse()
    now = utcnow()
    with db().session() as s:
        rows = connection_points(s, principal, now)
    return point_rows(rows), _summary(rows), f"Updated {format_market(now)}"


@callback(Output(ConnectionPoints.GRID, "dashGridOptions"), Input(ConnectionPoints.SEARCH, "value"),
          prevent_initial_call=True)
@requires(Permission.VIEW_CONNECTION_POINTS)
def quick_filter(text: Any) -> Patch:
    patch = Patch()
    patch["quickFilterText"] = text[:MAX_FILTER_TEXT] if isinstance(text, str) else ""
    return patch


@callback(Output(ConnectionPoints.GRID, "exportDataAsCsv"), Input(ConnectionPoints.EXPORT, "n_clicks"),
          prevent_initial_call=True)
@requires(Permission.VIEW_CONNECTION_POINTS)
def export(_n: Any) -> bool:
    return True


def selected_id(selected: Any) -> int | None:
    """The station id of the first selected grid row, or None for anything unexpected."""
    if not isinstance(selected, list) or not selected or not isinstance(selected[0], dict):
        return None
    value = selected[0].get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


def _facts(p: ConnectionPointRow) -> str:
    parts = [p.code, f"{p.zone} zone", p.owner, f"rated {p.rated_mw:,.0f} MW"]
    if p.der_export_limit_mw is not None:
        parts.append(f"station DER export limit {p.der_export_limit_mw:,.1f} MW")
    parts.append(f"DER output from {p.der_output_source}" if p.der_output_source else "no current DER output reading")
    if p.load_at is not None:
        parts.append(f"TS load as of {format_market(p.load_at)}")
    parts.append(f"trade days {p.trade_date:%Y-%m-%d} and {p.next_trade_date:%Y-%m-%d} (EST)")
    return " · ".join(parts)


@callback(
    Output(ConnectionPoints.DETAIL_TITLE, "children"), Output(ConnectionPoints.DETAIL_FACTS, "children"),
    Output(ConnectionPoints.HISTORY, "children"), Output(ConnectionPoints.PLAN, "children"),
    Output(ConnectionPoints.FEEDERS, "rowData"),
    Input(ConnectionPoints.GRID, "selectedRows"), Input(ConnectionPoints.REFRESH, "n_intervals"),
    Input(Shell.THEME_STORE, "data"), prevent_initial_call=True,
)
@requires(Permission.VIEW_CONNECTION_POINTS)
def detail(selected: Any, _tick: Any, theme: Any) -> tuple[Any, str, Any, Any, list[dict[str, Any]]]:
    station_id = selected_id(selected)
    if station_id is None:
        raise PreventUpdate
    principal = principal_or_refuse()
    with db().session() as s:
        d = connection_point_detail(s, principal, station_id)
    if d is None:
        return html.Div("That connection point is not in your view.", className="text-body-secondary"), "", [], [], []
    p, dark = d.point, theme == "dark"
    title = html.H2(f"{p.name} · {p.zone} zone", className="h5 mb-0")
    if has_history(d.history):
        history = dcc.Graph(id=ConnectionPoints.HISTORY_GRAPH, style=GRAPH_STYLE, config=GRAPH_CONFIG,
                            figure=history_figure(d.history, p.rated_mw, p.load_visible, dark))
    else:
        history = no_data(f"No readings yet at {p.name}: " + (
            "the chart appears once the LDC ADMS or aggregator telemetry reports (every 5 minutes)."
            if p.load_visible else "none of your DERs here has reported telemetry in the last 24 hours."))
    if has_plan(d.plan):
        plan = dcc.Graph(id=ConnectionPoints.PLAN_GRAPH, style=GRAPH_STYLE, config=GRAPH_CONFIG,
                         figure=plan_figure(d.plan, p.next_trade_date, dark))
    else:
        plan = no_data(f"No approved limits for {p.next_trade_date:%Y-%m-%d} (EST) and no DER output history "
                       "in the last 7 days to base an expectation on yet.")
    return title, _facts(p), history, plan, feeder_rows(d.feeders)
