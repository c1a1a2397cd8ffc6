"""Views of the bids & offers page: grid columns and rows, the forms of each role, alerts, post-close changes."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.alerts import alert_list, when
from components.ids import Market as Ids
from data.domain.bids import MARKET_LABELS, MAX_NOTE, PRICE_CEILING_PER_MWH, PRICE_FLOOR_PER_MWH
from data.domain.enums import BidChangeKind, BidStatus, Market
from data.domain.limits.timing import format_countdown
from data.domain.market_time import trade_date_of
from data.queries.bid_changes import ChangeRow
from data.queries.bids import AssetRow, BidRow
from data.queries.notifications import AlertRow
from data.queries.resource_plans import PlanHistoryRow, PlanRow

AWAITING = "awaiting"  # the ack column's text for a selection not acknowledged yet starts with this
HOURS = [{"label": f"HE{h}", "value": str(h)} for h in range(1, 25)]
MARKET_OPTIONS = [{"label": MARKET_LABELS[m], "value": m.value} for m in Market]
STATUS_OPTIONS = [{"label": s.value.replace("_", " "), "value": s.value} for s in BidStatus if s != BidStatus.DRAFT]
CHANGE_LABELS = {k.value: k.value.replace("_", " ") for k in BidChangeKind}

# dash-ag-grid {"function": ...} rules (colour classes from the theme, always with the text of the cell).
STATUS_RULES = {
    "state-cell-alarm": {"function": "params.value === 'blocked'"},
    "state-cell-action": {"function": "params.value === 'selected' && params.data.ack.startsWith('awaiting')"},
    "state-cell-compliant": {"function": "params.value === 'selected' && !params.data.ack.startsWith('awaiting')"},
}
ACK_RULES = {"state-cell-action": {"function": "params.value.startsWith('awaiting')"}}
LATE_RULES = {"state-cell-action": {"function": "params.value > 0"}}
FLAG_RULES = {"state-cell-action": {"function": "params.value === 'after close'"}}
BLOCKED_RULES = {"state-cell-alarm": {"function": "params.value > 0"}}
WRAP = {"wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.35", "paddingTop": "4px",
                                                            "paddingBottom": "4px"}}

BID_COLUMNS: list[dict[str, Any]] = [
    {"field": "status", "headerName": "Status", "minWidth": 115, "maxWidth": 140,
     "cellClassRules": STATUS_RULES},
    {"field": "ack", "headerName": "Acknowledgement", "minWidth": 160, "cellClassRules": ACK_RULES,
     "tooltipField": "ack"},
    {"field": "id", "headerName": "#", "minWidth": 85, "maxWidth": 100, "type": "numericColumn"},
    {"field": "market_label", "headerName": "Market", "minWidth": 150},
    {"field": "asset", "headerName": "Resource / DER", "minWidth": 150},
    {"field": "asset_name", "headerName": "Name", "minWidth": 150, "tooltipField": "asset_name"},
    {"field": "trade_date", "headerName": "Trade date", "minWidth": 125},
    {"field": "hours", "headerName": "Hours (EST)", "minWidth": 125},
    {"field": "quantity_kw", "headerName": "kW", "type": "numericColumn", "minWidth": 95},
    {"field": "price", "headerName": "$/MWh", "type": "numericColumn", "minWidth": 95},
    {"field": "floor", "headerName": "Floor price", "minWidth": 150, "tooltipField": "floor"},
    {"field": "submitter", "headerName": "Submitted by", "minWidth": 150, "tooltipField": "submitter"},
    {"field": "post_close", "headerName": "Post-close", "headerTooltip": "Changes after the market close",
     "type": "numericColumn", "minWidth": 115, "cellClassRules": LATE_RULES},
    {"field": "reason", "headerName": "Reason", "minWidth": 220, "tooltipField": "reason"},
]
CONSOLIDATED_COLUMNS: list[dict[str, Any]] = [
    {"field": "asset", "headerName": "Resource / DER", "minWidth": 150, "pinned": "left"},
    {"field": "name", "headerName": "Name", "minWidth": 170, "tooltipField": "name"},
    {"field": "dam", "headerName": "Day-ahead (wholesale)", "minWidth": 230, **WRAP},
    {"field": "dam_kw", "headerName": "DAM kW", "type": "numericColumn", "minWidth": 105, "maxWidth": 130},
    {"field": "real_time", "headerName": "Real-time (wholesale)", "minWidth": 220, **WRAP},
    {"field": "real_time_kw", "headerName": "RT kW", "type": "numericColumn", "minWidth": 100, "maxWidth": 130},
    {"field": "distribution", "headerName": "Distribution", "minWidth": 220, **WRAP},
    {"field": "distribution_kw", "headerName": "Dist. kW", "type": "numericColumn", "minWidth": 105, "maxWidth": 130},
    {"field": "floor", "headerName": "Floor-price (LDC)", "minWidth": 210, **WRAP},
    {"field": "blocked", "headerName": "Blocked", "type": "numericColumn", "minWidth": 105, "maxWidth": 130,
     "cellClassRules": BLOCKED_RULES},
    {"field": "awaiting", "headerName": "Awaiting ack", "type": "numericColumn", "minWidth": 125, "maxWidth": 150,
     "cellClassRules": LATE_RULES},
    {"field": "submitters", "headerName": "Submitted by", "minWidth": 170},
]
PLAN_COLUMNS: list[dict[str, Any]] = [
    {"field": "trade_date", "headerName": "Trade date", "minWidth": 115},
    {"field": "resource", "headerName": "Resource", "minWidth": 140},
    {"field": "resource_name", "headerName": "Name", "minWidth": 190, "tooltipField": "resource_name"},
    {"field": "intends", "headerName": "Intends to offer", "minWidth": 130},
    {"field": "hours", "headerName": "Hours (EST)", "minWidth": 110},
    {"field": "note", "headerName": "Note", "minWidth": 200, "tooltipField": "note"},
    {"field": "aggregator", "headerName": "Aggregator", "minWidth": 170},
    {"field": "saved", "headerName": "Last saved (EST)", "minWidth": 185},
    {"field": "post_close", "headerName": "Post-close changes", "type": "numericColumn", "minWidth": 120,
     "cellClassRules": LATE_RULES},
]
CHANGE_COLUMNS: list[dict[str, Any]] = [
    {"field": "at", "headerName": "When (EST)", "minWidth": 185},
    {"field": "flag", "headerName": "Close", "minWidth": 110, "cellClassRules": FLAG_RULES},
    {"field": "kind", "headerName": "Change", "minWidth": 130},
    {"field": "bid_id", "headerName": "Bid #", "type": "numericColumn", "maxWidth": 95},
    {"field": "market", "headerName": "Market", "minWidth": 115},
    {"field": "asset", "headerName": "Resource / DER", "minWidth": 150},
    {"field": "trade_date", "headerName": "Trade date", "minWidth": 115},
    {"field": "hours", "headerName": "Hours", "minWidth": 100},
    {"field": "who", "headerName": "By", "minWidth": 180, "tooltipField": "who"},
    {"field": "detail", "headerName": "Detail", "minWidth": 300, "tooltipField": "detail"},
]


def ack_text(row: BidRow, now: datetime) -> str:
    if row.status != BidStatus.SELECTED and not row.acknowledged_at:
        return ""
    if row.acknowledged_at:
        return f"acknowledged {when(row.acknowledged_at)}"
    age = format_countdown(now - row.selected_at) if row.selected_at else "?"
    return f"{AWAITING} · {age}"


def bid_grid_row(row: BidRow, now: datetime) -> dict[str, Any]:
    floor = ""
    if row.is_floor_price:
        floor = "floor · set by hand" if row.floor_override else "floor · automatic"
        if row.base_quantity_kw is not None:
            floor += f" (base {row.base_quantity_kw:,.0f} kW)"
    return {
        "key": str(row.id), "id": row.id, "version": row.version, "market": row.market,
        "market_label": MARKET_LABELS.get(Market(row.market), row.market), "status": row.status,
        "ack": ack_text(row, now), "asset": row.asset, "asset_name": row.asset_name,
        "trade_date": row.trade_date.isoformat(), "hours": row.hours, "first": row.first_hour_ending,
        "last": row.last_hour_ending, "quantity_kw": round(row.quantity_kw, 1), "price": round(row.price_per_mwh, 2),
        "floor": floor, "is_floor": row.is_floor_price, "submitter": row.submitter,
        "post_close": row.post_close_changes, "reason": row.status_reason or "",
    }


def plan_grid_row(row: PlanRow) -> dict[str, Any]:
    hours = f"HE{row.first_hour_ending}–{row.last_hour_ending}" if row.first_hour_ending else ""
    return {"key": str(row.id), "id": row.id, "trade_date": row.trade_date.isoformat(), "resource": row.resource,
            "resource_name": row.resource_name, "intends": "yes" if row.intends_to_offer else "no", "hours": hours,
            "note": row.note, "aggregator": row.aggregator, "saved": when(row.saved_at),
            "post_close": row.post_close_changes}


def change_grid_row(row: ChangeRow) -> dict[str, Any]:
    return {"key": str(row.id), "at": when(row.at), "flag": "after close" if row.after_close else "",
            "kind": CHANGE_LABELS.get(row.kind, row.kind), "bid_id": row.bid_id,
            "market": MARKET_LABELS.get(Market(row.market), row.market) + (" · floor" if row.is_floor_price else ""),
            "asset": row.asset, "trade_date": row.trade_date.isoformat(), "hours": row.hours, "who": row.who,
            "detail": row.detail}


def asset_grid_rows(rows: list[AssetRow]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in rows]


# --- panels -----------------------------------------------------------------------------------------------


def _field(label: str, control: Any, md: int = 6, hint: str | None = None) -> dbc.Col:
    parts = [dbc.Label(label, className="small mb-0"), control]
    if hint:
        parts.append(dbc.FormText(hint, className="small"))
    return dbc.Col(parts, md=md, className="mb-2")


def _hours(first_id: str, last_id: str, first: int = 12, last: int = 18, md: int = 3) -> list[dbc.Col]:
    return [_field("First hour-ending", dbc.Select(id=first_id, options=HOURS, value=str(first), size="sm"), md),
            _field("Last hour-ending", dbc.Select(id=last_id, options=HOURS, value=str(last), size="sm"), md)]


def _date(component_id: str, day: date) -> dcc.DatePickerSingle:
    return dcc.DatePickerSingle(id=component_id, date=day.isoformat(), display_format="YYYY-MM-DD",
                                className="small", first_day_of_week=1)


def _text(component_id: str, placeholder: str, maxlength: int = 30) -> dbc.Input:
    # Numbers are typed as text: a browser "number" field drops what it finds out of range and sends nothing.
    return dbc.Input(id=component_id, placeholder=placeholder, maxlength=maxlength, size="sm", inputmode="decimal")


def _button(component_id: str, icon: str, text: str, color: str = "secondary", outline: bool = True) -> dbc.Button:
    return dbc.Button([html.I(className=f"bi {icon} me-1"), text], id=component_id, size="sm", color=color,
                      outline=outline, className="me-1 mb-1")


def bid_form(assets: list[dict[str, Any]], day: date, show: bool) -> html.Div:
    """The aggregator's new bid/offer."""
    body = [
        html.Div("Submit a bid / offer", className="panel-title mb-2"),
        dbc.Row([
            _field("Market", dbc.Select(id=Ids.FORM_MARKET, options=MARKET_OPTIONS, value=Market.DAM.value,
                                        size="sm"), 4),
            _field("Resource or DER", dcc.Dropdown(id=Ids.FORM_ASSET, options=assets, className="small",
                                                   placeholder="One of your resources or DERs"), 8),
            _field("Trade date (EST)", _date(Ids.FORM_DATE, day), 4),
            *_hours(Ids.FORM_FIRST, Ids.FORM_LAST, md=4),
            _field("Quantity (kW)", _text(Ids.FORM_QUANTITY, "kW"), 4, "At most the asset's capacity"),
            _field("Price ($/MWh)", _text(Ids.FORM_PRICE, "$/MWh"), 4,
                   f"{PRICE_FLOOR_PER_MWH:,.0f} to {PRICE_CEILING_PER_MWH:,.0f}"),
            dbc.Col(_button(Ids.FORM_SUBMIT, "bi-send", "Submit", "primary", False), md=4, className="mt-3"),
        ], className="g-2"),
        html.Div(id=Ids.FORM_MESSAGE, role="status"),
    ]
    return html.Div(body, id=Ids.FORM, className="panel p-2 mb-2", hidden=not show)


