"""Views of the settlement report: KPI tiles, the trade charts, grid columns and rows, reconciliation summary, rates."""
from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from dash import html

from components.figures import CATEGORY_COLOURS, message_figure, style_figure
from components.grid import STATE_CELL_RULES
from components.ids import Settlement
from components.kpi import kpi
from components.palette import NEUTRAL, NEUTRAL_DARK
from data.domain.delivery import format_percent
from data.domain.enums import Market, Severity
from data.domain.market_time import MARKET_TZ, format_market
from data.domain.settlement import DoublePayment, EventSettlement, RateCard, Totals, by_pair, window_text
from data.queries.settlement import MARKET_LABELS, ApprovedLimit, GridNotice, SetPoint, SettlementReport

DISCLAIMER = "Unofficial — not an IESO or LDC settlement statement"
NO_EVENTS = "No M&V event in your view for this period."
NO_TRADES = "No payment in this period: the events in view are pending M&V."
MONEY = {"function": "params.value == null ? '—' : '$' + d3.format(',.2f')(params.value)"}
NUMBER = {"function": "params.value == null ? '—' : d3.format(',.3f')(params.value)"}
PERCENT = {"function": "params.value == null ? 'n/a' : d3.format('.1f')(params.value) + ' %'"}
SEVERITY_TEXT = {"function": "params.value == 'alarm' ? 'Paid twice' : 'Overlapping activations'"}
MAX_PAIR_LINES = 8
# Payment components, stacked per buyer: categories, never state colours.
COMPONENTS = (("activation", "Activation"), ("availability", "Availability"), ("delivery", "Delivery"))


def money(value: float) -> str:
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


# --- tiles and charts -------------------------------------------------------------------------------------


def kpi_tiles(t: Totals, flags: int) -> list[html.Div]:
    return [
        kpi("Events", f"{t.events:,}" + (f" ({t.events - t.measured} pending)" if t.events > t.measured else ""),
            Settlement.KPI_EVENTS),
        kpi("MWh delivered", f"{t.delivered_mwh:,.2f}", Settlement.KPI_ENERGY),
        kpi("Activation $", money(t.activation), Settlement.KPI_ACTIVATION),
        kpi("Delivery $", money(t.delivery), Settlement.KPI_DELIVERY),
        kpi("Run time h", f"{t.run_time_h:,.0f}", Settlement.KPI_RUN_TIME),
        kpi("Double-payment flags", f"{flags:,}", Settlement.KPI_FLAGS),
    ]


def _wrap(label: str, width: int = 24) -> str:
    return "<br>".join(textwrap.wrap(label, width)) or label


def service_figure(report: SettlementReport, dark: bool) -> go.Figure:
    """Pie: what the buyers pay (activation + availability + delivery) per service traded."""
    groups = [(name, t) for name, t in report.by_service if t.paid > 0]
    if not groups:
        return message_figure(NO_EVENTS if not report.lines else NO_TRADES, dark)
    fig = go.Figure(go.Pie(
        labels=[name for name, _ in groups], values=[round(t.paid, 2) for _, t in groups], sort=False,
        marker={"colors": [CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)] for k in range(len(groups))],
                "line": {"width": 1, "color": NEUTRAL_DARK}},
        text=[f"{t.events} events · {t.delivered_mwh:,.2f} MWh" for _, t in groups], textinfo="percent",
        textposition="inside", hole=0.45, hovertemplate="%{label}<br>$%{value:,.2f} · %{text}<extra></extra>",
    ))
    fig.add_annotation(text=f"{money(report.totals.paid)}<br>paid", x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font={"size": 13})
    return style_figure(fig, dark, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                        uniformtext={"minsize": 10, "mode": "hide"},  # no label on a sliver
                        legend={"orientation": "v", "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle"})


def buyer_figure(report: SettlementReport, dark: bool) -> go.Figure:
    """Horizontal stacked bars per buyer: activation, availability, delivery; charges below zero; net total."""
    groups = list(reversed(report.by_buyer))  # the largest at the top
    if not any(t.paid > 0 for _, t in groups):
        return message_figure(NO_EVENTS if not report.lines else NO_TRADES, dark)
    names = [_wrap(name) for name, _ in groups]
    fig = go.Figure()
    for k, (attr, label) in enumerate(COMPONENTS):
        fig.add_bar(y=names, x=[getattr(t, attr) for _, t in groups], name=label, orientation="h",
                    marker={"color": CATEGORY_COLOURS[k]}, hovertemplate=f"{label}: $%{{x:,.2f}}<extra></extra>")
    fig.add_bar(y=names, x=[-t.non_performance for _, t in groups], name="Non-performance charge",
                orientation="h", marker={"color": NEUTRAL}, hovertemplate="Charge: $%{x:,.2f}<extra></extra>")
    for name, (_, t) in zip(names, groups, strict=True):
        fig.add_annotation(x=t.paid, y=name, text=f" {money(t.total)} net · {t.events} ev.", showarrow=False,
                           xanchor="left", font={"size": 11})
    width = max(t.paid for _, t in groups)
    fig.update_xaxes(title={"text": "$ (CAD, unofficial)"}, tickformat="$,.0f", range=[
        -max([t.non_performance for _, t in groups] + [0]) * 1.1, width * 1.45])
    return style_figure(fig, dark, barmode="relative", margin={"l": 10, "r": 10, "t": 30, "b": 40},
                        yaxis={"automargin": True})


