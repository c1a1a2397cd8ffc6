"""What a bid's DERs can still give, and what follows from it: blocking and floor-price automation, as pure functions.

- **Blocking** (capacity left, hour by hour): for each hour of the bid still to come, the capacity available is
  the sum over its DERs (the DER of a DER bid, the contributor DERs of a resource bid) of what each can give in
  that hour: 0 when reported unavailable (status ``inactive``) or inside a full outage reaching it through its
  supply chain (a host LDC's outage and an IESO transmission outage included), capacity x (1 - de-rate) or
  min(capacity, max kW) under a constraint, its capacity otherwise. A bid is refused (or an existing one
  blocked) when its quantity exceeds that capacity in any of its hours; the reason names the hours, the kW
  available against the kW offered, and the outages and DERs that reduce it. Planned and active outages
  count. Intervals are half-open: an outage ending at 14:00 EST does not touch HE 15 (14:00-15:00 EST).
- **Floor-price bids**: a distributor's zero-price bid offers the DER's available capacity. While an outage or
  constraint covers the bid's hours its quantity is what the outage leaves (0 for a full outage, capacity x
  (1 - de-rate) or min(capacity, max kW) for a constraint, the smallest when several apply), and the previous
  quantity is kept in ``base_quantity_kw``; when no outage covers the hours any more the quantity returns to
  that base. A quantity set by hand (``floor_override``) is left alone, and the automation says so.

Time windows (``bid_window``, ``remaining_window``) and the lifecycle of a bid are in data/domain/bids.py.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from data.domain.bids import bid_window, remaining_window
from data.domain.enums import DerStatus, OutageKind, OutageState
from data.domain.market_time import _require_aware, format_market
from data.domain.outages import Element, elements_below, limit_text
from data.domain.supply_chain import SupplyTree

__all__ = [
    "Block",
    "DerAvailability",
    "FloorAction",
    "FloorBidState",
    "FloorUpdate",
    "HourAvailability",
    "OutageWindow",
    "Shortfall",
    "capacity_shortfall",
    "der_available",
    "floor_quantity",
    "hourly_availability",
    "outages_reaching",
    "plan_floor_update",
]

# Outages that count: planned and active ones (a restored one until its restoration); cancelled never.
_COUNTING_STATES = (OutageState.PLANNED, OutageState.ACTIVE, OutageState.RESTORED)


# --- blocking -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutageWindow:
    """An outage or constraint reaching a DER, as plain data. ``end`` None: until restored."""

    outage_id: int
    kind: str
    state: str
    start: datetime
    end: datetime | None = None
    derate_pct: float | None = None
    max_kw: float | None = None
    where: str = ""

    @property
    def counts(self) -> bool:
        return self.state in _COUNTING_STATES

    @property
    def is_partial(self) -> bool:
        return self.derate_pct is not None or self.max_kw is not None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Half-open [self.start, self.end) against [start, end): touching is not overlapping."""
        if not self.counts or start >= end:
            return False
        return self.start < end and (self.end is None or start < self.end)

    def left_of(self, capacity_kw: float) -> float:
        """What a DER of ``capacity_kw`` can still give under this outage alone: 0 for a full outage, capacity x
        (1 - de-rate) or min(capacity, max kW) for a constraint."""
        capacity = max(float(capacity_kw), 0.0)
        if self.derate_pct is not None:
            return capacity * (1.0 - min(max(self.derate_pct, 0.0), 100.0) / 100.0)
        if self.max_kw is not None:
            return min(capacity, max(self.max_kw, 0.0))
        return 0.0

    def describe(self) -> str:
        kind = "constraint" if self.kind == OutageKind.CONSTRAINT else f"{self.kind} outage"
        until = format_market(self.end) if self.end else "until restored"
        where = f" on {self.where}" if self.where else ""
        return (f"{kind} #{self.outage_id} ({self.state}){where}, {format_market(self.start)} – {until}, "
                f"{limit_text(self.derate_pct, self.max_kw)}")


@dataclass(frozen=True)
class DerAvailability:
    der_id: int
    label: str  # the platform ID
    status: str  # DerStatus
    capacity_kw: float = 0.0
    status_reason: str | None = None


@dataclass(frozen=True)
class Block:
    """One thing that reduces a DER's capacity in a bid's hours: an outage or constraint reaching it
    (``outage``), or the DER reported unavailable by its owner or aggregator (``outage`` None)."""

    der_id: int
    der_label: str
    outage: OutageWindow | None = None
    reason: str | None = None  # why the DER is reported unavailable

    @property
    def outage_id(self) -> int | None:
        return self.outage.outage_id if self.outage else None

    @property
    def text(self) -> str:
        if self.outage is None:
            why = f": {self.reason}" if self.reason else ""
            return f"{self.der_label} is reported unavailable by its owner or aggregator{why}"
        return f"{self.der_label} is inside {self.outage.describe()}"


