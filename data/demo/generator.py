"""Load a deterministic, realistic Ontario demo: organisations, users, the supply tree and DERs.

One seed gives the same rows (passwords aside: their hashes are salted). Rows carry explicit
ids so that references are built in Python and everything goes in with bulk Core inserts
(SQLAlchemy "insertmanyvalues") inside one transaction.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from data.db import Database
from data.demo.catalogue import DEMO_USERNAMES
from data.demo.market import load_market_demo
from data.demo.network import DemoNetwork, build_network
from data.demo.organisations import DemoOrgs, DemoUsers, build_organisations, build_users
from data.demo.portfolio import HISTORY_DAYS, DemoPortfolio, build_portfolio
from data.domain.enums import OrgKind
from data.models import Der, Enrolment, Feeder, Meter, Organisation, Program, Resource, Station, User
from data.services.passwords import hash_password

__all__ = ["DEMO_USERNAMES", "DemoNotEmptyError", "DemoRows", "DemoSummary", "build_demo", "ensure_demo",
           "load_demo"]

Row = dict[str, Any]
BATCH_ROWS = 10_000
# Serialises concurrent first starts of several PostgreSQL workers (any constant, same in every worker).
DEMO_LOCK_KEY = 746_201_002


class DemoNotEmptyError(RuntimeError):
    """The demo only loads into a database without organisations."""


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    ldcs: int
    users: int
    stations: int
    feeders: int
    ders: int
    aggregated_ders: int
    resources: int
    programs: int
    enrolments: int
    meters: int
    zones: int

    def lines(self) -> list[str]:
        return [f"{name.replace('_', ' ')}: {value:,}" for name, value in vars(self).items()]


def has_organisations(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Organisation)).scalar_one() > 0


@dataclass(frozen=True)
class DemoRows:
    """Every row of the demo, built in memory, ready to insert."""

    orgs: DemoOrgs
    users: DemoUsers
    net: DemoNetwork
    portfolio: DemoPortfolio

    def plan(self) -> list[tuple[Table, list[Row]]]:
        """Tables in insertion order: parents first, the station <-> feeder cycle in two waves."""
        waves: list[tuple[Any, list[Row]]] = [
            (Organisation, self.orgs.rows), (User, self.users.rows),
            (Station, self.net.stations), (Feeder, self.net.feeders),
            (Station, self.net.embedded_stations), (Feeder, self.net.embedded_feeders),
            (Program, self.portfolio.programs), (Resource, self.portfolio.resources),
            (Der, self.portfolio.ders), (Meter, self.portfolio.meters),
            (Enrolment, self.portfolio.enrolments),
        ]
        return [(model.__table__, rows) for model, rows in waves]

    def summary(self) -> DemoSummary:
        ders = self.portfolio.ders
        return DemoSummary(
            organisations=len(self.orgs.rows),
            ldcs=sum(1 for r in self.orgs.rows if r["kind"] == OrgKind.LDC.value),
            users=len(self.users.rows),
            stations=len(self.net.all_stations),
            feeders=len(self.net.all_feeders),
            ders=len(ders),
            aggregated_ders=sum(1 for d in ders if d["aggregator_org_id"] is not None),
            resources=len(self.portfolio.resources),
            programs=len(self.portfolio.programs),
            enrolments=len(self.portfolio.enrolments),
            meters=len(self.portfolio.meters),
            zones=len({s["zone"] for s in self.net.all_stations}),
        )


def build_demo(*, ders: int, seed: int, password: str, as_of: date | None = None) -> DemoRows:
    """The demo's rows; `as_of` (default today, UTC) anchors the six years of history."""
    as_of = as_of or datetime.now(UTC).date()
    rng = random.Random(seed)
    platform_start = datetime.combine(as_of - timedelta(days=HISTORY_DAYS + 60), time(14), UTC)
    orgs = build_organisations(platform_start)
    applied_at = datetime.combine(as_of - timedelta(days=2), time(15, 20), UTC)
    users = build_users(rng, orgs, hash_password(password), platform_start, applied_at)  # scrypt once, shared
    net = build_network(rng, orgs, platform_start)
    return DemoRows(orgs, users, net, build_portfolio(rng, orgs, users, net, ders, as_of, platform_start))


def load_demo(db: Database, *, ders: int = 5000, seed: int = 20261130, password: str = "demo",
              as_of: date | None = None) -> DemoSummary:
    """Fill an empty database in one transaction; refuses (DemoNotEmptyError) if it has organisations."""
    demo = build_demo(ders=ders, seed=seed, password=password, as_of=as_of)
    with db.transaction() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DEMO_LOCK_KEY})
        if has_organisations(session):
            raise DemoNotEmptyError("the database already has organisations; the demo needs an empty one")
        plan = demo.plan()
        for table, rows in plan:
            bulk_insert(session, table, rows)
        if postgres:
            advance_sequences(session, [table for table, _ in plan])
        load_market_demo(session, demo, seed=seed, as_of=as_of)  # plans, bids and floor-price bids (own stream)
    return demo.summary()


def ensure_demo(db: Database, *, ders: int = 5000, seed: int = 20261130, password: str = "demo",
                as_of: date | None = None) -> DemoSummary | None:
    """Load the demo on first start only; later starts keep what is there."""
    with db.session() as session:
        if has_organisations(session):
            return None
    try:
        return load_demo(db, ders=ders, seed=seed, password=password, as_of=as_of)
    except (DemoNotEmptyError, DBAPIError):
        # Another worker may have loaded it between our check and our load (on SQLite that shows up
        # as a lock or snapshot error rather than as organisations): then there is nothing to do.
        with db.session() as session:
            if has_organisations(session):
                return None
        raise


def bulk_insert(session: Session, table: Table, rows: list[Row]) -> None:
    for batch in batches(rows, BATCH_ROWS):
        session.execute(insert(table), batch)


def batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def advance_sequences(session: Session, tables: Iterable[Table]) -> None:
    """Explicit ids do not move PostgreSQL's sequences; move them so later inserts do not collide."""
    for name in dict.fromkeys(t.name for t in tables):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"
        ))
