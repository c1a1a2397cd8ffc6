"""Fast indexes for the conflict checks: the supply tree expanded once, instructions by DER, time sweeps.

Nothing here compares all instructions pairwise. Each instruction is expanded once to the DERs it applies
to (a feeder or station target through the supply tree, a resource through its contributor DERs) and filed
under each DER sorted by start; overlaps are then found per DER by a sweep over start times
(``overlapping_pairs``, O(m log m + pairs) for m items of one DER) or by walking elementary segments
(``segments``). Limits are a dict keyed by (DER, trade date, hour-ending); outages are filed per DER like
instructions.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from data.domain.conflicts.config import ConflictConfig
from data.domain.conflicts.model import ConflictInputs, DamBid, Der, DerLimit, Id, Instruction, Outage, Station
from data.domain.conflicts.validation import require_aligned
from data.domain.enums import TargetKind
from data.domain.market_time import INTERVAL_MINUTES, floor_to_interval, to_market_time
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

__all__ = [
    "FAR_FUTURE",
    "Applied",
    "ConflictIndex",
    "SupplyIndex",
    "hours_of",
    "overlapping_pairs",
    "segments",
]

FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
"""End of an outage with no end and no restoration yet: in force until restored."""

HOUR = timedelta(hours=1)
T = TypeVar("T")


class Applied(NamedTuple):
    """An instruction as it applies to one DER: its span and this DER's share of the set point (kW)."""

    start: datetime
    end: datetime
    instruction: Instruction
    share_kw: float


class SupplyIndex:
    """Which DERs sit below which feeder, station and resource; each DER's own supply chain.

    A DER's chain: its feeder, its station, then up the supply tree to the TS, including the host feeder
    that supplies an embedded LDC's station. An element applies to a DER only if it is on that chain, so
    never upward and never sideways.
    """

    def __init__(self, stations: Iterable[Station], feeders: Iterable[Any], ders: Iterable[Der]) -> None:
        stations = tuple(stations)
        feeders = tuple(feeders)
        self.tree = SupplyTree(
            [StationNode(s.id, str(s.kind), s.supply_station_id, s.supply_feeder_id) for s in stations],
            [FeederNode(f.id, f.station_id) for f in feeders],
        )
        self.stations: dict[Id, Station] = {s.id: s for s in stations}
        self.ders: dict[Id, Der] = {}
        self.der_station: dict[Id, Id] = {}
        self.der_chain_stations: dict[Id, tuple[Id, ...]] = {}
        self.der_chain_feeders: dict[Id, tuple[Id, ...]] = {}
        self.station_ders: dict[Id, list[Id]] = defaultdict(list)
        self.feeder_ders: dict[Id, list[Id]] = defaultdict(list)
        self.resource_ders: dict[Id, list[Id]] = defaultdict(list)
        self.resource_rated_kw: dict[Id, float] = defaultdict(float)
        chains: dict[Id, tuple[tuple[Id, ...], tuple[Id, ...]]] = {}
        for der in ders:
            station = self._station_of(der)
            if station not in chains:
                chains[station] = self._chain(station)
            up_stations, up_feeders = chains[station]
            feeders_chain = (der.feeder_id, *up_feeders)
            self.ders[der.id] = der
            self.der_station[der.id] = station
            self.der_chain_stations[der.id] = up_stations
            self.der_chain_feeders[der.id] = feeders_chain
            for sid in up_stations:
                self.station_ders[sid].append(der.id)
            for fid in feeders_chain:
                self.feeder_ders[fid].append(der.id)
            if der.resource_id is not None:
                self.resource_ders[der.resource_id].append(der.id)
                self.resource_rated_kw[der.resource_id] += der.rated_kw

    def _station_of(self, der: Der) -> Id:
        feeder_station = self.tree.feeder_station.get(der.feeder_id)
        if der.station_id is None:
            if feeder_station is None:
                raise ValueError(f"DER {der.id} is on feeder {der.feeder_id}, which is not in the grid, and names "
                                 f"no station")
            return feeder_station
        if feeder_station is not None and feeder_station != der.station_id:
            raise ValueError(f"DER {der.id} names station {der.station_id} but its feeder {der.feeder_id} hangs "
                             f"from station {feeder_station}")
        return der.station_id

    def _chain(self, station_id: Id) -> tuple[tuple[Id, ...], tuple[Id, ...]]:
        """Stations from ``station_id`` up to its TS, and the host feeders met on the way up."""
        if station_id not in self.tree.stations:
            return (station_id,), ()  # a station outside the grid given: it stands alone
        up = tuple(self.tree.chain(station_id))
        feeders = tuple(f for s in up if (f := self.tree.stations[s].supply_feeder_id) is not None)
        return up, feeders

    def ders_of_target(self, kind: TargetKind, target_id: Id) -> Sequence[Id]:
        if kind == TargetKind.DER:
            return (target_id,)
        if kind == TargetKind.RESOURCE:
            return self.resource_ders.get(target_id, ())
        if kind == TargetKind.FEEDER:
            return self.feeder_ders.get(target_id, ())
        return self.station_ders.get(target_id, ())

    def ders_of_elements(self, station_ids: Iterable[Id], feeder_ids: Iterable[Id]) -> set[Id]:
        found: set[Id] = set()
        for sid in station_ids:
            found.update(self.station_ders.get(sid, ()))
        for fid in feeder_ids:
            found.update(self.feeder_ders.get(fid, ()))
        return found

    def share_kw(self, instruction: Instruction, der_id: Id) -> float:
        """This DER's part of the set point: pro rata to rated capacity for a resource, else the whole."""
        if instruction.target_kind != TargetKind.RESOURCE:
            return instruction.setpoint_kw
        members = self.resource_ders.get(instruction.target_id, ())
        total = self.resource_rated_kw.get(instruction.target_id, 0.0)
        if not members:
            return 0.0
        if total <= 0:
            return instruction.setpoint_kw / len(members)
        return instruction.setpoint_kw * self.ders[der_id].rated_kw / total


