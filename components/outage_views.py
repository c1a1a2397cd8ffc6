"""Views of the outage log: state badges, the timeline of the filtered outages, the detail panel, alerts."""
from __future__ import annotations

from datetime import datetime, timedelta

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html
from markupsafe import escape

from components.alerts import alert_list, when
from components.palette import (
    NEUTRAL,
    SEVERITY_COLOURS,
    TEXT_ON_DARK,
    TEXT_ON_LIGHT,
    severity_class,
    severity_colour,
)
from data.domain.enums import OutageState, Severity
from data.domain.market_time import MARKET_TZ
from data.domain.outages import limit_text
from data.queries.notifications import AlertRow
from data.queries.outages import HistoryRow, OutageImpact, OutageRow
from layers.geojson import fmt_mw

STATE_SEVERITY: dict[str, Severity | None] = {
    OutageState.ACTIVE: Severity.ALARM,
    OutageState.PLANNED: Severity.ACTION,
    OutageState.RESTORED: Severity.COMPLIANT,
    OutageState.CANCELLED: None,
}
STATE_ICONS = {OutageState.ACTIVE: "bi-exclamation-octagon", OutageState.PLANNED: "bi-calendar-event",
               OutageState.RESTORED: "bi-check-circle", OutageState.CANCELLED: "bi-x-circle"}
# The grid's state cell, coloured by the theme's classes (dash-ag-grid {"function": ...} form).
OUTAGE_STATE_CELL_RULES = {
    "state-cell-alarm": {"function": "params.value === 'active'"},
    "state-cell-action": {"function": "params.value === 'planned'"},
    "state-cell-compliant": {"function": "params.value === 'restored'"},
}
TIMELINE_ROWS = 40


def state_badge(state: str) -> html.Span:
    severity = STATE_SEVERITY.get(state)
    css = severity_class(severity)
    return html.Span([html.I(className=f"bi {STATE_ICONS.get(state, 'bi-circle')} me-1"), state],
                     className=f"badge {css}")


# --- timeline --------------------------------------------------------------------------------------------


def _est(ts: datetime) -> datetime:
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None)


def _bar_end(row: OutageRow, now: datetime) -> tuple[datetime, str]:
    if row.restored_at:
        return row.restored_at, when(row.restored_at)
    if row.estimated_restoration_at:
        return row.estimated_restoration_at, f"{when(row.estimated_restoration_at)} (estimated)"
    return max(now, row.start_at + timedelta(hours=1)), "until restored"


def timeline_figure(rows: list[OutageRow], now: datetime, dark: bool = False) -> go.Figure:
    """One line per outage (the newest TIMELINE_ROWS), from start to restoration, coloured by state, in EST."""
    shown = rows[:TIMELINE_ROWS]
    fig = go.Figure()
    for row in shown:
        end, end_text = _bar_end(row, now)
        a, b = _est(row.start_at), _est(max(end, row.start_at + timedelta(minutes=5)))
        fig.add_bar(
            y=[row.label], x=[(b - a).total_seconds() * 1000], base=[a], orientation="h", width=0.6,
            marker={"color": severity_colour(STATE_SEVERITY.get(row.state)),
                    "line": {"width": 1, "color": "rgba(0,0,0,.4)"}},
            customdata=[[row.id]], showlegend=False, name=row.label,
            hovertemplate=(f"<b>{escape(row.label)}</b><br>{row.kind} · {row.state} · "
                           f"{limit_text(row.derate_pct, row.max_kw)}<br>{when(row.start_at)} – {end_text}"
                           "<extra></extra>"),
        )
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    grid = "rgba(255,255,255,.08)" if dark else "rgba(0,0,0,.08)"
    fig.add_shape(type="line", x0=_est(now), x1=_est(now), y0=0, y1=1, yref="paper",
                  line={"color": SEVERITY_COLOURS[Severity.INFORMATION], "width": 2})
    fig.add_annotation(x=_est(now), y=1, yref="paper", text="now", showarrow=False, yanchor="bottom",
                       font={"color": SEVERITY_COLOURS[Severity.INFORMATION]})
    fig.update_layout(
        barmode="overlay", margin={"l": 10, "r": 16, "t": 18, "b": 36}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)", font={"color": text, "size": 12}, hoverlabel={"align": "left"},
        xaxis={"type": "date", "gridcolor": grid,
               "title": {"text": "Market time (EST)", "font": {"size": 11, "color": NEUTRAL}}},
        yaxis={"categoryorder": "array", "categoryarray": [r.label for r in reversed(shown)], "gridcolor": grid,
               "automargin": True, "fixedrange": True},
    )
    if not shown:
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           text="No outage matches the filters", font={"color": NEUTRAL, "size": 13})
        fig.update_xaxes(range=[_est(now - timedelta(days=1)), _est(now + timedelta(days=1))])
    return fig