@dataclass(frozen=True)
class HourAvailability:
    """The capacity of a bid's DERs still available in one hour (the part of it still to come), and what
    reduces it."""

    hour_ending: int
    capacity_kw: float
    available_kw: float
    causes: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Shortfall:
    """Why a bid may not stand: in ``hours`` its quantity exceeds the capacity still available."""

    asset_label: str
    trade_date: date
    quantity_kw: float
    hours: tuple[HourAvailability, ...]

    @property
    def blocks(self) -> list[Block]:
        """Every cause in the short hours, once, in the order met."""
        return list(dict.fromkeys(c for h in self.hours for c in h.causes))

    @property
    def available_kw(self) -> float:
        """The least capacity available over the short hours."""
        return min(h.available_kw for h in self.hours)

    def hours_text(self, shown: int = 3) -> str:
        """'0.0 kW available in HE12–13, 250.0 kW in HE14': runs of consecutive hours with the same capacity."""
        runs: list[list[HourAvailability]] = []
        for h in self.hours:
            last = runs[-1][-1] if runs else None
            if last is not None and last.hour_ending + 1 == h.hour_ending and \
                    math.isclose(last.available_kw, h.available_kw, abs_tol=1e-6):
                runs[-1].append(h)
            else:
                runs.append([h])
        parts = [f"{run[0].available_kw:,.1f} kW{' available' if n == 0 else ''} in "
                 + (f"HE{run[0].hour_ending}" if len(run) == 1 else f"HE{run[0].hour_ending}–{run[-1].hour_ending}")
                 for n, run in enumerate(runs)]
        more = f" (and {len(parts) - shown} more hour ranges)" if len(parts) > shown else ""
        return ", ".join(parts[:shown]) + more

    def cause_lines(self, shown: int = 3) -> list[str]:
        """One line per outage (with the DERs it reaches) and one for the DERs reported unavailable; at most
        ``shown`` lines and how many more."""
        by_outage: dict[int | None, list[Block]] = {}
        for block in self.blocks:
            by_outage.setdefault(block.outage_id, []).append(block)
        lines = []
        for outage_id, blocks in by_outage.items():
            labels = list(dict.fromkeys(b.der_label for b in blocks))
            if len(labels) == 1 and outage_id is not None:
                lines.append(blocks[0].text)
                continue
            if outage_id is None:
                if len(labels) == 1:
                    lines.append(blocks[0].text)
                    continue
                examples = ", ".join(b.der_label + (f" ({b.reason})" if b.reason else "") for b in blocks[:3])
                lines.append(f"{examples}{_more(len(labels))} are reported unavailable by their owner or aggregator")
            else:
                outage = blocks[0].outage
                assert outage is not None
                lines.append(f"{', '.join(labels[:3])}{_more(len(labels))} are inside {outage.describe()}")
        more = [f"(and {len(lines) - shown} more)"] if len(lines) > shown else []
        return lines[:shown] + more

    def summary(self) -> str:
        """'reduced by 2 outages on 14 DERs and 3 DERs reported unavailable'."""
        blocks = self.blocks
        outages = {b.outage_id for b in blocks if b.outage_id is not None}
        reached = {b.der_id for b in blocks if b.outage_id is not None}
        off = {b.der_id for b in blocks if b.outage_id is None}
        parts = []
        if outages:
            parts.append(f"{_count(len(outages), 'outage')} on {_count(len(reached), 'DER')}")
        if off:
            parts.append(f"{_count(len(off), 'DER')} reported unavailable")
        return "reduced by " + " and ".join(parts) if parts else "nothing available"

    def head(self) -> str:
        return (f"{self.asset_label}: {self.quantity_kw:,.1f} kW offered but only {self.hours_text()} of "
                f"{self.trade_date} (EST), {self.summary()}")

    @property
    def text(self) -> str:
        """One line for a refusal or a status reason."""
        return f"{self.head()}: " + "; ".join(self.cause_lines())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _more(n: int, shown: int = 3) -> str:
    return f" and {n - shown} more" if n > shown else ""


class Placed(Protocol):
    """A DER on the grid: its id, feeder and station."""

    @property
    def id(self) -> int: ...

    @property
    def feeder_id(self) -> int: ...

    @property
    def station_id(self) -> int: ...


def outages_reaching(tree: SupplyTree, ders: Iterable[Placed],
                     outages: Iterable[tuple[OutageWindow, Sequence[Element]]]) -> dict[int, list[OutageWindow]]:
    """DER id -> the outages whose stations/feeders supply it (down the supply chain: a host LDC's feeder or
    station reaches the embedded LDC's DERs below it; never upward, never sideways)."""
    reach = [(window, *elements_below(elements, tree)) for window, elements in outages if window.counts]
    found: dict[int, list[OutageWindow]] = {}
    for der in ders:
        for window, stations, feeders in reach:
            if der.feeder_id in feeders or der.station_id in stations:
                found.setdefault(der.id, []).append(window)
    return found


