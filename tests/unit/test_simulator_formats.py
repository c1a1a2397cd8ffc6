"""The simulator's files have the real formats: same envelope, namespaces, element order and CSV preambles
as the real IESO files (tests/fixtures/ieso/), FEEDS.md's columns, and the production parsers read them."""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from data.demo.load_shape import load_shape
from data.domain.market_time import interval_start_utc
from data.pollers.parsers import parse_report
from data.pollers.parsers.records import DISPATCH_STATES, DISPATCH_TYPES, LIMIT_TYPES
from data.pollers.simulator import ieso_files, ldc_files
from data.pollers.simulator.events import DispatchEvent, TxOutagePlan
from data.pollers.simulator.files import STATE_FILE, atomic_write, purge_old, read_state, write_state
from data.pollers.simulator.grid import FeederInfo, StationInfo
from data.pollers.simulator.ontario import SystemModel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ieso"
SEED = 20261130
DAY = date(2026, 9, 28)


@pytest.fixture(scope="module")
def system() -> SystemModel:
    return SystemModel(SEED, load_shape())


def _hour(system: SystemModel, day: date, hour: int, count: int = 12):
    start = interval_start_utc(day, hour)
    return [system.interval(start + timedelta(minutes=5 * k)) for k in range(count)]


def _paths(content: bytes) -> list[str]:
    """Every element as its path of local names, in document order (namespace prefixes ignored)."""
    out: list[str] = []

    def walk(elem: ET.Element, prefix: str) -> None:
        path = f"{prefix}/{elem.tag.rsplit('}', 1)[-1]}"
        out.append(path)
        for child in elem:
            walk(child, path)

    walk(ET.fromstring(content), "")
    return out