def actions_panel(show: bool) -> html.Div:
    """The aggregator acts on the selected bid: amend, withdraw, acknowledge a selection."""
    return html.Div([
        html.Div("Your selected bid", className="panel-title mb-1"),
        dbc.Row([
            _field("Quantity (kW)", _text(Ids.AMEND_QUANTITY, "kW"), 3),
            _field("Price ($/MWh)", _text(Ids.AMEND_PRICE, "$/MWh"), 3),
            *_hours(Ids.AMEND_FIRST, Ids.AMEND_LAST),
        ], className="g-2"),
        dbc.Input(id=Ids.ACTION_REASON, placeholder="Reason (for a withdrawal, optional)", maxlength=500, size="sm",
                  className="mb-2"),
        html.Div([_button(Ids.AMEND, "bi-pencil", "Amend"), _button(Ids.WITHDRAW, "bi-x-circle", "Withdraw"),
                  _button(Ids.ACKNOWLEDGE, "bi-check2-square", "Acknowledge selection", "primary", False)]),
        html.Div(id=Ids.ACTION_MESSAGE, role="status"),
    ], id=Ids.ACTIONS, className="panel p-2 mb-2", hidden=not show)


def buyer_panel(show: bool, who: str) -> html.Div:
    return html.Div([
        html.Div(f"Decide the ticked bids ({who})", className="panel-title mb-1"),
        html.Div([_button(Ids.SELECT, "bi-check2-circle", "Mark selected", "primary", False),
                  _button(Ids.NOT_SELECT, "bi-dash-circle", "Mark not selected")]),
        html.Div(id=Ids.SELECT_MESSAGE, role="status"),
    ], id=Ids.BUYER, className="panel p-2 mb-2", hidden=not show)


