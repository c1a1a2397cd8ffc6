"""CSV and Excel files for dcc.Download: the one place for the formula-injection guard and the table layout.

A text cell starting with = + - @ (or a tab / carriage return) would be run as a formula by a spreadsheet
(CSV/formula injection). In a CSV such text gets a leading apostrophe; in a workbook the cell is typed as text,
so it keeps exactly what was written and is never evaluated.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text a spreadsheet would read as a formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def table_csv(headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str | None = None) -> str:
    """A CSV table (None as an empty cell), after an optional title line that says what it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if title is not None:
        writer.writerow([safe_cell(title)])
    writer.writerow(safe_row(headers))
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buffer.getvalue()


def bold_header(sheet: Worksheet, widths: Sequence[int], *, row: int = 1) -> None:
    """Bold header row, column widths, panes frozen below the header."""
    for cell in sheet[row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row, index).column_letter].width = width
    sheet.freeze_panes = f"A{row + 1}"  # (sheet.cell() would create an empty row below the header)


def append_text_safe(sheet: Worksheet, values: Iterable[object]) -> None:
    """Append a row; text that looks like a formula is stored as text (exactly as written, never evaluated)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            cell.data_type = "s"


def add_table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]], *,
              title: str | None = None, widths: Sequence[int] | None = None) -> None:
    """Header (after an optional title row), guarded rows, a filter on every column."""
    if title is not None:
        append_text_safe(sheet, [title])
    append_text_safe(sheet, headers)
    header_row = sheet.max_row
    for row in rows:
        append_text_safe(sheet, row)
    bold_header(sheet, widths or [max(12, min(40, len(h) + 6)) for h in headers], row=header_row)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{sheet.max_row}"


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook named ``title``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    add_table(sheet, headers, rows)
    return workbook_bytes(book)
