"""Which LDC and aggregator files one interval produces (docs/FEEDS.md): ADMS per LDC every interval,
telemetry per aggregator every interval, MDM per LDC every hour, GIS once per LDC. Names carry the UTC
interval (or hour, or day) start."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from data.pollers.simulator import ldc_files
from data.pollers.simulator.config import SimulatorConfig
from data.pollers.simulator.files import Output
from data.pollers.simulator.grid import GridSnapshot, OrgInfo
from data.pollers.simulator.model import GridModel, IntervalState
from data.pollers.simulator.rng import unit

__all__ = ["LdcWriter"]

STEP = timedelta(minutes=5)
MDM_MINUTES = 5  # interval length of the meter reads in an MDM file


@lru_cache(maxsize=200_000)
def _sample(seed: int, platform_id: str) -> float:
    return unit(seed, "telemetry-sample", platform_id)


class LdcWriter:
    def __init__(self, grid: GridSnapshot, model: GridModel, out: Output, seed: int, config: SimulatorConfig) -> None:
        self.grid, self.model, self.out, self.seed, self.config = grid, model, out, seed, config
        self.telemetry = self._telemetry_members()
        self.mdm_ldc = self._mdm_ldcs()
        self.station_codes = {sid: s.code for sid, s in grid.stations.items()}
        self.hour_sums: dict[datetime, dict[tuple[int, int], float]] = {}  # MDM: this hour's intervals so far

    def interval(self, state: IntervalState) -> None:
        self._adms(state)
        self._telemetry(state)
        self._mdm(state)

    def ensure(self, last: datetime) -> None:
        for ldc in self.grid.ldcs:
            self._gis(ldc, last)

    def _blank(self, value: float, *keys: object) -> float | None:
        """A real feed has gaps: a few values are left blank ("no value", never zero)."""
        return None if unit(self.seed, "blank", *keys) < self.config.blank_rate else value

    # --- ADMS -------------------------------------------------------------------------------------------

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

    # --- telemetry ----------------------------------------------------------------------------------------

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

    def _telemetry(self, state: IntervalState) -> None:
        ts = state.start_utc
        for aggregator in self.grid.aggregators:
            members = self.telemetry.get(aggregator.id)
            if not members:
                continue
            readings = []
            for k in members:
                der = self.grid.ders[k]
                readings.append((der.platform_id, ts, self._blank(state.der_kw[k], der.platform_id, ts)))
            sent = ts + STEP + timedelta(seconds=5 + int(35 * unit(self.seed, "sent", aggregator.code, ts)))
            self.out.now("aggregator_telemetry", f"telemetry_{aggregator.code}_{ts:%Y%m%d%H%M}.json",
                         ldc_files.telemetry_json(aggregator.code, sent, readings))

    # --- MDM --------------------------------------------------------------------------------------------

    def _mdm_ldcs(self) -> dict[int, int]:
        """Resource id -> the LDC whose MDM reports it (see ``SimulatorConfig.mdm_ldc_of_record``)."""
        counts: dict[int, dict[int, int]] = {}
        for der in self.grid.ders:
            if der.resource_id is not None and der.meter_id:
                per_ldc = counts.setdefault(der.resource_id, {})
                per_ldc[der.ldc_id] = per_ldc.get(der.ldc_id, 0) + 1
        return {rid: min(per_ldc, key=lambda lid: (-per_ldc[lid], self.grid.orgs[lid].code))
                for rid, per_ldc in counts.items()}

    def _resource_sums(self, der_kw: Sequence[float]) -> dict[tuple[int, int], float]:
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
        the hour's 12 intervals: one aggregate read per resource, the sum over its metered DERs. Intervals of
        the hour simulated by an earlier run are recomputed (the model is pure)."""
        ts = state.start_utc
        self.hour_sums[ts] = self._resource_sums(state.der_kw)
        if ts.minute != 55:
            return
        hour_start = ts - 11 * STEP
        starts = [hour_start + k * STEP for k in range(12)]
        sums = [self.hour_sums.get(t) or self._resource_sums(self.model.der_outputs(t)) for t in starts]
        self.hour_sums.clear()
        resources = self.grid.resources
        for ldc in self.grid.ldcs:
            ids = sorted({rid for lid, rid in sums[-1] if lid == ldc.id}, key=lambda rid: resources[rid].code)
            rows = [
                (resources[rid].code, f"{ldc.code}-AGG-{resources[rid].code}", t, MDM_MINUTES,
                 round(interval_sums.get((ldc.id, rid), 0.0) * MDM_MINUTES / 60, 3))
                for rid in ids
                for t, interval_sums in zip(starts, sums, strict=True)
            ]
            if rows:
                self.out.now("ldc_mdm", f"mdm_{ldc.code}_{hour_start:%Y%m%d%H%M}.csv", ldc_files.mdm_csv(rows))

    # --- GIS ----------------------------------------------------------------------------------------------

    def _gis(self, ldc: OrgInfo, last: datetime) -> None:
        """Once per LDC: its stations and feeders as they are (the newest GIS file is never purged)."""
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
