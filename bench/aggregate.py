"""Connection-point aggregation on PostgreSQL: the SQL GROUP BY against a pandas baseline, in the same run.

    python bench/aggregate.py [--ders 100000] [--intervals 288]

Builds a fresh PostgreSQL database (created and dropped here): the demo grid with `--ders` DERs, a DER_OUTPUT
telemetry series for every DER, and one EST trade day of 5-minute readings (`--intervals` x DERs rows; the default
288 x 100,000 = 28.8 million) loaded with binary COPY. No ADMS series exist, so the DER output of every connection
point comes from the telemetry of all its DERs (the recursive supply-tree walk goes down to every feeder).

The bench database gets `work_mem` (default 256MB, `--work-mem`): with the server default of 4MB the hourly
GROUP BY sorts on disk instead of hashing in memory. Timed, each twice (the first run reads the table from disk,
the second from the cache):
- ours: `der_output_by_hour` for every connection point and hour of the day (hourly mean per series, summed per
  CP and hour, all in one SQL statement), and `connection_points` (the page's table: capacity, current output
  from the newest readings, limits);
- the baseline: read the day's rows into pandas (COPY ... TO STDOUT as CSV, timestamps as epoch seconds, the
  series -> CP map alongside) and do the same two group-bys in pandas.
Both answers are compared (largest difference in MW) before the ratio is printed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.ingest import AS_OF  # noqa: E402
from bench.ingest import fresh_database as demo_database  # noqa: E402
from data.db import Database  # noqa: E402
from data.domain.enums import SeriesKind, Technology  # noqa: E402
from data.domain.market_time import market_day_bounds_utc  # noqa: E402
from data.models import Der, User  # noqa: E402
from data.queries.connection_points import connection_points, der_output_by_hour  # noqa: E402
from data.services.accounts import principal_for  # noqa: E402

DAY = AS_OF - timedelta(days=1)  # the EST trade day of readings
SOURCE = "bench_telemetry"


@contextlib.contextmanager
def fresh_database(ders: int, work_mem: str) -> Iterator[Database]:
    """bench/ingest.py's fresh PostgreSQL database with the demo grid, and `work_mem` for its new sessions."""
    with demo_database(ders) as db:
        with db.engine.begin() as conn:
            name = conn.exec_driver_sql("SELECT current_database()").scalar()
            conn.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET work_mem = '{work_mem}'")
        db.engine.dispose()  # the next connections start with the new setting
        yield db


def _shape(technology: np.ndarray, hour: float) -> np.ndarray:
    """A plausible output fraction per DER at one hour (EST): PV by the sun, EVs charging in the evening."""
    sun = max(0.0, math.sin(math.pi * (hour - 6.5) / 11.0))
    frac = np.full(technology.shape, 0.35)
    frac[technology == Technology.SOLAR_PV.value] = 0.8 * sun
    frac[technology == Technology.EV_CHARGER.value] = -0.6 if 17 <= hour < 22 else -0.05
    frac[technology == Technology.BATTERY.value] = 0.5 if 16 <= hour < 20 else -0.2 if 10 <= hour < 14 else 0.0
    return frac


