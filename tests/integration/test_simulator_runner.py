"""backfill and step on the demo grid: progress kept in the drop folder, catch-up, the lock, retention, and the
same files whether an hour is written step by step or at once."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock

from data.db import Database
from data.domain.market_time import interval_start_utc, trade_date_of
from data.pollers.simulator import SimulatorConfig, backfill, simulate, step
from data.pollers.simulator.files import STATE_FILE, read_state, write_state
from data.pollers.simulator.runner import LOCK_FILE

SEED = 11


def _now() -> datetime:
    """07:52:40 EST two days ago: the hour of the real RealtimeTotals sample, off the 5-minute grid."""
    day = trade_date_of(datetime.now(UTC)) - timedelta(days=2)
    return interval_start_utc(day, 8) + timedelta(minutes=52, seconds=40)


def _files(folder: Path, source: str) -> list[str]:
    return sorted(p.name for p in (folder / source).iterdir()) if (folder / source).is_dir() else []


def test_backfill_then_steps_carry_on_where_they_stopped(database: Database, tmp_path: Path):
    now = _now()
    last_complete = now.replace(minute=50, second=0)
    summary = backfill(database, tmp_path, hours=2, now=now, seed=SEED)
    assert summary.intervals == 24 and summary.end_utc == last_complete
    state = read_state(tmp_path)
    assert state["last_end_utc"] == last_complete.isoformat() and state["seed"] == SEED
    assert len(_files(tmp_path, "ldc_adms")) == 24 * len({n.split("_")[1] for n in _files(tmp_path, "ldc_adms")})
    assert _files(tmp_path, "ieso_da_prices")  # today's day-ahead prices, published yesterday
    assert _files(tmp_path, "ldc_gis")

    again = step(database, tmp_path, now=now + timedelta(seconds=30), seed=SEED)
    assert again.skipped == "up to date" and again.files == 0
    one = step(database, tmp_path, now=now + timedelta(minutes=3), seed=SEED)
    assert one.intervals == 1 and one.start_utc == last_complete
    three = step(database, tmp_path, now=now + timedelta(minutes=18), seed=SEED)
    assert three.intervals == 3
    assert read_state(tmp_path)["last_end_utc"] == (last_complete + timedelta(minutes=20)).isoformat()
    gis = _files(tmp_path, "ldc_gis")
    assert len(gis) == len({n.split("_")[1] for n in gis})  # written once per LDC, not on every step


def test_a_first_step_writes_the_last_interval_and_what_a_fresh_folder_needs(database: Database, tmp_path: Path):
    summary = step(database, tmp_path, now=_now(), seed=SEED)
    assert summary.intervals == 1
    for source in ("ieso_demand", "ieso_vg_forecast", "ieso_da_prices", "ieso_realtime_zonal", "ldc_gis"):
        assert _files(tmp_path, source), source


def test_a_long_pause_is_caught_up_within_the_limit(database: Database, tmp_path: Path):
    now = _now()
    write_state(tmp_path, {"last_end_utc": (now - timedelta(days=3)).isoformat()})
    config = SimulatorConfig(max_catch_up=timedelta(minutes=15))
    summary = step(database, tmp_path, now=now, seed=SEED, config=config)
    assert summary.intervals == 3


def test_a_second_run_on_the_same_folder_skips(database: Database, tmp_path: Path):
    with FileLock(str(tmp_path / LOCK_FILE)):
        assert "lock" in (step(database, tmp_path, now=_now(), seed=SEED).skipped or "")
        assert "lock" in (backfill(database, tmp_path, hours=1, now=_now(), seed=SEED).skipped or "")
    assert not (tmp_path / STATE_FILE).exists()


def test_old_files_are_deleted_after_the_retention(database: Database, tmp_path: Path):
    now = _now()
    old = tmp_path / "ldc_adms" / "adms_OLD_202001010000.csv"
    old.parent.mkdir(parents=True)
    old.write_text("interval_start_utc,element_type,element_code,load_mw,der_output_mw\n")
    stamp = (now - timedelta(days=3)).timestamp()
    os.utime(old, (stamp, stamp))
    summary = step(database, tmp_path, now=now, seed=SEED)
    assert summary.deleted == 1 and not old.exists()
    assert _files(tmp_path, "ldc_adms")


def test_steps_and_one_run_write_the_same_files(database: Database, tmp_path: Path):
    now = _now()
    start = now.replace(minute=0, second=0) - timedelta(minutes=10)  # 06:50 EST: crosses an hour
    end = now.replace(minute=50, second=0)
    config = SimulatorConfig(retention=None)
    simulate(database, tmp_path / "once", start, end, seed=SEED, config=config)
    write_state(tmp_path / "steps", {"last_end_utc": start.isoformat()})
    moment = start
    while moment < end:
        moment += timedelta(minutes=5)
        step(database, tmp_path / "steps", now=moment + timedelta(seconds=20), seed=SEED, config=config)
    for source in ("ldc_adms", "aggregator_telemetry", "ldc_mdm", "ieso_realtime_totals", "ieso_realtime_prices",
                   "ieso_realtime_zonal", "ieso_demand"):
        names = _files(tmp_path / "once", source)
        assert names and names == _files(tmp_path / "steps", source), source
        for name in names:
            once = (tmp_path / "once" / source / name).read_bytes()
            assert once == (tmp_path / "steps" / source / name).read_bytes(), name