# --- grids --------------------------------------------------------------------------------------------------


def _money_col(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, "type": "numericColumn", "valueFormatter": MONEY,
            "filter": False, "minWidth": 120, **extra}


def _number_col(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, "type": "numericColumn", "valueFormatter": NUMBER,
            "filter": False, "minWidth": 115, **extra}


RUN_TIME_COLUMN = {"field": "run_time_h", "headerName": "Run time h", "type": "numericColumn", "filter": False,
                   "minWidth": 100}
PAYMENT_COLUMNS = [_money_col("activation", "Activation $"), _money_col("availability", "Availability $"),
                   _money_col("delivery", "Delivery $"), _money_col("non_performance", "Charge $"),
                   _money_col("total", "Net $")]
EVENT_COLUMNS = [
    {"field": "trade_date", "headerName": "Trade date (EST)", "minWidth": 130, "sort": "desc"},
    {"field": "window", "headerName": "Hours (EST)", "minWidth": 120, "filter": False},
    {"field": "party", "headerName": "Party (aggregator)", "minWidth": 170, "tooltipField": "party"},
    {"field": "resource", "headerName": "Resource", "minWidth": 140},
    {"field": "buyer", "headerName": "Buyer", "minWidth": 170, "tooltipField": "buyer"},
    {"field": "service", "headerName": "Service", "minWidth": 190, "tooltipField": "service"},
    {"field": "activated_kw", "headerName": "Activated kW", "type": "numericColumn", "filter": False,
     "minWidth": 115},
    _number_col("delivered_mwh", "Delivered MWh"),
    {"field": "percent", "headerName": "% delivered", "type": "numericColumn", "valueFormatter": PERCENT,
     "filter": False, "minWidth": 110},
    RUN_TIME_COLUMN,
    *PAYMENT_COLUMNS,
    {"field": "status", "headerName": "Status", "minWidth": 120},
]
PARTY_COLUMNS = [
    {"field": "party", "headerName": "Party (aggregator)", "minWidth": 200},
    {"field": "events", "headerName": "Events", "type": "numericColumn", "filter": False, "minWidth": 90},
    _number_col("delivered_mwh", "Delivered MWh"),
    RUN_TIME_COLUMN,
    *PAYMENT_COLUMNS,
]
FLAG_COLUMNS = [
    {"field": "severity", "headerName": "Flag", "minWidth": 170, "maxWidth": 200, "valueFormatter": SEVERITY_TEXT,
     "cellClassRules": STATE_CELL_RULES},
    {"field": "der", "headerName": "DER", "minWidth": 140},
    {"field": "overlap", "headerName": "Overlap (EST)", "minWidth": 240},
    {"field": "first", "headerName": "Paid by", "minWidth": 240, "tooltipField": "first"},
    {"field": "second", "headerName": "And by", "minWidth": 240, "tooltipField": "second"},
    _number_col("first_mwh", "MWh in 1st"),
    _number_col("second_mwh", "MWh in 2nd"),
    _number_col("at_stake_mwh", "MWh at stake"),
    _money_col("amount_at_stake", "$ at stake"),
]
SET_POINT_COLUMNS = [
    {"field": "start", "headerName": "Start (EST)", "minWidth": 160, "sort": "asc"},
    {"field": "end", "headerName": "End (EST)", "minWidth": 160},
    {"field": "issuer", "headerName": "Issuer", "maxWidth": 100},
    {"field": "issuer_org", "headerName": "Issued by", "minWidth": 170},
    {"field": "target", "headerName": "Target", "minWidth": 150},
    {"field": "amount_kw", "headerName": "Set point kW (+ export)", "type": "numericColumn", "filter": False,
     "minWidth": 170},
    {"field": "state", "headerName": "State", "minWidth": 110},
]
LIMIT_COLUMNS = [
    {"field": "trade_date", "headerName": "Trade date (EST)", "minWidth": 130, "sort": "asc"},
    {"field": "target", "headerName": "DER / resource", "minWidth": 150},
    {"field": "limit_type", "headerName": "Type", "maxWidth": 110},
    {"field": "export_kw", "headerName": "Max export kW", "type": "numericColumn", "filter": False, "minWidth": 130},
    {"field": "import_kw", "headerName": "Max import kW", "type": "numericColumn", "filter": False, "minWidth": 130},
    {"field": "approved", "headerName": "Approved (EST)", "minWidth": 160},
    {"field": "ldc", "headerName": "LDC", "minWidth": 170},
]
NOTICE_COLUMNS = [
    {"field": "start", "headerName": "Start (EST)", "minWidth": 160, "sort": "asc"},
    {"field": "end", "headerName": "End (EST)", "minWidth": 160},
    {"field": "what", "headerName": "Outage or notice", "minWidth": 260, "tooltipField": "what"},
    {"field": "where", "headerName": "Where", "minWidth": 200, "tooltipField": "where"},
    {"field": "state", "headerName": "State", "maxWidth": 120},
    {"field": "by", "headerName": "By", "minWidth": 170},
]


