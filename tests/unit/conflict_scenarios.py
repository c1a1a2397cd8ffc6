"""The small tri-level grid and builders shared by the conflict-rule tests."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from data.domain.conflicts import (
    Conflict,
    ConflictConfig,
    ConflictInputs,
    ConflictRule,
    Der,
    DerLimit,
    Feeder,
    Instruction,
    Station,
    find_conflicts,
)
from data.domain.enums import StationKind
from data.domain.market_time import MARKET_TZ

D = date(2026, 7, 1)

STATIONS = (
    Station(1, StationKind.TS),
    Station(2, StationKind.DS, supply_station_id=1),
    Station(3, StationKind.MS, supply_feeder_id=20),
    Station(5, StationKind.TS),
)
FEEDERS = (Feeder(10, 1), Feeder(20, 2), Feeder(21, 2), Feeder(30, 3), Feeder(31, 3), Feeder(50, 5))
DERS = (
    Der(101, 30, 3, 100.0, resource_id="R1"),
    Der(102, 31, 3, 100.0, resource_id="R1"),
    Der(103, 20, 2, 100.0),
    Der(104, 21, 2, 100.0),
    Der(105, 10, 1, 100.0),
    Der(106, 50, 5, 100.0),
)
ALL_DERS = (101, 102, 103, 104, 105, 106)


def est(hour: int, minute: int = 0, day: date = D) -> datetime:
    """A market (EST) wall-clock time; hour 24 is midnight at the end of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=MARKET_TZ) + timedelta(hours=hour, minutes=minute)


next_id = iter(range(1000, 100000))


def instr(issuer: str, setpoint: float, start: datetime, end: datetime, target: object = 101, kind: str = "der",
          state: str = "accepted", id: object = None) -> Instruction:
    return Instruction(next(next_id) if id is None else id, issuer, kind, target, setpoint, start, end,
                       state)  # type: ignore[arg-type]


def limit(der: int, hour_ending: int, export_kw: float | None, import_kw: float | None, *, id: object = None,
          day: date = D, approved_at: datetime | None = None, status: str = "approved") -> DerLimit:
    approved = approved_at or datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=12)
    return DerLimit(next(next_id) if id is None else id, der, day, hour_ending, export_kw, import_kw, approved,
                    status)  # type: ignore[arg-type]


def run(*, stations: tuple[Station, ...] = STATIONS, ders: tuple[Der, ...] = DERS, rule: ConflictRule | None = None,
        config: ConflictConfig | None = None, **objects: object) -> list[Conflict]:
    inputs = ConflictInputs(stations=stations, feeders=FEEDERS, ders=ders, **objects)  # type: ignore[arg-type]
    found = find_conflicts(inputs, config)
    return [c for c in found if rule is None or c.rule == rule]


def span(c: Conflict) -> tuple[datetime, datetime]:
    return c.start.astimezone(MARKET_TZ), c.end.astimezone(MARKET_TZ)
