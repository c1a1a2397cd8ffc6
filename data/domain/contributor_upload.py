"""An aggregator's contributor DER list (CSV or Excel): the template's columns, parsing and row-by-row checks.

Nothing is applied unless every row is valid: ``validate_rows`` checks each cell and the rules across one
row; ``data/domain/contributor_plan.py`` then checks the rows against the registry and plans what they do.
Every problem is reported as (row as numbered in a spreadsheet, column, problem). Pure: bytes and plain row
dicts in, plain results out (the database side is in ``data/queries/contributors.py`` and
``data/services/contributor_upload.py``).
"""
from __future__ import annotations

import csv
import io
import itertools
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from data.domain.connection_assessment import OVER_10MW_KW
from data.domain.der_registration import (
    MAX_CAPACITY_KW,
    MAX_ENERGY_KWH,
    METER_ID_PATTERN,
    METER_ID_RULE,
    ONTARIO_BOUNDS,
    normal_meter_id,
)
from data.domain.enums import TECHNOLOGY_LABELS, AssessmentClass, ServiceTag, Technology
from data.domain.identifiers import DER_ID_PATTERN

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 60
MAX_CELL = 300
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_CONTROL = re.compile(r"[\x00-\x1f]")
FILE_PROBLEM_ROW = 0  # a problem with the whole file, not one row
HEADER_ROW = 1


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required_header: bool
    note: str
    example: str


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("platform_id", True, "Blank for a new DER. ON-DER-… to update one of your DERs, or to enrol a DER that "
               "is with another aggregator (a switch); blank cells of such a row keep what is registered.", ""),
    ColumnSpec("name", True, "A name you recognise (up to 200 characters). Required for a new DER.",
               "Maple St 12 rooftop PV"),
    ColumnSpec("technology", True, "One of: " + ", ".join(t.value for t in Technology) + ".", "solar_pv"),
    ColumnSpec("capacity_kw", True, "Rated capacity in kW (AC), greater than 0.", "7.6"),
    ColumnSpec("energy_kwh", False, "Storage energy in kWh, battery storage only.", ""),
    ColumnSpec("ramp_up_kw_min", False, "Ramp-up rate in kW per minute (0 or more).", "3.8"),
    ColumnSpec("ramp_down_kw_min", False, "Ramp-down rate in kW per minute (0 or more).", "3.8"),
    ColumnSpec("address", False, "Street address (up to 300 characters).", "12 Maple St, Guelph, ON"),
    ColumnSpec("lat", True, "Latitude in decimal degrees (WGS 84), in Ontario. The nearest feeder within 5 km "
               "sets the station, feeder and LDC.", "43.5448"),
    ColumnSpec("lon", True, "Longitude in decimal degrees (negative in Ontario).", "-80.2482"),
    ColumnSpec("meter_id", False, "The revenue meter ID; each meter can belong to one DER only.", "MTR-000123"),
    ColumnSpec("service_tag", True, "One of: " + ", ".join(t.value for t in ServiceTag) + ".", "both"),
    ColumnSpec("program_code", False, "The program the DER is enrolled in (one at a time), e.g. IESO-HDR. "
               "Required to enrol a DER that is with another aggregator.", "IESO-HDR"),
    ColumnSpec("activation_date", True, "YYYY-MM-DD. A new DER's activation date, and the start of its "
               "enrolment. For a switch or a program change: the day the new enrolment starts (today or later; "
               "the old enrolment ends that day).", "2025-07-01"),
    ColumnSpec("deactivation_date", False, "YYYY-MM-DD, after the activation date. Today or earlier deactivates "
               "the DER and ends its enrolment; a later date is recorded.", ""),
    ColumnSpec("connection_assessment_ref", False, "The LDC's connection impact assessment reference.",
               "CIA-2024-0456"),
    ColumnSpec("connection_assessment_date", False, "YYYY-MM-DD, not in the future.", "2024-11-20"),
    ColumnSpec("connection_assessment_class", False, "under_10mw or over_10mw (a DER over 10,000 kW needs "
               "over_10mw). Give reference, date and class together.", "under_10mw"),
    ColumnSpec("resource_code", False, "Optional: one of your approved resources (ON-RES-…) to join.", ""),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_HEADERS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required_header)