def floor_panel(day: date, show: bool) -> html.Div:
    return html.Div([
        html.Div("Floor-price (zero-price) bids", className="panel-title mb-1"),
        html.Div("For DERs of your territory selected for distribution services (enrolled in a distribution program "
                 "on the trade date, or with a selected distribution bid). The quantity is the DER's capacity, "
                 "reduced automatically while an outage or constraint covers the hours.",
                 className="small text-body-secondary mb-2"),
        dbc.Row([
            _field("Trade date (EST)", _date(Ids.FLOOR_DATE, day), 4),
            *_hours(Ids.FLOOR_FIRST, Ids.FLOOR_LAST, 7, 22, md=4),
            _field("DERs", dcc.Dropdown(id=Ids.FLOOR_DERS, options=[], multi=True, className="small",
                                        placeholder="Eligible DERs of your territory"), 12),
        ], className="g-2"),
        _button(Ids.FLOOR_SUBMIT, "bi-send", "Submit floor-price bids", "primary", False),
        html.Div(id=Ids.FLOOR_MESSAGE, role="status"),
        html.Div("Override the selected floor-price bid", className="small fw-semibold mt-2"),
        dbc.Row([
            _field("Quantity (kW)", _text(Ids.FLOOR_QUANTITY, "kW"), 4),
            _field("Note", dbc.Input(id=Ids.FLOOR_NOTE, maxlength=500, size="sm", placeholder="Why (optional)"), 8),
        ], className="g-2"),
        html.Div([_button(Ids.FLOOR_OVERRIDE, "bi-hand-index", "Set by hand"),
                  _button(Ids.FLOOR_CLEAR, "bi-arrow-counterclockwise", "Back to automatic")]),
        html.Div(id=Ids.FLOOR_OVERRIDE_MESSAGE, role="status"),
    ], id=Ids.FLOOR, className="panel p-2 mb-2", hidden=not show)


