"""Bid and resource-plan history as files: CSV (one table each) and one Excel workbook, times in EST.

Text that a spreadsheet would run as a formula is guarded as in every export (components/spreadsheet.py: a leading
apostrophe in CSV, a text-typed cell in the workbook).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from components.spreadsheet import add_table, table_csv, workbook_bytes
from data.domain.bids import MARKET_LABELS
from data.domain.enums import Market
from data.domain.market_time import MARKET_TZ
from data.queries.bid_changes import ChangeRow
from data.queries.bids import BidRow
from data.queries.resource_plans import PlanHistoryRow, PlanRow

BID_HEADERS = ("Bid ID", "Status", "Market", "Resource / DER", "Name", "Trade date", "First HE (EST)",
               "Last HE (EST)", "Quantity (kW)", "Price ($/MWh)", "Floor price", "Set by hand", "Base quantity (kW)",
               "Submitted by", "Selected (EST)", "Acknowledged (EST)", "Post-close changes", "Reason")
BID_HISTORY_HEADERS = ("Change ID", "When (EST)", "Change", "After close", "By", "Bid ID", "Market",
                       "Resource / DER", "Trade date", "Hours (EST)", "Status after", "Quantity after (kW)",
                       "Price after ($/MWh)", "Floor price", "Detail")
PLAN_HEADERS = ("Plan ID", "Resource", "Name", "Aggregator", "Trade date", "Intends to offer", "First HE (EST)",
                "Last HE (EST)", "Note", "Submitted by", "Last saved (EST)", "Post-close changes")
PLAN_HISTORY_HEADERS = ("Plan ID", "When (EST)", "Change", "After close", "By", "Resource", "Trade date",
                        "Intends to offer", "Hours (EST)", "Note")
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _est(ts: datetime | None) -> datetime | None:
    """Excel has no time zones: the EST wall-clock time, in a column whose header says EST."""
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None) if ts else None


def _est_text(ts: datetime | None) -> str:
    return f"{ts.astimezone(MARKET_TZ):%Y-%m-%d %H:%M}" if ts else ""


def _market(value: str, floor: bool = False) -> str:
    label = MARKET_LABELS.get(Market(value), value) if value in set(Market) else value
    return label + (" (floor price)" if floor else "")


def _bid_values(b: BidRow, time: type = datetime) -> list[object]:
    stamp = _est if time is datetime else _est_text
    return [b.id, b.status, _market(b.market), b.asset, b.asset_name, b.trade_date.isoformat(), b.first_hour_ending,
            b.last_hour_ending, b.quantity_kw, b.price_per_mwh, "yes" if b.is_floor_price else "no",
            "yes" if b.floor_override else "no", b.base_quantity_kw, b.submitter, stamp(b.selected_at),
            stamp(b.acknowledged_at), b.post_close_changes, b.status_reason or ""]


def _change_values(c: ChangeRow, time: type = datetime) -> list[object]:
    after = c.after or {}
    return [c.id, _est(c.at) if time is datetime else _est_text(c.at), c.kind, "yes" if c.after_close else "no",
            c.who, c.bid_id, _market(c.market, c.is_floor_price), c.asset, c.trade_date.isoformat(), c.hours,
            after.get("status", ""), after.get("quantity_kw", ""), after.get("price_per_mwh", ""),
            "yes" if c.is_floor_price else "no", c.detail]


def _plan_values(p: PlanRow, time: type = datetime) -> list[object]:
    return [p.id, p.resource, p.resource_name, p.aggregator, p.trade_date.isoformat(),
            "yes" if p.intends_to_offer else "no", p.first_hour_ending, p.last_hour_ending, p.note, p.submitted_by,
            _est(p.saved_at) if time is datetime else _est_text(p.saved_at), p.post_close_changes]


def _plan_history_values(h: PlanHistoryRow, time: type = datetime) -> list[object]:
    return [h.plan_id, _est(h.at) if time is datetime else _est_text(h.at), h.action,
            "yes" if h.after_close else "no", h.who, h.resource, h.trade_date, h.intends_to_offer, h.hours, h.note]


def bid_history_csv(changes: Sequence[ChangeRow]) -> str:
    """Every recorded change of the exported bids, newest first (the bids' history)."""
    return table_csv(BID_HISTORY_HEADERS, (_change_values(c, str) for c in changes))


def plan_history_csv(plans: Sequence[PlanRow], history: Sequence[PlanHistoryRow]) -> str:
    """Every recorded save of the exported plans (oldest first); a plan without recorded saves appears once
    with its current content."""
    recorded = {h.plan_id for h in history}
    rows = [_plan_history_values(h, str) for h in history]
    for p in plans:
        if p.id not in recorded:
            hours = f"HE{p.first_hour_ending}–{p.last_hour_ending}" if p.first_hour_ending else ""
            rows.append([p.id, _est_text(p.saved_at), "current", "no", p.submitted_by, p.resource,
                         p.trade_date.isoformat(), "yes" if p.intends_to_offer else "no", hours, p.note])
    return table_csv(PLAN_HISTORY_HEADERS, rows)


def _sheet(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]],
           time_columns: Sequence[int]) -> None:
    """The shared table layout (guarded cells, bold header, filter), times shown as EST date and time."""
    add_table(sheet, headers, rows)
    for index in time_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = TIME_FORMAT


def market_workbook(bids: Sequence[BidRow], changes: Sequence[ChangeRow], plans: Sequence[PlanRow],
                    plan_history: Sequence[PlanHistoryRow]) -> bytes:
    """A valid .xlsx with the sheets "Bids", "Bid history", "Resource plans" and "Plan history"."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Bids"
    _sheet(first, BID_HEADERS, (_bid_values(b) for b in bids), time_columns=(15, 16))
    _sheet(book.create_sheet("Bid history"), BID_HISTORY_HEADERS, (_change_values(c) for c in changes),
           time_columns=(2,))
    _sheet(book.create_sheet("Resource plans"), PLAN_HEADERS, (_plan_values(p) for p in plans), time_columns=(11,))
    _sheet(book.create_sheet("Plan history"), PLAN_HISTORY_HEADERS, (_plan_history_values(h) for h in plan_history),
           time_columns=(2,))
    return workbook_bytes(book)
