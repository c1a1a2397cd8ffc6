"""The poller runner on SQLite and PostgreSQL: folder and URL sources, broken and half-written files,
skipping what was already read, "alive" rows; plus sources and back-off arithmetic (pure)."""
from __future__ import annotations

import dataclasses
import functools
import http.server
import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config.settings import load_settings
from data.db import Database
from data.domain.enums import FeedKind, RunStatus
from data.models import Outage, PollerRun, Reading
from data.pollers.runner import MAX_BACKOFF_S, next_delay, run_source
from data.pollers.sources import Source, build_sources, fetch_url

IESO = Path(__file__).resolve().parents[1] / "fixtures" / "ieso"
LDC = Path(__file__).resolve().parents[1] / "fixtures" / "ldc"
TOTALS = "PUB_RealtimeTotals_2026092808_v12.xml"
T0 = datetime(2026, 9, 28, 13, 0, tzinfo=UTC)


def sources(folder: Path, **env: str) -> dict[str, Source]:
    settings = load_settings(env=env, instance_dir=folder, feed_dir=folder / "feeds", secret_key="test")
    return {s.name: s for s in build_sources(settings)}


@pytest.fixture
def feeds(tmp_path: Path) -> dict[str, Source]:
    return sources(tmp_path)


def put(source: Source, name: str, content: bytes, mtime: int = 1_780_000_000) -> Path:
    """Write a feed file with a chosen modification time (rewrites must look new even within one clock tick)."""
    source.folder.mkdir(parents=True, exist_ok=True)
    path = source.folder / name
    path.write_bytes(content)
    os.utime(path, ns=(mtime * 10**9, mtime * 10**9))
    return path


def runs(db: Database, source: str) -> list[PollerRun]:
    with db.session() as session:
        return list(session.scalars(select(PollerRun).where(PollerRun.source == source).order_by(PollerRun.id)))


def readings(db: Database) -> list[tuple]:
    with db.session() as session:
        return [tuple(r) for r in session.execute(
            select(Reading.series_id, Reading.ts, Reading.value).order_by(Reading.series_id, Reading.ts))]


# --- folder sources ----------------------------------------------------------------------------------