def _when(ts: datetime | None, missing: str = "until restored") -> str:
    return format_market(ts) if ts else missing


def hours_text(start: datetime, end: datetime) -> str:
    """ "15:00–17:00" in EST (the trade date is its own column); "+1d" when the end is on a later date."""
    a, b = start.astimezone(MARKET_TZ), end.astimezone(MARKET_TZ)
    later = (b.date() - a.date()).days
    return f"{a:%H:%M}–{b:%H:%M}" + (f" +{later}d" if later and not (later == 1 and b.hour == b.minute == 0) else "")


def _r(value: float, digits: int = 2) -> float:
    return round(value, digits)


def event_record(line: EventSettlement) -> dict[str, Any]:
    e = line.event
    return {
        "key": str(e.event_id), "event": e.event_id, "trade_date": e.trade_date.isoformat(),
        "window": hours_text(e.start_at, e.end_at), "party": e.seller, "resource": e.resource_code,
        "buyer": e.buyer, "service": e.service, "program": e.program or "", "activated_kw": _r(e.activated_kw, 1),
        "delivered_mwh": _r(line.delivered_mwh, 3), "percent": None if line.percent is None else _r(line.percent, 1),
        "run_time_h": _r(line.run_time_h, 2), "activation": _r(line.activation), "availability": _r(line.availability),
        "delivery": _r(line.delivery), "non_performance": _r(line.non_performance), "total": _r(line.total),
        "status": line.status,
    }


def party_record(name: str, t: Totals) -> dict[str, Any]:
    return {"key": name, "party": name, "events": t.events, "delivered_mwh": _r(t.delivered_mwh, 3),
            "run_time_h": _r(t.run_time_h), "activation": _r(t.activation), "availability": _r(t.availability),
            "delivery": _r(t.delivery), "non_performance": _r(t.non_performance), "total": _r(t.total)}


def _side(line: EventSettlement) -> str:
    e = line.event
    return f"{e.buyer} · event {e.event_id} ({window_text(e.start_at, e.end_at)})"


def flag_record(flag: DoublePayment) -> dict[str, Any]:
    return {
        "key": f"{flag.der_id}-{flag.first.event.event_id}-{flag.second.event.event_id}",
        "severity": flag.severity.value, "der": flag.der_label,
        "overlap": window_text(flag.overlap_start, flag.overlap_end), "first": _side(flag.first),
        "second": _side(flag.second), "first_mwh": _r(flag.first_mwh, 3), "second_mwh": _r(flag.second_mwh, 3),
        "at_stake_mwh": _r(flag.at_stake_mwh, 3), "amount_at_stake": _r(flag.amount_at_stake), "text": flag.text,
    }


def set_point_record(p: SetPoint) -> dict[str, Any]:
    return {"key": str(p.id), "start": format_market(p.start_at), "end": format_market(p.end_at), "issuer": p.issuer,
            "issuer_org": p.issuer_org, "target": p.target, "amount_kw": _r(p.amount_kw, 1), "state": p.state}


def limit_record(limit: ApprovedLimit) -> dict[str, Any]:
    return {"key": str(limit.id), "trade_date": limit.trade_date.isoformat(), "target": limit.target,
            "limit_type": limit.limit_type, "export_kw": limit.max_export_kw, "import_kw": limit.max_import_kw,
            "approved": _when(limit.approved_at, "—"), "ldc": limit.ldc}


