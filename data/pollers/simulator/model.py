"""The distribution grid in one 5-minute interval: every DER's output, then feeder and station loading.

Feeder load = base load (rated MW x a utilisation drawn per feeder in 0.35-0.85 x Ontario demand over its
typical peak) - the output of the feeder's DERs + the load of any station it supplies (an embedded LDC).
Station load = its feeders + the stations it supplies directly. Where a station's feeders would add up to
more than 45-80% (drawn per station) of its rating at the typical peak, all feeders below it are scaled down
to that (feeders are rated for their own peak, a station for the diversified sum); likewise a feeder that
supplies an embedded LDC's station is kept to 50-80% of its own rating. A sunny feeder with large PV can
go negative (reverse flow); a hot afternoon can push a few feeders past their rating. DERs of a resource
under an IESO dispatch respond: batteries discharge, flexible loads curtail, EV charging pauses, CHP runs
flat out.
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from data.domain.enums import Technology
from data.domain.market_time import LOCAL_TZ, market_day_bounds_utc, to_market_time
from data.pollers.simulator.behaviour import (
    SLOTS_PER_DAY,
    battery_day,
    chp_fraction,
    ev_residential_kw,
    ev_workplace_fraction,
    flexible_load_kw,
    hydro_fraction,
    wind_power_fraction,
)
from data.pollers.simulator.events import DispatchEvent, EventBook
from data.pollers.simulator.grid import DerInfo, GridSnapshot
from data.pollers.simulator.ontario import SystemModel
from data.pollers.simulator.rng import smooth_normal, uniform, unit
from data.pollers.simulator.solar import pv_fraction
from data.pollers.simulator.weather import cloudiness, wind_speed

__all__ = ["DerParams", "GridModel", "IntervalState", "der_params"]

PV, BAT, EV = Technology.SOLAR_PV.value, Technology.BATTERY.value, Technology.EV_CHARGER.value
FLEX, WIND, CHP, HYDRO = (
    Technology.FLEXIBLE_LOAD.value, Technology.WIND.value, Technology.GAS_CHP.value, Technology.HYDRO.value,
)
RESIDENTIAL_EV_KW = 20.0  # below: a home charger; above: workplace or fleet
_HALF_INTERVAL = timedelta(minutes=2, seconds=30)


@dataclass(frozen=True, slots=True)
class DerParams:
    """What makes one DER differ from its siblings, drawn once from (seed, DER id)."""

    efficiency: float  # PV: orientation and shading, 0.8-1.0
    utilisation: float  # flexible load: share of capacity at the typical peak
    curtail: float  # flexible load: share shed when dispatched
    busy: float  # workplace EV: how full the car park gets
    baseload: bool  # CHP: runs flat, or follows the working day
    site: float  # wind: site speed factor
    phase: float  # for a small wobble, so identical units do not draw identical curves


@lru_cache(maxsize=200_000)  # drawn once per process, not on every step
def der_params(seed: int, der_id: int) -> DerParams:
    return DerParams(
        efficiency=uniform(seed, 0.8, 1.0, "eff", der_id),
        utilisation=uniform(seed, 0.35, 0.75, "util", der_id),
        curtail=uniform(seed, 0.4, 0.9, "curtail", der_id),
        busy=uniform(seed, 0.4, 0.95, "busy", der_id),
        baseload=unit(seed, "chp-mode", der_id) < 0.5,
        site=uniform(seed, 0.85, 1.15, "site", der_id),
        phase=uniform(seed, 0.0, 2 * math.pi, "phase", der_id),
    )


@lru_cache(maxsize=8_192)  # a day of every battery for a few days; 2.3 kB each
def _battery_day(capacity_kw: float, energy_kwh: float, midday_share: float,
                 dispatched: tuple[int, ...]) -> Sequence[float]:
    flags = [False] * SLOTS_PER_DAY
    for k in dispatched:
        flags[k] = True
    outputs, _ = battery_day(capacity_kw, energy_kwh, midday_share, flags)
    return array("d", outputs)


@dataclass(frozen=True, slots=True)
class IntervalState:
    start_utc: datetime
    der_kw: Sequence[float]  # aligned with GridSnapshot.ders
    feeder_load_mw: dict[int, float]
    feeder_der_mw: dict[int, float]  # DER output below the feeder (its own + embedded stations')
    station_load_mw: dict[int, float]
    station_der_mw: dict[int, float]


class GridModel:
    def __init__(self, seed: int, grid: GridSnapshot, system: SystemModel, events: EventBook) -> None:
        self.seed = seed
        self.grid = grid
        self.system = system
        self.events = events
        self.params = [der_params(seed, d.id) for d in grid.ders]
        self.utilisation = self._utilisation()
        self._sessions: dict[tuple[int, date], tuple[tuple[float, float], ...]] = {}
        self._battery_days: dict[tuple[int, date], Sequence[float]] = {}
        self._midday_share: dict[tuple[str, date], float] = {}

    def _utilisation(self) -> dict[int, float]:
        """Feeder id -> utilisation at the typical peak: drawn per feeder, capped per station (see above)."""
        grid, seed = self.grid, self.seed
        util = {fid: uniform(seed, 0.35, 0.85, "feeder-util", f.code) for fid, f in grid.feeders.items()}
        below: dict[int, list[int]] = {}  # station id -> every feeder supplied through it

        def cap(feeders: list[int], rated_mw: float, share: float) -> None:
            peak = sum(grid.feeders[f].rated_mw * util[f] for f in feeders)
            target = rated_mw * share
            if peak > target > 0:
                for fid in feeders:
                    util[fid] *= target / peak

        for sid in grid.deepest_first:
            feeders: list[int] = []
            for fid in grid.feeders_of_station.get(sid, []):
                subtree = [fid]
                for child in grid.stations_fed_by_feeder.get(fid, []):
                    subtree.extend(below[child])
                if len(subtree) > 1:  # a feeder that supplies a station (an embedded LDC) carries its load too
                    cap(subtree, grid.feeders[fid].rated_mw, uniform(seed, 0.5, 0.8, "tie-peak", fid))
                feeders.extend(subtree)
            for child in grid.stations_fed_by_station.get(sid, []):
                feeders.extend(below[child])
            below[sid] = feeders
            station = grid.stations[sid]
            cap(feeders, station.rated_mw, uniform(seed, 0.45, 0.8, "station-peak", station.code))
        return util

    # --- DERs -------------------------------------------------------------------------------------------

    def der_outputs(self, ts: datetime) -> list[float]:
        """kW of every DER (GridSnapshot.ders order) over the interval starting at ``ts``."""
        middle = ts + _HALF_INTERVAL
        mt = to_market_time(ts)
        slot = (mt.hour_ending - 1) * 12 + (mt.interval - 1)
        local = middle.astimezone(LOCAL_TZ)
        local_hour = local.hour + local.minute / 60 + local.second / 3600
        weekend = local.weekday() >= 5
        shape = self.system.shape_factor(ts)
        dispatched = self.events.active_dispatches(mt.trade_date, ts)
        wobble_t = middle.timestamp() / 60 / 7.3
        pv_at: dict[int, float] = {}
        wind_at: dict[str, float] = {}
        out: list[float] = []
        for der, p in zip(self.grid.ders, self.params, strict=True):
            if not der.active:
                out.append(0.0)
                continue
            cap = der.capacity_kw
            event = dispatched.get(der.resource_id) if der.resource_id is not None else None
            tech = der.technology
            if tech == PV:
                fraction = pv_at.get(der.station_id)
                if fraction is None:
                    station = self.grid.stations[der.station_id]
                    fraction = pv_at[der.station_id] = pv_fraction(self.seed, der.zone, station.lat, station.lon,
                                                                   middle)
                kw = cap * fraction * p.efficiency * (1.0 + 0.02 * math.sin(wobble_t + p.phase))
            elif tech == BAT:
                kw = self._battery_kw(der, mt.trade_date, slot)
            elif tech == EV:
                kw = self._ev_kw(der, p, local.date(), local_hour, weekend, event)
            elif tech == FLEX:
                kw = flexible_load_kw(cap, p.utilisation, shape * (1.0 + 0.03 * math.sin(wobble_t + p.phase)),
                                      p.curtail if event else 0.0)
            elif tech == WIND:
                speed = wind_at.get(der.zone)
                if speed is None:
                    speed = wind_at[der.zone] = wind_speed(self.seed, der.zone, middle)
                kw = cap * wind_power_fraction(speed * p.site)
            elif tech == HYDRO:
                kw = cap * hydro_fraction(local.timetuple().tm_yday) * (1.0 + 0.02 * math.sin(wobble_t + p.phase))
            elif tech == CHP:
                kw = cap * (1.0 if event else chp_fraction(local_hour, weekend, p.baseload))
            else:
                kw = 0.0  # a technology the simulator does not know yet
            out.append(kw)
        return out

    def _battery_kw(self, der: DerInfo, day: date, slot: int) -> float:
        key = (der.id, day)
        profile = self._battery_days.get(key)
        if profile is None:
            profile = self._battery_days[key] = self._battery_profile(der, day)
        return profile[slot]

    def _battery_profile(self, der: DerInfo, day: date) -> Sequence[float]:
        energy = der.energy_kwh or 2.0 * der.capacity_kw
        # Sunny days: most of the charge from midday PV; cloudy: more off-peak grid charging.
        key = (der.zone, day)
        share = self._midday_share.get(key)
        if share is None:
            noon = market_day_bounds_utc(day)[0] + timedelta(hours=12)
            share = self._midday_share[key] = round(0.3 + 0.6 * (1.0 - cloudiness(self.seed, der.zone, noon)), 3)
        slots = self.events.dispatched_slots(day).get(der.resource_id, ()) if der.resource_id is not None else ()
        return _battery_day(der.capacity_kw, energy, share, slots)

    def _ev_kw(self, der: DerInfo, p: DerParams, local_day: date, local_hour: float, weekend: bool,
               event: DispatchEvent | None) -> float:
        cap = der.capacity_kw
        if cap >= RESIDENTIAL_EV_KW:
            fraction = ev_workplace_fraction(local_hour, weekend, p.busy)
            return -cap * fraction * (0.3 if event else 1.0)
        if event:
            return 0.0  # the aggregator pauses home charging
        sessions = [*self._ev_sessions(der, local_day)]
        sessions += [(s - 24.0, e - 24.0) for s, e in self._ev_sessions(der, local_day - timedelta(days=1))]
        return ev_residential_kw(cap, local_hour, sessions)

    def _ev_sessions(self, der: DerInfo, day: date) -> tuple[tuple[float, float], ...]:
        """Home charging on a local day: plugged in 17:00-20:30 on most evenings, for 6-26 kWh."""
        key = (der.id, day)
        if key not in self._sessions:
            sessions: tuple[tuple[float, float], ...] = ()
            if unit(self.seed, "ev-day", der.id, day) < 0.7:
                start = 17.0 + 3.5 * unit(self.seed, "ev-start", der.id, day)
                hours = (6.0 + 20.0 * unit(self.seed, "ev-energy", der.id, day)) / der.capacity_kw
                sessions = ((start, start + hours),)
            self._sessions[key] = sessions
        return self._sessions[key]

    # --- feeders and stations -----------------------------------------------------------------------------

    def state(self, ts: datetime) -> IntervalState:
        grid = self.grid
        der_kw = self.der_outputs(ts)
        own_der: dict[int, float] = dict.fromkeys(grid.feeders, 0.0)
        for der, kw in zip(grid.ders, der_kw, strict=True):
            own_der[der.feeder_id] += kw / 1000.0
        shape = self.system.shape_factor(ts)
        t_hours = (ts + _HALF_INTERVAL).timestamp() / 3600
        feeder_load: dict[int, float] = {}
        feeder_der: dict[int, float] = {}
        station_load: dict[int, float] = {}
        station_der: dict[int, float] = {}
        for sid in grid.deepest_first:  # children first: a feeder needs the stations it supplies
            load_sum = der_sum = 0.0
            for fid in grid.feeders_of_station.get(sid, []):
                feeder = grid.feeders[fid]
                noise = 1.0 + 0.03 * smooth_normal(self.seed, t_hours, 2.0, "feeder", feeder.code)
                base = feeder.rated_mw * self.utilisation[fid] * shape * noise
                der_mw = own_der[fid]
                load = base - der_mw
                for child in grid.stations_fed_by_feeder.get(fid, []):
                    load += station_load[child]
                    der_mw += station_der[child]
                feeder_load[fid], feeder_der[fid] = load, der_mw
                load_sum += load
                der_sum += der_mw
            for child in grid.stations_fed_by_station.get(sid, []):
                load_sum += station_load[child]
                der_sum += station_der[child]
            station_load[sid], station_der[sid] = load_sum, der_sum
        return IntervalState(ts, der_kw, feeder_load, feeder_der, station_load, station_der)