def availability_panel(ders: list[dict[str, Any]], show: bool) -> html.Div:
    return html.Div([
        html.Div("DER availability", className="panel-title mb-1"),
        html.Div("A DER reported unavailable blocks its bids (and its resource's) until it is available again.",
                 className="small text-body-secondary mb-2"),
        dcc.Dropdown(id=Ids.AVAIL_DER, options=ders, className="small mb-2", placeholder="One of your DERs"),
        dbc.Input(id=Ids.AVAIL_REASON, placeholder="Reason (required when unavailable)", maxlength=500, size="sm",
                  className="mb-2"),
        html.Div([_button(Ids.AVAIL_OFF, "bi-slash-circle", "Report unavailable"),
                  _button(Ids.AVAIL_ON, "bi-check-circle", "Report available")]),
        html.Div(id=Ids.AVAIL_MESSAGE, role="status"),
    ], id=Ids.AVAILABILITY, className="panel p-2 mb-2", hidden=not show)


def plan_form(resources: list[dict[str, Any]], day: date, show: bool) -> html.Div:
    return html.Div([
        html.Div("Resource plan", className="panel-title mb-1"),
        html.Div("Tell the market, per resource and trade date, whether and when you intend to offer. Editable until "
                 "the DAM closes (10:00 EST the day before); later changes are accepted and shown to the IESO as "
                 "post-close changes.", className="small text-body-secondary mb-2"),
        dbc.Row([
            _field("Resource", dcc.Dropdown(id=Ids.PLAN_RESOURCE, options=resources, className="small",
                                            placeholder="One of your resources"), 5),
            _field("Trade date (EST)", _date(Ids.PLAN_DATE, day), 3),
            _field("Intends to offer", dbc.RadioItems(id=Ids.PLAN_INTENDS, value="yes", inline=True,
                                                      options=[{"label": "Yes", "value": "yes"},
                                                               {"label": "No", "value": "no"}],
                                                      className="small"), 4),
            *_hours(Ids.PLAN_FIRST, Ids.PLAN_LAST, 7, 22),
            _field("Note", dbc.Input(id=Ids.PLAN_NOTE, maxlength=MAX_NOTE, size="sm"), 6),
        ], className="g-2"),
        _button(Ids.PLAN_SAVE, "bi-save", "Save plan", "primary", False),
        html.Div(id=Ids.PLAN_MESSAGE, role="status"),
    ], id=Ids.PLAN_FORM, className="panel p-2 mb-2", hidden=not show)


