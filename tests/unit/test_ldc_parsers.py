"""LDC and aggregator feed parsers (docs/FEEDS.md): fixtures in tests/fixtures/ldc/ (see its README)."""
from __future__ import annotations

import io
import json
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data.pollers.parsers import ReportFormatError
from data.pollers.parsers.ldc import parse_adms_csv, parse_feed, parse_gis, parse_mdm_csv, parse_telemetry_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ldc"
ADMS = "adms_LSH_202606011410.csv"
MDM = "mdm_LSH_202606020600.csv"
TELEMETRY = "telemetry_GRIDPULSE_202606011415.json"
GEOJSON = "gis_LSH_20260601.geojson"
SHAPEFILE_ZIP = "gis_LSH_20260602.zip"
HEADER = "interval_start_utc,element_type,element_code,load_mw,der_output_mw\n"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def at(hour: int, minute: int, day: int = 1) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _quiet_gdal():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pyogrio notes about field-name laundering
        yield


# --- ADMS --------------------------------------------------------------------------------------------


def test_adms_fixture_reads_every_value_with_blanks_as_none() -> None:
    feed = parse_feed(ADMS, read(ADMS))
    assert (feed.source, feed.organisation_code, feed.created_at_utc) == ("adms", "LSH", at(14, 10))
    assert len(feed.measurements) == 9 * 2  # nine rows, two value columns, Title-Case header
    by_key = {(m.subject_kind, m.subject_code, m.quantity, m.ts_utc): m for m in feed.measurements}
    station = by_key[("station", "ESP-DS1", "load_mw", at(14, 0))]
    assert (station.value, station.unit, station.resolution_s) == (31.42, "MW", 300)
    assert by_key[("feeder", "ESP-TS-M2", "load_mw", at(14, 5))].value == -0.81  # reverse flow kept signed
    assert by_key[("feeder", "ESP-TS-M3", "load_mw", at(14, 0))].value == 4.9  # "Feeder" read as feeder
    assert by_key[("feeder", "ESP-TS-M3", "der_output_mw", at(14, 0))].value is None
    assert by_key[("feeder", "ESP-TS-M3", "load_mw", at(14, 5))].value is None  # blank, never 0
    assert feed.warnings == []


def test_adms_tolerates_column_order_spaces_extra_columns_and_offsets() -> None:
    content = (b" Element_Code , LOAD_MW ,element_type,Interval_Start_UTC,quality\n"
               b"ESP-TS-M1, 7.5 ,feeder,2026-06-01T10:05:00-04:00,good\n\n")
    feed = parse_adms_csv(content, "adms_LSH_202606011410.csv")
    [measurement] = feed.measurements
    assert (measurement.subject_code, measurement.value, measurement.ts_utc) == ("ESP-TS-M1", 7.5, at(14, 5))
    assert any("unknown column" in w and "quality" in w for w in feed.warnings)
    assert any("der_output_mw absent" in w for w in feed.warnings)


def test_adms_repeated_interval_is_a_warning_and_both_rows_are_kept() -> None:
    rows = "2026-06-01T14:00:00Z,feeder,F1,1.0,\n2026-06-01T14:00:00Z,feeder,F1,2.0,\n"
    feed = parse_adms_csv((HEADER + rows).encode(), "adms_LSH_202606011400.csv")
    assert [m.value for m in feed.measurements if m.quantity == "load_mw"] == [1.0, 2.0]
    assert any("repeats line 2" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2026-06-01T14:00:00Z,feeder,F1,abc,1\n", "line 2, column 'load_mw': 'abc' is not a number"),
        ("2026-06-01T14:00:00Z,feeder,F1,nan,1\n", "column 'load_mw'"),
        ("2026-06-01T14:01:00Z,feeder,F1,1,1\n", "not on a 5-minute boundary"),
        ("2026-06-01T14:00:00.5Z,feeder,F1,1,1\n", "not on a 5-minute boundary"),
        ("2026-06-01T14:00:00,feeder,F1,1,1\n", "has no zone"),
        ("yesterday,feeder,F1,1,1\n", "not an ISO 8601 time"),
        (",feeder,F1,1,1\n", "the time is blank"),
        ("2026-06-01T14:00:00Z,breaker,F1,1,1\n", "unknown element_type 'breaker'"),
        ("2026-06-01T14:00:00Z,feeder,,1,1\n", "element_code is blank"),
        ("2026-06-01T14:00:00Z,feeder,F1\n", "row has 3 field(s) but the header has 5"),
        ("2026-06-01T14:00:00Z,feeder,F1,1,1", "no line break"),
    ],
)
def test_adms_refuses_bad_values_naming_the_place(body: str, expected: str) -> None:
    with pytest.raises(ReportFormatError) as error:
        parse_adms_csv((HEADER + body).encode(), "adms_LSH_202606011400.csv")
    assert expected in str(error.value)
    assert str(error.value).startswith("adms_LSH_202606011400.csv")


