"""Bids & offers callbacks: the scoped grids, the forms of each role (submit, amend, withdraw, acknowledge, select,
floor-price bids and overrides, DER availability, resource plans) and the CSV / Excel exports.

Browser values are parsed defensively; every refusal becomes a message naming the field; the services re-check
the role and the scope."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from callbacks.inputs import clipped_text, int_list, parse_day, parse_number, record_id, str_list
from components.ids import Market as Ids
from components.market_export import bid_history_csv, market_workbook, plan_history_csv
from components.market_views import (
    alerts_view,
    asset_grid_rows,
    bid_grid_row,
    change_grid_row,
    done,
    error,
    plan_grid_row,
    post_close_view,
    summary_badges,
)
from data.access import AccessDenied, Permission
from data.domain.bids import InvalidBid
from data.domain.enums import BidChangeKind, BidStatus, Market
from data.domain.errors import DomainError
from data.domain.market_time import trade_date_of
from data.models.base import utcnow
from data.queries.bid_assets import floor_candidates
from data.queries.bid_changes import FLOOR_CHANGE_KINDS, change_rows, post_close_rows
from data.queries.bids import BidFilters, bid_row, bid_rows, consolidated_rows, market_alerts
from data.queries.resource_plans import plan_history, plan_rows
from data.services.bid_rechecks import set_der_availability
from data.services.bids import (
    BidBlocked,
    BidRequest,
    acknowledge_selection,
    amend_bid,
    select_bids,
    submit_bid,
    withdraw_bid,
)
from data.services.floor_bids import clear_floor_override, override_floor, submit_floor_bids
from data.services.resource_plans import save_resource_plan

RECENT_DAYS = 7
MESSAGES = [Input(Ids.FORM_MESSAGE, "children"), Input(Ids.ACTION_MESSAGE, "children"),
            Input(Ids.SELECT_MESSAGE, "children"), Input(Ids.FLOOR_MESSAGE, "children"),
            Input(Ids.FLOOR_OVERRIDE_MESSAGE, "children"), Input(Ids.AVAIL_MESSAGE, "children"),
            Input(Ids.PLAN_MESSAGE, "children")]
FILTERS = [State(Ids.FILTER_DATE, "date"), State(Ids.FILTER_MARKET, "value"), State(Ids.FILTER_STATUS, "value")]


# --- parsing ----------------------------------------------------------------------------------------------




def parse_filters(day: Any, markets: Any, statuses: Any) -> BidFilters:
    trade_date = parse_day(day)
    return BidFilters(trade_date=trade_date,
                      markets=tuple(m for m in str_list(markets) if m in set(Market)),
                      statuses=tuple(s for s in str_list(statuses) if s in set(BidStatus)),
                      since=None if trade_date else trade_date_of(utcnow()) - timedelta(days=RECENT_DAYS))


def _ticked(selected: Any) -> list[tuple[int, int]]:
    """(id, version) of the ticked rows the browser sent (junk left out)."""
    out = []
    for row in selected if isinstance(selected, list) else []:
        if isinstance(row, dict):
            bid_id, version = record_id(row.get("id")), record_id(row.get("version"))
            if bid_id is not None and version is not None:
                out.append((bid_id, version))
    return out[:500]


def _one(selected: Any) -> tuple[int, int] | None:
    ticked = _ticked(selected)
    return ticked[0] if len(ticked) == 1 else None


def _refused(exc: Exception) -> Any:
    if isinstance(exc, InvalidBid):
        return error(exc.problems)
    if isinstance(exc, BidBlocked):
        return error(exc.shortfall.cause_lines(), head=f"Refused: {exc.shortfall.head()}.")
    return error([str(exc)])


def _close_hour() -> int:
    return settings().dam_close_hour_est


def _change(work: Callable[[Any], str]) -> Any:
    """Run one change in a transaction: its message when done, the refusal (each field named) when not."""
    try:
        with db().transaction() as s:
            text = work(s)
    except (DomainError, AccessDenied) as exc:
        return _refused(exc)
    return done(text)


# --- views ------------------------------------------------------------------------------------------------


@callback(
    Output(Ids.GRID, "rowData"), Output(Ids.SUMMARY, "children"), Output(Ids.CHANGES, "rowData"),
    Output(Ids.FLOOR_CHANGES, "rowData"), Output(Ids.POST_CLOSE, "children"), Output(Ids.ALERTS, "children"),
    Output(Ids.PLANS, "rowData"),
    Input(Ids.FILTER_DATE, "date"), Input(Ids.FILTER_MARKET, "value"), Input(Ids.FILTER_STATUS, "value"),
    Input(Ids.REFRESH, "n_intervals"), *MESSAGES,
)
@requires(Permission.VIEW_BIDS)
def refresh(day, markets, statuses, *_triggers):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    now = utcnow()
    filters = parse_filters(day, markets, statuses)
    with db().session() as s:
        bids = bid_rows(s, principal, filters)
        changes = change_rows(s, principal, bid_ids=[b.id for b in bids]) if bids else []
        floor = change_rows(s, principal, kinds=FLOOR_CHANGE_KINDS, since=now - timedelta(days=30))
        late = post_close_rows(s, principal, now=now)
        alerts = market_alerts(s, principal)
        plans = plan_rows(s, principal, trade_date=filters.trade_date, since=filters.since)
    bids.sort(key=lambda b: not b.awaiting_acknowledgement)  # unacknowledged selections first (stable)
    return ([bid_grid_row(b, now) for b in bids], summary_badges(bids), [change_grid_row(c) for c in changes],
            [change_grid_row(c) for c in floor], post_close_view(late), alerts_view(alerts),
            [plan_grid_row(p) for p in plans])


@callback(Output(Ids.CONSOLIDATED, "rowData"), Input(Ids.CONSOLIDATED_DATE, "date"), Input(Ids.REFRESH, "n_intervals"),
          *MESSAGES)
@requires(Permission.VIEW_BIDS)
def consolidated(day, *_triggers):  # type: ignore[no-untyped-def]
    trade_date = parse_day(day) or trade_date_of(utcnow()) + timedelta(days=1)
    with db().session() as s:
        return asset_grid_rows(consolidated_rows(s, principal_or_refuse(), trade_date))


@callback(
    Output(Ids.SELECTION, "children"), Output(Ids.AMEND_QUANTITY, "value"), Output(Ids.AMEND_PRICE, "value"),
    Output(Ids.AMEND_FIRST, "value"), Output(Ids.AMEND_LAST, "value"), Output(Ids.FLOOR_QUANTITY, "value"),
    Input(Ids.GRID, "selectedRows"), Input(Ids.FOCUS, "data"),
)
@requires(Permission.VIEW_BIDS)
def show_selection(selected, focus):  # type: ignore[no-untyped-def]
    ticked = _ticked(selected)
    if not ticked and ctx.triggered_id in (Ids.FOCUS, None) and record_id(focus) is not None:
        ticked = [(record_id(focus), 0)]  # type: ignore[list-item]  # the page opened from a link to one bid
    if not ticked:
        return ("Tick one bid to act on it, several to decide them together.", no_update, no_update, no_update,
                no_update, no_update)
    if len(ticked) > 1:
        return f"{len(ticked)} bids ticked.", no_update, no_update, no_update, no_update, no_update
    with db().session() as s:
        row = bid_row(s, principal_or_refuse(), ticked[0][0])
    if row is None:
        return f"Bid #{ticked[0][0]} is not in your view.", no_update, no_update, no_update, no_update, no_update
    text = [html.Span(f"Bid #{row.id} ", className="fw-semibold"),
            f"{row.market} · {row.asset} · {row.trade_date} {row.hours} · {row.quantity_kw:,.1f} kW @ "
            f"${row.price_per_mwh:,.2f}/MWh · {row.status}"]
    if row.status_reason:
        text.append(html.Div(row.status_reason, className="fst-italic"))
    quantity = f"{row.quantity_kw:g}"
    return (text, quantity, f"{row.price_per_mwh:g}", str(row.first_hour_ending), str(row.last_hour_ending),
            quantity if row.is_floor_price else no_update)


# --- the aggregator ---------------------------------------------------------------------------------------


def _asset(value: Any) -> tuple[int | None, int | None]:
    if not isinstance(value, str) or ":" not in value or len(value) > 30:
        return None, None
    kind, _, number = value.partition(":")
    ident = record_id(number)
    return (ident, None) if kind == "resource" else (None, ident) if kind == "der" else (None, None)


@callback(
    Output(Ids.FORM_MESSAGE, "children"), Input(Ids.FORM_SUBMIT, "n_clicks"),
    State(Ids.FORM_MARKET, "value"), State(Ids.FORM_ASSET, "value"), State(Ids.FORM_DATE, "date"),
    State(Ids.FORM_FIRST, "value"), State(Ids.FORM_LAST, "value"), State(Ids.FORM_QUANTITY, "value"),
    State(Ids.FORM_PRICE, "value"), prevent_initial_call=True,
)
@requires(Permission.SUBMIT_BIDS)
def submit(_n, market, asset, day, first, last, quantity, price):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    problems: list[str] = []
    resource_id, der_id = _asset(asset)
    if resource_id is None and der_id is None:
        problems.append("asset: pick one of your resources or DERs")
    trade_date = parse_day(day)
    if trade_date is None:
        problems.append("trade date: pick a date")
    kw = parse_number(quantity, "quantity", problems, required=True)
    dollars = parse_number(price, "price", problems, required=True)
    if problems:
        return error(problems)
    request = BidRequest(market=market if isinstance(market, str) else "", trade_date=trade_date,
                         first_hour_ending=record_id(first), last_hour_ending=record_id(last), quantity_kw=kw,
                         price_per_mwh=dollars, resource_id=resource_id, der_id=der_id)

    def work(s: Any) -> str:
        bid = submit_bid(s, principal, request, close_hour_est=_close_hour())
        return f"Bid #{bid.id} submitted: {bid.quantity_kw:,.1f} kW @ ${bid.price_per_mwh:,.2f}/MWh, " \
               f"{bid.trade_date} HE{bid.first_hour_ending}–{bid.last_hour_ending}."
    return _change(work)


@callback(
    Output(Ids.ACTION_MESSAGE, "children"),
    Input(Ids.AMEND, "n_clicks"), Input(Ids.WITHDRAW, "n_clicks"), Input(Ids.ACKNOWLEDGE, "n_clicks"),
    State(Ids.GRID, "selectedRows"), State(Ids.AMEND_QUANTITY, "value"), State(Ids.AMEND_PRICE, "value"),
    State(Ids.AMEND_FIRST, "value"), State(Ids.AMEND_LAST, "value"), State(Ids.ACTION_REASON, "value"),
    prevent_initial_call=True,
)
@requires(Permission.SUBMIT_BIDS)
def act(_a, _w, _k, selected, quantity, price, first, last, reason):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    action = ctx.triggered_id
    if action not in (Ids.AMEND, Ids.WITHDRAW, Ids.ACKNOWLEDGE):
        raise PreventUpdate
    one = _one(selected)
    if one is None:
        return error(["bid: tick exactly one of your bids"])
    bid_id, version = one
    problems: list[str] = []
    kw = parse_number(quantity, "quantity", problems, required=True) if action == Ids.AMEND else None
    dollars = parse_number(price, "price", problems, required=True) if action == Ids.AMEND else None
    if problems:
        return error(problems)

    def work(s: Any) -> str:
        if action == Ids.AMEND:
            bid = amend_bid(s, principal, bid_id, version, quantity_kw=kw, price_per_mwh=dollars,
                            first_hour_ending=record_id(first), last_hour_ending=record_id(last),
                            close_hour_est=_close_hour())
            return f"Bid #{bid.id} amended ({bid.status})."
        if action == Ids.WITHDRAW:
            withdraw_bid(s, principal, bid_id, version, clipped_text(reason, 10_000), close_hour_est=_close_hour())
            return f"Bid #{bid_id} withdrawn."
        acknowledge_selection(s, principal, bid_id, version, close_hour_est=_close_hour())
        return f"Selection of bid #{bid_id} acknowledged."
    return _change(work)


@callback(
    Output(Ids.AVAIL_MESSAGE, "children"), Input(Ids.AVAIL_OFF, "n_clicks"), Input(Ids.AVAIL_ON, "n_clicks"),
    State(Ids.AVAIL_DER, "value"), State(Ids.AVAIL_REASON, "value"), prevent_initial_call=True,
)
@requires(Permission.REGISTER_ASSETS)
def availability(_off, _on, der, reason):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if ctx.triggered_id not in (Ids.AVAIL_OFF, Ids.AVAIL_ON):
        raise PreventUpdate
    der_id = record_id(der)
    if der_id is None:
        return error(["DER: pick one of your DERs"])
    available = ctx.triggered_id == Ids.AVAIL_ON

    def work(s: Any) -> str:
        result = set_der_availability(s, principal, der_id, available, clipped_text(reason, 10_000),
                                      close_hour_est=_close_hour())
        word = "available again" if available else "unavailable"
        return f"DER reported {word}: {len(result.blocked)} bid(s) blocked, {len(result.unblocked)} unblocked."
    return _change(work)


@callback(
    Output(Ids.PLAN_MESSAGE, "children"), Input(Ids.PLAN_SAVE, "n_clicks"),
    State(Ids.PLAN_RESOURCE, "value"), State(Ids.PLAN_DATE, "date"), State(Ids.PLAN_INTENDS, "value"),
    State(Ids.PLAN_FIRST, "value"), State(Ids.PLAN_LAST, "value"), State(Ids.PLAN_NOTE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.SUBMIT_BIDS)
def save_plan(_n, resource, day, intends, first, last, note):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    resource_id = record_id(resource)
    if resource_id is None:
        return error(["resource: pick one of your resources"])
    offer = {"yes": True, "no": False}.get(intends) if isinstance(intends, str) else None

    def work(s: Any) -> str:
        plan, late = save_resource_plan(s, principal, resource_id=resource_id, trade_date=parse_day(day),
                                        intends_to_offer=offer, first_hour_ending=record_id(first),
                                        last_hour_ending=record_id(last), note=clipped_text(note, 10_000),
                                        close_hour_est=_close_hour())
        return f"Plan for {plan.trade_date} saved" + (
            " after the DAM close: logged and shown to the IESO." if late else ".")
    return _change(work)


# --- the buyer --------------------------------------------------------------------------------------------


@callback(
    Output(Ids.SELECT_MESSAGE, "children"), Input(Ids.SELECT, "n_clicks"), Input(Ids.NOT_SELECT, "n_clicks"),
    State(Ids.GRID, "selectedRows"), prevent_initial_call=True,
)
@requires(Permission.SELECT_BIDS)
def decide(_s, _n, selected):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if ctx.triggered_id not in (Ids.SELECT, Ids.NOT_SELECT):
        raise PreventUpdate
    ticked = _ticked(selected)
    if not ticked:
        return error(["bids: tick at least one submitted bid"])
    chosen = ctx.triggered_id == Ids.SELECT

    def work(s: Any) -> str:
        decided = select_bids(s, principal, ticked, chosen, close_hour_est=_close_hour())
        ids = ", ".join(f"#{b.id}" for b in decided)
        word = BidChangeKind.SELECTED if chosen else BidChangeKind.NOT_SELECTED
        tail = " The aggregator is asked to acknowledge." if chosen else " The aggregator is told."
        return f"{len(decided)} bid(s) {word.value.replace('_', ' ')}: {ids}.{tail}"
    return _change(work)


# --- the distributor's floor-price bids -------------------------------------------------------------------


@callback(Output(Ids.FLOOR_DERS, "options"), Input(Ids.FLOOR_DATE, "date"))
@requires(Permission.VIEW_BIDS)
def floor_options(day):  # type: ignore[no-untyped-def]
    trade_date = parse_day(day)
    if trade_date is None:
        return []
    with db().session() as s:  # empty for anyone who may not submit floor-price bids
        return [{"label": label, "value": i} for i, label, _ in floor_candidates(s, principal_or_refuse(), trade_date)]


@callback(
    Output(Ids.FLOOR_MESSAGE, "children"), Input(Ids.FLOOR_SUBMIT, "n_clicks"),
    State(Ids.FLOOR_DERS, "value"), State(Ids.FLOOR_DATE, "date"), State(Ids.FLOOR_FIRST, "value"),
    State(Ids.FLOOR_LAST, "value"), prevent_initial_call=True,
)
@requires(Permission.SUBMIT_FLOOR_BIDS)
def submit_floor(_n, ders, day, first, last):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()

    def work(s: Any) -> str:
        bids = submit_floor_bids(s, principal, list(int_list(ders)), parse_day(day), record_id(first), record_id(last),
                                 close_hour_est=_close_hour())
        reduced = sum(b.base_quantity_kw is not None for b in bids)
        return f"{len(bids)} floor-price bid(s) submitted at $0/MWh" + (
            f"; {reduced} reduced at once by an outage or constraint." if reduced else ".")
    return _change(work)


@callback(
    Output(Ids.FLOOR_OVERRIDE_MESSAGE, "children"), Input(Ids.FLOOR_OVERRIDE, "n_clicks"),
    Input(Ids.FLOOR_CLEAR, "n_clicks"), State(Ids.GRID, "selectedRows"), State(Ids.FLOOR_QUANTITY, "value"),
    State(Ids.FLOOR_NOTE, "value"), prevent_initial_call=True,
)
@requires(Permission.SUBMIT_FLOOR_BIDS)
def floor_override(_o, _c, selected, quantity, note):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if ctx.triggered_id not in (Ids.FLOOR_OVERRIDE, Ids.FLOOR_CLEAR):
        raise PreventUpdate
    one = _one(selected)
    if one is None:
        return error(["bid: tick exactly one floor-price bid"])
    problems: list[str] = []
    kw = parse_number(quantity, "quantity", problems, required=True) if ctx.triggered_id == Ids.FLOOR_OVERRIDE else None
    if problems:
        return error(problems)
    overriding = ctx.triggered_id == Ids.FLOOR_OVERRIDE

    def work(s: Any) -> str:
        if overriding:
            bid = override_floor(s, principal, one[0], one[1], kw, clipped_text(note, 10_000),
                                 close_hour_est=_close_hour())
            return f"Floor-price bid #{bid.id} set by hand to {bid.quantity_kw:,.1f} kW."
        bid = clear_floor_override(s, principal, one[0], one[1], close_hour_est=_close_hour())
        return f"Floor-price bid #{bid.id} back to automatic: {bid.quantity_kw:,.1f} kW."
    return _change(work)


# --- exports ----------------------------------------------------------------------------------------------


@callback(
    Output(Ids.DOWNLOAD, "data"), Input(Ids.EXPORT_BIDS_CSV, "n_clicks"), Input(Ids.EXPORT_PLANS_CSV, "n_clicks"),
    Input(Ids.EXPORT_XLSX, "n_clicks"), *FILTERS, prevent_initial_call=True,
)
@requires(Permission.VIEW_BIDS)
def export(_b, _p, _x, day, markets, statuses):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    which = ctx.triggered_id
    if which not in (Ids.EXPORT_BIDS_CSV, Ids.EXPORT_PLANS_CSV, Ids.EXPORT_XLSX):
        raise PreventUpdate
    filters = parse_filters(day, markets, statuses)
    stamp = f"{utcnow():%Y%m%d-%H%M}Z"
    with db().session() as s:
        bids = bid_rows(s, principal, filters)
        changes = change_rows(s, principal, bid_ids=[b.id for b in bids]) if bids else []
        plans = plan_rows(s, principal, trade_date=filters.trade_date, since=filters.since)
        history = plan_history(s, principal, [p.id for p in plans])
    if which == Ids.EXPORT_BIDS_CSV:
        return dcc.send_string(bid_history_csv(changes), f"bid-history-{stamp}.csv")
    if which == Ids.EXPORT_PLANS_CSV:
        return dcc.send_string(plan_history_csv(plans, history), f"resource-plan-history-{stamp}.csv")
    return dcc.send_bytes(market_workbook(bids, changes, plans, history), f"bids-and-plans-{stamp}.xlsx")
