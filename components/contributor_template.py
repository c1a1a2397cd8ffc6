"""The contributor DER list template (CSV and Excel), for dcc.Download."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment

from components.spreadsheet import bold_header, workbook_bytes
from data.domain.contributor_upload import COLUMNS, MAX_FILE_BYTES, MAX_ROWS, NEW_DER_REQUIRED

TEMPLATE_NAME = "contributor-ders-template"
GENERAL_NOTES = (
    "One row per DER. Keep the header row; column names are not case-sensitive and the order is free.",
    "Nothing is applied unless every row is valid: the preview lists each problem as (row, column, problem).",
    f"A new DER needs: {', '.join(NEW_DER_REQUIRED)}. It is registered as pending until its LDC approves it; "
    "the platform ID (ON-DER-…) is given on approval.",
    "A DER can be in one program at a time. A DER enrolled through another aggregator moves to you (a switch) "
    "when you list its platform ID with program_code and activation_date: its old enrolment ends the day yours "
    "starts.",
    f"CSV in UTF-8 with commas or semicolons, or this Excel workbook (sheet DERs). At most "
    f"{MAX_FILE_BYTES // 1_048_576} MB and {MAX_ROWS:,} rows per file. Cells must hold values, not formulas.",
)


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in COLUMNS])
    writer.writerow([c.example for c in COLUMNS])
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """Sheet "DERs" (the columns and one example row, every cell text) and sheet "Notes" (each column)."""
    book = Workbook()
    ders = book.active
    assert ders is not None
    ders.title = "DERs"
    ders.append([c.name for c in COLUMNS])
    ders.append([c.example for c in COLUMNS])
    for cell in ders[2]:
        cell.data_type = "s"  # text, so Excel keeps "-80.2482" and dates exactly as typed
        cell.number_format = "@"
    bold_header(ders, [max(12, len(c.name) + 3) for c in COLUMNS])
    notes = book.create_sheet("Notes")
    notes.append(["Column", "Required", "What to enter"])
    for c in COLUMNS:
        required = "new DER" if c.name in NEW_DER_REQUIRED else ("column" if c.required_header else "")
        notes.append([c.name, required, c.note])
    notes.append([])
    for line in GENERAL_NOTES:
        notes.append(["", "", line])
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    bold_header(notes, (30, 10, 110))
    return workbook_bytes(book)
