"""LDC and aggregator feeds (docs/FEEDS.md): ADMS and MDM CSV, aggregator telemetry JSON, GIS GeoJSON.

``parse_feed(name, content)`` picks the parser from the file-name prefix (``adms_``, ``mdm_``, ``telemetry_``,
``gis_``) and returns a ``ParsedFeed``. Tolerant where a real export varies (header case and spaces, column
order, extra columns, blanks = None), strict where a wrong value would be stored: a missing required column,
a non-numeric value, a timestamp without zone or off the 5-minute grid, an unknown element type or a
truncated file raise ``ReportFormatError`` naming the file, line (or feature/reading) and column.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from data.domain.enums import IesoZone, StationKind
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.ldc_records import GridElementUpdate, Measurement, ParsedFeed
from data.pollers.parsers.records import is_blank, parse_number

__all__ = ["FEED_PREFIXES", "parse_adms_csv", "parse_feed", "parse_gis", "parse_mdm_csv", "parse_telemetry_json"]

_NAME = re.compile(r"^(?P<prefix>[a-z]+)_(?P<org>.+)_(?P<stamp>\d{12}|\d{8})\.[a-z.]+$", re.IGNORECASE)
_ELEMENT_TYPES = ("station", "feeder")
_GRID_MINUTES = 5
_SHAPEFILE_FIELD_LENGTH = 10  # dBase truncates field names: "hosting_capacity_kw" -> "hosting_ca"
_ZONES = {z.value.lower(): z.value for z in IesoZone}
_STATION_KINDS = {k.value for k in StationKind}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_MAX_UNZIPPED_BYTES = 200 * 2**20


# --- shared helpers -----------------------------------------------------------------------------------


def _basename(name: str) -> str:
    return name.replace("\\", "/").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _name_parts(source: str, warnings: list[str]) -> tuple[str | None, datetime | None]:
    """Organisation code and file time (UTC) from ``<prefix>_<CODE>_<YYYYMMDD[HHMM]>.<ext>``."""
    match = _NAME.match(source)
    if match is None:
        warnings.append(f"{source}: the name is not <prefix>_<CODE>_<YYYYMMDDHHMM>; no sender or time from it")
        return None, None
    stamp = match.group("stamp")
    try:
        created = datetime.strptime(stamp, "%Y%m%d%H%M" if len(stamp) == 12 else "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        warnings.append(f"{source}: {stamp!r} in the name is not a date; ignored")
        created = None
    return match.group("org"), created


def _utc(text: Any, where: dict[str, Any], *, on_grid: bool = True) -> datetime:
    """An ISO 8601 time with an explicit zone as aware UTC; on the 5-minute grid unless told otherwise."""
    if not isinstance(text, str) or is_blank(text):
        raise ReportFormatError("the time is blank", **where)
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ReportFormatError(f"{raw!r} is not an ISO 8601 time", **where) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ReportFormatError(f"{raw!r} has no zone (expected UTC, e.g. 2026-06-01T14:05:00Z)", **where)
    value = value.astimezone(UTC)
    if on_grid and (value.minute % _GRID_MINUTES or value.second or value.microsecond):
        raise ReportFormatError(f"{raw!r} is not on a {_GRID_MINUTES}-minute boundary", **where)
    return value


def _number(value: Any, where: dict[str, Any]) -> float | None:
    """A number from CSV text, JSON or a GeoDataFrame cell; blank/NaN/null -> None, anything else an error."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise ReportFormatError(f"{value!r} is not a number", **where)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ReportFormatError(f"{value!r} is not a finite number", **where)
        return float(value)
    try:
        return parse_number(str(value))
    except ValueError as exc:
        raise ReportFormatError(str(exc), **where) from None


def _minutes(value: Any, where: dict[str, Any]) -> int:
    number = _number(value, where)
    if number is None:
        raise ReportFormatError("interval_minutes is blank", **where)
    if not number.is_integer() or number <= 0 or number % _GRID_MINUTES:
        raise ReportFormatError(f"interval_minutes {value!r} is not a positive multiple of 5", **where)
    return int(number)


def _decode(content: bytes, source: str) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=source) from None
    if not text.strip():
        raise ReportFormatError("the file is empty", source=source)
    return text


