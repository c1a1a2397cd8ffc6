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

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path

from data.db import Database
from data.demo.load_shape import DEFAULT_JSON, load_shape
from data.domain.market_time import (
    MARKET_TZ,
    floor_to_interval,
    interval_start_utc,
    iter_intervals,
    market_day_bounds_utc,
    to_market_time,
)
from data.pollers.simulator import ieso_files, ldc_files
from data.pollers.simulator.events import EventBook, TxOutagePlan
from data.pollers.simulator.files import atomic_write, purge_old
from data.pollers.simulator.grid import GridSnapshot, OrgInfo, load_grid
from data.pollers.simulator.model import GridModel, IntervalState
from data.pollers.simulator.ontario import SystemModel
from data.pollers.simulator.rng import unit

__all__ = ["DEFAULT_SEED", "SimulationSummary", "SimulatorConfig", "simulate"]

DEFAULT_SEED = 20261130
STEP = timedelta(minutes=5)
DA_PUBLISHED = (12, 30)  # EST: the interval starting then publishes tomorrow's day-ahead prices
VG_MINUTE = 50  # EST: the interval starting at HH:50 publishes the hourly forecast refresh
_RANGE_START = re.compile(rb"<OutageRangeStart>(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class SimulatorConfig:
    retention: timedelta | None = timedelta(days=2)  # None: never delete
    telemetry_min_kw: float = 50.0  # every aggregated DER this large is in its aggregator's telemetry
    telemetry_sample: float = 0.02  # ... plus this deterministic share of the smaller ones
    blank_rate: float = 0.002  # share of ADMS cells / telemetry readings left blank, as real feeds do
    max_catch_up: timedelta = timedelta(hours=24)  # step: never simulate more than this at once
    # MDM: True (default) reports each resource whole in one LDC's file, its "LDC of record" (the one with
    # most of its metered DERs). The platform keeps one resource meter series per feed, not per sending LDC,
    # so a resource split over several LDCs' files would overwrite itself. False: every LDC reports only
    # its own DERs' share.
    mdm_ldc_of_record: bool = True
    shape_path: Path = DEFAULT_JSON


@dataclass(frozen=True)
class SimulationSummary:
    start_utc: datetime | None
    end_utc: datetime | None
    intervals: int
    files: int
    bytes: int
    by_source: dict[str, tuple[int, int]]  # source -> (files, bytes)
    deleted: int
    seconds: float
    paths: tuple[Path, ...] = ()
    skipped: str | None = None  # why nothing was simulated (up to date, another run holds the lock)

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"skipped: {self.skipped}"]
        head = (f"{self.intervals} interval(s) {self.start_utc:%Y-%m-%d %H:%M} to {self.end_utc:%Y-%m-%d %H:%M} UTC: "
                f"{self.files} file(s), {self.bytes:,} bytes, {self.deleted} deleted, {self.seconds:.2f} s")
        return [head, *(f"  {s}: {n} file(s), {b:,} bytes" for s, (n, b) in sorted(self.by_source.items()))]


@dataclass
class _Output:
    drop_dir: Path
    pending: dict[Path, tuple[str, Callable[[], bytes]]] = field(default_factory=dict)
    written: dict[Path, tuple[str, int]] = field(default_factory=dict)

    def path(self, source: str, name: str) -> Path:
        return self.drop_dir / source / name

    def now(self, source: str, name: str, content: bytes) -> None:
        path = self.path(source, name)
        self.written[path] = (source, atomic_write(path, content))

    def last(self, source: str, name: str, render: Callable[[], bytes]) -> None:
        """Write at the end of the call, in the last version asked for."""
        self.pending[self.path(source, name)] = (source, render)

    def has(self, source: str, name: str) -> bool:
        path = self.path(source, name)
        return path in self.pending or path in self.written or path.exists()

    def flush(self) -> None:
        for path, (source, render) in self.pending.items():
            self.written[path] = (source, atomic_write(path, render()))
        self.pending.clear()


_SYSTEMS: dict[tuple[int, Path], SystemModel] = {}
_SYSTEM_CACHE_LIMIT = 4_000  # intervals (two weeks) before a model's cache starts afresh


def _system(seed: int, shape_path: Path) -> SystemModel:
    """The province-wide model is pure in (seed, shape): reuse it, and its cache, from one step to the next."""
    model = _SYSTEMS.get((seed, shape_path))
    if model is None or model.cached > _SYSTEM_CACHE_LIMIT:
        model = _SYSTEMS[(seed, shape_path)] = SystemModel(seed, load_shape(shape_path))
    return model