NEW_DER_REQUIRED = ("name", "technology", "capacity_kw", "lat", "lon", "service_tag", "activation_date")
# DER fields an upload can set (compared with what is registered to list what changed).
DER_FIELDS = ("name", "technology", "capacity_kw", "energy_kwh", "ramp_up_kw_min", "ramp_down_kw_min", "address",
              "lat", "lon", "meter_id", "service_tag", "deactivation_date", "connection_assessment_ref",
              "connection_assessment_date", "connection_assessment_class")
_NUMBER_FIELDS = ("capacity_kw", "energy_kwh", "ramp_up_kw_min", "ramp_down_kw_min", "lat", "lon")
_DATE_FIELDS = ("activation_date", "deactivation_date", "connection_assessment_date")
_TECH_BY_TEXT = {**{t.value: t.value for t in Technology},
                 **{label.lower(): t.value for t, label in TECHNOLOGY_LABELS.items()}}
_CLASS_BY_TEXT = {**{c.value: c.value for c in AssessmentClass}, "under 10 mw": AssessmentClass.UNDER_10MW.value,
                  "over 10 mw": AssessmentClass.OVER_10MW.value, "<10mw": AssessmentClass.UNDER_10MW.value,
                  ">10mw": AssessmentClass.OVER_10MW.value}
_FORMULA_START = ("=", "@", "+", "-", "\t", "\r")


# --- results -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Problem:
    row: int  # as numbered in a spreadsheet: the header is row 1; 0 = the whole file
    column: str
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass
class ParsedFile:
    """The cells of an uploaded file as text: canonical column names, rows numbered as in the file."""

    columns: tuple[str, ...] = ()
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class UploadRow:
    """One row with typed values; None = the cell was blank."""

    row: int
    platform_id: str | None = None
    name: str | None = None
    technology: str | None = None
    capacity_kw: float | None = None
    energy_kwh: float | None = None
    ramp_up_kw_min: float | None = None
    ramp_down_kw_min: float | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    meter_id: str | None = None
    service_tag: str | None = None
    program_code: str | None = None
    activation_date: date | None = None
    deactivation_date: date | None = None
    connection_assessment_ref: str | None = None
    connection_assessment_date: date | None = None
    connection_assessment_class: str | None = None
    resource_code: str | None = None


