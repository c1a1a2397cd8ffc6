"""The built-in grid simulator: realistic Ontario data written in the real feed formats.

It writes, into a drop folder with one subfolder per source, the IESO public reports (demand, zonal
demand, real-time totals, prices, variable generation forecast, transmission outages), SPEC-155 dispatch
instructions, and each LDC's ADMS/MDM/GIS and each aggregator's telemetry files (docs/FEEDS.md). The
pollers read them with the same parsers as production data.

Entry points (everything else is internal)::

    simulate(db, drop_dir, start_utc, end_utc, seed=DEFAULT_SEED, config=None, now=None) -> SimulationSummary
    backfill(db, drop_dir, hours=24, now=None, seed=DEFAULT_SEED, config=None) -> SimulationSummary
    step(db, drop_dir, now=None, seed=DEFAULT_SEED, config=None) -> SimulationSummary

Values are pure functions of (seed, grid, interval): the same interval gives the same numbers whether it
is written by a step or a backfill. Run by hand::

    python -m data.pollers.simulator --database-url sqlite:///instance/platform.db --drop-dir instance/feeds \
        backfill --hours 24
"""
from __future__ import annotations

from data.pollers.simulator.config import DEFAULT_SEED, SimulationSummary, SimulatorConfig
from data.pollers.simulator.files import SOURCES
from data.pollers.simulator.runner import backfill, step
from data.pollers.simulator.writer import simulate

__all__ = ["DEFAULT_SEED", "SOURCES", "SimulationSummary", "SimulatorConfig", "backfill", "simulate", "step"]
