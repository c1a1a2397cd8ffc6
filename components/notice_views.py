"""Views of needs and standby notices: grid rows, the combined timeline (DSO notices and IESO wholesale needs),
the selected notice with who has and has not acknowledged, and the attention list."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from components.palette import (
    NEUTRAL,
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    SEVERITY_COLOURS,
    TECHNOLOGY_COLOURS,
    TEXT_ON_DARK,
    TEXT_ON_LIGHT,
    severity_class,
    severity_colour,
)
from data.domain.enums import NoticeKind, NoticeStatus, Severity, Technology
from data.domain.market_time import MARKET_TZ, MARKET_TZ_LABEL, format_market
from data.domain.notices import KIND_LABELS, SERVICE_TYPES
from data.queries.notices import AckRow, HistoryRow, NoticeRow, PendingAck, WholesaleNeeds

SEVERITY_ICON = {Severity.ALARM: "bi-exclamation-octagon-fill", Severity.ACTION: "bi-hourglass-split",
                 Severity.COMPLIANT: "bi-check-circle-fill", Severity.INFORMATION: "bi-info-circle"}
STATUS_ICONS = {NoticeStatus.DRAFT: "bi-pencil", NoticeStatus.PUBLISHED: "bi-megaphone",
                NoticeStatus.AMENDED: "bi-arrow-repeat", NoticeStatus.CLOSED: "bi-check2-square",
                NoticeStatus.CANCELLED: "bi-x-circle"}
# The escalation cell of the grid, coloured by the theme's classes (dash-ag-grid {"function": ...} form).
ESCALATION_CELL_RULES = {
    "state-cell-alarm": {"function": "params.data && params.data.escalation_severity === 'alarm'"},
    "state-cell-action": {"function": "params.data && params.data.escalation_severity === 'action'"},
    "state-cell-compliant": {"function": "params.data && params.data.escalation_severity === 'compliant'"},
}
LANE_ORDER = [NoticeKind.REQUEST_FOR_SERVICE, NoticeKind.STANDBY, NoticeKind.REQUIREMENT]


def when(ts: datetime | None, missing: str = "—") -> str:
    return format_market(ts) if ts else missing


def window_text(start: datetime, end: datetime) -> str:
    """'2026-07-16 13:00–17:00 EST', or both dates when the window spans days (market time)."""
    a, b = start.astimezone(MARKET_TZ), end.astimezone(MARKET_TZ)
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M} {MARKET_TZ_LABEL}"
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} {MARKET_TZ_LABEL}"


def escalation_text(severity: Severity | None, acknowledged: bool, recipients: int = 1) -> str:
    if recipients == 0:
        return "nobody alerted"
    if acknowledged or severity is Severity.COMPLIANT:
        return "acknowledged"
    return {Severity.ALARM: "overdue", Severity.ACTION: "due soon"}.get(severity, "awaiting")  # type: ignore[arg-type]


def severity_badge(severity: Severity | None, text: str) -> html.Span:
    css = severity_class(severity)
    icon = SEVERITY_ICON.get(severity, "bi-clock") if severity else "bi-clock"
    return html.Span([html.I(className=f"bi {icon} me-1"), text], className=f"badge {css}")


def status_badge(status: str) -> html.Span:
    live = status in (NoticeStatus.PUBLISHED, NoticeStatus.AMENDED)
    return html.Span([html.I(className=f"bi {STATUS_ICONS.get(status, 'bi-circle')} me-1"), status],
                     className=f"badge {'state-information' if live else 'state-neutral'}")


def grid_row(row: NoticeRow, now: datetime, as_recipient: bool) -> dict[str, Any]:
    """One line of the notice list. ``as_recipient``: the escalation shown is the viewer's own acknowledgement
    (aggregators); else the notice's, over all its recipients (publishers, the IESO)."""
    if as_recipient and row.mine_alerted:
        severity = row.my_severity(now)
        escalation = escalation_text(severity, row.mine_acknowledged_at is not None) if row.live else ""
    else:
        severity = row.ack_severity(now)
        escalation = escalation_text(severity, False, row.recipients) if row.live else ""
        if severity is Severity.COMPLIANT:
            escalation = "all acknowledged"
    return {
        "key": str(row.id), "id": row.id, "status": row.status, "kind": KIND_LABELS.get(row.kind, row.kind),
        "service": SERVICE_TYPES.get(row.service_type, row.service_type), "title": row.title,
        "location": row.location, "size_mw": round(row.size_mw, 3), "window": window_text(row.start_at, row.end_at),
        "recurrence": row.recurrence, "deadline": when(row.response_deadline), "acks": row.ack_text,
        "escalation": escalation, "escalation_severity": severity.value if severity else "",
        "publisher": row.publisher, "version": row.version,
    }


