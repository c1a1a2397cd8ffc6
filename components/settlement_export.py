"""The settlement report as files: CSV (the payments table) and Excel (payments, by party, reconciliation, rates),
guarded against formula injection by `components.spreadsheet`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from components.settlement_views import DISCLAIMER
from components.spreadsheet import add_table, table_csv, workbook_bytes
from data.domain.enums import Market
from data.domain.settlement import window_text
from data.queries.settlement import MARKET_LABELS, SettlementReport

EVENT_HEADERS = ("Event", "Trade date (EST)", "Window (EST)", "Party (aggregator)", "Resource", "Buyer", "Service",
                 "Program", "Activated kW", "Delivered MWh", "% delivered", "Run time h", "Activation $",
                 "Availability $", "Delivery $", "Non-performance charge $", "Net $", "Status")
PARTY_HEADERS = ("Party (aggregator)", "Events", "Delivered MWh", "Run time h", "Activation $", "Availability $",
                 "Delivery $", "Non-performance charge $", "Net $")
FLAG_HEADERS = ("Flag", "DER", "Overlap (EST)", "Buyer 1", "Event 1", "Buyer 2", "Event 2", "MWh in event 1",
                "MWh in event 2", "MWh at stake", "$ at stake", "Finding")


def event_rows(report: SettlementReport) -> list[tuple[object, ...]]:
    rows = []
    for line in report.lines:
        e = line.event
        rows.append((e.event_id, e.trade_date.isoformat(), window_text(e.start_at, e.end_at), e.seller,
                     e.resource_code, e.buyer, e.service, e.program or "", round(e.activated_kw, 1),
                     round(line.delivered_mwh, 6), None if line.percent is None else round(line.percent, 2),
                     round(line.run_time_h, 2), round(line.activation, 2), round(line.availability, 2),
                     round(line.delivery, 2), round(line.non_performance, 2), round(line.total, 2), line.status))
    return rows


def _party_rows(report: SettlementReport) -> list[tuple[object, ...]]:
    return [(name, t.events, round(t.delivered_mwh, 6), round(t.run_time_h, 2), round(t.activation, 2),
             round(t.availability, 2), round(t.delivery, 2), round(t.non_performance, 2), round(t.total, 2))
            for name, t in report.by_party]


def _flag_rows(report: SettlementReport) -> list[tuple[object, ...]]:
    return [("paid twice" if f.at_stake_mwh > 0 else "overlapping activations", f.der_label,
             window_text(f.overlap_start, f.overlap_end), f.first.event.buyer, f.first.event.event_id,
             f.second.event.buyer, f.second.event.event_id, round(f.first_mwh, 6), round(f.second_mwh, 6),
             round(f.at_stake_mwh, 6), round(f.amount_at_stake, 2), f.text) for f in report.flags]


def _title(report: SettlementReport) -> str:
    f = report.filters
    return f"Settlement {f.first.isoformat()} to {f.last.isoformat()} (EST trade dates). {DISCLAIMER}."


def csv_text(report: SettlementReport) -> str:
    """The payments table, one row per event, after a title line that says what it is (and is not)."""
    return table_csv(EVENT_HEADERS, event_rows(report), title=_title(report))


def _sheet(sheet: Worksheet, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    add_table(sheet, headers, rows, title=title, widths=[max(12, min(48, len(h) + 4)) for h in headers])
    sheet["A1"].font = Font(bold=True)


def workbook(report: SettlementReport) -> bytes:
    """Sheets "Payments", "By party", "Reconciliation" and "Rates"."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Payments"
    title = _title(report)
    _sheet(first, title, EVENT_HEADERS, event_rows(report))
    _sheet(book.create_sheet("By party"), title, PARTY_HEADERS, _party_rows(report))
    _sheet(book.create_sheet("Reconciliation"), title, FLAG_HEADERS, _flag_rows(report))
    rates = report.rates
    rate_rows: list[tuple[object, ...]] = [
        (MARKET_LABELS[m.value], r.activation_per_mw, r.availability_per_mwh, r.delivery_per_mwh)
        for m in Market for r in [rates.for_market(m.value)]]
    rate_rows.append(("Non-performance $/MWh short", rates.non_performance_per_mwh, None, None))
    rate_rows.append(("Performance threshold % of activated energy", rates.performance_threshold_pct, None, None))
    _sheet(book.create_sheet("Rates"), title, ("Market / rule", "Activation $/MW per event",
                                               "Availability $/MWh activated", "Delivery $/MWh"), rate_rows)
    return workbook_bytes(book)
