"""The simulator on the small demo grid (SQLite and PostgreSQL): one simulated hour writes every feed, the
production parsers read every file without error or warning, and the values are plausible."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from data.db import Database
from data.demo.load_shape import load_shape
from data.domain.enums import Technology
from data.domain.market_time import interval_start_utc, trade_date_of
from data.pollers.parsers import ParsedReport, parse_report
from data.pollers.parsers.records import DISPATCH_STATES, DISPATCH_TYPES, LIMIT_TYPES, ONTARIO_ZONES
from data.pollers.simulator import SOURCES, simulate
from data.pollers.simulator.config import DEFAULT_SEED, SimulatorConfig
from data.pollers.simulator.events import EventBook
from data.pollers.simulator.grid import GridSnapshot, load_grid
from data.pollers.simulator.model import GridModel
from data.pollers.simulator.ontario import SystemModel

FEEDS = ("ldc_adms", "ldc_mdm", "aggregator_telemetry", "ldc_gis")
try:  # written in parallel against docs/FEEDS.md; without it, columns are checked against the doc here
    from data.pollers.parsers.ldc import parse_feed
except ImportError:  # pragma: no cover - depends on what is merged
    parse_feed = None

FEEDS_COLUMNS = {
    "adms": "interval_start_utc,element_type,element_code,load_mw,der_output_mw",
    "mdm": "resource_code,meter_id,interval_start_utc,interval_minutes,kwh",
}


def _day() -> date:
    """Two EST days ago: every demo DER (activated up to yesterday) is on the grid."""
    return trade_date_of(datetime.now(UTC)) - timedelta(days=2)


def _hour(day: date, hour_ending: int) -> tuple[datetime, datetime]:
    start = interval_start_utc(day, hour_ending)
    return start, start + timedelta(hours=1)


def _parse_all(paths: tuple[Path, ...]) -> dict[Path, object]:
    parsed: dict[Path, object] = {}
    for path in paths:
        content = path.read_bytes()
        if path.parent.name.startswith("ieso_"):
            parsed[path] = parse_report(path.name, content)
        elif parse_feed is not None:
            parsed[path] = parse_feed(path.name, content)
        else:
            parsed[path] = _check_columns(path, content)
    for path, result in parsed.items():
        assert not getattr(result, "warnings", []), f"{path.name}: {result.warnings}"  # type: ignore[attr-defined]
    return parsed


def _check_columns(path: Path, content: bytes) -> None:
    prefix = path.name.split("_", 1)[0]
    if prefix in FEEDS_COLUMNS:
        assert content.decode().split("\n", 1)[0] == FEEDS_COLUMNS[prefix]
    elif prefix == "telemetry":
        assert set(json.loads(content)) == {"aggregator", "sent_at", "interval_minutes", "readings"}
    else:
        assert json.loads(content)["type"] == "FeatureCollection"


def _reports(parsed: dict[Path, object], source: str) -> list[ParsedReport]:
    return [r for p, r in parsed.items() if p.parent.name == source]  # type: ignore[misc]


def _telemetry(paths: tuple[Path, ...]) -> dict[str, list[float | None]]:
    readings: dict[str, list[float | None]] = defaultdict(list)
    for path in paths:
        if path.parent.name == "aggregator_telemetry":
            for reading in json.loads(path.read_bytes())["readings"]:
                readings[reading["platform_id"]].append(reading["kw"])
    return readings


@pytest.fixture
def grid(database: Database) -> GridSnapshot:
    return load_grid(database, on=_day())


def test_one_hour_writes_every_feed_in_a_readable_form(database: Database, grid: GridSnapshot, tmp_path: Path):
    day = _day()
    start, end = _hour(day, 12)  # 11:00-12:00 EST: the sun is up all year
    summary = simulate(database, tmp_path, start, end, seed=DEFAULT_SEED)
    assert summary.intervals == 12 and summary.files == len(summary.paths) and summary.bytes > 0
    folders = {p.parent.name for p in summary.paths}
    assert folders <= set(SOURCES)
    assert folders >= {"ieso_demand", "ieso_realtime_zonal", "ieso_realtime_totals", "ieso_vg_forecast",
                       "ieso_realtime_prices", "ieso_da_prices", *FEEDS}
    assert not list(tmp_path.rglob("*.tmp"))
    parsed = _parse_all(summary.paths)

    # Ontario demand, everywhere it is published, in the plausible range.
    demand = [o.value for source in ("ieso_realtime_totals", "ieso_demand", "ieso_realtime_zonal")
              for r in _reports(parsed, source) for o in r.observations if o.quantity == "ONTARIO DEMAND"]
    assert len(demand) >= 12 + 24 + 12 and all(9_000 <= v <= 25_000 for v in demand)
    (zonal,) = _reports(parsed, "ieso_realtime_zonal")
    by_interval: dict[datetime, dict[str, float]] = defaultdict(dict)
    for o in zonal.observations:
        by_interval[o.ts_utc][o.zone or o.quantity] = o.value
    assert max(by_interval) == end - timedelta(minutes=5)  # the day so far, up to the last interval
    for values in by_interval.values():
        zones = [values[z] for z in ONTARIO_ZONES]
        # Near, not equal: the real reports' Diff (zone total - Ontario demand) is -11% .. +3% in Jan 2026.
        assert sum(zones) == pytest.approx(values["ONTARIO DEMAND"], rel=0.05)
        assert values["ZONE TOTAL"] == pytest.approx(sum(zones), abs=0.5)
    (totals,) = _reports(parsed, "ieso_realtime_totals")
    assert len({o.quantity for o in totals.observations}) == 8
    prices = [o.value for r in _reports(parsed, "ieso_realtime_prices") for o in r.observations
              if o.quantity == "RT ZONAL PRICE"]
    assert len(prices) == 12 * 9 and all(-100 < p < 2000 for p in prices)
    (forecast,) = _reports(parsed, "ieso_vg_forecast")
    assert len({o.ts_utc for o in forecast.observations}) == 48
    assert any(r.observations for r in _reports(parsed, "ieso_da_prices"))

    # ADMS: every station and feeder once per interval, and loads that add up the supply tree.
    adms: dict[tuple[str, str, datetime], dict[str, float | None]] = defaultdict(dict)
    for path, feed in parsed.items():
        if path.parent.name == "ldc_adms":
            for m in feed.measurements:  # type: ignore[attr-defined]
                adms[(m.subject_kind, m.subject_code, m.ts_utc)][m.quantity] = m.value
    assert len(adms) == 12 * (len(grid.stations) + len(grid.feeders))
    station_code = {s.id: s.code for s in grid.stations.values()}
    feeder_code = {f.id: f.code for f in grid.feeders.values()}
    t = start + timedelta(minutes=30)
    for sid, station in grid.stations.items():
        load = adms[("station", station.code, t)]["load_mw"]
        parts = [adms[("feeder", feeder_code[f], t)]["load_mw"] for f in grid.feeders_of_station.get(sid, [])]
        parts += [adms[("station", station_code[c], t)]["load_mw"] for c in grid.stations_fed_by_station.get(sid, [])]
        if load is not None and None not in parts:  # a blank is "no value"
            assert load == pytest.approx(sum(parts), abs=0.01)
        if station.kind == "TS" and load is not None:
            assert load < station.rated_mw * 1.2
    loads = [v["load_mw"] for (kind, _, _), v in adms.items() if kind == "feeder" and v["load_mw"] is not None]
    assert sum(loads) > 0 and max(loads) < max(f.rated_mw for f in grid.feeders.values()) * 1.3

    # Telemetry: every aggregated DER of 50 kW or more, PV producing at noon; MDM: known resources.
    readings = _telemetry(summary.paths)
    large = {d.platform_id for d in grid.ders if d.aggregator_org_id is not None and d.capacity_kw >= 50}
    assert large <= set(readings)
    assert all(len(v) == 12 for v in readings.values())
    pv = [kw for d in grid.ders if d.technology == Technology.SOLAR_PV.value and d.active
          for kw in readings.get(d.platform_id, []) if kw is not None]
    assert pv and sum(pv) > 0
    codes = {r.code for r in grid.resources.values()}
    mdm = [m for p, f in parsed.items() if p.parent.name == "ldc_mdm" for m in f.measurements]  # type: ignore[attr-defined]
    assert mdm and {m.subject_code for m in mdm} <= codes
    per_resource = defaultdict(set)
    for m in mdm:
        per_resource[m.subject_code].add(m.ts_utc)
    assert all(len(ts) == 12 for ts in per_resource.values())  # one LDC of record per resource

    # GIS: each LDC's network as it is.
    gis = {u.code for p, f in parsed.items() if p.parent.name == "ldc_gis" for u in f.grid_updates}  # type: ignore[attr-defined]
    feeder_codes = {f.code for f in grid.feeders.values()}
    assert feeder_codes <= gis


def test_pv_is_zero_at_night(database: Database, grid: GridSnapshot, tmp_path: Path):
    start, end = _hour(_day(), 4)  # 03:00-04:00 EST: dark in Ontario all year
    summary = simulate(database, tmp_path, start, end, seed=DEFAULT_SEED)
    _parse_all(summary.paths)
    readings = _telemetry(summary.paths)
    pv = [kw for d in grid.ders if d.technology == Technology.SOLAR_PV.value
          for kw in readings.get(d.platform_id, []) if kw is not None]
    assert pv and all(kw == 0 for kw in pv)


def test_dispatches_and_outages_are_written_and_read(database: Database, grid: GridSnapshot, tmp_path: Path):
    events = EventBook(DEFAULT_SEED, grid)
    day = _day()
    while not any(o.forced for o in events.outages(day)):  # about every other day
        day -= timedelta(days=1)
    sent = events.dispatches(day)[0].sent_utc
    outage = next(o for o in events.outages(day) if o.forced)
    for moment in (sent, outage.start_utc):
        start = moment.replace(minute=0)
        simulate(database, tmp_path / "drop", start, start + timedelta(hours=1), seed=DEFAULT_SEED)
    paths = tuple(p for p in (tmp_path / "drop").rglob("*") if p.is_file() and p.parent.name.startswith("ieso_"))
    parsed = _parse_all(paths)
    dispatches = [d for r in _reports(parsed, "ieso_dispatch") for d in r.dispatches]
    assert dispatches
    codes = {r.code for r in grid.resources.values()}
    for record in dispatches:
        assert record.resource_id in codes and record.amount and record.amount > 0
        assert record.dispatch_type in DISPATCH_TYPES and record.state in DISPATCH_STATES
        assert record.limit_type in LIMIT_TYPES
        assert record.delivery_start_utc and record.date_sent and record.date_sent < record.delivery_start_utc
    (report,) = _reports(parsed, "ieso_tx_outages")
    names = {e.name for o in report.outages for e in o.equipment}
    assert outage.equipment_name in names
    station = next(s for s in grid.transformer_stations if s.code == outage.station_code)
    assert outage.equipment_name == f"{station.name.upper()} T1"


def test_dispatched_resources_respond(database: Database, grid: GridSnapshot):
    """Against the same day without that one instruction, the resource gives more over the event (in energy:
    a battery that empties faster gives less at the end), and nothing else changes."""
    system = SystemModel(DEFAULT_SEED, load_shape())
    events = EventBook(DEFAULT_SEED, grid)
    shares = []
    for day in (_day() - timedelta(days=k) for k in range(3)):
        for event in events.dispatches(day):
            without = EventBook(DEFAULT_SEED, grid)
            without._dispatches[day] = [e for e in events.dispatches(day) if e is not event]
            with_model = GridModel(DEFAULT_SEED, grid, system, events)
            without_model = GridModel(DEFAULT_SEED, grid, system, without)
            members = [k for k, d in enumerate(grid.ders) if d.resource_id == event.resource_id]
            delivered = 0.0
            at = event.start_utc
            while at < event.stop_utc:
                dispatched, normal = with_model.der_outputs(at), without_model.der_outputs(at)
                assert all(dispatched[k] == normal[k] for k, d in enumerate(grid.ders)
                           if d.resource_id != event.resource_id)
                delivered += sum(dispatched[k] - normal[k] for k in members) / 1000 / 12  # MWh
                at += timedelta(minutes=5)
            hours = (event.stop_utc - event.start_utc).total_seconds() / 3600
            assert delivered >= -1e-6  # never the wrong way
            shares.append(delivered / hours / event.amount_mw)
    assert shares and max(shares) > 0.5 and sum(s > 0.1 for s in shares) >= len(shares) / 2


def test_the_same_seed_gives_the_same_files(database: Database, tmp_path: Path):
    start, end = _hour(_day(), 18)
    first = simulate(database, tmp_path / "a", start, end, seed=7, config=SimulatorConfig(retention=None))
    second = simulate(database, tmp_path / "b", start, end, seed=7, config=SimulatorConfig(retention=None))
    other = simulate(database, tmp_path / "c", start, end, seed=8, config=SimulatorConfig(retention=None))
    names = sorted(p.relative_to(tmp_path / "a") for p in first.paths)
    assert names == sorted(p.relative_to(tmp_path / "b") for p in second.paths)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    adms = next(n for n in names if n.parts[0] == "ldc_adms")
    assert (tmp_path / "a" / adms).read_bytes() != (tmp_path / "c" / adms).read_bytes()
    assert other.intervals == 12


def test_the_dst_change_is_seamless_in_every_feed(database: Database, tmp_path: Path):
    # 2026-03-08: Toronto clocks jump from 02:00 EST to 03:00 EDT; market time (EST) runs straight through.
    start = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST
    summary = simulate(database, tmp_path, start, start + timedelta(hours=2), seed=DEFAULT_SEED)
    assert summary.intervals == 24
    parsed = _parse_all(summary.paths)
    totals = sorted(p.name for p in summary.paths if p.parent.name == "ieso_realtime_totals")
    assert totals == [f"PUB_RealtimeTotals_20260308{h:02d}.xml" for h in (2, 3, 4)]
    (zonal,) = _reports(parsed, "ieso_realtime_zonal")
    stamps = sorted({o.ts_utc for o in zonal.observations})
    assert stamps[0] == datetime(2026, 3, 8, 5, tzinfo=UTC) and len(stamps) == 12 * 3 + 6  # HE1-HE3, HE4 1-6
    assert all(b - a == timedelta(minutes=5) for a, b in zip(stamps, stamps[1:], strict=False))
    adms = sorted({m.ts_utc for p, f in parsed.items() if p.parent.name == "ldc_adms"
                   for m in f.measurements})  # type: ignore[attr-defined]
    assert adms == [start + timedelta(minutes=5 * k) for k in range(24)]
    demand = [o.value for o in zonal.observations if o.quantity == "ONTARIO DEMAND"]
    assert max(abs(a - b) for a, b in zip(demand, demand[1:], strict=False)) < 400