# --- the combined timeline ------------------------------------------------------------------------------


def _est(ts: datetime) -> datetime:
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None)


def _bar_colour(row: NoticeRow, now: datetime, as_recipient: bool) -> str:
    if row.status in (NoticeStatus.CLOSED, NoticeStatus.CANCELLED):
        return NEUTRAL_LIGHT
    if row.status == NoticeStatus.DRAFT:
        return NEUTRAL
    severity = row.my_severity(now) if as_recipient and row.mine_alerted else row.ack_severity(now)
    return severity_colour(severity or Severity.INFORMATION)


def _line(fig: go.Figure, series: dict[datetime, float], name: str, colour: str, dash: str = "solid",
          axis: str = "y2") -> None:
    if not series:
        return
    fig.add_scatter(x=[_est(t) for t in series], y=list(series.values()), yaxis=axis, mode="lines", name=name,
                    line={"color": colour, "width": 2, "dash": dash, "shape": "hv"},
                    hovertemplate=f"{name}: %{{y:,.0f}} MW<br>%{{x|%Y-%m-%d %H:%M}} EST<extra></extra>")


def needs_timeline_figure(rows: list[NoticeRow], needs: WholesaleNeeds, now: datetime, *, zone: str | None = None,
                          as_recipient: bool = False, dark: bool = False) -> go.Figure:
    """DSO notices as bars, one lane per kind, and the IESO's wholesale needs as hourly lines on a second MW axis
    (Ontario demand, embedded solar and wind forecasts, a zone's demand), in market time (EST)."""
    start, end = needs.start, needs.end
    lanes = [KIND_LABELS[k] for k in LANE_ORDER]
    fig = go.Figure()
    shown = [r for r in rows if r.start_at < end and r.end_at > start and r.status != NoticeStatus.CANCELLED]
    for row in shown:
        a, b = _est(max(row.start_at, start)), _est(min(row.end_at, end))
        fig.add_bar(
            y=[KIND_LABELS.get(row.kind, row.kind)], x=[(b - a).total_seconds() * 1000], base=[a], orientation="h",
            width=0.55, marker={"color": _bar_colour(row, now, as_recipient),
                                "line": {"width": 1, "color": "rgba(0,0,0,.4)"}},
            customdata=[[row.id]], showlegend=False, name=f"#{row.id}",
            hovertemplate=(f"<b>#{row.id} {row.title}</b><br>{row.status} · {row.size_mw:,.1f} MW · {row.location}"
                           f"<br>{window_text(row.start_at, row.end_at)}<br>acknowledged {row.ack_text}"
                           "<extra></extra>"),
        )
    _line(fig, needs.ontario_demand, "IESO Ontario demand", NEUTRAL_LIGHT if dark else NEUTRAL_DARK)
    if zone and zone in needs.zonal_demand:
        _line(fig, needs.zonal_demand[zone], f"{zone} zone demand", NEUTRAL, "dot")
    # Distribution-connected forecasts are a few hundred MW beside ~15,000 MW of demand: their own axis (right).
    _line(fig, needs.solar_embedded, "Embedded solar forecast", TECHNOLOGY_COLOURS[Technology.SOLAR_PV], axis="y3")
    _line(fig, needs.wind_embedded, "Embedded wind forecast", TECHNOLOGY_COLOURS[Technology.WIND], "dash", "y3")
    # Empty lanes still show, so "no need of this kind" reads as a fact rather than a broken chart.
    fig.add_scatter(x=[_est(start)] * len(lanes), y=lanes, mode="markers", marker={"opacity": 0},
                    hoverinfo="skip", showlegend=False)
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    grid = "rgba(255,255,255,.08)" if dark else "rgba(0,0,0,.08)"
    info = SEVERITY_COLOURS[Severity.INFORMATION]
    fig.add_shape(type="line", x0=_est(now), x1=_est(now), y0=0, y1=1, yref="paper", line={"color": info, "width": 2})
    fig.add_annotation(x=_est(now), y=1, yref="paper", text="now", showarrow=False, yanchor="bottom",
                       font={"color": info})
    # Two panes on one time axis: the DSO's needs (lanes) above, the IESO's wholesale needs (MW) below.
    fig.update_layout(
        barmode="overlay", margin={"l": 10, "r": 10, "t": 24, "b": 36}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)", font={"color": text, "size": 12}, hoverlabel={"align": "left"},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 0.4, "yanchor": "bottom", "font": {"size": 11},
                "bgcolor": "rgba(0,0,0,0)"},
        xaxis={"type": "date", "range": [_est(start), _est(end)], "gridcolor": grid, "anchor": "y2",
               "title": {"text": "Market time (EST)", "font": {"size": 11, "color": NEUTRAL}}},
        yaxis={"domain": [0.5, 1], "categoryorder": "array", "categoryarray": list(reversed(lanes)),
               "range": [-0.5, len(lanes) - 0.5], "gridcolor": grid, "fixedrange": True, "automargin": True,
               "title": {"text": "DSO needs", "font": {"size": 11, "color": NEUTRAL}}},
        yaxis2={"domain": [0, 0.4], "anchor": "x", "rangemode": "tozero", "gridcolor": grid, "fixedrange": True,
                "title": {"text": "Demand MW", "font": {"size": 11, "color": NEUTRAL}}, "tickformat": ",.0f",
                "automargin": True},
        yaxis3={"overlaying": "y2", "side": "right", "anchor": "x", "rangemode": "tozero", "showgrid": False,
                "fixedrange": True, "tickformat": ",.0f", "automargin": True,
                "title": {"text": "Embedded MW", "font": {"size": 11, "color": NEUTRAL}}},
        clickmode="event",
    )
    notes = []
    if not shown:
        notes.append("No notice in this window")
    if needs.empty:
        notes.append("no IESO demand or forecast stored for this window yet")
    if notes:
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           text=" · ".join(notes), font={"color": NEUTRAL, "size": 13})
    return fig


