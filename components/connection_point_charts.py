"""Charts of one connection point: its last 24 hours and the next trade day, in market time (EST).

Grey by default: load lines are neutral, DER output takes a muted category hue, and the only state colour is the
station rating (the alarm threshold), drawn dashed and labelled. A chart with nothing to draw is never shown
empty: the caller gets a message instead (`no_data`).
"""
from __future__ import annotations

from datetime import date, datetime

import plotly.graph_objects as go
from dash import html

from components.palette import NEUTRAL, NEUTRAL_LIGHT, SEVERITY_COLOURS, TECHNOLOGY_COLOURS, TEXT_ON_DARK, TEXT_ON_LIGHT
from data.domain.enums import Severity, Technology
from data.domain.market_time import MARKET_TZ
from data.queries.connection_points import HourPoint, PlanHour

DER_COLOUR = TECHNOLOGY_COLOURS[Technology.SOLAR_PV]
IMPORT_COLOUR = TECHNOLOGY_COLOURS[Technology.BATTERY]
EXPORT_COLOUR = TECHNOLOGY_COLOURS[Technology.WIND]


def _est(ts: datetime) -> datetime:
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None)


def _layout(fig: go.Figure, dark: bool, x_title: str, y_title: str) -> go.Figure:
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    grid = "rgba(255,255,255,.08)" if dark else "rgba(0,0,0,.08)"
    fig.update_layout(
        margin={"l": 56, "r": 12, "t": 12, "b": 44}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"color": text, "size": 12}, hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 11}},
        xaxis={"gridcolor": grid, "title": {"text": x_title, "font": {"size": 11, "color": NEUTRAL}}},
        yaxis={"gridcolor": grid, "zerolinecolor": NEUTRAL, "title": {"text": y_title, "font": {"size": 11}}},
    )
    return fig


def has_history(history: tuple[HourPoint, ...]) -> bool:
    return any(p.der_output_mw is not None or p.net_load_mw is not None for p in history)


def history_figure(history: tuple[HourPoint, ...], rated_mw: float, load_visible: bool,
                   dark: bool = False) -> go.Figure:
    """Hourly means of the last 24 h: load (gross), DER output, net load at the TS and the rating line."""
    x = [_est(p.start_utc) for p in history]
    fig = go.Figure()
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    hover = "%{y:,.1f} MW"
    if load_visible:
        fig.add_scatter(x=x, y=[p.gross_load_mw for p in history], name="Load (net + DER)", mode="lines",
                        line={"color": NEUTRAL, "width": 2, "dash": "dot"}, hovertemplate=hover)
    fig.add_scatter(x=x, y=[p.der_output_mw for p in history], name="DER output" if load_visible else
                    "Your DERs' output", mode="lines", line={"color": DER_COLOUR, "width": 2}, hovertemplate=hover)
    if load_visible:
        fig.add_scatter(x=x, y=[p.net_load_mw for p in history], name="Net load at TS", mode="lines",
                        line={"color": text, "width": 2.5}, hovertemplate=hover)
        rating = SEVERITY_COLOURS[Severity.ALARM]
        fig.add_scatter(x=[x[0], x[-1]], y=[rated_mw, rated_mw], name=f"Rating {rated_mw:,.0f} MW", mode="lines",
                        line={"color": rating, "width": 1.5, "dash": "dash"}, hoverinfo="skip")
    fig.update_layout(showlegend=True)  # also with one trace (an aggregator's): the legend names it
    return _layout(fig, dark, "Hour starting, market time (EST)", "MW (hourly mean)")


def has_plan(plan: tuple[PlanHour, ...]) -> bool:
    return any(h.export_limit_mw is not None or h.expected_der_mw is not None for h in plan)


def plan_figure(plan: tuple[PlanHour, ...], trade_date: date, dark: bool = False) -> go.Figure:
    """The next trade day by hour-ending (EST): approved export (up) and import (down) limits vs expected output."""
    he = [h.hour_ending for h in plan]
    fig = go.Figure()
    fig.add_bar(x=he, y=[h.export_limit_mw for h in plan], name="Approved export limits", marker_color=EXPORT_COLOUR,
                hovertemplate="%{y:,.2f} MW")
    fig.add_bar(x=he, y=[-h.import_limit_mw if h.import_limit_mw is not None else None for h in plan],
                name="Approved import limits (−)", marker_color=IMPORT_COLOUR, hovertemplate="%{y:,.2f} MW")
    fig.add_scatter(x=he, y=[h.expected_der_mw for h in plan], name="Expected DER output (7-day mean)",
                    mode="lines+markers", line={"color": DER_COLOUR, "width": 2}, marker={"size": 5},
                    hovertemplate="%{y:,.2f} MW")
    fig.update_layout(barmode="relative", bargap=0.25)
    fig = _layout(fig, dark, f"Hour ending, market time (EST), trade day {trade_date:%Y-%m-%d}", "MW")
    fig.update_xaxes(tickmode="linear", dtick=2, range=[0.4, 24.6])
    return fig


def no_data(text: str) -> html.Div:
    return html.Div([html.I(className="bi bi-info-circle me-2"), text],
                    className="small text-body-secondary d-flex align-items-center justify-content-center "
                              "border rounded", style={"height": "260px", "borderColor": NEUTRAL_LIGHT})
