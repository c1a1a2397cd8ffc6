"""Shared plotly figure helpers: the theme-aware chart style, the empty-state figure and category colours."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from components.palette import NEUTRAL, TECHNOLOGY_COLOURS, TEXT_ON_DARK, TEXT_ON_LIGHT

# Groups (aggregators, services, buyers) are categories, not states: the palette's muted category hues.
CATEGORY_COLOURS = tuple(TECHNOLOGY_COLOURS.values())


def style_figure(fig: go.Figure, dark: bool, **layout: Any) -> go.Figure:
    """Transparent background, theme text and grid colours, a horizontal legend above the plot."""
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    grid = "rgba(255,255,255,.08)" if dark else "rgba(0,0,0,.08)"
    fig.update_layout(
        margin={"l": 64, "r": 16, "t": 30, "b": 40}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"color": text, "size": 12}, hoverlabel={"align": "left"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "traceorder": "normal"},
    )
    fig.update_layout(**layout)
    fig.update_xaxes(gridcolor=grid, zerolinecolor=grid)
    fig.update_yaxes(gridcolor=grid, zerolinecolor=grid)
    return fig


def message_figure(text: str, dark: bool) -> go.Figure:
    """No chart without numbers: a clear sentence instead."""
    fig = go.Figure()
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, text=text,
                       font={"color": NEUTRAL, "size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style_figure(fig, dark)
