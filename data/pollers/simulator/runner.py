"""Run the simulator over time: ``backfill`` (history for a fresh demo) and ``step`` (what a scheduler calls
every 30-60 s). Progress is kept in ``<drop_dir>/simulator_state.json``; a lock file keeps two workers from
simulating the same folder at once (the second one skips).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock, Timeout

from data.db import Database
from data.domain.market_time import floor_to_interval
from data.pollers.simulator.config import DEFAULT_SEED, SimulationSummary, SimulatorConfig
from data.pollers.simulator.files import read_state, write_state
from data.pollers.simulator.writer import simulate

__all__ = ["LOCK_FILE", "backfill", "step"]

LOCK_FILE = ".simulator.lock"
STATE_VERSION = 1


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    return now.astimezone(UTC)


def _skipped(reason: str) -> SimulationSummary:
    return SimulationSummary(None, None, 0, 0, 0, {}, 0, 0.0, skipped=reason)


def _last_end(state: dict[str, object]) -> datetime | None:
    raw = state.get("last_end_utc")
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else None


def _save(folder: Path, end: datetime, seed: int, previous: dict[str, object]) -> None:
    last = _last_end(previous)
    write_state(folder, {
        "version": STATE_VERSION,
        "seed": seed,
        "last_end_utc": max(end, last).isoformat() if last else end.isoformat(),
        "updated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    })


def backfill(db: Database, drop_dir: Path | str, hours: float = 24, now: datetime | None = None,
             seed: int = DEFAULT_SEED, config: SimulatorConfig | None = None) -> SimulationSummary:
    """Write the last ``hours`` of complete 5-minute intervals before ``now`` (default: the wall clock), so a
    fresh demo shows history; the next ``step`` carries on from there."""
    if hours <= 0:
        raise ValueError(f"hours must be positive, got {hours}")
    folder = Path(drop_dir)
    folder.mkdir(parents=True, exist_ok=True)
    end = floor_to_interval(_now(now))
    try:
        with FileLock(str(folder / LOCK_FILE), timeout=0):
            summary = simulate(db, folder, end - timedelta(hours=hours), end, seed, config, now=_now(now))
            _save(folder, end, seed, read_state(folder))
    except Timeout:
        return _skipped("another simulator run holds the lock")
    return summary


def step(db: Database, drop_dir: Path | str, now: datetime | None = None, seed: int = DEFAULT_SEED,
         config: SimulatorConfig | None = None) -> SimulationSummary:
    """Write the intervals completed since the last step (or backfill); the first step ever writes the last
    complete interval. A long pause is caught up for at most ``config.max_catch_up``. Cheap when nothing
    new has completed: it returns a summary with ``skipped`` set."""
    config = config or SimulatorConfig()
    folder = Path(drop_dir)
    folder.mkdir(parents=True, exist_ok=True)
    current = _now(now)
    end = floor_to_interval(current)
    try:
        with FileLock(str(folder / LOCK_FILE), timeout=0):
            state = read_state(folder)
            last = _last_end(state)
            start = last if last is not None else end - timedelta(minutes=5)
            start = max(start, end - config.max_catch_up)
            if start >= end:
                return _skipped("up to date")
            summary = simulate(db, folder, start, end, seed, config, now=current)
            _save(folder, end, seed, state)
    except Timeout:
        return _skipped("another simulator run holds the lock")
    return summary