def _distinct(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def _header_lines(content: bytes) -> list[str]:
    """The prolog, root and DocHeader lines, with the creation time blanked."""
    lines = content.decode().split("\n")
    end = lines.index("<DocBody>")
    return [re.sub(r"<CreatedAt>[^<]*</CreatedAt>", "<CreatedAt/>", line) for line in lines[: end + 1]]


# --- IESO XML: structure identical to the real files ------------------------------------------------------


def test_realtime_totals_match_the_real_file_structure(system: SystemModel):
    real = (FIXTURES / "PUB_RealtimeTotals_2026092808_v12.xml").read_bytes()
    ours = ieso_files.realtime_totals_xml(_hour(system, DAY, 8), interval_start_utc(DAY, 9))
    assert _header_lines(ours) == _header_lines(real)
    assert _paths(ours) == _paths(real)  # 12 intervals x the same 8 quantities, in the same order
    assert ours.endswith(b"</DocBody>\n</Document>\n") and real.endswith(b"</DocBody>\n</Document>\n")
    names = re.findall(rb"<MarketQuantity>([^<]*)<", ours)
    assert names == re.findall(rb"<MarketQuantity>([^<]*)<", real)
    parsed = parse_report("PUB_RealtimeTotals_2026092808.xml", ours)
    assert not parsed.warnings
    demand = [o.value for o in parsed.observations if o.quantity == "ONTARIO DEMAND"]
    assert len(demand) == 12 and all(9_000 < v < 25_000 for v in demand)
    assert parsed.created_at_utc == interval_start_utc(DAY, 9)


def test_a_partial_hour_lists_the_intervals_so_far(system: SystemModel):
    ours = ieso_files.realtime_totals_xml(_hour(system, DAY, 8, count=5), interval_start_utc(DAY, 8, 6))
    parsed = parse_report("PUB_RealtimeTotals_2026092808.xml", ours)
    assert len(parsed.observations) == 5 * 8


def test_day_ahead_price_matches_the_real_file_structure(system: SystemModel):
    real = (FIXTURES / "PUB_DAHourlyOntarioZonalPrice_20260528.xml").read_bytes()
    day = date(2026, 5, 28)
    ours = ieso_files.da_zonal_price_xml(day, system.da_prices(day), datetime(2026, 5, 27, 17, 35, tzinfo=UTC))
    assert _header_lines(ours) == _header_lines(real)
    assert _paths(ours) == _paths(real)
    parsed = parse_report("PUB_DAHourlyOntarioZonalPrice_20260528.xml", ours)
    assert not parsed.warnings and len(parsed.observations) == 72
    assert b"<CreatedAt>2026-05-27T12:35:00</CreatedAt>" in ours  # EST, no offset


def test_vg_forecast_matches_the_real_file_structure(system: SystemModel):
    real = (FIXTURES / "PUB_VGForecastSummary_20250228_reserialized.xml").read_bytes()
    issued = datetime(2025, 2, 28, 13, 55, tzinfo=UTC)
    ours = ieso_files.vg_forecast_xml(system.vg_forecast(issued), issued - timedelta(minutes=21), issued)
    assert _distinct(_paths(ours)) == _distinct(_paths(real))
    assert ours.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet')
    root_real, root_ours = ET.fromstring(real), ET.fromstring(ours)
    assert root_ours.tag == root_real.tag == "{http://www.ieso.ca/schema}Document"
    assert root_ours.attrib == root_real.attrib

    def zones(root: ET.Element, org: str) -> list[str]:
        ns = {"n": "http://www.ieso.ca/schema"}
        for data in root.iterfind("n:DocBody/n:OrganizationData", ns):
            if data.findtext("n:OrganizationType", namespaces=ns) == org:
                return [z.text or "" for z in data.iterfind(".//n:ZoneName", ns)]
        return []

    assert "OntarioTotal" in zones(root_ours, "EMBEDDED")
    assert zones(root_ours, "EMBEDDED") == [z for z in zones(root_real, "EMBEDDED")]  # same zones, same order
    parsed = parse_report("PUB_VGForecastSummary_20250228.xml", ours)
    assert not parsed.warnings
    assert {o.quantity for o in parsed.observations} == {
        "SOLAR MARKET PARTICIPANT FORECAST", "WIND MARKET PARTICIPANT FORECAST", "SOLAR EMBEDDED FORECAST",
        "WIND EMBEDDED FORECAST",
    }
    first = min(o.ts_utc for o in parsed.observations)
    assert first == datetime(2025, 2, 28, 14, tzinfo=UTC)  # HE10 EST, the hour after 08:55 EST
    assert re.search(rb"<MWOutput>\d+\.\d</MWOutput>", ours)  # one decimal, like the real report


def test_realtime_zonal_prices_match_the_fixture_structure(system: SystemModel):
    fixture = (FIXTURES / "PUB_RealtimeZonalEnergyPrices_2026060114.xml").read_bytes()
    day = date(2026, 6, 1)
    ours = ieso_files.realtime_zonal_prices_xml(day, 14, _hour(system, day, 14, count=9),
                                                interval_start_utc(day, 14, 10))
    assert _distinct(_paths(ours)) == _distinct(_paths(fixture))
    assert _header_lines(ours) == _header_lines(fixture)
    assert b"<ZoneName>EAST:HUB</ZoneName>" in ours and b"BRUCE" not in ours  # price zones exclude Bruce
    assert ours.count(b"<ZonalPrice></ZonalPrice>") == 9 * 3  # intervals 10-12 not yet published
    parsed = parse_report("PUB_RealtimeZonalEnergyPrices_2026060114.xml", ours)
    assert not parsed.warnings
    assert len({o.zone for o in parsed.observations}) == 9
    assert len(parsed.observations) == 9 * 9 * 3


def test_tx_outages_use_the_fixture_elements():
    fixture = (FIXTURES / "PUB_TxOutagesTodayAll_20260601.xml").read_bytes()
    start = datetime(2026, 6, 1, 15, tzinfo=UTC)
    outage = TxOutagePlan("1-00512345", "LEA-TS", "LEASIDE TS T1", "230", True, start, start + timedelta(hours=3))
    ours = ieso_files.tx_outages_today_xml(date(2026, 6, 1), [outage], start + timedelta(hours=1),
                                           start + timedelta(hours=1))
    assert set(_paths(ours)) <= set(_paths(fixture))
    assert _header_lines(ours) == _header_lines(fixture)
    parsed = parse_report("PUB_TxOutagesTodayAll.xml", ours)
    assert not parsed.warnings
    (item,) = parsed.outages
    assert item.equipment[0].name == "LEASIDE TS T1" and item.status == "IMPLEMENTED"
    assert (item.planned_start_utc, item.planned_end_utc) == (start, start + timedelta(hours=3))
    empty = parse_report("PUB_TxOutagesTodayAll.xml", ieso_files.tx_outages_today_xml(date(2026, 6, 2), [], start,
                                                                                      start))
    assert empty.outages == []


def test_dispatch_instructions_use_spec155_fields_and_vocabularies():
    start = datetime(2026, 6, 1, 21, 30, tzinfo=UTC)
    event = DispatchEvent("DNS-20260601-000001", 4, "ON-RES-00004", "GRIDPULSE ENERGY SERVICES",
                          start - timedelta(minutes=15), start, start + timedelta(hours=1), 2.4, "ORA", "FIX", "10N")
    content = ieso_files.dispatch_json([event])
    parsed = parse_report("dispatch_20260601161500.json", content)
    assert not parsed.warnings
    (record,) = parsed.dispatches
    assert record.resource_id == "ON-RES-00004" and record.amount == 2.4
    assert record.dispatch_type in DISPATCH_TYPES and record.state in DISPATCH_STATES
    assert record.limit_type in LIMIT_TYPES and record.reserve_class == "10N"
    assert (record.delivery_start_utc, record.delivery_stop_utc) == (start, start + timedelta(hours=1))
    assert (record.delivery_date, record.delivery_hour, record.delivery_interval) == (date(2026, 6, 1), 17, 7)
    raw = json.loads(content)["DispatchInstructions"][0]
    assert raw["DATE_SENT"] == "2026-06-01T16:15:00"  # EST without offset


# --- IESO CSV: the backslash preambles ----------------------------------------------------------------------


def test_demand_csv_matches_the_real_preamble_and_header(system: SystemModel):
    real = (FIXTURES / "PUB_Demand_2024.csv").read_text().split("\n")
    rows = [(DAY, h, *system.hourly(DAY, h)) for h in range(1, 25)]
    ours_bytes = ieso_files.demand_csv(rows, datetime(2026, 9, 29, 12, 30, 15, tzinfo=UTC))
    ours = ours_bytes.decode().split("\n")
    assert ours[0] == real[0] == "\\\\Hourly Demand Report,,,"
    assert re.fullmatch(r"\\\\Created at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,,,", ours[1])
    assert ours[1].endswith("07:30:15,,,")  # EST: 12:30:15 UTC
    assert ours[2] == "\\\\For 2026,,," and re.fullmatch(r"\\\\For \d{4},,,", real[2])
    assert ours[3] == real[3] == "Date,Hour,Market Demand,Ontario Demand"
    assert re.fullmatch(r"2026-09-28,1,\d+,\d+", ours[4])
    assert ours_bytes.endswith(b"\n") and b"\r" not in ours_bytes
    parsed = parse_report("PUB_Demand.csv", ours_bytes)
    assert not parsed.warnings and len(parsed.observations) == 48


def test_realtime_demand_zonal_has_the_zonal_columns_plus_interval(system: SystemModel):
    real = (FIXTURES / "PUB_DemandZonal_2026_truncated_0101-0109HE15.csv").read_text().split("\n")
    intervals = system.day_intervals(DAY)[:30]
    content = ieso_files.realtime_demand_zonal_csv(DAY, intervals, intervals[-1].start_utc + timedelta(minutes=5))
    ours = content.decode().split("\n")
    real_header = real[3].split(",")
    assert ours[3].split(",") == [*real_header[:2], "Interval", *real_header[2:]]
    columns = len(ours[3].split(","))
    assert ours[0] == "\\\\Realtime Zonal Demand Report" + "," * (columns - 1)
    assert re.fullmatch(r"\\\\Created at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d" + "," * (columns - 1), ours[1])
    assert ours[2] == "\\\\For 2026-09-28" + "," * (columns - 1)
    assert real[0].count(",") == len(real_header) - 1  # the real padding rule
    parsed = parse_report("PUB_RealtimeDemandZonal.csv", content)
    assert parsed.report == "RealtimeDemandZonal" and not parsed.warnings
    for row in ours[4:-1]:
        cells = [float(c) for c in row.split(",")[3:]]
        total, zones = cells[-2], cells[1:-2]
        assert total == pytest.approx(sum(zones), abs=0.2)
        assert cells[-1] == pytest.approx(total - cells[0], abs=0.2)


# --- LDC and aggregator feeds (docs/FEEDS.md) ------------------------------------------------------------------

TS = datetime(2026, 6, 1, 14, 5, tzinfo=UTC)


def test_adms_csv_columns_and_blanks():
    content = ldc_files.adms_csv([(TS, "station", "LEA-TS", 101.25, -0.5), (TS, "feeder", "LEA-TS-M1", None, 0.0)])
    lines = content.decode().split("\n")
    assert lines[0] == "interval_start_utc,element_type,element_code,load_mw,der_output_mw"
    assert lines[1] == "2026-06-01T14:05:00Z,station,LEA-TS,101.250,-0.500"
    assert lines[2] == "2026-06-01T14:05:00Z,feeder,LEA-TS-M1,,0.000"


def test_mdm_csv_columns():
    content = ldc_files.mdm_csv([("ON-RES-00001", "LSH-AGG-ON-RES-00001", TS, 5, -1.25)])
    assert content.decode().split("\n")[:2] == [
        "resource_code,meter_id,interval_start_utc,interval_minutes,kwh",
        "ON-RES-00001,LSH-AGG-ON-RES-00001,2026-06-01T14:05:00Z,5,-1.250",
    ]


def test_telemetry_json_shape():
    content = ldc_files.telemetry_json("GRIDPULSE", TS + timedelta(minutes=5, seconds=12),
                                       [("ON-DER-0001234", TS, 3.216), ("ON-DER-0001235", TS, None)])
    document = json.loads(content)
    assert document == {
        "aggregator": "GRIDPULSE", "sent_at": "2026-06-01T14:10:12Z", "interval_minutes": 5,
        "readings": [{"platform_id": "ON-DER-0001234", "interval_start_utc": "2026-06-01T14:05:00Z", "kw": 3.22},
                     {"platform_id": "ON-DER-0001235", "interval_start_utc": "2026-06-01T14:05:00Z", "kw": None}],
    }


def test_gis_geojson_features():
    station = StationInfo(1, "LEA-TS", "Leaside TS", "TS", "Toronto", 43.7, -79.36, 300.0, 3, None, None)
    feeder = FeederInfo(2, "LEA-TS-M1", "Leaside TS M1", 1, 4, 27.6, 12.5, 3000.0, [[-79.36, 43.7], [-79.35, 43.71]])
    document = json.loads(ldc_files.gis_geojson([station], [feeder], {1: "LEA-TS"}))
    point, line = document["features"]
    assert point["geometry"] == {"type": "Point", "coordinates": [-79.36, 43.7]}
    assert point["properties"] == {"element_type": "station", "code": "LEA-TS", "name": "Leaside TS", "kind": "TS",
                                   "rated_mw": 300.0, "zone": "Toronto"}
    assert line["geometry"]["type"] == "LineString"
    assert set(line["properties"]) == {"element_type", "code", "name", "station_code", "voltage_kv", "rated_mw",
                                       "hosting_capacity_kw"}


def test_ldc_feeds_parse_with_the_ldc_parser_when_present():
    ldc = pytest.importorskip("data.pollers.parsers.ldc")
    adms = ldc.parse_feed("adms_LSH_202606011405.csv",
                          ldc_files.adms_csv([(TS, "feeder", "LEA-TS-M1", 4.5, None)]))
    assert [(m.subject_code, m.quantity, m.value) for m in adms.measurements] == [
        ("LEA-TS-M1", "load_mw", 4.5), ("LEA-TS-M1", "der_output_mw", None)]
    mdm = ldc.parse_feed("mdm_LSH_202606011400.csv", ldc_files.mdm_csv([("ON-RES-00001", "M", TS, 5, 2.5)]))
    assert mdm.measurements[0].value == pytest.approx(30.0)  # 2.5 kWh in 5 minutes = 30 kW
    telemetry = ldc.parse_feed("telemetry_GRIDPULSE_202606011405.json",
                               ldc_files.telemetry_json("GRIDPULSE", TS, [("ON-DER-0000001", TS, -7.2)]))
    assert telemetry.organisation_code == "GRIDPULSE" and telemetry.measurements[0].value == -7.2
    for feed in (adms, mdm, telemetry):
        assert not feed.warnings


# --- the drop folder ------------------------------------------------------------------------------------------


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path):
    target = tmp_path / "ldc_adms" / "adms_X_202606011405.csv"
    assert atomic_write(target, b"a") == 1
    assert atomic_write(target, b"bb") == 2
    assert target.read_bytes() == b"bb"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_purge_deletes_old_files_and_keeps_the_newest_gis(tmp_path: Path):
    now = datetime(2026, 6, 10, tzinfo=UTC)
    old = (now - timedelta(days=3)).timestamp()

    def make(source: str, name: str, mtime: float | None = None) -> Path:
        path = tmp_path / source / name
        atomic_write(path, b"x")
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    stale = make("ldc_adms", "adms_A_202606061200.csv", old)
    fresh = make("ldc_adms", "adms_A_202606091200.csv")
    gis_old = make("ldc_gis", "gis_A_20260601.geojson", old)
    gis_newest = make("ldc_gis", "gis_A_20260602.geojson", old)
    tmp = make("ieso_demand", "PUB_Demand.csv.tmp", (now - timedelta(hours=2)).timestamp())
    state = tmp_path / STATE_FILE
    state.write_text("{}")
    os.utime(state, (old, old))
    assert purge_old(tmp_path, now, timedelta(days=2)) == 3
    assert not stale.exists() and not gis_old.exists() and not tmp.exists()
    assert fresh.exists() and gis_newest.exists() and state.exists()


def test_state_file_round_trip(tmp_path: Path):
    assert read_state(tmp_path) == {}
    write_state(tmp_path, {"last_end_utc": "2026-06-01T14:05:00+00:00"})
    assert read_state(tmp_path) == {"last_end_utc": "2026-06-01T14:05:00+00:00"}
    (tmp_path / STATE_FILE).write_text("{not json")
    assert read_state(tmp_path) == {}