def test_adms_needs_a_value_column() -> None:
    content = b"interval_start_utc,element_type,element_code\n2026-06-01T14:00:00Z,feeder,F1\n"
    with pytest.raises(ReportFormatError, match="load_mw or der_output_mw"):
        parse_adms_csv(content, "adms_X_202606011400.csv")


# --- MDM ---------------------------------------------------------------------------------------------


def test_mdm_converts_interval_kwh_to_average_kw() -> None:
    feed = parse_feed(MDM, read(MDM))
    assert (feed.source, feed.organisation_code, feed.created_at_utc) == ("mdm", "LSH", at(6, 0, day=2))
    got = [(m.subject_code, m.ts_utc, m.resolution_s, m.value, m.unit) for m in feed.measurements]
    assert got == [
        ("ON-RES-00001", at(4, 0), 900, 125.5 * 4, "kW"),
        ("ON-RES-00001", at(4, 15), 900, -37.25 * 4, "kW"),  # signed: + export
        ("ON-RES-00001", at(4, 30), 900, None, "kW"),  # blank kWh stays no value
        ("ON-RES-00002", at(4, 0), 300, 120.0, "kW"),
        ("ON-RES-00002", at(4, 5), 300, 114.0, "kW"),
        ("ON-RES-00002", at(4, 10), 300, 1002.5 * 12, "kW"),  # "1,002.5"
        ("ON-RES-99999", at(4, 0), 3600, 480.0, "kW"),
    ]
    assert all(m.subject_kind == "resource" and m.quantity == "meter_kw" for m in feed.measurements)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("R1,M1,2026-06-01T04:00:00Z,0,1\n", "interval_minutes '0'"),
        ("R1,M1,2026-06-01T04:00:00Z,,1\n", "interval_minutes is blank"),
        ("R1,M1,2026-06-01T04:00:00Z,15,12kWh\n", "column 'kwh'"),
        (",M1,2026-06-01T04:00:00Z,15,1\n", "resource_code is blank"),
    ],
)
def test_mdm_refuses_bad_rows(row: str, expected: str) -> None:
    content = ("resource_code,meter_id,interval_start_utc,interval_minutes,kwh\n" + row).encode()
    with pytest.raises(ReportFormatError, match=expected):
        parse_mdm_csv(content, "mdm_LSH_202606020600.csv")


def test_mdm_missing_required_column_lists_it() -> None:
    content = b"resource_code,interval_start_utc,kwh\nR1,2026-06-01T04:00:00Z,1\n"
    with pytest.raises(ReportFormatError, match="line 1: missing required column.*interval_minutes"):
        parse_mdm_csv(content, "mdm_LSH_202606020600.csv")


# --- telemetry ---------------------------------------------------------------------------------------


def test_telemetry_fixture() -> None:
    feed = parse_feed(TELEMETRY, read(TELEMETRY))
    assert (feed.source, feed.organisation_code) == ("telemetry", "GRIDPULSE")
    assert feed.created_at_utc == datetime(2026, 6, 1, 14, 15, 7, tzinfo=UTC)  # sent_at, not the name
    got = [(m.subject_code, m.ts_utc, m.value) for m in feed.measurements]
    assert got == [
        ("ON-DER-0000001", at(14, 5), 3.2),
        ("ON-DER-0000001", at(14, 10), 3.05),
        ("ON-DER-0000005", at(14, 5), -6.6),
        ("ON-DER-0000005", at(14, 10), None),
        ("ON-DER-0000008", at(14, 10), 0.75),
        ("ON-DER-9999999", at(14, 10), 1.0),
    ]
    assert all((m.subject_kind, m.quantity, m.unit, m.resolution_s) == ("der", "output_kw", "kW", 300)
               for m in feed.measurements)