# --- the selected notice --------------------------------------------------------------------------------


def _facts(rows: list[tuple[str, object]]) -> html.Table:
    return html.Table(
        html.Tbody([html.Tr([html.Th(k, className="text-body-secondary fw-normal pe-2"), html.Td(v)])
                    for k, v in rows if v not in (None, "")]),
        className="detail-table w-100 mb-2",
    )


def _time_left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return ""
    left = deadline - now
    if left < timedelta(0):
        return " (passed)"
    hours, minutes = int(left.total_seconds() // 3600), left.seconds % 3600 // 60
    return f" (in {hours // 24} d {hours % 24} h)" if hours >= 24 else f" (in {hours} h {minutes} min)"


def detail_view(row: NoticeRow, history: list[HistoryRow], now: datetime) -> html.Div:
    facts = [
        ("Notice", f"#{row.id} · version {row.version}"), ("Status", status_badge(row.status)),
        ("Kind", KIND_LABELS.get(row.kind, row.kind)),
        ("Service", SERVICE_TYPES.get(row.service_type, row.service_type)), ("Title", row.title),
        ("Location", row.location), ("Size", f"{row.size_mw:,.2f} MW"),
        ("Window", window_text(row.start_at, row.end_at)), ("Recurrence", row.recurrence),
        ("Respond by", when(row.response_deadline) + _time_left(row.response_deadline, now)),
        ("Publisher", row.publisher), ("Published", when(row.published_at, "not yet (draft)")),
        ("Acknowledged", row.ack_text),
    ]
    if row.mine_alerted:
        mine = (f"yes, {when(row.mine_acknowledged_at)}" if row.mine_acknowledged_at else
                escalation_text(row.my_severity(now), False))
        facts.append(("Your organisation", severity_badge(row.my_severity(now), mine)))
        if row.mine_response:
            facts.append(("Your response", row.mine_response))
    parts: list[Any] = [_facts(facts)]
    if history:
        parts += [html.Div("History", className="small fw-semibold mt-2"), html.Ul([
            html.Li([html.Span(when(h.at), className="text-body-secondary me-1"),
                     html.Span(h.action, className="fw-semibold"), f" by {h.who}",
                     html.Div(h.note, className="fst-italic") if h.note else None], className="small mb-1")
            for h in reversed(history)], className="list-unstyled mb-0")]
    return html.Div(parts)


def acks_view(row: NoticeRow | None, acks: list[AckRow]) -> html.Div:
    """Who has and has not acknowledged: unacknowledged (most urgent) first, each with its state in words. The
    publisher (and the IESO) see every recipient; an aggregator only its own organisation's row."""
    if row is None:
        return html.Div()
    if row.status == NoticeStatus.DRAFT:
        return html.Div("A draft alerts nobody: publish it to alert the aggregators with DERs there.",
                        className="small text-body-secondary")
    if not acks:
        return html.Div("No aggregator has DERs in this location: nobody was alerted.",
                        className="small text-body-secondary")
    lines = []
    for a in acks:
        detail = (f"{when(a.acknowledged_at)}" + (f" by {a.acknowledged_by}" if a.acknowledged_by else "")
                  if a.acknowledged_at else f"alerted {when(a.alerted_at)}")
        lines.append(html.Tr([
            html.Td(severity_badge(a.severity, a.state)),
            html.Td([html.Div(a.organisation, className="fw-semibold"),
                     html.Div(detail, className="text-body-secondary"),
                     html.Div(a.response, className="fst-italic") if a.response else None]),
        ]))
    done = sum(a.acknowledged_at is not None for a in acks)
    everyone = len(acks) == row.recipients
    head = f"Acknowledged: {done} of {len(acks)}" if everyone else "Your organisation's acknowledgement"
    return html.Div([
        html.Div(head, className="small fw-semibold mb-1"),
        html.Table(html.Tbody(lines), className="detail-table w-100 notice-acks"),
    ])


def attention_view(items: list[PendingAck], as_recipient: bool) -> html.Div:
    """The aggregator's notices still to acknowledge, or the publisher's late and nearly late acknowledgements."""
    if not items:
        text = ("Nothing to acknowledge: your organisation is up to date." if as_recipient else
                "No acknowledgement is late or due within 2 hours.")
        return html.Div(text, className="small text-body-secondary")
    out = []
    for p in items[:30]:
        state = escalation_text(p.severity, False)
        who = "" if as_recipient else f"{p.organisation} · "
        out.append(html.Li([
            html.Div([severity_badge(p.severity, state), html.Span(f" respond by {when(p.response_deadline)}",
                                                                    className="text-body-secondary")]),
            dcc.Link(f"{who}#{p.notice_id} {KIND_LABELS.get(p.kind, p.kind)}: {p.title}"
                     + (f" · {p.location}" if p.location else ""),
                     href=f"/notices?notice={p.notice_id}", className="link-body-emphasis"),
        ], className="small mb-2"))
    return html.Ul(out, className="list-unstyled mb-0")