# --- parsing ---------------------------------------------------------------------------------------------------
def normal_header(text: str) -> str:
    """"Capacity kW" / "capacity-kw" / " CAPACITY_KW " -> "capacity_kw"."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def too_large(size: int) -> Problem | None:
    if size > MAX_FILE_BYTES:
        return Problem(FILE_PROBLEM_ROW, "", f"the file is {size / 1_048_576:.1f} MB; the limit is "
                       f"{MAX_FILE_BYTES // 1_048_576} MB (split it into several uploads)")
    return None


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","


def parse_csv(content: bytes) -> ParsedFile:
    """CSV in UTF-8 (with or without BOM; Windows-1252 as a fallback), separated by commas, semicolons or tabs."""
    if (problem := too_large(len(content))) is not None:
        return ParsedFile(problems=[problem])
    text = _decode(content)
    if "\x00" in text:
        return ParsedFile(problems=[Problem(FILE_PROBLEM_ROW, "", "this is not a text CSV file")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return table_from_rows(reader)
    except csv.Error as err:
        return ParsedFile(problems=[Problem(FILE_PROBLEM_ROW, "", f"the CSV cannot be read: {err}")])


def table_from_rows(records: Iterable[Sequence[Any]]) -> ParsedFile:
    """Header and rows from any sequence of records (CSV rows, Excel rows already turned into text)."""
    out = ParsedFile()
    it = iter(records)
    header: Sequence[Any] | None = None
    number = 0
    for record in it:
        number += 1
        if any(str(c).strip() for c in record):
            header = record
            break
    if header is None:
        out.problems.append(Problem(FILE_PROBLEM_ROW, "", "the file is empty: use the template"))
        return out
    header_row = number
    names = [normal_header(str(c)) for c in header[:MAX_COLUMNS + 1]]
    while names and not names[-1]:
        names.pop()  # Excel pads rows with empty cells
    if len(names) > MAX_COLUMNS:
        out.problems.append(Problem(header_row, "", f"more than {MAX_COLUMNS} columns: use the template"))
        return out
    known = set(COLUMN_NAMES)
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        if name not in known:
            out.problems.append(Problem(header_row, name, "unknown column (see the template's notes)"))
        elif name in positions:
            out.problems.append(Problem(header_row, name, "column given twice"))
        else:
            positions[name] = index
    for name in REQUIRED_HEADERS:
        if name not in positions:
            out.problems.append(Problem(header_row, name, "missing column (download the template)"))
    out.columns = tuple(n for n in COLUMN_NAMES if n in positions)
    if out.problems:
        return out
    width = len(names)
    items = [(n, positions[n]) for n in out.columns]
    for record in it:
        number += 1
        values = ["" if c is None else str(c) for c in record]
        if not any(v.strip() for v in values):
            continue
        if len(out.rows) >= MAX_ROWS:
            out.problems.append(Problem(FILE_PROBLEM_ROW, "", f"more than {MAX_ROWS:,} DER rows: split the file"))
            out.rows.clear()
            return out
        if len(values) > width and any(v.strip() for v in values[width:]):
            out.problems.append(Problem(number, "", "more cells than columns in the header"))
        out.rows.append((number, {n: (values[i] if i < len(values) else "") for n, i in items}))
    if not out.rows and not out.problems:
        out.problems.append(Problem(FILE_PROBLEM_ROW, "", "the file has no DER rows"))
    return out


def _excel_text(value: Any) -> str:
    """An Excel cell as the text a person would have typed (dates as YYYY-MM-DD, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def parse_xlsx(content: bytes) -> ParsedFile:
    """The "DERs" sheet (else the first sheet) of an .xlsx workbook; formulas are read as formulas (refused)."""
    if (problem := too_large(len(content))) is not None:
        return ParsedFile(problems=[problem])
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        return ParsedFile(problems=[Problem(FILE_PROBLEM_ROW, "", "not a valid Excel .xlsx workbook")])
    try:
        sheet = book["DERs"] if "DERs" in book.sheetnames else book.worksheets[0]
        records = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        limited = itertools.islice(records, MAX_ROWS + 1_000)
        return table_from_rows([_excel_text(v) for v in record] for record in limited)
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError):
        return ParsedFile(problems=[Problem(FILE_PROBLEM_ROW, "", "the workbook cannot be read")])
    finally:
        book.close()


def parse_upload(file_name: str, content: bytes) -> ParsedFile:
    """A .csv or .xlsx file by its name."""
    lower = file_name.lower()
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return parse_csv(content)
    if lower.endswith(".xlsx"):
        return parse_xlsx(content)
    return ParsedFile(problems=[Problem(FILE_PROBLEM_ROW, "", "upload a .csv or .xlsx file (see the template)")])


def to_csv(parsed: ParsedFile) -> str:
    """The rows normalised to CSV (a "row" column with the file's row numbers, then the template columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("row", *COLUMN_NAMES))
    for number, cells in parsed.rows:
        writer.writerow((number, *(cells.get(n, "") for n in COLUMN_NAMES)))
    return buffer.getvalue()


def from_csv(text: str) -> ParsedFile:
    """Read back what ``to_csv`` stored."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out = ParsedFile(columns=COLUMN_NAMES)
    if tuple(next(reader, ())) != ("row", *COLUMN_NAMES):
        out.problems.append(Problem(FILE_PROBLEM_ROW, "", "the stored upload cannot be read: upload the file again"))
        return out
    for record in reader:
        out.rows.append((int(record[0]), dict(zip(COLUMN_NAMES, record[1:], strict=True))))
    return out