class _Run:
    def __init__(self, grid: GridSnapshot, drop_dir: Path, seed: int, config: SimulatorConfig) -> None:
        self.grid, self.seed, self.config = grid, seed, config
        self.system = _system(seed, config.shape_path)
        self.events = EventBook(seed, grid)
        self.model = GridModel(seed, grid, self.system, self.events)
        self.out = _Output(drop_dir)
        self.first: datetime | None = None
        self.mdm: dict[datetime, dict[tuple[int, int], float]] = {}
        self.telemetry = self._telemetry_members()
        self.mdm_ldc = self._mdm_ldcs()
        self.station_codes = {sid: s.code for sid, s in grid.stations.items()}

    # --- per interval -------------------------------------------------------------------------------------

    def interval(self, ts: datetime) -> None:
        if self.first is None:
            self.first = ts
        mt = to_market_time(ts)
        end = ts + STEP
        day, hour = mt.trade_date, mt.hour_ending
        hour_start = interval_start_utc(day, hour)
        so_far = [hour_start + k * STEP for k in range(mt.interval)]
        self.out.last("ieso_realtime_totals", f"PUB_RealtimeTotals_{day:%Y%m%d}{hour:02d}.xml",
                      partial(self._totals, so_far, end))
        self.out.last("ieso_realtime_prices", f"PUB_RealtimeZonalEnergyPrices_{day:%Y%m%d}{hour:02d}.xml",
                      partial(self._prices, day, hour, so_far, end))
        self.out.last("ieso_realtime_zonal", "PUB_RealtimeDemandZonal.csv", partial(self._zonal, day, ts, end))
        if hour == 24 and mt.interval == 12:
            self.out.now("ieso_realtime_zonal", f"PUB_RealtimeDemandZonal_{day:%Y%m%d}.csv",
                         self._zonal(day, ts, end))
        if mt.interval == 12:
            self.out.last("ieso_demand", "PUB_Demand.csv", partial(self._demand, day, hour, end))
        local = ts.astimezone(MARKET_TZ)
        if local.minute == VG_MINUTE:
            self.out.last("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml", partial(self._vg, end))
        if (local.hour, local.minute) == DA_PUBLISHED:
            tomorrow = day + timedelta(days=1)
            self.out.last("ieso_da_prices", f"PUB_DAHourlyOntarioZonalPrice_{tomorrow:%Y%m%d}.xml",
                          partial(self._da, tomorrow, end))
        self._tx_outages(ts, end)
        self._dispatches(day, ts, end)
        state = self.model.state(ts)
        self._adms(state)
        self._telemetry(state, end)
        self._mdm(state)

    def _totals(self, starts: list[datetime], created: datetime) -> bytes:
        return ieso_files.realtime_totals_xml([self.system.interval(t) for t in starts], created)

    def _prices(self, day: date, hour: int, starts: list[datetime], created: datetime) -> bytes:
        return ieso_files.realtime_zonal_prices_xml(day, hour, [self.system.interval(t) for t in starts], created)

    def _zonal(self, day: date, until: datetime, created: datetime) -> bytes:
        return ieso_files.realtime_demand_zonal_csv(day, self.system.day_intervals(day, until), created)

    def _demand(self, day: date, last_hour: int, created: datetime) -> bytes:
        """Yesterday's 24 hours and today's hours 1..``last_hour`` (0: none yet)."""
        yesterday = day - timedelta(days=1)
        hours = [(yesterday, h) for h in range(1, 25)] + [(day, h) for h in range(1, last_hour + 1)]
        return ieso_files.demand_csv([(d, h, *self.system.hourly(d, h)) for d, h in hours], created)

    def _vg(self, created: datetime) -> bytes:
        return ieso_files.vg_forecast_xml(self.system.vg_forecast(created), created - timedelta(minutes=21),
                                          created)

    def _da(self, day: date, created: datetime) -> bytes:
        return ieso_files.da_zonal_price_xml(day, self.system.da_prices(day), created)

    def _outage_key(self, ts: datetime) -> tuple[date, list[TxOutagePlan], tuple[tuple[str, str], ...]]:
        day = to_market_time(ts).trade_date
        outages = self.events.outages_today(day, ts + STEP)
        return day, outages, tuple((o.outage_id, o.status_at(ts + STEP)) for o in outages)

    def _tx_outages(self, ts: datetime, end: datetime) -> None:
        """Rewrite the report when today's list changes (an outage starts or ends, a new day)."""
        day, outages, key = self._outage_key(ts)
        previous_day, _, previous_key = self._outage_key(ts - STEP)
        if (day, key) != (previous_day, previous_key) and (outages or self.out.has("ieso_tx_outages",
                                                                                     "PUB_TxOutagesTodayAll.xml")):
            self.out.last("ieso_tx_outages", "PUB_TxOutagesTodayAll.xml",
                          partial(ieso_files.tx_outages_today_xml, day, outages, end, end))

    def _dispatches(self, day: date, ts: datetime, end: datetime) -> None:
        sent = [e for e in self.events.dispatches(day) if ts <= e.sent_utc < end]
        if sent:
            stamp = sent[0].sent_utc.astimezone(MARKET_TZ)
            self.out.now("ieso_dispatch", f"dispatch_{stamp:%Y%m%d%H%M%S}.json", ieso_files.dispatch_json(sent))

    # --- LDC and aggregator feeds --------------------------------------------------------------------------

    def _blank(self, value: float, *keys: object) -> float | None:
        return None if unit(self.seed, "blank", *keys) < self.config.blank_rate else value

    def _adms(self, state: IntervalState) -> None:
        grid, ts = self.grid, state.start_utc
        for ldc in grid.ldcs:
            rows: list[tuple[datetime, str, str, float | None, float | None]] = []
            for sid in sorted(grid.ldc_stations.get(ldc.id, []), key=lambda s: grid.stations[s].code):
                code = grid.stations[sid].code
                rows.append((ts, "station", code, self._blank(state.station_load_mw[sid], code, "load", ts),
                             self._blank(state.station_der_mw[sid], code, "der", ts)))
            for fid in sorted(grid.ldc_feeders.get(ldc.id, []), key=lambda f: grid.feeders[f].code):
                code = grid.feeders[fid].code
                rows.append((ts, "feeder", code, self._blank(state.feeder_load_mw[fid], code, "load", ts),
                             self._blank(state.feeder_der_mw[fid], code, "der", ts)))
            if rows:
                self.out.now("ldc_adms", f"adms_{ldc.code}_{ts:%Y%m%d%H%M}.csv", ldc_files.adms_csv(rows))

    def _telemetry_members(self) -> dict[int, list[int]]:
        """Aggregator id -> indexes (into GridSnapshot.ders) of the DERs in its telemetry."""
        members: dict[int, list[int]] = {}
        for k, der in enumerate(self.grid.ders):
            if der.aggregator_org_id is None:
                continue
            large = der.capacity_kw >= self.config.telemetry_min_kw
            if large or _sample(self.seed, der.platform_id) < self.config.telemetry_sample:
                members.setdefault(der.aggregator_org_id, []).append(k)
        return members

    def _telemetry(self, state: IntervalState, end: datetime) -> None:
        ts = state.start_utc
        for aggregator in self.grid.aggregators:
            members = self.telemetry.get(aggregator.id)
            if not members:
                continue
            readings = []
            for k in members:
                der = self.grid.ders[k]
                readings.append((der.platform_id, ts, self._blank(state.der_kw[k], der.platform_id, ts)))
            sent = end + timedelta(seconds=5 + int(35 * unit(self.seed, "sent", aggregator.code, ts)))
            self.out.now("aggregator_telemetry", f"telemetry_{aggregator.code}_{ts:%Y%m%d%H%M}.json",
                         ldc_files.telemetry_json(aggregator.code, sent, readings))

    def _mdm_ldcs(self) -> dict[int, int]:
        """Resource id -> the LDC whose MDM reports it (see ``SimulatorConfig.mdm_ldc_of_record``)."""
        counts: dict[int, dict[int, int]] = {}
        for der in self.grid.ders:
            if der.resource_id is not None and der.meter_id:
                per_ldc = counts.setdefault(der.resource_id, {})
                per_ldc[der.ldc_id] = per_ldc.get(der.ldc_id, 0) + 1
        return {rid: min(per_ldc, key=lambda lid: (-per_ldc[lid], self.grid.orgs[lid].code))
                for rid, per_ldc in counts.items()}

    def _resource_sums(self, der_kw: list[float] | tuple[float, ...]) -> dict[tuple[int, int], float]:
        """(reporting LDC id, resource id) -> kW of the resource's metered DERs."""
        whole = self.config.mdm_ldc_of_record
        sums: dict[tuple[int, int], float] = {}
        for der, kw in zip(self.grid.ders, der_kw, strict=True):
            if der.resource_id is not None and der.meter_id:
                key = (self.mdm_ldc[der.resource_id] if whole else der.ldc_id, der.resource_id)
                sums[key] = sums.get(key, 0.0) + kw
        return sums

    def _mdm(self, state: IntervalState) -> None:
        """At an hour's last interval: per LDC, each resource's metered net export (kWh, + export) in each of
        the hour's 12 intervals: one aggregate read per resource, the sum over its metered DERs."""
        ts = state.start_utc
        self.mdm[ts] = self._resource_sums(list(state.der_kw))
        if ts.minute != 55:
            return
        hour_start = ts - 11 * STEP
        starts = [hour_start + k * STEP for k in range(12)]
        sums = [self.mdm.get(t) or self._resource_sums(self.model.der_outputs(t)) for t in starts]
        self.mdm.clear()
        for ldc in self.grid.ldcs:
            resources = sorted({rid for lid, rid in sums[-1] if lid == ldc.id},
                               key=lambda rid: self.grid.resources[rid].code)
            rows = [
                (self.grid.resources[rid].code, f"{ldc.code}-AGG-{self.grid.resources[rid].code}", t, 5,
                 round(interval_sums.get((ldc.id, rid), 0.0) * 5 / 60, 3))
                for rid in resources
                for t, interval_sums in zip(starts, sums, strict=True)
            ]
            if rows:
                self.out.now("ldc_mdm", f"mdm_{ldc.code}_{hour_start:%Y%m%d%H%M}.csv", ldc_files.mdm_csv(rows))

    # --- what a fresh folder needs ------------------------------------------------------------------------

    def ensure(self, last: datetime) -> None:
        end = last + STEP
        mt = to_market_time(last)
        day = mt.trade_date
        if not self.out.has("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml"):
            self.out.last("ieso_vg_forecast", f"PUB_VGForecastSummary_{day:%Y%m%d}.xml", partial(self._vg, end))
        published_today = market_day_bounds_utc(day)[0] + timedelta(hours=DA_PUBLISHED[0], minutes=DA_PUBLISHED[1])
        for target, created in ((day, published_today - timedelta(days=1) + STEP),
                                (day + timedelta(days=1), published_today + STEP)):
            name = f"PUB_DAHourlyOntarioZonalPrice_{target:%Y%m%d}.xml"
            if created <= end and not self.out.has("ieso_da_prices", name):
                self.out.last("ieso_da_prices", name, partial(self._da, target, created))
        if not self.out.has("ieso_demand", "PUB_Demand.csv"):
            complete = mt.hour_ending if mt.interval == 12 else mt.hour_ending - 1
            self.out.last("ieso_demand", "PUB_Demand.csv", partial(self._demand, day, complete, end))
        self._ensure_tx_outages(last, end)
        for ldc in self.grid.ldcs:
            self._ensure_gis(ldc, last)

    def _ensure_tx_outages(self, last: datetime, end: datetime) -> None:
        name = "PUB_TxOutagesTodayAll.xml"
        day, outages, _ = self._outage_key(last)
        path = self.out.path("ieso_tx_outages", name)
        if path in self.out.pending:
            return
        if path.exists():
            match = _RANGE_START.search(path.read_bytes()[:2048])
            if match and match.group(1).decode() == day.isoformat():
                return  # today's report is there (rewritten on every change)
        elif not outages:
            return
        self.out.last("ieso_tx_outages", name, partial(ieso_files.tx_outages_today_xml, day, outages, end, end))

    def _ensure_gis(self, ldc: OrgInfo, last: datetime) -> None:
        folder = self.out.drop_dir / "ldc_gis"
        if folder.is_dir() and any(folder.glob(f"gis_{ldc.code}_*.geojson")):
            return
        stations = sorted((self.grid.stations[s] for s in self.grid.ldc_stations.get(ldc.id, [])),
                          key=lambda s: s.code)
        feeders = sorted((self.grid.feeders[f] for f in self.grid.ldc_feeders.get(ldc.id, [])),
                         key=lambda f: f.code)
        if stations or feeders:
            self.out.now("ldc_gis", f"gis_{ldc.code}_{last:%Y%m%d}.geojson",
                         ldc_files.gis_geojson(stations, feeders, self.station_codes))


@lru_cache(maxsize=200_000)
def _sample(seed: int, platform_id: str) -> float:
    return unit(seed, "telemetry-sample", platform_id)


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
    paths: tuple[Path, ...] = ()
    by_source: dict[str, tuple[int, int]] = {}
    if intervals:
        run = _Run(load_grid(db, on=to_market_time(intervals[-1]).trade_date), folder, seed, config)
        for ts in intervals:
            run.interval(ts)
        run.ensure(intervals[-1])
        run.out.flush()
        paths = tuple(run.out.written)
        for source, size in run.out.written.values():
            files, total = by_source.get(source, (0, 0))
            by_source[source] = (files + 1, total + size)
    deleted = 0
    if config.retention is not None and folder.is_dir():
        deleted = purge_old(folder, _aware(now, "now") if now else datetime.now(UTC), config.retention)
    return SimulationSummary(
        start_utc=start, end_utc=end, intervals=len(intervals), files=len(paths),
        bytes=sum(size for _, size in by_source.values()), by_source=by_source, deleted=deleted,
        seconds=time.perf_counter() - started, paths=paths,
        skipped=None if intervals else "no complete interval in the range",
    )