def hours_of(start: datetime, end: datetime) -> Iterator[tuple[date, int, datetime, datetime]]:
    """(trade date, hour-ending, piece start, piece end) of each EST market hour that ``[start, end)`` touches.

    Market time is EST all year, so the trade date and hour come from the EST clock and a DST-change day
    still has HE 1..24; the interval 23:55-24:00 EST belongs to trade date D, HE 24.
    """
    hour = floor_to_interval(start, 60)
    while hour < end:
        mt = to_market_time(hour)
        nxt = hour + HOUR
        yield mt.trade_date, mt.hour_ending, max(hour, start), min(nxt, end)
        hour = nxt


def overlapping_pairs(
    entries: Iterable[tuple[datetime, datetime, int, T]], opposite: Mapping[int, tuple[int, ...]]
) -> Iterator[tuple[T, T, datetime, datetime]]:
    """Every overlapping pair of entries whose categories are opposite, with the overlap ``[start, end)``.

    ``entries`` are (start, end, category, payload); a sweep in start order keeps, per category, the
    entries still open. Half-open spans: an entry ending exactly when another starts does not overlap it.
    Yields (earlier payload, later payload, overlap start, overlap end).
    """
    ordered = sorted(entries, key=lambda x: x[0])
    active: dict[int, list[tuple[datetime, datetime, int, T]]] = defaultdict(list)
    for entry in ordered:
        start, end, category, payload = entry
        for other in opposite.get(category, ()):
            open_entries = active.get(other)
            if not open_entries:
                continue
            alive = [x for x in open_entries if x[1] > start]
            active[other] = alive
            for x in alive:
                yield x[3], payload, start, min(end, x[1])
        active[category].append(entry)


def segments(entries: Iterable[tuple[datetime, datetime, T]]) -> Iterator[tuple[datetime, datetime, list[T]]]:
    """Elementary segments ``[t, t')`` over which the set of open entries is constant and not empty."""
    events: list[tuple[datetime, int, int]] = []
    payloads: list[T] = []
    for i, (start, end, payload) in enumerate(entries):
        payloads.append(payload)
        events.append((start, 1, i))
        events.append((end, 0, i))
    events.sort(key=lambda x: (x[0], x[1]))
    active: dict[int, T] = {}
    n = len(events)
    k = 0
    while k < n:
        t = events[k][0]
        while k < n and events[k][0] == t:
            _, kind, i = events[k]
            if kind:
                active[i] = payloads[i]
            else:
                active.pop(i, None)
            k += 1
        if active and k < n:
            yield t, events[k][0], list(active.values())


