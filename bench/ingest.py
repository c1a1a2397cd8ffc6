"""How fast feed readings go into PostgreSQL: the bulk upsert against a row-by-row ORM baseline.

    python bench/ingest.py [--readings 100000] [--ders 1000] [--pg-server URL]

One "aggregator telemetry" batch of N readings (DERs x 5-minute intervals) is written four ways, each into
its own fresh PostgreSQL database (created and dropped here, with the demo grid loaded untimed):
- `upsert_measurements`, COPY path: code lookup, series find-or-create, COPY into a temp table, one
  INSERT ... SELECT ... ON CONFLICT; then the same batch again (nothing changes) and restated (all change);
- `upsert_measurements`, batched INSERT ... ON CONFLICT path (COPY disabled), for comparison;
- the baseline: `session.merge(Reading(...))` per row, one commit at the end (series created untimed).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from sqlalchemy import func, select  # noqa: E402

from data.db import Database  # noqa: E402
from data.demo.generator import load_demo  # noqa: E402
from data.domain.enums import SeriesKind  # noqa: E402
from data.models import Der, Reading, Series  # noqa: E402
from data.pollers.parsers.ldc_records import Measurement  # noqa: E402
from data.services import ingest  # noqa: E402
from tests.support import pg_create, pg_drop, unique_name  # noqa: E402

AS_OF = date(2026, 11, 30)
START = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
SOURCE = "aggregator_telemetry"


@contextlib.contextmanager
def fresh_database(ders: int) -> Iterator[Database]:
    name = unique_name("ingest_bench")
    db = Database.connect(pg_create(name))
    try:
        with tempfile.TemporaryDirectory() as lock_dir:
            db.migrate(Path(lock_dir))
        load_demo(db, ders=ders, seed=20261130, password="bench", as_of=AS_OF)
        yield db
    finally:
        db.engine.dispose()
        pg_drop(name)


def telemetry(db: Database, readings: int) -> list[Measurement]:
    with db.session() as session:
        platform_ids = list(session.scalars(select(Der.platform_id).where(Der.platform_id.is_not(None))
                                            .order_by(Der.platform_id)))
    intervals = -(-readings // len(platform_ids))
    batch = [
        Measurement("der", pid, "output_kw", START + timedelta(minutes=5 * i), 300, round((n * 7 + i) % 97 / 9, 3),
                    "kW")
        for i in range(intervals) for n, pid in enumerate(platform_ids)
    ]
    return batch[:readings]


def timed_upsert(db: Database, batch: list[Measurement]) -> tuple[float, int]:
    started = time.perf_counter()
    with db.transaction() as session:
        changed = ingest.upsert_measurements(session, batch, SOURCE, warnings=[])
    return time.perf_counter() - started, changed


def baseline(db: Database, batch: list[Measurement]) -> float:
    """What a first version does: one merge per reading (a SELECT each), one commit at the end."""
    with db.transaction() as session:
        ders = {pid: i for pid, i in session.execute(select(Der.platform_id, Der.id))}
        series = {pid: Series(kind=SeriesKind.DER_OUTPUT.value, der_id=ders[pid], quantity="output_kw", unit="kW",
                              resolution_s=300, source=SOURCE) for pid in {m.subject_code for m in batch}}
        session.add_all(series.values())
    received = datetime.now(UTC)
    started = time.perf_counter()
    with db.session() as session:
        for m in batch:
            session.merge(Reading(series_id=series[m.subject_code].id, ts=m.ts_utc, value=m.value,
                                  received_at=received))
        session.commit()
    return time.perf_counter() - started


def reading_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Reading)) or 0


def row(path: str, n: int, seconds: float, changed: int | None = None) -> None:
    shown = "" if changed is None else f"{changed:>10,}"
    print(f"{path:<48}{n:>9,}{seconds:>9.2f}{n / seconds:>12,.0f}{shown}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--ders", type=int, default=1000)
    args = parser.parse_args(argv)

    print(f"{'PostgreSQL path':<48}{'readings':>9}{'seconds':>9}{'readings/s':>12}{'changed':>10}")
    with fresh_database(args.ders) as db:
        batch = telemetry(db, args.readings)
        seconds, changed = timed_upsert(db, batch)
        assert changed == len(batch) == reading_count(db), (changed, len(batch))
        copy_rate = len(batch) / seconds
        row("upsert_measurements, COPY (new rows)", len(batch), seconds, changed)
        row("  same batch again (nothing changes)", len(batch), *timed_upsert(db, batch))
        restated = [dataclasses.replace(m, value=(m.value or 0) + 1) for m in batch]
        row("  restated (every value changes)", len(batch), *timed_upsert(db, restated))
    with fresh_database(args.ders) as db:
        batch = telemetry(db, args.readings)
        threshold, ingest.COPY_THRESHOLD = ingest.COPY_THRESHOLD, 10**12
        try:
            row("upsert_measurements, INSERT batches (new rows)", len(batch), *timed_upsert(db, batch))
        finally:
            ingest.COPY_THRESHOLD = threshold
    with fresh_database(args.ders) as db:
        batch = telemetry(db, args.readings)
        seconds = baseline(db, batch)
        assert reading_count(db) == len(batch)
        row("baseline: session.merge per row, one commit", len(batch), seconds)
    print(f"ratio COPY bulk upsert vs ORM merge baseline: {copy_rate / (len(batch) / seconds):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