# --- messages, alerts, post-close list ------------------------------------------------------------------


def error(problems: list[str] | str, head: str = "Nothing was changed:") -> dbc.Alert:
    items = [problems] if isinstance(problems, str) else problems
    return dbc.Alert([html.Div(head, className="fw-semibold"), html.Ul([html.Li(p) for p in items], className="mb-0")],
                     color="danger", className="small py-2 mb-0 mt-2")


def done(text: str) -> dbc.Alert:
    return dbc.Alert([html.I(className="bi bi-check2 me-1"), text], color="success", className="small py-2 mb-0 mt-2")


def alerts_view(alerts: list[AlertRow]) -> html.Div | html.Ul:
    return alert_list(alerts, "No bid notification for your organisation.", lambda a: a.kind.replace("_", " "),
                      links=False)


def post_close_view(rows: list[ChangeRow], limit: int = 12) -> html.Div:
    if not rows:
        return html.Div("No change after market close in the last 14 days.", className="small text-body-secondary")
    items = [html.Li([
        html.Div([html.Span([html.I(className="bi bi-clock-history me-1"), "after close"],
                            className="badge state-action me-2"),
                  html.Span(when(r.at), className="text-body-secondary")]),
        html.Div([html.Span(f"{CHANGE_LABELS.get(r.kind, r.kind)} ", className="fw-semibold"),
                  f"bid #{r.bid_id} · {MARKET_LABELS.get(Market(r.market), r.market)} · {r.asset} · "
                  f"{r.trade_date} {r.hours} · by {r.who}"]),
        html.Div(r.detail, className="fst-italic") if r.detail else None,
    ], className="small mb-2") for r in rows[:limit]]
    more = len(rows) - limit
    if more > 0:
        items.append(html.Li(f"and {more} more in the change log", className="small text-body-secondary"))
    return html.Ul(items, className="list-unstyled mb-0")


def summary_badges(rows: list[BidRow]) -> list[Any]:
    awaiting = sum(r.awaiting_acknowledgement for r in rows)
    blocked = sum(r.status == BidStatus.BLOCKED for r in rows)
    submitted = sum(r.status == BidStatus.SUBMITTED for r in rows)
    late = sum(r.post_close_changes > 0 for r in rows)
    return [
        html.Span([html.I(className="bi bi-hourglass-split me-1"), f"{awaiting} awaiting acknowledgement"],
                  className=f"badge {'state-action' if awaiting else 'state-neutral'} me-2"),
        html.Span([html.I(className="bi bi-slash-circle me-1"), f"{blocked} blocked"],
                  className=f"badge {'state-alarm' if blocked else 'state-neutral'} me-2"),
        html.Span([html.I(className="bi bi-send me-1"), f"{submitted} submitted"],
                  className="badge state-neutral me-2"),
        html.Span([html.I(className="bi bi-clock-history me-1"), f"{late} changed after close"],
                  className=f"badge {'state-action' if late else 'state-neutral'} me-2"),
        html.Span(f"{len(rows):,} shown", className="small text-body-secondary"),
    ]


def plan_history_rows(rows: list[PlanHistoryRow]) -> list[dict[str, Any]]:
    return [{"plan_id": h.plan_id, "at": when(h.at), "action": h.action, "after_close": h.after_close, "who": h.who,
             "resource": h.resource, "trade_date": h.trade_date, "intends": h.intends_to_offer, "hours": h.hours,
             "note": h.note} for h in rows]


def default_trade_date(now: datetime) -> date:
    """Tomorrow in market time: the next DAM trade date."""
    return trade_date_of(now) + timedelta(days=1)
