"""Performance (M&V) page callbacks: events in view, one event's detail, monthly trends and the league table.

Read-only: every callback reads through ``data.queries.mv`` with the signed-in principal, so an event outside
the principal's view answers "not in your view" and never a number.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, State, callback, html, no_update
from plotly.subplots import make_subplots

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import int_list
from components.figures import CATEGORY_COLOURS, message_figure
from components.figures import style_figure as _style
from components.ids import Performance, Shell
from components.kpi import kpi
from components.palette import NEUTRAL, NEUTRAL_LIGHT, SEVERITY_COLOURS, TEXT_ON_DARK, TEXT_ON_LIGHT
from data.access import Permission
from data.domain.baselines import DEFAULT_METHOD_NAME, PRESETS
from data.domain.delivery import format_percent
from data.domain.enums import Severity
from data.domain.market_time import MARKET_TZ, format_market
from data.queries.mv import EventDetail, EventRow, GroupBy, event_detail, event_rows, league_table, monthly_trends

INFO, COMPLIANT = SEVERITY_COLOURS[Severity.INFORMATION], SEVERITY_COLOURS[Severity.COMPLIANT]
GROUPS: tuple[GroupBy, ...] = ("aggregator", "resource")
NO_EVENTS = "No M&V events in your view yet."
MAX_TREND_GROUPS = len(CATEGORY_COLOURS)  # more bars per month stop being readable
HOUR = timedelta(hours=1)
BAR_HOUR_MS = 3_600_000


# --- grid columns (the layout builds its grids with these) ----------------------------------------------

# Display only: an event or group delivering less than this is highlighted (amber, with its number).
UNDER_DELIVERY_PCT = 80
PERCENT_FORMAT = {"function": "params.value == null ? 'n/a' : d3.format('.1f')(params.value) + ' %'"}
NUMBER_FORMAT = {"function": "params.value == null ? '—' : d3.format(',.1f')(params.value)"}
UNDER_DELIVERY = {"state-cell-action": {"function": f"params.value != null && params.value < {UNDER_DELIVERY_PCT}"}}


# Numbers are sorted, not filtered: their header keeps the room for its name.
def _number(field: str, header: str, **extra: object) -> dict[str, object]:
    return {"field": field, "headerName": header, "type": "numericColumn", "valueFormatter": NUMBER_FORMAT,
            "filter": False, "minWidth": 115, **extra}


def _percent(field: str = "percent") -> dict[str, object]:
    return {"field": field, "headerName": "% delivered", "type": "numericColumn", "valueFormatter": PERCENT_FORMAT,
            "cellClassRules": UNDER_DELIVERY, "filter": False, "minWidth": 115}


EVENT_COLUMNS = [
    {"field": "start", "headerName": "Start (EST)", "minWidth": 150, "sort": "desc"},
    {"field": "resource", "headerName": "Resource", "minWidth": 140, "tooltipField": "resource_name"},
    {"field": "hours", "headerName": "Hours", "type": "numericColumn", "filter": False, "minWidth": 80, "maxWidth": 90},
    _number("activated_kw", "Activated kW"),
    _percent(),
]


def league_columns(by_resource: bool) -> list[dict[str, object]]:
    columns: list[dict[str, object]] = [
        {"field": "rank", "headerName": "#", "type": "numericColumn", "filter": False, "minWidth": 60, "maxWidth": 70},
        {"field": "name", "headerName": "Resource" if by_resource else "Aggregator", "minWidth": 190,
         "tooltipField": "name"},
    ]
    if by_resource:
        columns.append({"field": "parent", "headerName": "Aggregator", "minWidth": 150, "tooltipField": "parent"})
    return [*columns, {"field": "events", "headerName": "Events", "type": "numericColumn", "filter": False,
                       "minWidth": 90},
            _percent(), _number("energy_kwh", "Energy kWh", minWidth=120)]


# --- inputs -------------------------------------------------------------------------------------------


def _method(value: Any) -> str:
    return value if isinstance(value, str) and value in PRESETS else DEFAULT_METHOD_NAME


def _group(value: Any) -> GroupBy:
    return value if value in GROUPS else "aggregator"


def _selected_event(selected: Any, rows: Any) -> int | None:
    """The event id from AG Grid's selectedRows (rows, or {"ids": [...]}), else the first row shown."""
    if isinstance(selected, dict):
        ids = int_list(selected.get("ids"))
    else:
        ids = int_list([r.get("event") for r in selected if isinstance(r, dict)] if isinstance(selected, list) else [])
    if not ids and isinstance(rows, list) and rows and isinstance(rows[0], dict):
        ids = int_list(rows[0].get("event"))
    return ids[0] if ids else None


# --- figure helpers -----------------------------------------------------------------------------------