def notice_record(n: GridNotice) -> dict[str, Any]:
    return {"key": n.key, "start": format_market(n.start_at), "end": _when(n.end_at), "what": n.what,
            "where": n.where or "—", "state": n.state, "by": n.by}


# --- text ---------------------------------------------------------------------------------------------------


def _badge(severity: Severity, text: str) -> html.Span:
    icon = "bi-exclamation-octagon-fill" if severity is Severity.ALARM else "bi-exclamation-triangle-fill"
    return html.Span([html.I(className=f"bi {icon} me-1"), text], className=f"badge state-{severity.value} me-2")


def reconciliation_summary(flags: list[DoublePayment]) -> html.Div:
    """For the manager: the totals, then one line per pair of overlapping events (the DER grid below has the rest)."""
    if not flags:
        return html.Div([html.Span([html.I(className="bi bi-check2-circle me-1"), "No double payment"],
                                   className="badge state-compliant me-2"),
                         "No DER in view is paid by two buyers for overlapping intervals in this period."],
                        className="small")
    pairs = by_pair(flags)
    alarms = sum(f.severity is Severity.ALARM for f in flags)
    mwh = sum(p.at_stake_mwh for p in pairs)
    head = [_badge(Severity.ALARM if alarms else Severity.ACTION,
                   f"{alarms} paid twice" if alarms else f"{len(flags)} overlapping"),
            f"{len({f.der_id for f in flags})} DERs in {len(pairs)} overlapping event "
            f"pair{'' if len(pairs) == 1 else 's'} of different buyers; {mwh:,.3f} MWh at stake "
            f"({money(sum(p.amount_at_stake for p in pairs))} at the lower delivery rate)."]
    lines = [html.Li([_badge(p.severity, "paid twice" if p.severity is Severity.ALARM else "overlap"),
                      f"{window_text(p.overlap_start, p.overlap_end)}: {p.first.event.resource_code} — "
                      f"{p.first.event.buyer} event {p.first.event.event_id} and {p.second.event.buyer} event "
                      f"{p.second.event.event_id}; {p.ders} DERs, {p.at_stake_mwh:,.3f} MWh, "
                      f"{money(p.amount_at_stake)} at stake"], className="mb-1")
             for p in pairs[:MAX_PAIR_LINES]]
    more = [html.Li(f"… and {len(pairs) - MAX_PAIR_LINES} more pairs (see the DERs below)")] \
        if len(pairs) > MAX_PAIR_LINES else []
    return html.Div([html.Div(head, className="small mb-1"),
                     html.Ul([*lines, *more], className="small mb-0 list-unstyled")])


def rates_note(rates: RateCard) -> html.Div:
    """The rules and rates in force, as a report's footnote."""
    items = []
    for market in Market:
        r = rates.for_market(market.value)
        items.append(html.Li(
            f"{MARKET_LABELS[market.value]}: activation ${r.activation_per_mw:,.2f} per MW activated per event; "
            f"availability ${r.availability_per_mwh:,.2f} per MWh activated; delivery ${r.delivery_per_mwh:,.2f} "
            f"per MWh delivered."))
    items.append(html.Li(
        f"Non-performance: ${rates.non_performance_per_mwh:,.2f} per MWh short of "
        f"{rates.performance_threshold_pct:g} % of the activated energy (only the shortfall below it)."))
    return html.Div([
        html.Div(["Rules and rates (configuration, ", html.Code("SETTLEMENT_*"), "): ", DISCLAIMER, "."],
                 className="small fw-semibold"),
        html.Ul(items, className="small mb-1"),
        html.Div("Delivered energy is the M&V delivered kW (clamped at zero) of each event hour, on its program's "
                 "baseline method; run time counts the hours that delivered; an event without an M&V result is "
                 "pending and settled at zero. Events belong to the EST trade date of their start. A DER is "
                 "flagged when two different buyers' events that it contributes to (through its enrolment with "
                 "the resource's aggregator) overlap; its share of each event's energy follows its capacity.",
                 className="small text-body-secondary"),
    ])


def summary_text(report: SettlementReport, parties: int) -> str:
    f = report.filters
    t = report.totals
    ratio = format_percent(100 * t.delivered_mwh / t.activated_mwh if t.activated_mwh else None)
    return (f"{f.first.isoformat()} to {f.last.isoformat()} (EST trade dates) · {parties} "
            f"part{'y' if parties == 1 else 'ies'} · {t.events} events · {t.delivered_mwh:,.2f} MWh delivered "
            f"({ratio} of the activated energy) · net {money(t.total)}")


def as_of_text(now: datetime) -> str:
    return f"Prepared {now.astimezone(MARKET_TZ):%Y-%m-%d %H:%M} EST · amounts in CAD"
