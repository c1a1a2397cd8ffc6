"""Approved limits as files: an Excel workbook (openpyxl) and OpenADR 3 events (JSON), for dcc.Download."""
from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from data.domain.limits.values import LimitSchedule
from data.domain.market_time import format_market
from data.domain.openadr import limits_to_openadr_events
from data.queries.limits import ApprovedHour

OPENADR_PROGRAM_ID = "td-platform-der-limits"
EXCEL_HEADERS = ("DER / resource", "Trade date", "HE (EST)", "Max export kW", "Max import kW", "Request",
                 "Approved (EST)", "LDC")
_FORMULA_START = ("=", "+", "-", "@")


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def excel_bytes(hours: Sequence[ApprovedHour], trade_date: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Limits {trade_date.isoformat()}"
    sheet.append(EXCEL_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for h in hours:
        sheet.append([_cell(h.target), h.trade_date.isoformat(), h.hour_ending, h.export_kw, h.import_kw,
                      h.request_id, format_market(h.approved_at), _cell(h.ldc)])
    for column, width in zip("ABCDEFGH", (18, 12, 10, 15, 15, 10, 22, 10), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def openadr_json(schedules: Sequence[LimitSchedule], issued_at: datetime) -> str:
    """One OpenADR 3 event per target and trade date (EXPORT/IMPORT_CAPACITY_LIMIT, KW, one interval per hour)."""
    return json.dumps(limits_to_openadr_events(OPENADR_PROGRAM_ID, schedules, issued_at=issued_at), indent=2)