# --- cell validation -----------------------------------------------------------------------------------------
class _Cells:
    """Typed values of one row, collecting problems as (row, column, problem)."""

    __slots__ = ("number", "problems")

    def __init__(self, number: int, problems: list[Problem]) -> None:
        self.number = number
        self.problems = problems

    def bad(self, column: str, problem: str) -> None:
        self.problems.append(Problem(self.number, column, problem))

    def text(self, column: str, raw: str, max_len: int) -> str | None:
        value = raw.strip()
        if not value:
            return None
        if value.startswith(_FORMULA_START) and not _is_number(value):
            self.bad(column, "looks like a spreadsheet formula: type the value itself")
            return None
        if len(value) > max_len:
            self.bad(column, f"longer than {max_len} characters")
            return None
        if _CONTROL.search(value):
            self.bad(column, "contains control characters (line breaks or tabs)")
            return None
        return value

    def number_(self, column: str, raw: str, low: float, high: float, *, low_open: bool = False) -> float | None:
        value = raw.strip()
        if not value:
            return None
        if value.startswith(("=", "@")):
            self.bad(column, "looks like a spreadsheet formula: type the value itself")
            return None
        try:
            number = float(value.replace(",", "")) if len(value) <= 30 else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.bad(column, f"not a number: {_show(value)}")
            return None
        if number < low or (low_open and number == low) or number > high:
            lower = f"greater than {low:g}" if low_open else f"at least {low:g}"
            self.bad(column, f"{number:g} is out of range ({lower}, at most {high:g})")
            return None
        return number

    def date_(self, column: str, raw: str) -> date | None:
        value = raw.strip()
        if not value:
            return None
        try:
            if len(value) > 19:
                raise ValueError
            parsed = date.fromisoformat(value[:10]) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            self.bad(column, f"not a date: {_show(value)} (use YYYY-MM-DD)")
            return None
        if isinstance(parsed, datetime):
            if parsed.time() != datetime.min.time():
                self.bad(column, f"a date without a time, please: {_show(value)} (use YYYY-MM-DD)")
                return None
            return parsed.date()
        return parsed

    def choice(self, column: str, raw: str, choices: Mapping[str, str], allowed: str) -> str | None:
        value = raw.strip()
        if not value:
            return None
        found = choices.get(value.lower()) or choices.get(normal_header(value))
        if found is None:
            self.bad(column, f"{_show(value)} is not one of {allowed}")
        return found


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


_TAGS = {t.value: t.value for t in ServiceTag}
_TECH_ALLOWED = ", ".join(t.value for t in Technology)
_TAG_ALLOWED = ", ".join(_TAGS)
_CLASS_ALLOWED = ", ".join(c.value for c in AssessmentClass)


def validate_rows(parsed: ParsedFile, today: date) -> tuple[list[UploadRow], list[Problem]]:
    """Every cell of every row checked on its own; rows with a problem are left out of the result."""
    problems: list[Problem] = []
    rows: list[UploadRow] = []
    for number, raw in parsed.rows:
        before = len(problems)
        c = _Cells(number, problems)
        get = raw.get
        platform_id = c.text("platform_id", get("platform_id", ""), 20)
        if platform_id is not None:
            platform_id = platform_id.upper()
            if not DER_ID_PATTERN.match(platform_id):
                c.bad("platform_id", f"{_show(platform_id)} is not a platform ID like ON-DER-0001234 "
                      "(leave it blank for a new DER)")
        row = UploadRow(
            row=number,
            platform_id=platform_id,
            name=c.text("name", get("name", ""), 200),
            technology=c.choice("technology", get("technology", ""), _TECH_BY_TEXT, _TECH_ALLOWED),
            capacity_kw=c.number_("capacity_kw", get("capacity_kw", ""), 0, MAX_CAPACITY_KW, low_open=True),
            energy_kwh=c.number_("energy_kwh", get("energy_kwh", ""), 0, MAX_ENERGY_KWH),
            ramp_up_kw_min=c.number_("ramp_up_kw_min", get("ramp_up_kw_min", ""), 0, MAX_CAPACITY_KW),
            ramp_down_kw_min=c.number_("ramp_down_kw_min", get("ramp_down_kw_min", ""), 0, MAX_CAPACITY_KW),
            address=c.text("address", get("address", ""), 300),
            lat=c.number_("lat", get("lat", ""), -90, 90),
            lon=c.number_("lon", get("lon", ""), -180, 180),
            meter_id=normal_meter_id(c.text("meter_id", get("meter_id", ""), 40)),
            service_tag=c.choice("service_tag", get("service_tag", ""), _TAGS, _TAG_ALLOWED),
            program_code=c.text("program_code", get("program_code", ""), 32),
            activation_date=c.date_("activation_date", get("activation_date", "")),
            deactivation_date=c.date_("deactivation_date", get("deactivation_date", "")),
            connection_assessment_ref=c.text("connection_assessment_ref", get("connection_assessment_ref", ""), 40),
            connection_assessment_date=c.date_("connection_assessment_date", get("connection_assessment_date", "")),
            connection_assessment_class=c.choice("connection_assessment_class",
                                                 get("connection_assessment_class", ""), _CLASS_BY_TEXT,
                                                 _CLASS_ALLOWED),
            resource_code=c.text("resource_code", get("resource_code", ""), 32),
        )
        _check_row(row, raw, c, today)
        if len(problems) == before:
            rows.append(row)
    return rows, problems