def test_telemetry_keys_are_case_insensitive_and_defaults_are_warned() -> None:
    document = {"Aggregator": "MAPLEDR", "Readings": [
        {"Platform_ID": "ON-DER-0000003", "Interval_Start_UTC": "2026-06-01T14:00:00Z", "KW": 1}]}
    feed = parse_telemetry_json(json.dumps(document).encode(), "telemetry_GRIDPULSE_202606011400.json")
    assert feed.organisation_code == "MAPLEDR"
    assert feed.measurements[0].value == 1.0
    assert any("differs from the file name" in w for w in feed.warnings)
    assert any("interval_minutes absent" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "expected a JSON object"),
        ({"aggregator": "A"}, "'readings' is missing"),
        ({"readings": [1]}, r"readings\[0\] is a int"),
        ({"readings": [{"interval_start_utc": "2026-06-01T14:00:00Z", "kw": 1}]}, "has no platform_id"),
        ({"readings": [{"platform_id": "D", "interval_start_utc": "2026-06-01T14:00:00Z"}]}, "has no kw"),
        ({"readings": [{"platform_id": "D", "interval_start_utc": "2026-06-01T14:02:00Z", "kw": 1}]},
         "5-minute boundary"),
        ({"readings": [{"platform_id": "D", "interval_start_utc": "2026-06-01T14:00:00Z", "kw": "x"}]},
         r"readings\[0\].kw"),
        ({"interval_minutes": 3, "readings": []}, "positive multiple of 5"),
    ],
)
def test_telemetry_refuses_bad_documents(document: object, expected: str) -> None:
    with pytest.raises(ReportFormatError, match=expected):
        parse_telemetry_json(json.dumps(document).encode(), "telemetry_A_202606011400.json")


# --- GIS ---------------------------------------------------------------------------------------------


def test_gis_geojson_updates_keep_only_given_attributes() -> None:
    feed = parse_feed(GEOJSON, read(GEOJSON))
    assert (feed.source, feed.organisation_code) == ("gis", "LSH")
    station, m1, m2, m99 = feed.grid_updates
    assert (station.kind, station.code, station.name) == ("station", "ESP-DS1", "Esplanade Northwest DS")
    assert station.attributes == {"rated_mw": 60.0, "kind": "DS", "zone": "Toronto",
                                  "lon": -79.392704, "lat": 43.676873}
    assert (m1.kind, m1.attributes["hosting_capacity_kw"], m1.attributes["station_code"]) == ("feeder", 9000.0,
                                                                                              "ESP-TS")
    assert m1.line == [[-79.37183, 43.66836], [-79.3775, 43.6681], [-79.38364, 43.66799]]
    assert "rated_mw" not in m2.attributes and m2.line is None  # null attribute and null geometry: unchanged
    assert m99.code == "ESP-TS-M99"  # whether it exists is the ingest's question, not the parser's


def test_gis_zipped_shapefiles_two_layers_reprojected_with_short_field_names() -> None:
    feed = parse_feed(SHAPEFILE_ZIP, read(SHAPEFILE_ZIP))
    by_code = {u.code: u for u in feed.grid_updates}
    assert set(by_code) == {"ESP-TS-M3", "ESP-TS-M4", "LEA-MS1"}
    station = by_code["LEA-MS1"]
    assert station.attributes["lat"] == pytest.approx(43.726142, abs=1e-6)  # from UTM 17N back to WGS84
    assert station.attributes["lon"] == pytest.approx(-79.384722, abs=1e-6)
    feeder = by_code["ESP-TS-M3"]
    assert feeder.attributes["hosting_capacity_kw"] == 1800.0  # read from the 10-letter "hosting_ca"
    assert feeder.line is not None
    assert feeder.line[-1] == pytest.approx([-79.38106, 43.67367], abs=1e-6)


