"""How fast the demo loads, on SQLite and PostgreSQL, against a naive ORM baseline.

    python bench/demo_load.py [--ders 100000] [--baseline-ders 10000] [--pg-server URL] [--no-postgres]

Three figures per backend: `load_demo` end to end (generation and every table, one
transaction; rows/s counted on DERs only, so conservative); then, on a sample with its
prerequisites loaded untimed, the DER table alone through the same Core bulk insert, and
through a naive ORM loop (one `Der` per row, `session.add`, a commit every 1000 rows).
Each run uses fresh databases: a temporary SQLite file, and PostgreSQL databases created and
dropped here.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from data.db import Database  # noqa: E402
from data.demo.generator import DemoRows, build_demo, bulk_insert, load_demo  # noqa: E402
from data.models import Der  # noqa: E402

AS_OF = date(2026, 11, 30)
SEED = 20261130
COMMIT_EVERY = 1000


def bulk_seconds(db: Database, ders: int) -> float:
    started = time.perf_counter()
    load_demo(db, ders=ders, seed=SEED, password="bench", as_of=AS_OF)
    return time.perf_counter() - started


def with_prerequisites(db: Database, demo: DemoRows) -> list[dict[str, Any]]:
    """Load everything a DER references, untimed; return the DER rows."""
    with db.transaction() as session:
        for table, rows in demo.plan():
            if table is Der.__table__:
                return rows
            bulk_insert(session, table, rows)
    raise AssertionError("the demo plan has no DER table")


def sample_bulk_seconds(db: Database, demo: DemoRows) -> float:
    rows = with_prerequisites(db, demo)
    started = time.perf_counter()
    with db.transaction() as session:
        bulk_insert(session, Der.__table__, rows)
    return time.perf_counter() - started


def sample_naive_seconds(db: Database, demo: DemoRows) -> float:
    # What a first version typically does: no ids of its own, one object per row, periodic commits.
    values = [{k: v for k, v in row.items() if k != "id"} for row in with_prerequisites(db, demo)]
    started = time.perf_counter()
    with db.session() as session:
        for n, row in enumerate(values, start=1):
            session.add(Der(**row))
            if n % COMMIT_EVERY == 0:
                session.commit()
        session.commit()
    return time.perf_counter() - started


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="demo-bench-") as tmp:
        db = Database.connect(f"sqlite:///{tmp}/bench.db")
        db.migrate(Path(tmp))
        try:
            yield db
        finally:
            db.engine.dispose()


@contextlib.contextmanager
def postgres_database(server: str, label: str) -> Iterator[Database]:
    name = f"demo_bench_{label}_{os.getpid()}"
    admin_url = make_url(server).set(drivername="postgresql", database="postgres")
    admin_dsn = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database.connect(make_url(server).set(drivername="postgresql+psycopg", database=name)
                          .render_as_string(hide_password=False))
    try:
        with tempfile.TemporaryDirectory() as lock_dir:
            db.migrate(Path(lock_dir))
        yield db
    finally:
        db.engine.dispose()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run_backend(label: str, fresh: Callable[[str], contextlib.AbstractContextManager[Database]], ders: int,
                baseline_ders: int) -> None:
    with fresh("full") as db:
        full = bulk_seconds(db, ders)
    sample = build_demo(ders=baseline_ders, seed=SEED, password="bench", as_of=AS_OF)
    with fresh("core") as db:
        core = sample_bulk_seconds(db, sample)
    with fresh("naive") as db:
        naive = sample_naive_seconds(db, sample)
    naive_rate = baseline_ders / naive
    figures = (("load_demo, all tables", ders, full), ("DER table, Core bulk", baseline_ders, core),
               ("DER table, naive ORM", baseline_ders, naive))
    for path, n, seconds in figures:
        print(f"{label:<11}{path:<24}{n:>9,}{seconds:>9.2f}{n / seconds:>10,.0f}")
    print(f"{label:<11}ratio vs naive: load_demo end to end {ders / full / naive_rate:.1f}x, "
          f"DER insert like for like {naive / core:.1f}x")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ders", type=int, default=100_000)
    parser.add_argument("--baseline-ders", type=int, default=10_000)
    parser.add_argument("--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    print(f"{'backend':<11}{'path':<24}{'DERs':>9}{'seconds':>9}{'DERs/s':>10}")
    run_backend("sqlite", lambda _label: sqlite_database(), args.ders, args.baseline_ders)
    if not args.no_postgres:
        run_backend("postgresql", lambda label: postgres_database(args.pg_server, label), args.ders,
                    args.baseline_ders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