# --- detail panel ----------------------------------------------------------------------------------------


def _facts(rows: list[tuple[str, object]]) -> html.Table:
    return html.Table(
        html.Tbody([html.Tr([html.Th(k, className="text-body-secondary fw-normal pe-2"), html.Td(v)])
                    for k, v in rows if v not in (None, "")]),
        className="detail-table w-100 mb-2",
    )


def _impact(impact: OutageImpact | None) -> list:
    if impact is None:
        return []
    parts: list = [html.Div("Affected DERs", className="small fw-semibold mt-2")]
    if not impact.ders:
        parts.append(html.Div("No DER in your view is supplied through these elements.",
                              className="small text-body-secondary"))
    else:
        parts.append(dbc.Table(
            [html.Thead(html.Tr([html.Th("Aggregator"), html.Th("DERs", className="text-end"),
                                 html.Th("Capacity", className="text-end")])),
             html.Tbody([html.Tr([html.Td(a.name), html.Td(f"{a.ders:,}", className="text-end"),
                                  html.Td(fmt_mw(a.capacity_kw), className="text-end")])
                         for a in impact.by_aggregator]
                        + [html.Tr([html.Th("Total"), html.Th(f"{impact.ders:,}", className="text-end"),
                                    html.Th(fmt_mw(impact.capacity_kw), className="text-end")])])],
            size="sm", className="detail-table mb-1"))
        more = f" and {impact.ders - len(impact.der_names):,} more" if impact.ders > len(impact.der_names) else ""
        parts.append(html.Details([html.Summary("DER IDs", className="small"),
                                   html.Div(", ".join(impact.der_names) + more, className="small")]))
    c = impact.commitments
    flagged = (f"{len(c.limit_ids)} approved limit(s), {len(c.bid_ids)} bid(s), {len(c.dispatch_ids)} dispatch "
               f"instruction(s) on {len(c.der_ids)} DER(s) in the window")
    parts.append(html.Div([html.Span("Flagged ", className="fw-semibold"),
                           html.Span([html.I(className="bi bi-flag-fill me-1"), flagged],
                                     className="badge state-action") if c.any else "nothing in the window"],
                          className="small mt-2"))
    return parts


def _history(history: list[HistoryRow]) -> list:
    if not history:
        return [html.Div("No recorded change (IESO feed).", className="small text-body-secondary")]
    return [html.Ul([html.Li([html.Span(when(h.at), className="text-body-secondary me-1"),
                              html.Span(f"{h.action} → {h.state}" if h.state else h.action, className="fw-semibold"),
                              f" by {h.who}", html.Div(h.note, className="fst-italic") if h.note else None],
                             className="small mb-1") for h in reversed(history)],
                    className="list-unstyled mb-0 outage-history")]


def detail_view(row: OutageRow, impact: OutageImpact | None, history: list[HistoryRow]) -> html.Div:
    facts = [
        ("Outage", f"#{row.id}" + (f" · IESO {row.external_id}" if row.external_id else "")),
        ("State", state_badge(row.state)), ("Kind", row.kind),
        ("Elements", html.Ul([html.Li(e) for e in row.elements], className="list-unstyled mb-0")),
        ("Start", when(row.start_at)), ("Est. restoration", when(row.estimated_restoration_at, "until restored")),
        ("Restored", when(row.restored_at, "")), ("Limit", limit_text(row.derate_pct, row.max_kw)),
        ("Reporter", row.reporter), ("Description", row.description),
    ]
    read_only = [html.Div([html.I(className="bi bi-lock me-1"), "IESO transmission outage: read-only"],
                          className="small text-body-secondary")] if row.read_only else []
    return html.Div([_facts(facts), *read_only, *_impact(impact),
                     html.Div("History", className="small fw-semibold mt-2"), *_history(history)])


def alerts_view(alerts: list[AlertRow]) -> html.Div | html.Ul:
    return alert_list(alerts, "No outage alert for your organisation.", lambda a: a.severity,
                      item_class="outage-alert")