def _est(ts: datetime) -> datetime:
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _steps(points: list[tuple[datetime, float]]) -> tuple[list[datetime], list[float]]:
    """Hourly values as a step line: each value held over its hour (x = hour starts, EST, plus the last end)."""
    if not points:
        return [], []
    xs = [_est(ts) for ts, _ in points] + [_est(points[-1][0] + HOUR)]
    ys = [v for _, v in points] + [points[-1][1]]
    return xs, ys


def _short(value: float) -> str:
    return f"{value / 1000:.1f}k" if abs(value) >= 1000 else f"{value:.0f}"


def _line(fig: go.Figure, points: list[tuple[datetime, float]], name: str, colour: str, **style: Any) -> None:
    xs, ys = _steps(points)
    fig.add_scatter(x=xs, y=ys, name=name, mode="lines", line={"color": colour, "shape": "hv", "width": 2, **style},
                    hovertemplate=f"{name}: %{{y:,.1f}} kW<extra></extra>", row=1, col=1)


def detail_figure(detail: EventDetail, dark: bool) -> go.Figure:
    """Load (baseline, adjusted baseline, actual; delivered shaded) above, activated vs delivered per hour below."""
    event = detail.event
    if event is None:
        return message_figure(detail.message or NO_EVENTS, dark)
    if not detail.day_load and not detail.hours:
        return message_figure(f"No meter reads for {event.resource_code} on the event day.", dark)
    text = TEXT_ON_DARK if dark else TEXT_ON_LIGHT
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.64, 0.36], vertical_spacing=0.06)
    spans = [("event", event.start_at, event.end_at, _rgba(NEUTRAL, 0.18))]
    if detail.window:
        spans.append(("adjustment window", detail.window[0][0], detail.window[-1][0] + HOUR, _rgba(INFO, 0.10)))
    for label, start, end, fill in spans:
        fig.add_vrect(x0=_est(start), x1=_est(end), fillcolor=fill, line_width=0, layer="below")
        fig.add_annotation(x=_est(start), y=0.02, xref="x", yref="y domain", text=label, showarrow=False,
                           xanchor="left", yanchor="bottom", font={"color": NEUTRAL, "size": 11})
    hours = detail.hours
    if hours:
        lower = [(h.hour_start, h.adjusted_baseline_kw - h.delivered_kw) for h in hours]
        _line(fig, lower, "lower", text, width=0)
        fig.data[-1].update(showlegend=False, hoverinfo="skip", hovertemplate=None)
        xs, ys = _steps([(h.hour_start, h.adjusted_baseline_kw) for h in hours])
        fig.add_scatter(x=xs, y=ys, name="Delivered (shaded)", mode="lines", fill="tonexty",
                        fillcolor=_rgba(COMPLIANT, 0.35), line={"width": 0, "shape": "hv"}, hoverinfo="skip",
                        row=1, col=1)
    _line(fig, list(detail.day_load), "Actual load", text)
    if hours:
        window = list(detail.window)
        _line(fig, [(ts, b) for ts, b, _ in window] + [(h.hour_start, h.baseline_kw) for h in hours],
              "Baseline", NEUTRAL, dash="dash")
        _line(fig, [(ts, a) for ts, _, a in window] + [(h.hour_start, h.adjusted_baseline_kw) for h in hours],
              "Adjusted baseline", INFO)
        starts = [_est(h.hour_start) for h in hours]
        bars = (("Activated", [h.activated_kw for h in hours], NEUTRAL_LIGHT if dark else NEUTRAL, 0.08),
                ("Delivered", [h.delivered_kw for h in hours], COMPLIANT, 0.52))
        for name, values, colour, offset in bars:  # two bars side by side inside each hour (date axis: ms)
            fig.add_bar(x=starts, y=values, name=f"{name} kW", marker={"color": colour},
                        offset=offset * BAR_HOUR_MS, width=0.4 * BAR_HOUR_MS,
                        text=[_short(v) for v in values], textposition="outside", cliponaxis=False,
                        hovertemplate=f"{name}: %{{y:,.1f}} kW<extra></extra>", row=2, col=1)
    day = event.start_at.astimezone(MARKET_TZ).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    fig.update_xaxes(range=[day, day + timedelta(days=1)], type="date")
    fig.update_xaxes(title={"text": "Market time (EST), hour by hour", "font": {"color": NEUTRAL}}, row=2, col=1)
    fig.update_yaxes(title={"text": "Load kW"}, rangemode="tozero", tickformat=",", row=1, col=1)
    fig.update_yaxes(title={"text": "kW"}, rangemode="tozero", tickformat=",", row=2, col=1)
    if detail.message and not hours:
        fig.add_annotation(x=0.5, y=0.95, xref="paper", yref="paper", showarrow=False,
                           text="No baseline for this method", font={"color": NEUTRAL, "size": 13})
    return _style(fig, dark, barmode="overlay", hovermode="x unified")


