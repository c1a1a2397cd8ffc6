"""The Excel export of the outage log: the filtered outages and their change history, times in EST."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from components.spreadsheet import add_table, workbook_bytes
from data.domain.market_time import MARKET_TZ
from data.queries.outages import HistoryRow, OutageRow

OUTAGE_HEADERS = ("Outage ID", "State", "Kind", "Elements", "Start (EST)", "Estimated restoration (EST)",
                  "Restored (EST)", "De-rate (%)", "Maximum (kW)", "Reporter", "Description", "IESO outage ID")
HISTORY_HEADERS = ("Outage ID", "When (EST)", "Change", "State after", "By", "Note")
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _est(ts: datetime | None) -> datetime | None:
    """Excel has no time zones: the EST wall-clock time, in a column whose header says EST."""
    return ts.astimezone(MARKET_TZ).replace(tzinfo=None) if ts else None


def _sheet(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]],
           time_columns: Sequence[int]) -> None:
    add_table(sheet, headers, rows, widths=[max(12, min(60, len(h) + 4)) for h in headers])
    for index in time_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = TIME_FORMAT


def outage_workbook(outages: Sequence[OutageRow], history: Sequence[HistoryRow]) -> bytes:
    """A valid .xlsx: sheet "Outages" (one row per outage) and sheet "History" (every recorded change)."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Outages"
    _sheet(first, OUTAGE_HEADERS, (
        (o.id, o.state, o.kind, "; ".join(o.elements), _est(o.start_at), _est(o.estimated_restoration_at),
         _est(o.restored_at), o.derate_pct, o.max_kw, o.reporter, o.description, o.external_id)
        for o in outages), time_columns=(5, 6, 7))
    _sheet(book.create_sheet("History"), HISTORY_HEADERS, (
        (h.outage_id, _est(h.at), h.action, h.state, h.who, h.note) for h in history), time_columns=(2,))
    return workbook_bytes(book)