class ConflictIndex:
    """All inputs of one run, validated against the configuration and indexed for the rules."""

    def __init__(self, inputs: ConflictInputs, config: ConflictConfig) -> None:
        self.config = config
        self.inputs = inputs
        if config.interval_minutes != INTERVAL_MINUTES:
            _check_grid(inputs, config.interval_minutes)
        self.supply = SupplyIndex(inputs.stations, inputs.feeders, inputs.ders)
        ignored = config.ignored_instruction_states
        self.instructions: tuple[Instruction, ...] = tuple(i for i in inputs.instructions if i.state not in ignored)

        # instructions by DER: every instruction that applies (expanded once), and the DER-targeted ones
        self.applied: dict[Id, list[Applied]] = defaultdict(list)
        self.der_targeted: dict[Id, list[Instruction]] = defaultdict(list)
        supply = self.supply
        for ins in self.instructions:
            if ins.target_kind == TargetKind.DER:
                self.der_targeted[ins.target_id].append(ins)
                self.applied[ins.target_id].append(Applied(ins.start, ins.end, ins, ins.setpoint_kw))
            elif ins.target_kind == TargetKind.RESOURCE:
                for der_id in supply.ders_of_target(ins.target_kind, ins.target_id):
                    self.applied[der_id].append(Applied(ins.start, ins.end, ins, supply.share_kw(ins, der_id)))
            else:
                item = Applied(ins.start, ins.end, ins, ins.setpoint_kw)
                for der_id in supply.ders_of_target(ins.target_kind, ins.target_id):
                    self.applied[der_id].append(item)
        for items in self.applied.values():
            items.sort(key=lambda a: a.start)

        # limits: the most recently approved one per (DER, trade date, hour-ending); timely approvals per day
        self.limits: dict[tuple[Id, date, int], DerLimit] = {}
        self.first_approval: dict[tuple[Id, date], datetime | None] = {}
        rank: dict[tuple[Id, date, int], tuple[bool, datetime]] = {}
        for lim in inputs.limits:
            if not lim.is_approved:
                continue
            key = (lim.der_id, lim.trade_date, lim.hour_ending)
            order = (lim.approved_at is not None, lim.approved_at or FAR_FUTURE)
            if key not in rank or order >= rank[key]:
                rank[key] = order
                self.limits[key] = lim
            day = (lim.der_id, lim.trade_date)
            if lim.approved_at is not None:
                previous = self.first_approval.get(day)
                if previous is None or lim.approved_at < previous:
                    self.first_approval[day] = lim.approved_at
            else:
                self.first_approval.setdefault(day, None)

        # outages and constraints by DER, over the period they are in force
        self.outages: tuple[Outage, ...] = tuple(o for o in inputs.outages if not o.ignored)
        self.outages_by_der: dict[Id, list[tuple[datetime, datetime, Outage]]] = defaultdict(list)
        for outage in self.outages:
            end = outage.effective_end or FAR_FUTURE
            if end <= outage.start:
                continue
            for der_id in supply.ders_of_elements(outage.station_ids, outage.feeder_ids):
                self.outages_by_der[der_id].append((outage.start, end, outage))

        self.bids: tuple[DamBid, ...] = inputs.bids

    def bid_ders(self, bid: DamBid) -> Sequence[Id]:
        if bid.der_ids:
            return bid.der_ids
        return self.supply.resource_ders.get(bid.resource_id, ()) if bid.resource_id is not None else ()


def _check_grid(inputs: ConflictInputs, minutes: int) -> None:
    """Re-check every interval edge against a configured grid other than the 5-minute one."""
    for ins in inputs.instructions:
        require_aligned(ins.start, f"instruction {ins.id} start", minutes)
        require_aligned(ins.end, f"instruction {ins.id} end", minutes)
    for outage in inputs.outages:
        for name in ("start", "end", "restored_at"):
            value = getattr(outage, name)
            if value is not None:
                require_aligned(value, f"outage {outage.id} {name}", minutes)
