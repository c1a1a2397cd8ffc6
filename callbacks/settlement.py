"""Settlement page callbacks: the report for a period and parties, its annexes, and the CSV / Excel exports.

Read-only. Every callback reads through ``data.queries.settlement`` with the signed-in principal, so a forged party
filter only narrows the principal's own view (another aggregator's id gives nothing). Browser values are parsed
defensively; a bad period is a message naming the field, never a 500.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from callbacks.inputs import int_list
from components.figures import message_figure
from components.ids import Settlement, Shell
from components.settlement_export import csv_text, workbook
from components.settlement_views import (
    buyer_figure,
    event_record,
    flag_record,
    kpi_tiles,
    limit_record,
    notice_record,
    party_record,
    rates_note,
    reconciliation_summary,
    service_figure,
    set_point_record,
    summary_text,
)
from data.access import Permission
from data.domain.market_time import trade_date_of
from data.domain.settlement import RateCard, Totals
from data.models.base import utcnow
from data.queries.settlement import (
    SettlementFilters,
    approved_limits,
    notices_and_outages,
    set_points,
    settlement_report,
)

DEFAULT_PERIOD_DAYS = 60
MAX_PERIOD_DAYS = 400
MAX_DATE_TEXT = 30
PERIOD = [Input(Settlement.PERIOD, "start_date"), Input(Settlement.PERIOD, "end_date")]


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def _day(value: Any, name: str) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    if not isinstance(value, str) or len(value) > MAX_DATE_TEXT:
        return None, f"Period {name}: not a date (YYYY-MM-DD)"
    try:
        return date.fromisoformat(value[:10]), None
    except ValueError:
        return None, f"Period {name}: {value[:10]!r} is not a date (YYYY-MM-DD)"


def parse_filters(first: Any, last: Any, parties: Any, today: date) -> tuple[SettlementFilters | None, str | None]:
    """The period (EST trade dates, inclusive; a missing end is the default) and the parties, or why not."""
    start, problem = _day(first, "from")
    end, problem_end = _day(last, "to")
    if problem or problem_end:
        return None, problem or problem_end
    default_start, default_end = default_period(today)
    start, end = start or default_start, end or default_end
    if end < start:
        return None, f"Period: 'to' ({end.isoformat()}) is before 'from' ({start.isoformat()})"
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return None, f"Period: at most {MAX_PERIOD_DAYS} days at a time (asked for {(end - start).days + 1})"
    return SettlementFilters(start, end, int_list(parties)), None


def _message(text: str | None) -> Any:
    return html.Div([html.I(className="bi bi-exclamation-triangle-fill me-1"), text],
                    className="badge state-action") if text else None


def _rates() -> RateCard:
    return RateCard.from_settings(settings())


@callback(
    Output(Settlement.MESSAGE, "children"), Output(Settlement.SUMMARY, "children"),
    Output(Settlement.KPIS, "children"), Output(Settlement.BY_SERVICE, "figure"),
    Output(Settlement.BY_BUYER, "figure"), Output(Settlement.EVENTS, "rowData"),
    Output(Settlement.PARTY_TOTALS, "rowData"), Output(Settlement.FLAGS, "rowData"),
    Output(Settlement.RECONCILIATION_SUMMARY, "children"), Output(Settlement.TAB_RECONCILIATION, "label"),
    Output(Settlement.RATES, "children"),
    *PERIOD, Input(Settlement.PARTIES, "value"), Input(Shell.THEME_STORE, "data"),
)
@requires(Permission.VIEW_SETTLEMENT)
def report(first: Any, last: Any, parties: Any, theme: Any) -> tuple[Any, ...]:
    principal = principal_or_refuse()
    dark = theme == "dark"
    rates = _rates()
    filters, problem = parse_filters(first, last, parties, trade_date_of(utcnow()))
    if filters is None:
        empty = message_figure(problem or "", dark)
        return (_message(problem), "", kpi_tiles(Totals(), 0), empty, empty, [], [], [],
                reconciliation_summary([]), "Reconciliation", rates_note(rates))
    with db().session() as s:
        found = settlement_report(s, principal, rates, filters)
    sellers = len({line.event.seller_id for line in found.lines})
    flags = found.flags
    label = f"Reconciliation ({len(flags)} flag{'' if len(flags) == 1 else 's'})" if flags else "Reconciliation"
    return (
        None, summary_text(found, sellers), kpi_tiles(found.totals, len(flags)), service_figure(found, dark),
        buyer_figure(found, dark), [event_record(line) for line in found.lines],
        [party_record(name, t) for name, t in found.by_party], [flag_record(f) for f in flags],
        reconciliation_summary(flags), label, rates_note(rates),
    )


@callback(
    Output(Settlement.SET_POINTS, "rowData"), Output(Settlement.LIMITS, "rowData"),
    Output(Settlement.NOTICES, "rowData"), Output(Settlement.TAB_SET_POINTS, "label"),
    Output(Settlement.TAB_LIMITS, "label"), Output(Settlement.TAB_NOTICES, "label"),
    *PERIOD,
)
@requires(Permission.VIEW_SETTLEMENT)
def annexes(first: Any, last: Any) -> tuple[Any, ...]:
    principal = principal_or_refuse()
    filters, _problem = parse_filters(first, last, None, trade_date_of(utcnow()))
    if filters is None:
        return [], [], [], "Set points", "DER limits", "Outages & notices"
    with db().session() as s:
        points = [set_point_record(p) for p in set_points(s, principal, filters)]
        limits = [limit_record(x) for x in approved_limits(s, principal, filters)]
        notices = [notice_record(n) for n in notices_and_outages(s, principal, filters)]
    return (points, limits, notices, f"Set points ({len(points)})", f"DER limits ({len(limits)})",
            f"Outages & notices ({len(notices)})")


@callback(
    Output(Settlement.DOWNLOAD, "data"), Output(Settlement.MESSAGE, "children", allow_duplicate=True),
    Input(Settlement.EXPORT_CSV, "n_clicks"), Input(Settlement.EXPORT_XLSX, "n_clicks"),
    State(Settlement.PERIOD, "start_date"), State(Settlement.PERIOD, "end_date"), State(Settlement.PARTIES, "value"),
    prevent_initial_call=True,
)
@requires(Permission.VIEW_SETTLEMENT)
def export(_csv: Any, _xlsx: Any, first: Any, last: Any, parties: Any) -> tuple[Any, Any]:
    principal = principal_or_refuse()
    filters, problem = parse_filters(first, last, parties, trade_date_of(utcnow()))
    if filters is None:
        return no_update, _message(problem)
    with db().session() as s:
        found = settlement_report(s, principal, _rates(), filters)
    name = f"settlement-{filters.first.isoformat()}-to-{filters.last.isoformat()}"
    if ctx.triggered_id == Settlement.EXPORT_XLSX:
        return dcc.send_bytes(workbook(found), f"{name}.xlsx"), no_update
    return dcc.send_string(csv_text(found), f"{name}.csv"), no_update