def trend_figure(rows: list[EventRow], by: GroupBy, dark: bool) -> go.Figure:
    """Grouped bars: % delivered per month and group; the MAX_TREND_GROUPS groups with the most activated kWh."""
    points = [p for p in monthly_trends(rows, by) if p.totals.percent is not None]
    if not points:
        return message_figure(NO_EVENTS if not rows else "No measured event yet for this method.", dark)
    weight: dict[str, float] = {}
    labels: dict[str, str] = {}
    for p in points:
        weight[p.name] = weight.get(p.name, 0.0) + p.totals.activated_kwh
        labels[p.name] = p.label
    shown = sorted(sorted(weight, key=lambda n: -weight[n])[:MAX_TREND_GROUPS])
    months = sorted({p.month for p in points})
    fig = go.Figure()
    for k, name in enumerate(shown):
        mine = {p.month: p for p in points if p.name == name}
        present = [m for m in months if m in mine]
        fig.add_bar(
            x=present, y=[mine[m].totals.percent for m in present], name=labels[name],
            marker={"color": CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)]},
            text=[format_percent(mine[m].totals.percent, 0) for m in present], textposition="outside",
            customdata=[[mine[m].totals.events, mine[m].totals.energy_kwh] for m in present],
            hovertemplate=(f"<b>{name}</b><br>%{{x}}: %{{y:.1f}} % delivered<br>%{{customdata[0]}} event(s), "
                           "%{customdata[1]:,.0f} kWh<extra></extra>"),
        )
    fig.add_hline(y=100, line={"color": NEUTRAL, "dash": "dot", "width": 1})
    axis = "Month of the event start (EST)"
    if len(shown) < len(weight):
        axis += f" · the {len(shown)} of {len(weight)} {by}s with the most activated kWh (all in the league table)"
    fig.update_xaxes(type="category", title={"text": axis, "font": {"color": NEUTRAL}})
    fig.update_yaxes(title={"text": "% delivered"}, range=[0, 118])
    return _style(fig, dark, barmode="group")


# --- tiles and rows -----------------------------------------------------------------------------------


