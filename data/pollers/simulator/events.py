"""Occasional events, planned per EST day from the seed: IESO dispatch instructions to aggregated resources
(a few a day, SPEC-155 vocabulary) and transmission outages at transformer stations.

A day's plan depends only on (seed, day, the grid), so every interval of the day sees the same events.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.domain.enums import Technology
from data.domain.market_time import market_day_bounds_utc
from data.pollers.simulator.grid import GridSnapshot, StationInfo
from data.pollers.simulator.rng import unit

__all__ = [
    "DispatchEvent",
    "EventBook",
    "TxOutagePlan",
    "dispatch_potential_kw",
    "plan_dispatches",
    "plan_tx_outages",
]

# Start hours (EST) of dispatches: the morning ramp, midday, and mostly the evening peak.
DISPATCH_HOURS = (7, 8, 11, 13, 15, 16, 16, 17, 17, 17, 18, 18, 19, 20)
DISPATCH_MINUTES = (30, 45, 60, 60, 90, 120)
MIN_POTENTIAL_KW = 200.0


@dataclass(frozen=True, slots=True)
class DispatchEvent:
    message_id: str
    resource_id: int
    resource_code: str
    participant: str  # the aggregator's name, upper case
    sent_utc: datetime
    start_utc: datetime
    stop_utc: datetime
    amount_mw: float  # + = more export / less consumption
    dispatch_type: str  # SPEC-155 DISPATCH_TYPE
    limit_type: str  # SPEC-155 LIMIT_TYPE
    reserve_class: str | None

    def active(self, ts: datetime) -> bool:
        return self.start_utc <= ts < self.stop_utc


@dataclass(frozen=True, slots=True)
class TxOutagePlan:
    outage_id: str
    station_code: str
    equipment_name: str  # e.g. "LEASIDE TS T1"
    voltage_kv: str
    forced: bool
    start_utc: datetime
    end_utc: datetime

    def known_at(self, ts: datetime) -> bool:
        """A planned outage is published ahead; a forced one from the moment it happens."""
        return not self.forced or ts >= self.start_utc

    def status_at(self, ts: datetime) -> str:
        if ts < self.start_utc:
            return "APPROVED"
        return "IMPLEMENTED" if ts < self.end_utc else "COMPLETED"


EVENING_PEAK = (17.0, 21.0)  # EST hours batteries discharge anyway (behaviour.BatteryPlan.discharge)


def dispatch_potential_kw(technology: str, capacity_kw: float, evening: bool = False) -> float:
    """How much a DER can typically add to its resource's response when dispatched (kW). In the evening peak
    a battery is already discharging its day's energy: it has little to add."""
    if technology == Technology.BATTERY.value:
        return 0.2 * capacity_kw if evening else capacity_kw
    if technology == Technology.FLEXIBLE_LOAD.value:
        return 0.35 * capacity_kw
    if technology == Technology.EV_CHARGER.value:
        return 0.25 * capacity_kw
    if technology == Technology.GAS_CHP.value:
        return 0.1 * capacity_kw
    return 0.0


def _at(day: date, hours: float) -> datetime:
    return market_day_bounds_utc(day)[0] + timedelta(hours=hours)


def plan_dispatches(seed: int, day: date, grid: GridSnapshot,
                    potential_kw: dict[int, tuple[float, float]]) -> list[DispatchEvent]:
    """Two to four instructions on ``day`` to resources able to respond (>= 200 kW of potential), none
    overlapping for one resource. ``potential_kw``: resource id -> (potential outside, in the evening peak).
    AMOUNT is about 80% of the resource's potential at the time of the instruction, in MW."""
    candidates = sorted(
        (r for rid, r in grid.resources.items() if max(potential_kw.get(rid, (0.0, 0.0))) >= MIN_POTENTIAL_KW),
        key=lambda r: r.code,
    )
    if not candidates:
        return []
    events: list[DispatchEvent] = []
    count = 2 + int(unit(seed, "dispatch-count", day) * 3)
    for k in range(count):
        resource = candidates[int(unit(seed, "dispatch-resource", day, k) * len(candidates))]
        hour = DISPATCH_HOURS[int(unit(seed, "dispatch-hour", day, k) * len(DISPATCH_HOURS))]
        minute = 5 * int(unit(seed, "dispatch-minute", day, k) * 12)
        duration = DISPATCH_MINUTES[int(unit(seed, "dispatch-length", day, k) * len(DISPATCH_MINUTES))]
        start = _at(day, hour + minute / 60)
        stop = start + timedelta(minutes=duration)
        if any(e.resource_id == resource.id and e.start_utc < stop and start < e.stop_utc for e in events):
            continue
        notice = 10 + 5 * int(unit(seed, "dispatch-notice", day, k) * 3)
        reserve = unit(seed, "dispatch-type", day, k) < 0.25
        evening = hour + minute / 60 < EVENING_PEAK[1] and hour + (minute + duration) / 60 > EVENING_PEAK[0]
        potential = potential_kw[resource.id][1 if evening else 0]
        aggregator = grid.orgs.get(resource.aggregator_org_id)
        events.append(DispatchEvent(
            message_id=f"DNS-{day:%Y%m%d}-{k + 1:06d}",
            resource_id=resource.id,
            resource_code=resource.code,
            participant=(aggregator.name if aggregator else resource.code).upper(),
            sent_utc=start - timedelta(minutes=notice),
            start_utc=start,
            stop_utc=stop,
            amount_mw=max(0.1, round(0.8 * potential / 1000.0, 1)),
            dispatch_type="ORA" if reserve else "ENG",
            limit_type="FIX",
            reserve_class=("10N" if unit(seed, "reserve-class", day, k) < 0.5 else "30R") if reserve else None,
        ))
    return sorted(events, key=lambda e: (e.sent_utc, e.message_id))


