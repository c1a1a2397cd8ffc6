"""Feed ingest (data/services/ingest.py) on SQLite and PostgreSQL: real IESO files, LDC feeds, idempotence,
restatements, late data, outages, dispatches and GIS updates against the demo grid."""
from __future__ import annotations

import dataclasses
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.db import Database
from data.domain.enums import DispatchState, Issuer, OutageKind, OutageState, SeriesKind, TargetKind
from data.models import (
    AuditEntry,
    DispatchInstruction,
    Feeder,
    Outage,
    OutageElement,
    Reading,
    Resource,
    Series,
    Station,
)
from data.pollers.parsers import Observation, parse_report
from data.pollers.parsers.ldc import parse_feed
from data.pollers.parsers.ldc_records import GridElementUpdate, Measurement
from data.services import ingest
from data.services.ingest import (
    apply_grid_updates,
    upsert_dispatches,
    upsert_measurements,
    upsert_observations,
    upsert_tx_outages,
)

IESO = Path(__file__).resolve().parents[1] / "fixtures" / "ieso"
LDC = Path(__file__).resolve().parents[1] / "fixtures" / "ldc"
IESO_ORG_ID = 1  # the demo's first organisation
REPORTS = {
    "PUB_Demand_2024.csv": SeriesKind.ONTARIO_DEMAND,
    "PUB_DemandZonal_2026_truncated_0101-0109HE15.csv": SeriesKind.ZONE_DEMAND,
    "PUB_RealtimeDemandZonal.csv": SeriesKind.ZONE_DEMAND,
    "PUB_RealtimeTotals_2026092808_v12.xml": SeriesKind.RT_TOTAL,
    "PUB_RealtimeTotals_2019061214_imo.xml": SeriesKind.ONTARIO_DEMAND,
    "PUB_VGForecastSummary_20250228_reserialized.xml": SeriesKind.VG_FORECAST,
    "PUB_DAHourlyOntarioZonalPrice_20260528.xml": SeriesKind.ZONAL_PRICE,
    "PUB_RealtimeZonalEnergyPrices_2026060114.xml": SeriesKind.ZONAL_PRICE,
}
T0 = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def report(name: str):  # type: ignore[no-untyped-def]
    return parse_report(name, (IESO / name).read_bytes())


def feed(name: str):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return parse_feed(name, (LDC / name).read_bytes())


def snapshot(db: Database) -> list[tuple]:
    with db.session() as session:
        return [tuple(r) for r in session.execute(
            select(Reading.series_id, Reading.ts, Reading.value, Reading.received_at)
            .order_by(Reading.series_id, Reading.ts))]


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def store(db: Database, observations: list[Observation], source: str = "test", at: datetime = T0) -> int:
    with db.transaction() as session:
        return upsert_observations(session, observations, source, received_at=at)