def load_readings(db: Database, intervals: int) -> tuple[int, float, float]:
    """One DER_OUTPUT series per DER and `intervals` 5-minute readings each: (rows, COPY s, index s)."""
    start, _ = market_day_bounds_utc(DAY)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO series (kind, der_id, quantity, unit, resolution_s, source) "
            f"SELECT '{SeriesKind.DER_OUTPUT.value}', id, 'output_kw', 'kW', 300, '{SOURCE}' FROM der ORDER BY id")
        rows = conn.exec_driver_sql(
            "SELECT s.id, d.capacity_kw, d.technology FROM series s JOIN der d ON d.id = s.der_id ORDER BY s.id"
        ).all()
    ids = [r[0] for r in rows]
    capacity = np.array([r[1] for r in rows])
    technology = np.array([r[2] for r in rows])
    noise = np.random.default_rng(20261130)
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        with dbapi.cursor() as cur:
            cur.execute("ALTER TABLE reading DROP CONSTRAINT pk_reading")
            cur.execute("DROP INDEX IF EXISTS ix_reading_ts")
        dbapi.commit()
        t0 = time.perf_counter()
        with dbapi.cursor() as cur, cur.copy("COPY reading (series_id, ts, value) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "timestamptz", "float8"])
            for i in range(intervals):
                ts = start + timedelta(minutes=5 * i)
                values = capacity * _shape(technology, i / 12) * (1 + 0.05 * noise.standard_normal(len(ids)))
                for sid, value in zip(ids, values.round(3).tolist(), strict=True):
                    copy.write_row((sid, ts, value))
        dbapi.commit()
        copied = time.perf_counter() - t0
        t0 = time.perf_counter()
        with dbapi.cursor() as cur:
            cur.execute("ALTER TABLE reading ADD CONSTRAINT pk_reading PRIMARY KEY (series_id, ts)")
            cur.execute("CREATE INDEX ix_reading_ts ON reading (ts)")
            cur.execute("ANALYZE")
        dbapi.commit()
        indexed = time.perf_counter() - t0
    finally:
        raw.close()
    return len(ids) * intervals, copied, indexed


def sql_hourly(db: Database, principal: Any, start: datetime, end: datetime) -> dict[tuple[int, int], float]:
    with db.session() as s:
        result = der_output_by_hour(s, principal, start, end, now=end)
    return {(cp, int(h.timestamp()) // 3600): mw for cp, hours in result.items() for h, mw in hours.items()}


def pandas_hourly(db: Database, start: datetime, end: datetime) -> tuple[dict[tuple[int, int], float], float]:
    """Read the day's rows and the series -> CP map into pandas, then group there. Returns (answer, read s)."""
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        frames = []
        for sql in (
            "COPY (SELECT series_id, extract(epoch FROM ts)::bigint, value FROM reading "
            f"WHERE ts >= '{start.isoformat()}' AND ts < '{end.isoformat()}' AND value IS NOT NULL) "
            "TO STDOUT (FORMAT CSV)",
            "COPY (SELECT s.id, st.connection_point_id FROM series s JOIN der d ON d.id = s.der_id "
            f"JOIN station st ON st.id = d.station_id WHERE s.kind = '{SeriesKind.DER_OUTPUT.value}') "
            "TO STDOUT (FORMAT CSV)",
        ):
            buf = io.BytesIO()
            with dbapi.cursor() as cur, cur.copy(sql) as copy:
                for block in copy:
                    buf.write(block)
            buf.seek(0)
            frames.append(buf)
        readings = pd.read_csv(frames[0], names=["series_id", "epoch", "value"],
                               dtype={"series_id": "int64", "epoch": "int64", "value": "float64"})
        cps = pd.read_csv(frames[1], names=["series_id", "cp"], dtype={"series_id": "int64", "cp": "int64"})
    finally:
        raw.close()
    read = time.perf_counter() - t0
    readings["hour"] = readings["epoch"] // 3600
    per_series = readings.groupby(["series_id", "hour"], sort=False)["value"].mean().reset_index()
    per_cp = per_series.merge(cps, on="series_id").groupby(["cp", "hour"], sort=False)["value"].sum() / 1000.0
    return {(int(cp), int(h)): float(v) for (cp, h), v in per_cp.items()}, read


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ders", type=int, default=100_000)
    parser.add_argument("--intervals", type=int, default=288, help="5-minute intervals of the day (max 288)")
    parser.add_argument("--work-mem", default="256MB", help="PostgreSQL work_mem of the bench database "
                        "(the server default, 4MB, makes the hourly GROUP BY spill to disk)")
    args = parser.parse_args(argv)
    intervals = max(1, min(288, args.intervals))
    subset = "" if intervals == 288 else f" (SUBSET: {intervals} of the day's 288 intervals)"
    print(f"PostgreSQL, {args.ders:,} DERs x {intervals} five-minute intervals of trade day {DAY} (EST){subset}; "
          f"work_mem {args.work_mem}")
    sys.stdout.flush()
    with fresh_database(args.ders, args.work_mem) as db:
        start, end = market_day_bounds_utc(DAY)
        end = min(end, start + timedelta(minutes=5 * intervals))
        n, copied, indexed = load_readings(db, intervals)
        with db.session() as s:
            principal = principal_for(s, s.scalar(select(User).where(User.username == "ieso")))
            ders = s.scalar(select(func.count(Der.id)))
            size = s.scalar(select(func.pg_size_pretty(func.pg_total_relation_size("reading"))))
            work_mem = s.scalar(select(func.current_setting("work_mem")))
        print(f"loaded {n:,} readings for {ders:,} DERs by binary COPY in {copied:.1f} s ({n / copied:,.0f}/s); "
              f"primary key + ts index + ANALYZE {indexed:.1f} s; reading table {size}; sessions' work_mem {work_mem}")
        sql_runs, pandas_runs, table_runs = [], [], []
        for _ in range(2):
            ours, seconds = timed(lambda: sql_hourly(db, principal, start, end))
            sql_runs.append(seconds)
            (theirs, read), seconds = timed(lambda: pandas_hourly(db, start, end))
            pandas_runs.append((seconds, read))
            table, seconds = timed(lambda: _table(db, principal, end))
            table_runs.append(seconds)
        diff = max(abs(ours[k] - theirs.get(k, float("nan"))) for k in ours)
        assert ours.keys() == theirs.keys() and diff < 1e-6, (len(ours), len(theirs), diff)
        cps = len({cp for cp, _ in ours})
        sql_s, (pandas_s, read_s) = min(sql_runs), min(pandas_runs)
        print(f"connection points {cps}, CP-hours {len(ours):,}; answers agree (largest difference {diff:.1e} MW)")
        print(f"{'what':<66}{'run 1 s':>9}{'run 2 s':>9}")
        print(f"{'ours: SQL GROUP BY, every CP x hour of the day (der_output_by_hour)':<66}"
              f"{sql_runs[0]:>9.2f}{sql_runs[1]:>9.2f}")
        print(f"{'baseline: rows into pandas + pandas groupby':<66}"
              f"{pandas_runs[0][0]:>9.2f}{pandas_runs[1][0]:>9.2f}")
        print(f"{'  of which reading the rows (COPY TO STDOUT + read_csv)':<66}"
              f"{pandas_runs[0][1]:>9.2f}{pandas_runs[1][1]:>9.2f}")
        print(f"{'the page table: connection_points() for every CP (newest readings)':<66}"
              f"{table_runs[0]:>9.2f}{table_runs[1]:>9.2f}")
        print(f"ratio pandas baseline / SQL GROUP BY (best runs): {pandas_s / sql_s:.1f}x "
              f"(pandas groupby alone, without reading the rows: {pandas_s - read_s:.2f} s)")
    return 0


def _table(db: Database, principal: Any, now: datetime) -> int:
    with db.session() as s:
        rows = connection_points(s, principal, now)
    assert rows and all(r.der_output_mw is not None for r in rows if r.der_count)
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