def plan_tx_outages(seed: int, day: date, stations: list[StationInfo]) -> list[TxOutagePlan]:
    """About every other day a forced transformer outage at a TS (1-5 h, any time 06:00-22:00 EST); about
    one day in three a planned one (08:00-16:00 EST). Equipment is named "<STATION NAME UPPER> T1"/"T2"."""
    if not stations:
        return []
    plans: list[TxOutagePlan] = []
    if unit(seed, "tx-forced", day) < 0.5:
        station = stations[int(unit(seed, "tx-forced-station", day) * len(stations))]
        start = _at(day, 6 + 5 * int(unit(seed, "tx-forced-start", day) * 192) / 60)
        hours = 1 + int(unit(seed, "tx-forced-length", day) * 5)
        plans.append(_outage(seed, day, "forced", station, "T1", True, start, start + timedelta(hours=hours)))
    if unit(seed, "tx-planned", day) < 0.33:
        station = stations[int(unit(seed, "tx-planned-station", day) * len(stations))]
        plans.append(_outage(seed, day, "planned", station, "T2", False, _at(day, 8), _at(day, 16)))
    return plans


def _outage(seed: int, day: date, kind: str, station: StationInfo, unit_name: str, forced: bool,
            start: datetime, end: datetime) -> TxOutagePlan:
    number = 500_000 + int(unit(seed, "tx-id", kind, day) * 499_999)
    return TxOutagePlan(
        outage_id=f"1-00{number:06d}",
        station_code=station.code,
        equipment_name=f"{station.name.upper()} {unit_name}",
        voltage_kv="230" if station.rated_mw >= 200 else "115",
        forced=forced,
        start_utc=start,
        end_utc=end,
    )


class EventBook:
    """The events of each EST day, planned on first use."""

    def __init__(self, seed: int, grid: GridSnapshot) -> None:
        self.seed = seed
        self.grid = grid
        self.potential_kw: dict[int, tuple[float, float]] = {}
        for der in grid.ders:
            if der.active and der.resource_id is not None:
                day, evening = self.potential_kw.get(der.resource_id, (0.0, 0.0))
                self.potential_kw[der.resource_id] = (
                    day + dispatch_potential_kw(der.technology, der.capacity_kw),
                    evening + dispatch_potential_kw(der.technology, der.capacity_kw, evening=True),
                )
        self._dispatches: dict[date, list[DispatchEvent]] = {}
        self._outages: dict[date, list[TxOutagePlan]] = {}
        self._slots: dict[date, dict[int, tuple[int, ...]]] = {}

    def dispatches(self, day: date) -> list[DispatchEvent]:
        if day not in self._dispatches:
            self._dispatches[day] = plan_dispatches(self.seed, day, self.grid, self.potential_kw)
        return self._dispatches[day]

    def active_dispatches(self, day: date, ts: datetime) -> dict[int, DispatchEvent]:
        """Resource id -> the instruction in force at ``ts`` (events never cross midnight EST)."""
        return {e.resource_id: e for e in self.dispatches(day) if e.active(ts)}

    def dispatched_slots(self, day: date) -> dict[int, tuple[int, ...]]:
        """Resource id -> the 5-minute slots (0..287 of the EST day) under an instruction."""
        if day not in self._slots:
            start = market_day_bounds_utc(day)[0]
            slots: dict[int, set[int]] = {}
            for event in self.dispatches(day):
                first = int((event.start_utc - start).total_seconds() // 300)
                last = int((event.stop_utc - start).total_seconds() // 300)
                slots.setdefault(event.resource_id, set()).update(range(max(0, first), min(288, last)))
            self._slots[day] = {rid: tuple(sorted(ks)) for rid, ks in slots.items()}
        return self._slots[day]

    def outages(self, day: date) -> list[TxOutagePlan]:
        if day not in self._outages:
            self._outages[day] = plan_tx_outages(self.seed, day, self.grid.transformer_stations)
        return self._outages[day]

    def outages_today(self, day: date, ts: datetime) -> list[TxOutagePlan]:
        """What ``TxOutagesTodayAll`` lists at ``ts``: the known outages of ``day``, and yesterday's still in
        progress at the start of ``day``."""
        start, _ = market_day_bounds_utc(day)
        yesterday = [o for o in self.outages(day - timedelta(days=1)) if o.end_utc > start]
        return [o for o in [*yesterday, *self.outages(day)] if o.known_at(ts)]