def der_available(der: DerAvailability, outages: Iterable[OutageWindow], start: datetime,
                  end: datetime) -> tuple[float, tuple[Block, ...]]:
    """What one DER can give over [start, end) and what reduces it: 0 when reported unavailable; under the
    counting outages overlapping the interval, the least any of them leaves (``floor_quantity``); its
    capacity otherwise. An outage that leaves the whole capacity (a max kW above it) is no cause."""
    capacity = max(float(der.capacity_kw), 0.0)
    hitting = [o for o in outages if o.overlaps(start, end) and o.left_of(capacity) < capacity - 1e-9]
    causes = tuple(Block(der.der_id, der.label, o) for o in hitting)
    if der.status == DerStatus.INACTIVE:
        return 0.0, (Block(der.der_id, der.label, None, der.status_reason), *causes)
    return floor_quantity(capacity, hitting), causes


def hourly_availability(trade_date: date, first_he: int, last_he: int, now: datetime,
                        ders: Sequence[DerAvailability], outages_by_der: Mapping[int, Sequence[OutageWindow]]
                        ) -> list[HourAvailability]:
    """Per hour of HE first..last still to come at ``now`` (an hour under way counts from ``now``): the sum over
    the DERs of what each can give (``der_available``). Hours already over are left out."""
    _require_aware(now, "now")
    hours = []
    for he in range(first_he, last_he + 1):
        part = remaining_window(*bid_window(trade_date, he, he), now)
        if part is None:
            continue
        available, causes = 0.0, []
        for der in ders:
            kw, why = der_available(der, outages_by_der.get(der.der_id, ()), *part)
            available += kw
            causes += why
        hours.append(HourAvailability(he, round(sum(max(d.capacity_kw, 0.0) for d in ders), 3), round(available, 3),
                                      tuple(causes)))
    return hours


def capacity_shortfall(asset_label: str, trade_date: date, first_he: int, last_he: int, quantity_kw: float,
                       now: datetime, ders: Sequence[DerAvailability],
                       outages_by_der: Mapping[int, Sequence[OutageWindow]]) -> Shortfall | None:
    """Why a bid of ``quantity_kw`` over HE first..last may not stand (None: it may). It is refused or blocked
    when, in any hour still to come, the quantity exceeds what its DERs can still give together: a DER reported
    unavailable or in a full outage gives 0, one under a constraint what the constraint leaves. So a DER bid is
    blocked by any full outage or unavailability, by a de-rate only below its quantity; a resource bid only when
    the contributors left cannot deliver it. Intervals are half-open: an outage ending at 14:00 EST leaves HE15."""
    short = tuple(h for h in hourly_availability(trade_date, first_he, last_he, now, ders, outages_by_der)
                  if quantity_kw > h.available_kw + 1e-6)
    return Shortfall(asset_label, trade_date, float(quantity_kw), short) if short else None


# --- floor-price bids -----------------------------------------------------------------------------------


def floor_quantity(capacity_kw: float, in_force: Sequence[OutageWindow]) -> float:
    """What a DER can still offer under the outages in force: 0 for a full outage, capacity x (1 - de-rate)
    or min(capacity, max kW) for a constraint; the smallest of them; the capacity when none applies."""
    capacity = max(float(capacity_kw), 0.0)
    return round(min([capacity, *(outage.left_of(capacity) for outage in in_force)]), 3)


@dataclass(frozen=True)
class FloorBidState:
    quantity_kw: float
    base_quantity_kw: float | None
    override: bool
    capacity_kw: float


class FloorAction(StrEnum):
    REDUCED = "reduced"  # an outage covers the hours: the quantity is what it leaves
    RESTORED = "restored"  # no outage any more: back to the base quantity
    OVERRIDE_KEPT = "override_kept"  # an outage started or ended, but the distributor set the quantity by hand
    NONE = "none"


@dataclass(frozen=True)
class FloorUpdate:
    action: FloorAction
    quantity_kw: float
    base_quantity_kw: float | None

    @property
    def changed(self) -> bool:
        return self.action in (FloorAction.REDUCED, FloorAction.RESTORED)


def plan_floor_update(bid: FloorBidState, in_force: Sequence[OutageWindow],
                      outage_changed: bool = True) -> FloorUpdate:
    """What outage automation does to a floor-price bid, given the outages now covering its remaining hours.

    Overridden by hand: nothing changes (OVERRIDE_KEPT, so the log can say so, when an outage changed).
    Outages in force: the quantity becomes what they leave, remembering the quantity before in the base
    (an existing base is kept: the outage may be the second one). None: back to the base, if there is one.
    """
    if bid.override:
        return FloorUpdate(FloorAction.OVERRIDE_KEPT if outage_changed else FloorAction.NONE, bid.quantity_kw,
                           bid.base_quantity_kw)
    if in_force:
        base = bid.base_quantity_kw if bid.base_quantity_kw is not None else bid.quantity_kw
        target = min(base, floor_quantity(bid.capacity_kw, in_force))
        if math.isclose(target, bid.quantity_kw, abs_tol=1e-6):
            return FloorUpdate(FloorAction.NONE, bid.quantity_kw, bid.base_quantity_kw)
        return FloorUpdate(FloorAction.REDUCED, target, base)
    if bid.base_quantity_kw is not None:
        return FloorUpdate(FloorAction.RESTORED, bid.base_quantity_kw, None)
    return FloorUpdate(FloorAction.NONE, bid.quantity_kw, None)