def test_good_file_then_truncated_copy(database: Database, feeds: dict[str, Source],
                                       caplog: pytest.LogCaptureFixture) -> None:
    source = feeds["ieso_realtime_totals"]
    good = (IESO / TOTALS).read_bytes()
    put(source, TOTALS, good)
    first = run_source(database, source, now=T0)
    assert (first.status, first.rows, first.errors) == (RunStatus.OK, 96, [])
    kept = readings(database)
    assert len(kept) == 96

    # The next version arrives half-written, with changed values before the cut: none of them may land.
    restated = good.replace(b"<EnergyMW>", b"<EnergyMW>1", 20)
    put(source, "PUB_RealtimeTotals_2026092808_v13.xml", restated[: len(restated) * 2 // 3], mtime=1_780_000_300)
    with caplog.at_level(logging.ERROR, logger="td_platform.pollers"):
        second = run_source(database, source, now=T0 + timedelta(minutes=1))
    assert second.status == RunStatus.ERROR and second.rows == 0
    [error] = second.errors
    assert error.startswith("PUB_RealtimeTotals_2026092808_v13.xml: PUB_RealtimeTotals_2026092808_v13.xml")
    assert "truncated XML" in error
    assert any("v13.xml refused" in r.getMessage() for r in caplog.records)
    assert readings(database) == kept  # the good file's data is intact

    ok, failed = runs(database, source.name)
    assert (ok.status, ok.rows, ok.error) == (RunStatus.OK, 96, None)
    assert ok.file_name.startswith(f"{TOTALS}|{len(good)}|")
    assert ok.source_timestamp is not None and ok.started_at == T0 and ok.ended_at == T0
    assert (failed.status, failed.rows) == (RunStatus.ERROR, 0)
    assert failed.error == error.split(": ", 1)[1]  # the parser's message, naming file, line and column


def test_unchanged_files_are_skipped_and_alive_is_recorded_once_per_cadence(
    database: Database, feeds: dict[str, Source]
) -> None:
    source = feeds["ieso_realtime_totals"]  # cadence 300 s
    put(source, TOTALS, (IESO / TOTALS).read_bytes())
    assert run_source(database, source, now=T0).status == RunStatus.OK
    for seconds in (60, 299):  # the ok run is recent: nothing to record
        assert run_source(database, source, now=T0 + timedelta(seconds=seconds)).status == RunStatus.SKIPPED
    assert [r.status for r in runs(database, source.name)] == [RunStatus.OK]
    for seconds in (301, 400, 602):
        run_source(database, source, now=T0 + timedelta(seconds=seconds))
    alive = [r for r in runs(database, source.name) if r.status == RunStatus.SKIPPED]
    assert [r.started_at for r in alive] == [T0 + timedelta(seconds=301), T0 + timedelta(seconds=602)]
    assert all(r.file_name is None and r.rows == 0 for r in alive)
    assert len(readings(database)) == 96


def test_a_rewritten_file_is_read_again_and_its_restated_values_win(database: Database,
                                                                     feeds: dict[str, Source]) -> None:
    source = feeds["ieso_demand"]
    original = (IESO / "PUB_Demand_2024.csv").read_bytes()
    put(source, "PUB_Demand.csv", original)
    assert run_source(database, source, now=T0).rows == 8784 * 2
    restated = original.replace(b"2024-12-31,24,17247,", b"2024-12-31,24,17250,")  # one Market Demand restated
    assert restated != original
    put(source, "PUB_Demand.csv", restated, mtime=1_780_086_400)
    result = run_source(database, source, now=T0 + timedelta(days=1))
    assert (result.status, result.rows) == (RunStatus.OK, 1)
    assert len(readings(database)) == 8784 * 2


def test_a_half_written_file_is_retried_once_complete(database: Database, feeds: dict[str, Source]) -> None:
    source = feeds["ldc_adms"]
    name = "adms_LSH_202606011410.csv"
    complete = (LDC / name).read_bytes()
    put(source, name, complete[:300])  # cut mid-number: every field present, no final line break
    assert run_source(database, source, now=T0).status == RunStatus.ERROR
    assert readings(database) == []
    put(source, name, complete, mtime=1_780_000_010)
    result = run_source(database, source, now=T0 + timedelta(seconds=30))
    assert (result.status, result.rows) == (RunStatus.OK, 16)
    assert any("LSH-F-UNKNOWN-9" in w for w in result.warnings)
    assert [r.status for r in runs(database, source.name)] == [RunStatus.ERROR, RunStatus.OK]


def test_a_bad_row_refuses_the_whole_file(database: Database, feeds: dict[str, Source]) -> None:
    source = feeds["ldc_adms"]
    put(source, "adms_LSH_202606011420.csv", (LDC / "broken" / "adms_LSH_202606011420.csv").read_bytes())
    result = run_source(database, source, now=T0)
    assert result.status == RunStatus.ERROR
    assert "line 3, column 'element_type'" in result.errors[0]
    assert readings(database) == []  # not even the good first row


def test_a_misfiled_report_is_refused(database: Database, feeds: dict[str, Source]) -> None:
    source = feeds["ieso_realtime_totals"]
    put(source, "PUB_RealtimeTotals_2026052814.xml", (IESO / "PUB_DAHourlyOntarioZonalPrice_20260528.xml").read_bytes())
    result = run_source(database, source, now=T0)
    assert result.status == RunStatus.ERROR
    assert "holds a DAHourlyOntarioZonalPrice report" in result.errors[0]
    assert readings(database) == []


def test_every_kind_of_feed_runs(database: Database, feeds: dict[str, Source]) -> None:
    files = {
        "ieso_tx_outages": (IESO / "PUB_TxOutagesTodayAll_20260601.xml", 3),
        "ieso_dispatch": (IESO / "dispatch_instructions_soap.xml", 0),  # unknown resources: warnings only
        "ldc_mdm": (LDC / "mdm_LSH_202606020600.csv", 6),
        "aggregator_telemetry": (LDC / "telemetry_GRIDPULSE_202606011415.json", 5),
        "ldc_gis": (LDC / "gis_LSH_20260602.zip", 3),
    }
    for name, (path, rows) in files.items():
        target = "dispatch_20260601164155.xml" if name == "ieso_dispatch" else path.name
        put(feeds[name], target, path.read_bytes())
        result = run_source(database, feeds[name], now=T0)
        assert (name, result.status, result.rows) == (name, RunStatus.OK, rows), result.errors
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Outage)) == 3


def test_outages_without_an_ieso_organisation_are_an_error(empty_database: Database,
                                                           feeds: dict[str, Source]) -> None:
    source = feeds["ieso_tx_outages"]
    put(source, "PUB_TxOutagesTodayAll_20260601.xml", (IESO / "PUB_TxOutagesTodayAll_20260601.xml").read_bytes())
    result = run_source(empty_database, source, now=T0)
    assert result.status == RunStatus.ERROR
    assert "no IESO organisation" in result.errors[0]
    assert [r.status for r in runs(empty_database, source.name)] == [RunStatus.ERROR]


