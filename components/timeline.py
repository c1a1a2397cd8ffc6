"""The timeline figure: one lane per kind of item, a 'now' line, times in market time (EST)."""
from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go

from components.palette import NEUTRAL, SEVERITY_COLOURS, TEXT_ON_DARK, TEXT_ON_LIGHT, severity_colour
from data.domain.enums import Severity
from data.domain.market_time import MARKET_TZ
from data.queries.timeline import LANES, TimelineItem


def _est(ts: datetime) -> datetime:
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None)


def timeline_figure(items: list[TimelineItem], start: datetime, end: datetime, now: datetime,
                    dark: bool = False, font_size: int = 12) -> go.Figure:
    fig = go.Figure()
    for item in items:
        a, b = _est(max(item.start, start)), _est(min(item.end, end))
        fig.add_bar(
            y=[item.lane], x=[(b - a).total_seconds() * 1000], base=[a], orientation="h",
            marker={"color": severity_colour(item.severity), "line": {"width": 1, "color": "rgba(0,0,0,.4)"}},
            customdata=[[item.kind, item.item_id]], name=item.label, showlegend=False, width=0.6,
            hovertemplate=(f"<b>{item.label}</b><br>{item.detail}<br>"
                           f"{_est(item.start):%Y-%m-%d %H:%M} – {_est(item.end):%Y-%m-%d %H:%M} EST<extra></extra>"),
        )
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    grid = "rgba(255,255,255,.08)" if dark else "rgba(0,0,0,.08)"
    fig.add_shape(type="line", x0=_est(now), x1=_est(now), y0=0, y1=1, yref="paper",
                  line={"color": SEVERITY_COLOURS[Severity.INFORMATION], "width": 2})
    fig.add_annotation(x=_est(now), y=1, yref="paper", text="now", showarrow=False, yanchor="bottom",
                       font={"color": SEVERITY_COLOURS[Severity.INFORMATION], "size": font_size})
    fig.update_layout(
        barmode="overlay", margin={"l": 150, "r": 16, "t": 18, "b": 36}, height=None,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", font={"color": text, "size": font_size},
        xaxis={"type": "date", "range": [_est(start), _est(end)], "gridcolor": grid,
               "title": {"text": "Market time (EST)", "font": {"size": font_size - 1, "color": NEUTRAL}}},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(LANES)), "range": [-0.5, len(LANES) - 0.5],
               "gridcolor": grid, "fixedrange": True},
        hoverlabel={"align": "left"}, clickmode="event",
    )
    # Empty lanes still show, so "nothing scheduled" reads as a fact rather than a broken chart.
    fig.add_scatter(x=[_est(start)] * len(LANES), y=list(LANES), mode="markers", marker={"opacity": 0},
                    hoverinfo="skip", showlegend=False)
    if not items:
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           text="Nothing scheduled in this window", font={"color": NEUTRAL, "size": font_size + 1})
    return fig