@pytest.fixture(params=["insert", "copy"])
def bulk_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through the batched INSERT and through COPY (PostgreSQL only; SQLite always inserts)."""
    monkeypatch.setattr(ingest, "COPY_THRESHOLD", 1 if request.param == "copy" else 10**9)
    return request.param


# --- IESO reports ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_real_ieso_files_become_readings(database: Database, name: str) -> None:
    parsed = report(name)
    distinct = {(o.quantity, o.zone, o.ts_utc) for o in parsed.observations}
    assert store(database, parsed.observations, source=parsed.report) == len(distinct)
    assert count(database, Reading) == len(distinct)
    with database.session() as session:
        series = session.execute(select(Series.kind, Series.quantity, Series.zone, Series.resolution_s)).all()
    assert len(series) == len({(o.quantity, o.zone) for o in parsed.observations})
    assert REPORTS[name] in {s.kind for s in series}
    assert {s.resolution_s for s in series} == {o.resolution_s for o in parsed.observations}


def test_series_kinds_follow_the_quantity(database: Database) -> None:
    for name in ("PUB_Demand_2024.csv", "PUB_RealtimeTotals_2026092808_v12.xml"):
        parsed = report(name)
        store(database, parsed.observations, source=parsed.report)
    with database.session() as session:
        query = select(Series.source, Series.quantity, Series.kind)
        kinds = {q: k for s, q, k in session.execute(query) if s == "RealtimeTotals"}
        demand = {q: k for s, q, k in session.execute(query) if s == "Demand"}
    assert kinds["ONTARIO DEMAND"] == SeriesKind.ONTARIO_DEMAND  # not TOTAL LOAD, ~1,500 MW higher
    assert kinds["TOTAL LOAD"] == SeriesKind.RT_TOTAL
    assert demand == {"ONTARIO DEMAND": SeriesKind.ONTARIO_DEMAND, "MARKET DEMAND": SeriesKind.MARKET_DEMAND}


def test_the_same_file_twice_changes_nothing(database: Database, bulk_path: str) -> None:
    parsed = report("PUB_Demand_2024.csv")
    assert store(database, parsed.observations, at=T0) == len(parsed.observations)
    before = snapshot(database)
    assert store(database, parsed.observations, at=T0 + timedelta(hours=1)) == 0
    assert snapshot(database) == before  # values and received_at untouched
    assert count(database, Series) == 2


def test_a_restated_value_replaces_the_old_one(database: Database, bulk_path: str) -> None:
    parsed = report("PUB_RealtimeTotals_2026092808_v12.xml")
    store(database, parsed.observations, at=T0)
    target = parsed.observations[5]
    restated = [dataclasses.replace(o, value=o.value + 12.5) if o == target else o for o in parsed.observations]
    later = T0 + timedelta(minutes=5)
    assert store(database, restated, at=later) == 1
    with database.session() as session:
        rows = session.execute(select(Reading.ts, Reading.value, Reading.received_at, Series.quantity)
                               .join(Series, Series.id == Reading.series_id)).all()
    assert len(rows) == len(parsed.observations)
    changed = [r for r in rows if r.received_at == later]
    assert [(r.quantity, r.ts, r.value) for r in changed] == [(target.quantity, target.ts_utc, target.value + 12.5)]


def test_blank_is_null_and_a_later_number_fills_it(database: Database, bulk_path: str) -> None:
    ts = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    blank = Observation("ONTARIO DEMAND", None, ts, 300, None, "MW")
    assert store(database, [blank]) == 1
    assert snapshot(database)[0][2] is None  # no value, never 0
    assert store(database, [blank]) == 0
    assert store(database, [dataclasses.replace(blank, value=0.0)]) == 1  # zero is a value, distinct from blank
    assert snapshot(database)[0][2] == 0.0


def test_late_data_is_accepted(database: Database) -> None:
    newer, older = "PUB_RealtimeTotals_2026092808_v12.xml", "PUB_RealtimeTotals_2019061214_imo.xml"
    store(database, report(newer).observations, source="rt")
    late = report(older).observations
    assert store(database, late, source="rt") == len(late)  # seven years late and still stored
    assert count(database, Reading) == len(report(newer).observations) + len(late)


def test_repeated_interval_in_one_call_keeps_the_last_value(database: Database, bulk_path: str) -> None:
    ts = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    first, second = (Observation("ONTARIO DEMAND", None, ts, 3600, v, "MW") for v in (1.0, 2.0))
    assert store(database, [first, second]) == 1
    assert snapshot(database)[0][2] == 2.0


def test_two_copy_loads_in_one_transaction(database: Database, bulk_path: str) -> None:
    demand = report("PUB_Demand_2024.csv").observations
    with database.transaction() as session:
        first = upsert_observations(session, demand[:100], "a", received_at=T0)
        second = upsert_observations(session, demand, "a", received_at=T0)
    assert (first, second) == (100, len(demand) - 100)


# --- LDC and aggregator feeds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored", "unknown"),
    [
        ("adms_LSH_202606011410.csv", 16, "2 value(s) for 1 unknown feeder code(s) not stored: LSH-F-UNKNOWN-9"),
        ("mdm_LSH_202606020600.csv", 6, "1 value(s) for 1 unknown resource code(s) not stored: ON-RES-99999"),
        ("telemetry_GRIDPULSE_202606011415.json", 5, "1 value(s) for 1 unknown der code(s) not stored"),
    ],
)
def test_ldc_feeds_are_stored_and_unknown_codes_warned(database: Database, name: str, stored: int,
                                                       unknown: str) -> None:
    parsed = feed(name)
    found: list[str] = []
    with database.transaction() as session:
        assert upsert_measurements(session, parsed.measurements, "ldc", received_at=T0, warnings=found) == stored
    assert [w for w in found if unknown in w] and len(found) == 1
    assert count(database, Reading) == stored
    with database.transaction() as session:
        assert upsert_measurements(session, parsed.measurements, "ldc", warnings=[]) == 0


def test_adms_series_point_at_stations_and_feeders(database: Database) -> None:
    with database.transaction() as session:
        upsert_measurements(session, feed("adms_LSH_202606011410.csv").measurements, "ldc_adms", warnings=[])
    with database.session() as session:
        rows = session.execute(
            select(Series.kind, Series.unit, Station.code, Feeder.code)
            .outerjoin(Station, Station.id == Series.station_id).outerjoin(Feeder, Feeder.id == Series.feeder_id)
        ).all()
    got = {(r.kind, r[2] or r[3]) for r in rows}
    assert (SeriesKind.STATION_LOAD, "ESP-DS1") in got and (SeriesKind.STATION_DER_OUTPUT, "ESP-DS1") in got
    assert (SeriesKind.FEEDER_LOAD, "ESP-TS-M1") in got and (SeriesKind.FEEDER_DER_OUTPUT, "ESP-TS-M1") in got
    assert {r.unit for r in rows} == {"MW"}


def test_measurement_restatement_and_none(database: Database) -> None:
    ts = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    reading = Measurement("feeder", "ESP-TS-M1", "load_mw", ts, 300, 8.5, "MW")
    with database.transaction() as session:
        assert upsert_measurements(session, [reading], "ldc_adms") == 1
    with database.transaction() as session:
        assert upsert_measurements(session, [dataclasses.replace(reading, value=None)], "ldc_adms") == 1
    assert snapshot(database)[0][2] is None


# --- transmission outages ----------------------------------------------------------------------------


def outages_now() -> datetime:
    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # 07:00 EST on the report's day


def test_tx_outages_upserted_idempotently_and_linked_to_stations(database: Database) -> None:
    today = report("PUB_TxOutagesTodayAll_20260601.xml").outages
    found: list[str] = []
    with database.transaction() as session:
        assert upsert_tx_outages(session, today, IESO_ORG_ID, now=outages_now(), warnings=found) == 3
    assert sorted(found) == [
        "outage 1-00498001: equipment 'C5E' matches no station",
        "outage 1-00513377: equipment 'HANLAN TS T1' matches no station",
    ]
    with database.session() as session:
        outages = {o.external_id: o for o in session.scalars(select(Outage))}
        leaside = session.scalar(select(Station.id).where(Station.name == "Leaside TS"))
        states = {k: o.state for k, o in outages.items()}
        elements = {k: sorted(e.station_id for e in o.elements) for k, o in outages.items()}
        versions = {k: o.version for k, o in outages.items()}
    assert states == {"1-00512345": OutageState.ACTIVE, "1-00498001": OutageState.ACTIVE,
                      "1-00513377": OutageState.PLANNED}  # starts 09:30 EST = 14:30 UTC
    assert elements == {"1-00512345": [leaside], "1-00498001": [], "1-00513377": []}
    first = outages["1-00512345"]
    assert first.kind == OutageKind.TRANSMISSION and first.reporter_org_id == IESO_ORG_ID
    assert first.start_at == datetime(2026, 6, 1, 11, 0, tzinfo=UTC)  # 06:00 EST
    assert first.estimated_restoration_at == datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    assert first.equipment_name == "LEASIDE TS T3; LEASIDE TS T3 LV BREAKER"
    assert outages["1-00513377"].estimated_restoration_at is None  # blank PlannedEnd
    with database.transaction() as session:
        assert upsert_tx_outages(session, today, IESO_ORG_ID, now=outages_now(), warnings=[]) == 0
    with database.session() as session:
        assert {o.external_id: o.version for o in session.scalars(select(Outage))} == versions


def test_tx_outage_state_follows_status_and_time(database: Database) -> None:
    [leaside, *_] = report("PUB_TxOutagesTodayAll_20260601.xml").outages
    with database.transaction() as session:
        upsert_tx_outages(session, [leaside], IESO_ORG_ID, now=outages_now(), warnings=[])
    after_end = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)
    with database.transaction() as session:
        assert upsert_tx_outages(session, [leaside], IESO_ORG_ID, now=after_end, warnings=[]) == 1
    with database.session() as session:
        row = session.scalar(select(Outage))
        assert (row.state, row.restored_at) == (OutageState.RESTORED, leaside.planned_end_utc)
    cancelled = dataclasses.replace(leaside, status="CANCELLED")
    with database.transaction() as session:
        assert upsert_tx_outages(session, [cancelled], IESO_ORG_ID, now=outages_now(), warnings=[]) == 1
    with database.session() as session:
        row = session.scalar(select(Outage))
        assert (row.state, row.restored_at, row.version) == (OutageState.CANCELLED, None, 3)
    assert count(database, Outage) == 1


def test_a_completed_outage_keeps_its_restoration_time(database: Database) -> None:
    [_, _, open_ended] = report("PUB_TxOutagesTodayAll_20260601.xml").outages  # no PlannedEnd
    completed = dataclasses.replace(open_ended, status="COMPLETED")
    first, later = datetime(2026, 6, 2, 1, 0, tzinfo=UTC), datetime(2026, 6, 2, 2, 0, tzinfo=UTC)
    with database.transaction() as session:
        assert upsert_tx_outages(session, [completed], IESO_ORG_ID, now=first, warnings=[]) == 1
    with database.transaction() as session:
        assert upsert_tx_outages(session, [completed], IESO_ORG_ID, now=later, warnings=[]) == 0
    with database.session() as session:
        assert session.scalar(select(Outage.restored_at)) == first


def test_station_match_is_by_name_or_code_case_insensitive(database: Database) -> None:
    [leaside, *_] = report("PUB_TxOutagesTodayAll_20260601.xml").outages
    equipment = [leaside.equipment[0]._replace(name="esplanade ts t2"), leaside.equipment[0]._replace(name="FIN-TS")]
    with database.transaction() as session:
        upsert_tx_outages(session, [dataclasses.replace(leaside, equipment=equipment)], IESO_ORG_ID, warnings=[])
    with database.session() as session:
        names = set(session.scalars(select(Station.name).join(OutageElement,
                                                              OutageElement.station_id == Station.id)))
    assert names == {"Esplanade TS", "Finch TS"}


# --- dispatch instructions ---------------------------------------------------------------------------


def dispatches(resource_codes: list[str]):  # type: ignore[no-untyped-def]
    """The SPEC-155 fixture with its resources renamed to demo resource codes."""
    data = json.loads((IESO / "dispatch_instructions.json").read_text())
    for item, code in zip(data["DispatchInstructions"], resource_codes, strict=True):
        item["RESOURCE_ID"] = code
    return parse_report("dispatch_20260601135207.json", json.dumps(data).encode()).dispatches


def demo_resources(db: Database, n: int) -> list[tuple[int, str]]:
    with db.session() as session:
        return [tuple(r) for r in session.execute(select(Resource.id, Resource.resource_code)
                                                  .order_by(Resource.id).limit(n))]


def test_dispatches_upserted_by_message_id(database: Database) -> None:
    resources = demo_resources(database, 3)
    records = dispatches([code for _, code in resources])
    found: list[str] = []
    with database.transaction() as session:
        assert upsert_dispatches(session, records, IESO_ORG_ID, warnings=found) == 2
    assert found == ["dispatch DNS-20260601-000103: no AMOUNT; a new instruction needs one, skipped"]
    with database.session() as session:
        rows = {d.message_id: d for d in session.scalars(select(DispatchInstruction))}
    first, second = rows["DNS-20260601-000101"], rows["DNS-20260601-000102"]
    assert (first.issuer, first.issuer_org_id, first.target_kind) == (Issuer.IESO, IESO_ORG_ID, TargetKind.RESOURCE)
    assert (first.resource_id, first.amount_kw, first.state) == (resources[0][0], 12_500.0, DispatchState.NEW)
    assert first.start_at == datetime(2026, 6, 1, 19, 0, tzinfo=UTC)  # HE15 interval 1, EST
    assert first.end_at == first.start_at + timedelta(minutes=5)
    assert first.ack_deadline == datetime(2026, 6, 1, 18, 57, 7, tzinfo=UTC)
    assert (first.dispatch_type, first.limit_type, first.delivery_hour) == ("ENG", "FIX", 15)
    assert first.raw["participant_name"] == "GRIDFLEX AGGREGATION INC"
    assert (second.state, second.amount_kw) == (DispatchState.ACCEPTED, 4_000.0)
    assert (second.start_at, second.end_at) == (datetime(2026, 6, 1, 19, 10, tzinfo=UTC),
                                                datetime(2026, 6, 1, 19, 40, tzinfo=UTC))
    with database.transaction() as session:
        assert upsert_dispatches(session, records, IESO_ORG_ID, warnings=[]) == 0
    assert count(database, DispatchInstruction) == 2


def test_dispatch_state_moves_forward_only(database: Database) -> None:
    [(_, code)] = demo_resources(database, 1)
    [record] = dispatches([code, "X", "Y"])[:1]
    with database.transaction() as session:
        upsert_dispatches(session, [dataclasses.replace(record, state="Accepted")], IESO_ORG_ID, warnings=[])
    with database.transaction() as session:
        upsert_dispatches(session, [record], IESO_ORG_ID, warnings=[])  # "New" again: raw updated, state not
    with database.session() as session:
        assert session.scalar(select(DispatchInstruction.state)) == DispatchState.ACCEPTED
    timed_out = dataclasses.replace(record, state="Timed Out", amount=None)
    with database.transaction() as session:
        assert upsert_dispatches(session, [timed_out], IESO_ORG_ID, warnings=[]) == 1  # keeps its amount
    with database.session() as session:
        row = session.scalar(select(DispatchInstruction))
        assert (row.state, row.amount_kw) == (DispatchState.TIMED_OUT, 12_500.0)


def test_dispatch_unknown_resource_is_a_warning(database: Database) -> None:
    found: list[str] = []
    with database.transaction() as session:
        assert upsert_dispatches(session, report("dispatch_instructions.json").dispatches, IESO_ORG_ID,
                                 warnings=found) == 0
    assert found == [f"dispatch DNS-20260601-00010{i}: unknown resource 'GFX-DER-{z}'; skipped"
                     for i, z in ((1, "TOR-01"), (2, "TOR-02"), (3, "OTT-07"))]


# --- GIS grid updates --------------------------------------------------------------------------------


def test_grid_updates_change_existing_elements_and_audit(database: Database) -> None:
    found: list[str] = []
    with database.transaction() as session:
        assert apply_grid_updates(session, feed("gis_LSH_20260601.geojson").grid_updates, warnings=found) == 3
    assert found == ["GIS: unknown feeder ESP-TS-M99; register it first"]
    with database.session() as session:
        station = session.scalar(select(Station).where(Station.code == "ESP-DS1"))
        m1 = session.scalar(select(Feeder).where(Feeder.code == "ESP-TS-M1"))
        m2 = session.scalar(select(Feeder).where(Feeder.code == "ESP-TS-M2"))
        audits = session.execute(select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.after)
                                 .where(AuditEntry.action == "gis_update")).all()
    assert station.rated_mw == 60.0
    assert (m1.rated_mw, m1.hosting_capacity_kw, len(m1.geometry)) == (14.0, 9000.0, 3)
    assert (m2.hosting_capacity_kw, m2.rated_mw) == (3300.0, 12.6)  # a null rating leaves the old one
    assert {(a.entity, a.entity_id) for a in audits} == {("station", "ESP-DS1"), ("feeder", "ESP-TS-M1"),
                                                         ("feeder", "ESP-TS-M2")}
    with database.transaction() as session:
        assert apply_grid_updates(session, feed("gis_LSH_20260601.geojson").grid_updates, warnings=[]) == 0


def test_grid_updates_never_move_elements(database: Database) -> None:
    moved = [GridElementUpdate("station", "ESP-DS1", None, {"zone": "Ottawa", "kind": "DS"}),
             GridElementUpdate("feeder", "ESP-TS-M1", None, {"station_code": "LEA-TS"})]
    found: list[str] = []
    with database.transaction() as session:
        assert apply_grid_updates(session, moved, warnings=found) == 0
    assert len(found) == 2 and all("not changed by a feed" in w for w in found)
    with database.session() as session:
        assert session.scalar(select(Station.zone).where(Station.code == "ESP-DS1")) == "Toronto"