def _kw(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _sample_tile(detail: EventDetail) -> html.Div:
    """Eligible like-days found of the Y wanted; a reduced sample is a warning (amber, with an icon and words)."""
    summary = detail.summary
    kind = f" ({summary.day_class})" if summary and summary.day_class else ""
    if summary is None or summary.hours == 0 or summary.day_class is None:
        return kpi("Baseline days", "—", Performance.KPI_SAMPLE)
    if not summary.reduced_sample:
        return kpi(f"Baseline days{kind}", summary.sample, Performance.KPI_SAMPLE)
    tile = kpi(f"Reduced sample{kind}", summary.sample, Performance.KPI_SAMPLE)
    value, label = tile.children
    value.children = [html.I(className="bi bi-exclamation-triangle me-1"), summary.sample]
    label.style = {"color": "inherit"}  # readable on the warning colour
    tile.className = f"{tile.className} state-action"
    return tile


def kpi_tiles(detail: EventDetail) -> list[html.Div]:
    s = detail.summary
    return [
        kpi("Activated kW", _kw(detail.event.activated_kw if detail.event else None), Performance.KPI_ACTIVATED),
        kpi("Delivered kW (mean)", _kw(s.delivered_kw if s else None), Performance.KPI_DELIVERED),
        kpi("% delivered", detail.percent_text, Performance.KPI_PERCENT),
        kpi("Energy kWh", _kw(s.energy_kwh if s else None), Performance.KPI_ENERGY),
        _sample_tile(detail),
    ]


def _explain(detail: EventDetail) -> list[Any]:
    """Why the numbers are what they are: the message, or the baseline's choices."""
    parts: list[Any] = []
    if detail.message:
        parts.append(html.Div([html.I(className="bi bi-exclamation-triangle me-1"), detail.message],
                              className="state-action rounded px-2 py-1 mb-1"))
    p = detail.parameters
    if p:
        if p.get("ratio") is not None:
            adjustment = f"multiplicative adjustment × {p['ratio']:.3f}" + (" (capped)" if p["ratio_clipped"] else "")
        elif p.get("offset") is not None:
            adjustment = f"additive adjustment {p['offset']:+,.1f} kW"
        else:
            adjustment = f"no adjustment ({p.get('adjustment_note')})"
        parts.append(html.Span(
            f"{detail.method}: mean of the {len(p['selected_days'])} highest of {len(p['eligible_days'])} eligible "
            f"{p['day_class']} days ({', '.join(p['selected_days'][:3])}{' …' if len(p['selected_days']) > 3 else ''}"
            f"); {adjustment}."
            + ("" if detail.stored else " Computed now for display, not stored yet."),
            className="text-body-secondary"))
    return parts


def _event_record(row: EventRow) -> dict[str, Any]:
    return {
        "event": str(row.id), "start": f"{row.start_at.astimezone(MARKET_TZ):%Y-%m-%d %H:%M}",
        "resource": row.resource_code,
        "resource_name": f"{row.resource_code} {row.resource_name} · {row.issuer.upper()}"
                         + (f" {row.program_code}" if row.program_code else ""),
        "hours": round(row.hours, 2), "activated_kw": round(row.activated_kw, 1),
        "percent": None if row.percent is None else round(row.percent, 1),
        "energy_kwh": None if row.energy_kwh is None else round(row.energy_kwh, 1),
    }


# --- callbacks ----------------------------------------------------------------------------------------


@callback(Output(Performance.EVENTS, "rowData"), Output(Performance.SUMMARY, "children"),
          Output(Performance.EVENTS, "selectedRows"),
          Input(Performance.METHOD, "value"), State(Performance.EVENTS, "selectedRows"))
@requires(Permission.VIEW_PERFORMANCE)
def events(method: Any, selected: Any) -> tuple[list[dict[str, Any]], Any, Any]:
    principal = principal_or_refuse()
    with db().session() as s:
        rows = event_rows(s, principal, _method(method))
    records = [_event_record(r) for r in rows]
    if not rows:
        return [], html.Span(NO_EVENTS, className="text-body-secondary"), []
    resources = len({r.resource_id for r in rows})
    measured = sum(r.measured for r in rows)
    by_issuer = " / ".join(f"{sum(r.issuer == i for r in rows)} {i.upper()}" for i in sorted({r.issuer for r in rows}))
    summary = html.Span(f"{len(rows)} events ({by_issuer}) · {resources} resources · {measured} measured with "
                        f"{_method(method)}", className="badge state-neutral")
    keep = _selected_event(selected, None) is not None
    return records, summary, no_update if keep else {"ids": [records[0]["event"]]}


@callback(Output(Performance.DETAIL_TITLE, "children"), Output(Performance.DETAIL_MESSAGE, "children"),
          Output(Performance.KPIS, "children"), Output(Performance.CHART, "figure"),
          Input(Performance.EVENTS, "selectedRows"), Input(Performance.METHOD, "value"),
          Input(Shell.THEME_STORE, "data"), State(Performance.EVENTS, "rowData"))
@requires(Permission.VIEW_PERFORMANCE)
def detail(selected: Any, method: Any, theme: Any, rows: Any) -> tuple[Any, Any, Any, go.Figure]:
    principal = principal_or_refuse()
    dark = theme == "dark"
    event_id = _selected_event(selected, rows)
    if event_id is None:
        empty = EventDetail(None, _method(method), message=NO_EVENTS)
        return "Event", NO_EVENTS, kpi_tiles(empty), message_figure(NO_EVENTS, dark)
    with db().session() as s:
        found = event_detail(s, principal, event_id, _method(method))
    event = found.event
    if event is None:
        return "Event", found.message, kpi_tiles(found), message_figure(found.message or NO_EVENTS, dark)
    title = (f"{event.resource_code} · {event.resource_name} — {format_market(event.start_at)} to "
             f"{event.end_at.astimezone(MARKET_TZ):%H:%M} EST · {event.issuer.upper()}"
             + (f" · {event.program_code}" if event.program_code else ""))
    return title, _explain(found), kpi_tiles(found), detail_figure(found, dark)


@callback(Output(Performance.TREND, "figure"), Output(Performance.LEAGUE, "rowData"),
          Output(Performance.LEAGUE, "columnDefs"), Output(Performance.LEAGUE_TITLE, "children"),
          Input(Performance.METHOD, "value"), Input(Performance.GROUP_BY, "value"), Input(Shell.THEME_STORE, "data"))
@requires(Permission.VIEW_PERFORMANCE)
def groups(method: Any, by: Any, theme: Any) -> tuple[go.Figure, list[dict[str, Any]], Any, str]:
    principal = principal_or_refuse()
    group = _group(by)
    with db().session() as s:
        rows = event_rows(s, principal, _method(method))
    league = [
        {"rank": r.rank, "name": r.name, "parent": r.parent, "events": r.totals.events,
         "percent": None if r.totals.percent is None else round(r.totals.percent, 1),
         "energy_kwh": round(r.totals.energy_kwh, 1), "activated_kwh": round(r.totals.activated_kwh, 1)}
        for r in league_table(rows, group)
    ]
    title = f"League table by {group} · ranked by % delivered, then energy"
    return trend_figure(rows, group, theme == "dark"), league, league_columns(group == "resource"), title


@callback(Output(Performance.EVENTS, "exportDataAsCsv"), Input(Performance.EXPORT, "n_clicks"),
          prevent_initial_call=True)
@requires(Permission.VIEW_PERFORMANCE)
def export(_n: Any) -> bool:
    return True
