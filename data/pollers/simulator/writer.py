"""``simulate``: write every source's files for the 5-minute intervals in [start, end) into a drop folder.

Per source (one subfolder each; IESO names carry EST market time, LDC/aggregator names the UTC interval
start):

=====================  ======================================================  ============================
source                 file                                                    written
=====================  ======================================================  ============================
ieso_realtime_zonal    PUB_RealtimeDemandZonal.csv (the EST day so far);       every interval; the dated
                       PUB_RealtimeDemandZonal_YYYYMMDD.csv (a whole day)      copy when a day completes
ieso_realtime_totals   PUB_RealtimeTotals_YYYYMMDDHH.xml (HH = hour-ending)    every interval (hour so far)
ieso_realtime_prices   PUB_RealtimeZonalEnergyPrices_YYYYMMDDHH.xml            every interval (hour so far)
ieso_demand            PUB_Demand.csv (yesterday + today's complete hours)     at each hour's end
ieso_vg_forecast       PUB_VGForecastSummary_YYYYMMDD.xml (48 h ahead)         hourly, at HH:55 EST
ieso_da_prices         PUB_DAHourlyOntarioZonalPrice_YYYYMMDD.xml (next day)   at 12:35 EST
ieso_tx_outages        PUB_TxOutagesTodayAll.xml                               when today's outages change
ieso_dispatch          dispatch_<YYYYMMDDHHMMSS>.json (EST DATE_SENT)          when instructions are sent
ldc_adms               adms_<LDC>_<YYYYMMDDHHMM>.csv                           every interval, per LDC
ldc_mdm                mdm_<LDC>_<YYYYMMDDHH00>.csv (the hour's 5-min reads,   at each hour's end, per LDC
                       one aggregate read per resource; see mdm_ldc_of_record)
aggregator_telemetry   telemetry_<AGG>_<YYYYMMDDHHMM>.json                     every interval, per aggregator
ldc_gis                gis_<LDC>_<YYYYMMDD>.geojson                            once per LDC
=====================  ======================================================  ============================

A file rewritten several times within one call (the day-so-far and hour-so-far reports) is written once,
in its last version. At the end of a call the daily files a fresh folder needs are there (today's forecast,
today's and, after 12:35 EST, tomorrow's day-ahead prices, the demand report, the GIS).
"""
from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from data.db import Database
from data.demo.load_shape import load_shape
from data.domain.market_time import floor_to_interval, iter_intervals, to_market_time
from data.pollers.simulator.config import DEFAULT_SEED, SimulationSummary, SimulatorConfig
from data.pollers.simulator.events import EventBook
from data.pollers.simulator.files import Output, purge_old, read_paused
from data.pollers.simulator.grid import load_grid
from data.pollers.simulator.ieso_writer import IesoWriter
from data.pollers.simulator.ldc_writer import LdcWriter
from data.pollers.simulator.model import GridModel
from data.pollers.simulator.ontario import SystemModel

__all__ = ["DEFAULT_SEED", "SimulationSummary", "SimulatorConfig", "simulate"]

_SYSTEMS: dict[tuple[int, Path], SystemModel] = {}
_SYSTEM_CACHE_LIMIT = 4_000  # intervals (two weeks) before a model's cache starts afresh


def _system(seed: int, shape_path: Path) -> SystemModel:
    """The province-wide model is pure in (seed, shape): reuse it, and its cache, from one step to the next."""
    model = _SYSTEMS.get((seed, shape_path))
    if model is None or model.cached > _SYSTEM_CACHE_LIMIT:
        model = _SYSTEMS[(seed, shape_path)] = SystemModel(seed, load_shape(shape_path))
    return model


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def simulate(db: Database, drop_dir: Path | str, start_utc: datetime, end_utc: datetime,
             seed: int = DEFAULT_SEED, config: SimulatorConfig | None = None,
             now: datetime | None = None) -> SimulationSummary:
    """Write the files of every 5-minute interval starting in [start_utc, end_utc) (both floored to the
    5-minute grid), then delete files older than the retention (by modification time, against ``now``,
    default the wall clock). Deterministic: the same seed, grid and interval give the same values."""
    config = config or SimulatorConfig()
    started = time.perf_counter()
    start = floor_to_interval(_aware(start_utc, "start_utc"))
    end = floor_to_interval(_aware(end_utc, "end_utc"))
    folder = Path(drop_dir)
    intervals = list(iter_intervals(start, end)) if end > start else []
    out = Output(folder, paused=read_paused(folder))
    if intervals:
        grid = load_grid(db, on=to_market_time(intervals[-1]).trade_date)
        system = _system(seed, config.shape_path)
        events = EventBook(seed, grid)
        model = GridModel(seed, grid, system, events)
        ieso, ldc = IesoWriter(system, events, out), LdcWriter(grid, model, out, seed, config)
        for ts in intervals:
            ieso.interval(ts)
            ldc.interval(model.state(ts))
        ieso.ensure(intervals[-1])
        ldc.ensure(intervals[-1])
        out.flush()
    by_source: dict[str, tuple[int, int]] = {}
    for source, size in out.written.values():
        files, total = by_source.get(source, (0, 0))
        by_source[source] = (files + 1, total + size)
    deleted = 0
    if config.retention is not None and folder.is_dir():
        deleted = purge_old(folder, _aware(now, "now") if now else datetime.now(UTC), config.retention)
    return SimulationSummary(
        start_utc=start, end_utc=end, intervals=len(intervals), files=len(out.written),
        bytes=sum(size for _, size in by_source.values()), by_source=by_source, deleted=deleted,
        seconds=time.perf_counter() - started, paths=tuple(out.written),
        skipped=None if intervals else "no complete interval in the range",
    )
