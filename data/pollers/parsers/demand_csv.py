r"""IESO demand CSV reports: ``Demand``, ``DemandZonal`` and ``RealtimeDemandZonal``.

Real files start with preamble lines beginning with a backslash (``\\Hourly Demand Report,,,``,
``\\Created at 2025-01-31 07:30:15,,,``, ``\\For 2024,,,``): every such line is skipped (the creation time
is read from the one that says "Created at"), and the title is never matched. Copies with the preamble
removed are accepted too. The first other line is the header; columns are matched by name,
case-insensitively and ignoring extra spaces, in any order.

* ``Demand`` (hourly):                Date, Hour, Market Demand, Ontario Demand
* ``DemandZonal`` (hourly):           Date, Hour, Ontario Demand, <10 zones>, Zone Total, Diff
* ``RealtimeDemandZonal`` (5-minute): DemandZonal's columns plus Interval 1..12 [format unverified]

``Hour`` is hour-ending 1..24 in EST, so every date has 24 hours, DST days included.
Observations: ``MARKET DEMAND`` / ``ONTARIO DEMAND`` (zone None), ``ZONAL DEMAND`` (zone = canonical zone
name), ``ZONE TOTAL`` and ``ZONE DIFF`` (zone None), all in MW. ``Zone Total`` and ``Diff`` are published
figures, kept as is and never cross-checked (they differ from the sum of zones by design).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from data.domain.market_time import interval_start_utc
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import (
    ONTARIO_ZONES,
    Observation,
    ParsedReport,
    is_blank,
    parse_est_datetime,
    parse_int,
    parse_market_date,
    parse_number,
)

__all__ = ["parse_demand_csv", "sniff_demand_header"]

_UNIT = "MW"
_CREATED = re.compile(r"created\s+at\s*[:=]?\s*(.+)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

# normalised column name -> (quantity, zone)
_ZONE_COLUMNS = {z.lower(): ("ZONAL DEMAND", z) for z in ONTARIO_ZONES}
_VALUE_COLUMNS: dict[str, tuple[str, str | None]] = {
    "market demand": ("MARKET DEMAND", None),
    "ontario demand": ("ONTARIO DEMAND", None),
    "zone total": ("ZONE TOTAL", None),
    "diff": ("ZONE DIFF", None),
    **_ZONE_COLUMNS,
}
_KEY_COLUMNS = ("date", "hour", "interval")
_DISPLAY = {
    "date": "Date",
    "hour": "Hour",
    "interval": "Interval",
    "market demand": "Market Demand",
    "ontario demand": "Ontario Demand",
}

_REPORTS = ("Demand", "DemandZonal", "RealtimeDemandZonal")


def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.replace("\ufeff", "")).strip().lower()


def _decode(content: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportFormatError("the file is not text (cannot decode as UTF-8 or Windows-1252)", source=source)


def _split_row(line: str) -> list[str]:
    return next(csv.reader([line]))


def _key_parsers(hourly: bool) -> list[tuple[str, str, Callable[[str], Any]]]:
    """(display name, column, parser) of the columns that locate a row in time."""
    parsers: list[tuple[str, str, Callable[[str], Any]]] = [
        ("Date", "date", parse_market_date),
        ("Hour", "hour", lambda t: parse_int(t, 1, 24, "hour-ending")),
    ]
    if not hourly:
        parsers.append(("Interval", "interval", lambda t: parse_int(t, 1, 12, "interval")))
    return parsers


def sniff_demand_header(content: bytes) -> bool:
    """True when the first non-preamble line looks like a demand CSV header (Date, Hour, ...Demand...)."""
    text = content[:4096].decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("\\") or not stripped.strip(","):
            continue
        names = {_norm(c) for c in _split_row(stripped)}
        return {"date", "hour"} <= names and any("demand" in n for n in names)
    return False


def parse_demand_csv(content: bytes, source: str = "<demand csv>", report: str | None = None) -> ParsedReport:
    """Parse a demand CSV (any of the three reports; ``report`` forces which, else the header decides).

    Raises ReportFormatError for an empty file, missing required columns (listing them), a non-numeric
    value (naming line and column), a bad date/hour/interval, or a row shorter than the header.
    """
    if report is not None and report not in _REPORTS:
        raise ValueError(f"report must be one of {_REPORTS}, got {report!r}")
    text = _decode(content, source)
    if not text.strip():
        raise ReportFormatError("the file is empty", source=source)

    warnings: list[str] = []
    created_at: datetime | None = None
    header: list[str] | None = None
    raw_header: list[str] = []
    header_line = 0
    data_lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("\\"):
            match = _CREATED.search(stripped.lstrip("\\").split(",", 1)[0])
            if match and created_at is None:
                try:
                    created_at = parse_est_datetime(match.group(1).strip())
                except ValueError as exc:
                    warnings.append(f"{source}, line {number}: 'Created at' ignored: {exc}")
            continue
        if not stripped or not stripped.strip(","):
            continue  # blank line, or a line of bare separators
        if header is None:
            raw_header = [c.strip() for c in _split_row(stripped)]
            header = [_norm(c) for c in raw_header]
            header_line = number
        else:
            data_lines.append((number, stripped))
    if header is None:
        raise ReportFormatError("no header line found (only preamble lines)", source=source)

    index: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name in index:
            warnings.append(f"{source}, line {header_line}: duplicate column {name!r}; the first one is used")
            continue
        index[name] = position

    if report is None:
        if "interval" in index:
            report = "RealtimeDemandZonal"
        elif any(z in index for z in _ZONE_COLUMNS):
            report = "DemandZonal"
        else:
            report = "Demand"
    required = ["date", "hour"]
    if report == "RealtimeDemandZonal":
        required.append("interval")
    if report == "Demand":
        required += ["market demand", "ontario demand"]
    else:
        required.append("ontario demand")
    missing = [_DISPLAY.get(name, name) for name in required if name not in index]
    if missing:
        raise ReportFormatError(
            f"missing required column(s) {', '.join(repr(m) for m in missing)} for the {report} report "
            f"(header is: {','.join(raw_header)})",
            source=source,
            line=header_line,
        )
    if report != "Demand":
        absent = [z for z in ONTARIO_ZONES if z.lower() not in index]
        if absent:
            warnings.append(f"{source}: zone column(s) absent: {', '.join(absent)}")
    value_columns: list[tuple[int, str, str, str | None]] = []  # (position, column name, quantity, zone)
    for name, position in index.items():
        if name in _VALUE_COLUMNS:
            quantity, zone = _VALUE_COLUMNS[name]
            value_columns.append((position, name, quantity, zone))
        elif name not in _KEY_COLUMNS:
            warnings.append(f"{source}: unknown column {name!r} ignored")

    hourly = report != "RealtimeDemandZonal"
    resolution = 3600 if hourly else 300
    key_parsers = [(column, index[name], parse) for column, name, parse in _key_parsers(hourly)]
    needed = max([p for _, p, _ in key_parsers] + [p for p, _, _, _ in value_columns]) + 1
    observations: list[Observation] = []
    seen: dict[datetime, int] = {}
    for number, line in data_lines:
        cells = _split_row(line)
        if len(cells) < needed:
            raise ReportFormatError(
                f"row has {len(cells)} field(s) but the header has {len(header)} (truncated row?)",
                source=source,
                line=number,
            )
        keys: list[Any] = []
        for column, position, parse in key_parsers:
            try:
                key = parse(cells[position])
            except ValueError as exc:
                raise ReportFormatError(
                    str(exc), source=source, line=number, column=raw_header[position]
                ) from None
            if key is None:
                raise ReportFormatError(
                    f"{column} is blank", source=source, line=number, column=raw_header[position]
                )
            keys.append(key)
        day, hour = keys[0], keys[1]
        interval = keys[2] if len(keys) > 2 else 1
        start = interval_start_utc(day, hour, interval)
        if start in seen:
            warnings.append(
                f"{source}, line {number}: repeats the interval of line {seen[start]}; both kept, the later "
                "value should win on upsert"
            )
        else:
            seen[start] = number
        for position, _name, quantity, zone in value_columns:
            raw = cells[position]
            try:
                value = None if is_blank(raw) else parse_number(raw)
            except ValueError as exc:
                raise ReportFormatError(
                    str(exc), source=source, line=number, column=raw_header[position]
                ) from None
            observations.append(Observation(quantity, zone, start, resolution, value, _UNIT))
    if not data_lines:
        warnings.append(f"{source}: the report has a header but no data rows")
    return ParsedReport(
        report=report, created_at_utc=created_at, observations=observations, warnings=warnings
    )
