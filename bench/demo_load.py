"""How fast the demo loads, on SQLite and PostgreSQL, against a naive ORM baseline.

    python bench/demo_load.py [--ders 100000] [--baseline-ders 10000] [--pg-server URL] [--no-postgres]

Bulk: `load_demo` end to end (generation, every table, one transaction), rows/s counted on DERs
only, so the figure is conservative. Naive: the prerequisites bulk loaded untimed, then one ORM
`Der` per row with `session.add` and a commit every 1000 rows, timed alone.
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

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from data.db import Database  # noqa: E402
from data.demo.generator import build_demo, bulk_insert, load_demo  # noqa: E402
from data.models import Der  # noqa: E402

AS_OF = date(2026, 11, 30)
SEED = 20261130
COMMIT_EVERY = 1000


def bulk_seconds(db: Database, ders: int) -> float:
    started = time.perf_counter()
    load_demo(db, ders=ders, seed=SEED, password="bench", as_of=AS_OF)
    return time.perf_counter() - started


def naive_seconds(db: Database, ders: int) -> float:
    demo = build_demo(ders=ders, seed=SEED, password="bench", as_of=AS_OF)
    der_table = Der.__table__
    with db.transaction() as session:
        for table, rows in demo.plan():
            if table is der_table:
                break  # DERs and what hangs off them are the timed part
            bulk_insert(session, table, rows)
    # What a first version typically does: no ids of its own, one object per row, periodic commits.
    objects = [{k: v for k, v in row.items() if k != "id"} for row in demo.portfolio.ders]
    started = time.perf_counter()
    with db.session() as session:
        for n, values in enumerate(objects, start=1):
            session.add(Der(**values))
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
    with fresh("bulk") as db:
        bulk = bulk_seconds(db, ders)
    with fresh("naive") as db:
        naive = naive_seconds(db, baseline_ders)
    bulk_rate, naive_rate = ders / bulk, baseline_ders / naive
    print(f"{label:<11}{'bulk (load_demo)':<19}{ders:>9,}{bulk:>10.1f}{bulk_rate:>12,.0f}")
    print(f"{label:<11}{'naive ORM':<19}{baseline_ders:>9,}{naive:>10.1f}{naive_rate:>12,.0f}")
    print(f"{label:<11}{'speed-up':<19}{bulk_rate / naive_rate:>30.1f}x")
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

    print(f"{'backend':<11}{'path':<19}{'DERs':>9}{'seconds':>10}{'DERs/s':>12}")
    run_backend("sqlite", lambda _label: sqlite_database(), args.ders, args.baseline_ders)
    if not args.no_postgres:
        run_backend("postgresql", lambda label: postgres_database(args.pg_server, label), args.ders,
                    args.baseline_ders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
