"""Approved limits as files: an Excel workbook (openpyxl) and OpenADR 3 events (JSON), for dcc.Download."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook

from components.spreadsheet import append_text_safe, bold_header, workbook_bytes
from data.domain.limits.values import LimitSchedule
from data.domain.market_time import format_market
from data.domain.openadr import limits_to_openadr_events
from data.queries.limits import ApprovedHour

OPENADR_PROGRAM_ID = "td-platform-der-limits"
EXCEL_HEADERS = ("DER / resource", "Trade date", "HE (EST)", "Max export kW", "Max import kW", "Request",
                 "Approved (EST)", "LDC")


def excel_bytes(hours: Sequence[ApprovedHour], trade_date: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Limits {trade_date.isoformat()}"
    sheet.append(EXCEL_HEADERS)
    bold_header(sheet, (18, 12, 10, 15, 15, 10, 22, 10))
    for h in hours:
        append_text_safe(sheet, [h.target, h.trade_date.isoformat(), h.hour_ending, h.export_kw, h.import_kw,
                      h.request_id, format_market(h.approved_at), h.ldc])
    return workbook_bytes(book)


def openadr_json(schedules: Sequence[LimitSchedule], issued_at: datetime) -> str:
    """One OpenADR 3 event per target and trade date (EXPORT/IMPORT_CAPACITY_LIMIT, KW, one interval per hour)."""
    return json.dumps(limits_to_openadr_events(OPENADR_PROGRAM_ID, schedules, issued_at=issued_at), indent=2)