# --- URL sources -------------------------------------------------------------------------------------


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server over a folder: (folder, base URL)."""
    folder = tmp_path / "www"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_source_404_is_not_yet_then_the_file_is_mirrored_and_read(
    database: Database, tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    www, base = http_folder
    source = sources(tmp_path, FEED_URL_IESO_REALTIME_TOTALS=f"{base}/{TOTALS}")["ieso_realtime_totals"]
    assert source.url == f"{base}/{TOTALS}"
    assert run_source(database, source, now=T0).status == RunStatus.SKIPPED  # 404: not published yet
    assert [r.status for r in runs(database, source.name)] == [RunStatus.SKIPPED]
    shutil.copy(IESO / TOTALS, www / TOTALS)
    result = run_source(database, source, now=T0 + timedelta(minutes=10))
    assert (result.status, result.rows) == (RunStatus.OK, 96)
    assert (source.folder / TOTALS).read_bytes() == (IESO / TOTALS).read_bytes()
    assert fetch_url(source) is None  # same content: not rewritten, so not read again
    assert run_source(database, source, now=T0 + timedelta(minutes=11)).status == RunStatus.SKIPPED


def test_url_source_unreachable_is_an_error_run(database: Database, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = dataclasses.replace(sources(tmp_path)["ieso_demand"], url=f"http://127.0.0.1:{port}/PUB_Demand.csv",
                                 timeout_s=2)
    result = run_source(database, source, now=T0)
    assert result.status == RunStatus.ERROR
    [run] = runs(database, source.name)
    assert (run.status, run.file_name) == (RunStatus.ERROR, None)
    assert f"127.0.0.1:{port}" in run.error


# --- pure: sources and back-off ----------------------------------------------------------------------


def test_build_sources_one_per_feed(tmp_path: Path) -> None:
    built = sources(tmp_path, FEED_URL_LDC_GIS="https://gis.example/gis_LSH_20260601.geojson")
    assert list(built) == [
        "ieso_demand", "ieso_realtime_zonal", "ieso_realtime_totals", "ieso_vg_forecast", "ieso_tx_outages",
        "ieso_realtime_prices", "ieso_da_prices", "ieso_dispatch", "ldc_adms", "ldc_mdm", "aggregator_telemetry",
        "ldc_gis",
    ]
    assert {s.folder for s in built.values()} == {tmp_path / "feeds" / name for name in built}
    cadences = {name: s.cadence_s for name, s in built.items()}
    assert cadences["ieso_realtime_totals"] == 300 and cadences["ieso_vg_forecast"] == 3600
    assert cadences["ieso_demand"] == 86400
    assert built["ldc_gis"].url == "https://gis.example/gis_LSH_20260601.geojson"
    assert built["ldc_adms"].url is None and built["ldc_adms"].kind == FeedKind.ADMS


def test_default_feed_dir_follows_the_instance_dir(tmp_path: Path) -> None:
    assert load_settings(env={}, instance_dir=tmp_path, secret_key="x").feed_dir == tmp_path / "feeds"
    assert load_settings(env={"FEED_DIR": str(tmp_path / "x")}, secret_key="x").feed_dir == tmp_path / "x"


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("ieso_demand", "PUB_Demand.csv", True),
        ("ieso_demand", "PUB_Demand_2024.csv", True),
        ("ieso_demand", "PUB_DemandZonal_2026.csv", False),
        ("ieso_realtime_totals", "pub_realtimetotals_2026092808.XML", True),
        ("ieso_dispatch", "dispatch_20260601135207.json", True),
        ("ldc_gis", "gis_LSH_20260602.zip", True),
        ("ldc_adms", ".adms_LSH_202606011410.csv.part", False),
        ("ldc_adms", "mdm_LSH_202606020600.csv", False),
    ],
)
def test_source_file_patterns(tmp_path: Path, source: str, name: str, expected: bool) -> None:
    assert sources(tmp_path)[source].matches(name) is expected


def test_next_delay_doubles_per_failure_and_is_capped() -> None:
    assert [next_delay(n, 30) for n in range(7)] == [30, 60, 120, 240, 480, 900, 900]
    assert next_delay(0, 30) == 30 and next_delay(-1, 30) == 30
    assert next_delay(10_000, 30) == MAX_BACKOFF_S  # no overflow however long the outage
    assert next_delay(3, 1800) == 1800  # a feed slower than the cap is never polled more often for failing
    assert next_delay(2, 10, cap_s=25) == 25