def _geojson(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _feature(properties: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


POINT = {"type": "Point", "coordinates": [-79.4, 43.7]}
LINE = {"type": "LineString", "coordinates": [[-79.4, 43.7], [-79.5, 43.8]]}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (_geojson(_feature({"element_type": "feeder", "code": "F1"}, POINT)), "must be a LineString, got Point"),
        (_geojson(_feature({"element_type": "station", "code": "S1"}, LINE)), "must be a Point"),
        (_geojson(_feature({"element_type": "station", "code": "S1", "rated_mw": "big"}, POINT)),
         r"feature #1.rated_mw"),
        (_geojson(_feature({"element_type": "station", "name": "S"}, POINT)), "missing required attribute code"),
        (_geojson(_feature({"element_type": "station", "code": " "}, POINT)), "code is blank"),
        (b"not json at all", "cannot read as GeoJSON"),
        (b"PK\x03\x04broken", "cannot read as GeoJSON or zipped shapefile"),
        (b"   ", "the file is empty"),
    ],
)
def test_gis_refuses_bad_features(content: bytes, expected: str) -> None:
    with pytest.raises(ReportFormatError, match=expected):
        parse_gis(content, "gis_LSH_20260601.geojson")


def test_gis_zip_without_shapefile_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no shapes here")
    with pytest.raises(ReportFormatError, match=r"no shapefile \(.shp\)"):
        parse_gis(buffer.getvalue(), "gis_LSH_20260601.zip")


def test_gis_unknown_kind_and_zone_are_warnings() -> None:
    props = {"element_type": "station", "code": "S1", "kind": "XS", "zone": "Atlantis"}
    feed = parse_gis(_geojson(_feature(props, POINT)), "gis_LSH_20260601.geojson")
    assert "kind" not in feed.grid_updates[0].attributes and "zone" not in feed.grid_updates[0].attributes
    assert len(feed.warnings) == 2


# --- broken files and dispatch on the name ------------------------------------------------------------

BROKEN = {
    "adms_LSH_202606011415.csv": "line 6: the last line has no line break",
    "adms_LSH_202606011420.csv": "line 3, column 'element_type': unknown element_type 'transformer'",
    "adms_LSH_202606011425.csv": "line 3, column 'interval_start_utc': '2026-06-01T14:27:30Z' is not on a 5-minute",
    "adms_LSH_202606011430.csv": "line 3, column 'load_mw': 'n.a.' is not a number",
    "adms_LSH_202606011435.csv": "line 1: missing required column(s) element_type",
    "adms_LSH_202606011440.csv": "line 2, column 'interval_start_utc': '2026-06-01 14:40:00' has no zone",
    "mdm_LSH_202606030600.csv": "line 2, column 'kwh': '12O.5' is not a number",
    "mdm_LSH_202606040600.csv": "line 2, column 'interval_minutes'",
    "telemetry_GRIDPULSE_202606011420.json": "line 9: invalid or truncated JSON",
    "telemetry_GRIDPULSE_202606011425.json": "column 'readings[0].kw': True is not a number",
    "gis_LSH_20260603.geojson": "unknown element_type 'switch'",
    "gis_LSH_20260604.geojson": "cannot read as GeoJSON",
}


def test_every_broken_fixture_is_listed() -> None:
    assert {p.name for p in (FIXTURES / "broken").iterdir()} == set(BROKEN)


@pytest.mark.parametrize(("name", "expected"), sorted(BROKEN.items()))
def test_broken_files_are_refused_with_file_line_and_column(name: str, expected: str) -> None:
    with pytest.raises(ReportFormatError) as error:
        parse_feed(f"/feeds/somewhere/{name}", (FIXTURES / "broken" / name).read_bytes())
    assert str(error.value).startswith(f"{name}")
    assert expected in str(error.value)


def test_parse_feed_dispatches_on_the_prefix_case_insensitively() -> None:
    feed = parse_feed("ADMS_LSH_202606011410.CSV", read(ADMS))
    assert feed.source == "adms"


def test_parse_feed_unknown_prefix_empty_and_non_bytes() -> None:
    with pytest.raises(ReportFormatError, match="unknown feed"):
        parse_feed("scada_LSH_202606011410.csv", read(ADMS))
    with pytest.raises(ReportFormatError, match="the file is empty"):
        parse_feed("adms_LSH_202606011410.csv", b"")
    with pytest.raises(ReportFormatError, match="not UTF-8"):
        parse_feed("adms_LSH_202606011410.csv", b"\xff\xfe\x00bad\n")
    with pytest.raises(TypeError):
        parse_feed("adms_LSH_202606011410.csv", "text")  # type: ignore[arg-type]


def test_a_name_without_code_and_time_is_a_warning_only() -> None:
    feed = parse_feed("adms_export.csv", read(ADMS))
    assert (feed.organisation_code, feed.created_at_utc) == (None, None)
    assert len(feed.measurements) == 18
    assert any("the name is not" in w for w in feed.warnings)