def _check_row(row: UploadRow, raw: Mapping[str, str], c: _Cells, today: date) -> None:
    """Rules across the cells of one row (run after the cells were typed)."""
    if row.platform_id is None:
        for name in NEW_DER_REQUIRED:
            if getattr(row, name) is None and not raw.get(name, "").strip():
                c.bad(name, "required for a new DER")
    lat_blank, lon_blank = not raw.get("lat", "").strip(), not raw.get("lon", "").strip()
    if lat_blank != lon_blank and row.platform_id is not None:
        c.bad("lat" if lat_blank else "lon", "give both lat and lon")
    south, west, north, east = ONTARIO_BOUNDS
    if row.lat is not None and row.lon is not None and not (south <= row.lat <= north and west <= row.lon <= east):
        c.bad("lat/lon", f"({row.lat:g}, {row.lon:g}) is outside Ontario (latitude first, longitude negative)")
    if row.meter_id is not None and not METER_ID_PATTERN.match(row.meter_id):
        c.bad("meter_id", METER_ID_RULE)
    for name, value in (("program_code", row.program_code), ("resource_code", row.resource_code)):
        if value is not None and not CODE_PATTERN.match(value):
            c.bad(name, "letters, digits and . _ - only")
    if row.energy_kwh is not None and row.technology is not None and row.technology != Technology.BATTERY.value:
        c.bad("energy_kwh", "only for battery storage")
    if row.activation_date and row.deactivation_date and row.deactivation_date <= row.activation_date:
        c.bad("deactivation_date", f"{row.deactivation_date.isoformat()} is not after the activation date "
              f"{row.activation_date.isoformat()}")
    if row.platform_id is None and row.deactivation_date is not None and row.deactivation_date <= today:
        c.bad("deactivation_date", "a new DER cannot be deactivated already (today or earlier)")
    if row.connection_assessment_date is not None and row.connection_assessment_date > today:
        c.bad("connection_assessment_date", "in the future")
    assessment = (row.connection_assessment_ref, row.connection_assessment_date, row.connection_assessment_class)
    given = [v is not None or raw.get(n, "").strip() != "" for n, v in zip(
        ("connection_assessment_ref", "connection_assessment_date", "connection_assessment_class"), assessment,
        strict=True)]
    if any(given) and not all(given):
        missing = [n for n, g in zip(("connection_assessment_ref", "connection_assessment_date",
                                      "connection_assessment_class"), given, strict=True) if not g]
        c.bad(missing[0], "give the connection assessment's reference, date and class together")
    if (row.connection_assessment_class == AssessmentClass.UNDER_10MW.value and row.capacity_kw is not None
            and row.capacity_kw > OVER_10MW_KW):
        c.bad("connection_assessment_class", f"{row.capacity_kw:,.0f} kW is over 10 MW: it needs an over_10mw "
              "assessment")