def _csv_table(
    text: str, source: str, required: tuple[str, ...], optional: tuple[str, ...], warnings: list[str]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and (line number, {column: cell}) per data row; columns matched case-insensitively.

    Every line must end with a line break: a writer cut off mid-number ("31.0" of "31.08") leaves a row that
    parses, and only the missing break tells. Refusing it is self-healing: the finished file is read again.
    """
    if not text.endswith(("\n", "\r")):
        raise ReportFormatError(
            "the last line has no line break: the file is incomplete (still being written?)",
            source=source, line=text.count("\n") + 1,
        )
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank line
        if header is None:
            header = [c.strip().lower() for c in cells]
            missing = [name for name in required if name not in header]
            if missing:
                raise ReportFormatError(
                    f"missing required column(s) {', '.join(missing)} (header is: {','.join(cells)})",
                    source=source, line=reader.line_num,
                )
            unknown = [n for n in header if n and n not in required and n not in optional]
            if unknown:
                warnings.append(f"{source}: unknown column(s) ignored: {', '.join(unknown)}")
            continue
        if len(cells) < len(header):
            raise ReportFormatError(
                f"row has {len(cells)} field(s) but the header has {len(header)} (truncated row?)",
                source=source, line=reader.line_num,
            )
        rows.append((reader.line_num, {name: cells[i] for i, name in enumerate(header) if name}))
    if header is None:
        raise ReportFormatError("no header line", source=source)
    if not rows:
        warnings.append(f"{source}: no data rows")
    return header, rows


# --- ADMS --------------------------------------------------------------------------------------------

_ADMS_KEYS = ("interval_start_utc", "element_type", "element_code")
_ADMS_VALUES = ("load_mw", "der_output_mw")


def parse_adms_csv(content: bytes, source: str = "<adms csv>") -> ParsedFeed:
    """Station and feeder loading: one Measurement per row and value column (MW, 5-minute)."""
    text = _decode(content, source)
    warnings: list[str] = []
    organisation, created = _name_parts(source, warnings)
    header, rows = _csv_table(text, source, _ADMS_KEYS, _ADMS_VALUES, warnings)
    present = [c for c in _ADMS_VALUES if c in header]
    if not present:
        raise ReportFormatError(f"missing value column: need {' or '.join(_ADMS_VALUES)}", source=source)
    for absent in sorted(set(_ADMS_VALUES) - set(present)):
        warnings.append(f"{source}: column {absent} absent; no values for it")
    measurements: list[Measurement] = []
    seen: dict[tuple[str, str, datetime], int] = {}
    for line, row in rows:
        ts = _utc(row["interval_start_utc"], dict(source=source, line=line, column="interval_start_utc"))
        element = row["element_type"].strip().lower()
        if element not in _ELEMENT_TYPES:
            raise ReportFormatError(
                f"unknown element_type {row['element_type']!r} (expected station or feeder)",
                source=source, line=line, column="element_type",
            )
        code = row["element_code"].strip()
        if not code:
            raise ReportFormatError("element_code is blank", source=source, line=line, column="element_code")
        key = (element, code, ts)
        if key in seen:
            warnings.append(f"{source}, line {line}: repeats line {seen[key]}; the later value wins")
        seen[key] = line
        for column in present:
            value = _number(row[column], dict(source=source, line=line, column=column))
            measurements.append(Measurement(element, code, column, ts, 300, value, "MW"))  # type: ignore[arg-type]
    return ParsedFeed("adms", organisation, created, measurements=measurements, warnings=warnings)


# --- MDM ---------------------------------------------------------------------------------------------

_MDM_REQUIRED = ("resource_code", "interval_start_utc", "interval_minutes", "kwh")


def parse_mdm_csv(content: bytes, source: str = "<mdm csv>") -> ParsedFeed:
    """Interval meter reads per resource; kWh in an interval -> average kW = kWh x 60 / minutes."""
    text = _decode(content, source)
    warnings: list[str] = []
    organisation, created = _name_parts(source, warnings)
    measurements: list[Measurement] = []
    _, rows = _csv_table(text, source, _MDM_REQUIRED, ("meter_id",), warnings)
    for line, row in rows:
        code = row["resource_code"].strip()
        if not code:
            raise ReportFormatError("resource_code is blank", source=source, line=line, column="resource_code")
        ts = _utc(row["interval_start_utc"], dict(source=source, line=line, column="interval_start_utc"))
        minutes = _minutes(row["interval_minutes"], dict(source=source, line=line, column="interval_minutes"))
        kwh = _number(row["kwh"], dict(source=source, line=line, column="kwh"))
        kw = None if kwh is None else kwh * 60.0 / minutes
        measurements.append(Measurement("resource", code, "meter_kw", ts, minutes * 60, kw, "kW"))
    return ParsedFeed("mdm", organisation, created, measurements=measurements, warnings=warnings)


# --- aggregator telemetry ----------------------------------------------------------------------------


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in obj.items()}


def parse_telemetry_json(content: bytes, source: str = "<telemetry json>") -> ParsedFeed:
    """Per-DER output in kW (+ export, - import; null = no value) from an aggregator."""
    text = _decode(content, source)
    warnings: list[str] = []
    organisation, created = _name_parts(source, warnings)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(
            f"invalid or truncated JSON at column {exc.colno}: {exc.msg}", source=source, line=exc.lineno
        ) from None
    if not isinstance(document, dict):
        raise ReportFormatError(f"expected a JSON object, got {type(document).__name__}", source=source)
    top = _fields(document)
    readings = top.get("readings")
    if not isinstance(readings, list):
        raise ReportFormatError("'readings' is missing or not a list", source=source, column="readings")
    sender = top.get("aggregator")
    if isinstance(sender, str) and sender.strip():
        if organisation and sender.strip() != organisation:
            warnings.append(f"{source}: aggregator {sender!r} differs from the file name's {organisation!r}")
        organisation = sender.strip()
    if top.get("sent_at") is not None:
        created = _utc(top["sent_at"], dict(source=source, column="sent_at"), on_grid=False)
    if top.get("interval_minutes") is None:
        minutes = _GRID_MINUTES
        warnings.append(f"{source}: interval_minutes absent; 5 assumed")
    else:
        minutes = _minutes(top["interval_minutes"], dict(source=source, column="interval_minutes"))
    measurements: list[Measurement] = []
    for position, item in enumerate(readings):
        label = f"readings[{position}]"
        if not isinstance(item, dict):
            raise ReportFormatError(f"{label} is a {type(item).__name__}, not an object", source=source)
        reading = _fields(item)
        platform_id = reading.get("platform_id")
        if not isinstance(platform_id, str) or not platform_id.strip():
            raise ReportFormatError(f"{label} has no platform_id", source=source, column=f"{label}.platform_id")
        ts = _utc(reading.get("interval_start_utc"), dict(source=source, column=f"{label}.interval_start_utc"))
        if "kw" not in reading:
            raise ReportFormatError(f"{label} has no kw (use null for no value)", source=source)
        value = _number(reading["kw"], dict(source=source, column=f"{label}.kw"))
        measurements.append(Measurement("der", platform_id.strip(), "output_kw", ts, minutes * 60, value, "kW"))
    if not measurements:
        warnings.append(f"{source}: no readings")
    return ParsedFeed("telemetry", organisation, created, measurements=measurements, warnings=warnings)


# --- GIS ---------------------------------------------------------------------------------------------

_STATION_NUMBERS = ("rated_mw",)
_FEEDER_NUMBERS = ("voltage_kv", "rated_mw", "hosting_capacity_kw")
_GIS_COLUMNS = ("element_type", "code", "name", "kind", "zone", "station_code", *_FEEDER_NUMBERS)


def _read_frame(content: bytes, source: str) -> Any:
    """One GeoDataFrame in WGS84 from GeoJSON, or from every shapefile of a zip (stations and feeders may be
    two layers, since a shapefile holds one geometry type)."""
    # geopandas takes about a second to import: only the GIS poller should pay for it.
    import geopandas
    import pandas

    try:
        if content[:2] != b"PK":
            return _wgs84(geopandas.read_file(io.BytesIO(content)))
        with tempfile.TemporaryDirectory(prefix="gis-") as folder:
            layers = [_wgs84(geopandas.read_file(path)) for path in _unzip_shapefiles(content, Path(folder))]
    except ReportFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/pyogrio/GDAL raise several types; all mean "unreadable"
        raise ReportFormatError(f"cannot read as GeoJSON or zipped shapefile: {exc}", source=source) from None
    if not layers:
        raise ReportFormatError("the zip holds no shapefile (.shp)", source=source)
    return geopandas.GeoDataFrame(pandas.concat(layers, ignore_index=True), crs="EPSG:4326")


def _wgs84(frame: Any) -> Any:
    crs = frame.crs
    if crs is not None and (crs.is_projected or crs.to_epsg() not in (4326, None)):
        return frame.to_crs("EPSG:4326")
    return frame


def _unzip_shapefiles(content: bytes, folder: Path) -> list[Path]:
    """Extract the shapefile parts flat into ``folder`` (GDAL cannot read a zip's sub-folder from memory)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [m for m in archive.infolist() if Path(m.filename).suffix.lower() in _SHAPEFILE_PARTS]
        if sum(m.file_size for m in members) > _MAX_UNZIPPED_BYTES:
            raise ValueError(f"the shapefile is larger than {_MAX_UNZIPPED_BYTES // 2**20} MB unzipped")
        for member in members:
            # The base name only: a member called "../x.shp" must not leave the folder.
            (folder / Path(member.filename).name).write_bytes(archive.read(member))
    return sorted(folder.glob("*.[sS][hH][pP]"))


def _gis_columns(frame: Any) -> dict[str, str]:
    """Wanted attribute -> the frame's column, case-insensitive, also under a shapefile's 10-letter name."""
    by_lower = {str(c).lower(): str(c) for c in frame.columns if c != frame.geometry.name}
    found = {}
    for wanted in _GIS_COLUMNS:
        actual = by_lower.get(wanted) or by_lower.get(wanted[:_SHAPEFILE_FIELD_LENGTH])
        if actual is not None:
            found[wanted] = actual
    return found


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def parse_gis(content: bytes, source: str = "<gis>") -> ParsedFeed:
    """Stations (Point) and feeders (LineString) with their attributes, WGS84 [lon, lat]."""
    if not content.strip():
        raise ReportFormatError("the file is empty", source=source)
    warnings: list[str] = []
    organisation, created = _name_parts(source, warnings)
    frame = _read_frame(content, source)
    columns = _gis_columns(frame)
    for required in ("element_type", "code"):
        if required not in columns:
            raise ReportFormatError(f"missing required attribute {required}", source=source, column=required)
    updates: list[GridElementUpdate] = []
    seen: set[tuple[str, str]] = set()
    for number, (_, feature) in enumerate(frame.iterrows(), start=1):
        label = f"feature #{number}"

        def cell(name: str, feature: Any = feature) -> Any:
            return feature[columns[name]] if name in columns else None

        element = (_text(cell("element_type")) or "").lower()
        if element not in _ELEMENT_TYPES:
            raise ReportFormatError(
                f"{label}: unknown element_type {cell('element_type')!r} (expected station or feeder)",
                source=source, column="element_type",
            )
        code = _text(cell("code"))
        if code is None:
            raise ReportFormatError(f"{label}: code is blank", source=source, column="code")
        if (element, code) in seen:
            warnings.append(f"{source}: {label}: {element} {code} appears twice; the later one wins")
        seen.add((element, code))
        numbers = _STATION_NUMBERS if element == "station" else _FEEDER_NUMBERS
        attributes: dict[str, Any] = {}
        for name in numbers:
            value = _number(cell(name), dict(source=source, column=f"{label}.{name}"))
            if value is not None:  # an attribute the GIS does not give stays as it is
                attributes[name] = value
        geometry = feature[frame.geometry.name]
        kind = "Point" if element == "station" else "LineString"
        if geometry is not None and not geometry.is_empty and geometry.geom_type != kind:
            raise ReportFormatError(
                f"{label}: a {element} must be a {kind}, got {geometry.geom_type}", source=source, column="geometry"
            )
        has_geometry = geometry is not None and not geometry.is_empty
        line = None
        if element == "station":
            _station_attributes(attributes, cell, label, source, warnings)
            if has_geometry:
                attributes["lon"], attributes["lat"] = round(geometry.x, 6), round(geometry.y, 6)
        else:
            station_code = _text(cell("station_code"))
            if station_code:
                attributes["station_code"] = station_code
            if has_geometry:
                line = [[round(x, 6), round(y, 6)] for x, y, *_ in geometry.coords]
        updates.append(GridElementUpdate(element, code, _text(cell("name")), attributes, line))  # type: ignore[arg-type]
    if not updates:
        warnings.append(f"{source}: no features")
    return ParsedFeed("gis", organisation, created, grid_updates=updates, warnings=warnings)


def _station_attributes(
    attributes: dict[str, Any], cell: Callable[[str], Any], label: str, source: str, warnings: list[str]
) -> None:
    kind = _text(cell("kind"))
    if kind is not None:
        if kind.upper() in _STATION_KINDS:
            attributes["kind"] = kind.upper()
        else:
            warnings.append(f"{source}: {label}: unknown station kind {kind!r} ignored")
    zone = _text(cell("zone"))
    if zone is not None:
        if zone.lower() in _ZONES:
            attributes["zone"] = _ZONES[zone.lower()]
        else:
            warnings.append(f"{source}: {label}: unknown zone {zone!r} ignored")


# --- entry point -------------------------------------------------------------------------------------

FEED_PREFIXES: dict[str, Callable[[bytes, str], ParsedFeed]] = {
    "adms": parse_adms_csv,
    "mdm": parse_mdm_csv,
    "telemetry": parse_telemetry_json,
    "gis": parse_gis,
}


def parse_feed(name: str, content: bytes) -> ParsedFeed:
    """Parse one LDC/aggregator file; ``name`` is its file name or URL (only the last part is used)."""
    source = _basename(name) or "<feed>"
    if not isinstance(content, bytes | bytearray):
        raise TypeError(f"content must be bytes, got {type(content).__name__}")
    prefix = source.split("_", 1)[0].lower()
    parser = FEED_PREFIXES.get(prefix)
    if parser is None:
        raise ReportFormatError(
            f"unknown feed: the name must start with one of {', '.join(f'{p}_' for p in FEED_PREFIXES)}",
            source=source,
        )
    return parser(bytes(content), source)
