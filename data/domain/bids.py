"""Bids/offers, resource plans and distributors' floor-price bids: the rules, as pure functions.

No framework here: plain values in, plain results out. The service (data/services/bids.py) loads the rows,
asks these functions, and writes what they decide.

- **Validation** of a bid or a resource plan, field by field ("field: what is wrong").
- **Market close** (DOMAIN.md): a DAM bid's trade date closes at 10:00 EST the day before (configurable);
  a real-time or distribution bid closes when its first hour starts. Resource plans close with the DAM.
  Changes of what is offered (submit, amend, withdraw, block, unblock, floor quantity) made at or after the
  close are flagged "after close"; the buyer's selection and the aggregator's acknowledgement come after the
  close by nature and are never flagged.
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
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OutageKind, OutageState, ServiceTag
from data.domain.errors import InvalidEntry
from data.domain.market_time import (
    _require_aware,
    dam_close_utc,
    format_market,
    hour_ending_end_utc,
    hour_ending_start_utc,
    trade_date_of,
)
from data.domain.outages import Element, elements_below, limit_text
from data.domain.supply_chain import SupplyTree
from data.domain.transitions import Transitions

__all__ = [
    "BLOCKABLE_STATUSES",
    "Block",
    "BidDraft",
    "DerAvailability",
    "FLOOR_PRICE_PER_MWH",
    "FloorAction",
    "FloorBidState",
    "FloorUpdate",
    "InvalidBid",
    "LIVE_STATUSES",
    "MAX_DAYS_AHEAD",
    "OutageWindow",
    "POST_CLOSE_KINDS",
    "PRICE_CEILING_PER_MWH",
    "PRICE_FLOOR_PER_MWH",
    "PlanDraft",
    "WHOLESALE_MARKETS",
    "HourAvailability",
    "Shortfall",
    "bid_window",
    "buyer_of",
    "capacity_shortfall",
    "change_after_close",
    "check_transition",
    "close_time",
    "der_available",
    "floor_quantity",
    "hourly_availability",
    "is_after_close",
    "market_accepts",
    "outages_reaching",
    "plan_after_close",
    "plan_floor_update",
    "remaining_window",
    "validate_bid",
    "validate_plan",
]

# Offer price bounds of the Ontario market (the IESO's maximum and minimum market clearing prices, $/MWh) [S]:
# named here once so a rule change is one edit.
PRICE_FLOOR_PER_MWH = -2000.0
PRICE_CEILING_PER_MWH = 2000.0
FLOOR_PRICE_PER_MWH = 0.0  # a distributor's floor-price bid is a zero-price bid
MAX_QUANTITY_KW = 10_000_000.0  # 10 GW: a larger number is a typing error, whatever the asset
MAX_DAYS_AHEAD = 31  # bids and plans for trade dates further ahead are refused
MAX_NOTE = 1000
FIRST_HE, LAST_HE = 1, 24

WHOLESALE_MARKETS: tuple[Market, ...] = (Market.DAM, Market.REAL_TIME)
MARKET_LABELS: dict[Market, str] = {Market.DAM: "Day-ahead (DAM)", Market.REAL_TIME: "Real-time",
                                    Market.DISTRIBUTION: "Distribution"}
# A bid that still offers something (and so can be blocked, unblocked or selected).
LIVE_STATUSES: tuple[BidStatus, ...] = (BidStatus.SUBMITTED, BidStatus.SELECTED, BidStatus.BLOCKED)
BLOCKABLE_STATUSES: tuple[BidStatus, ...] = (BidStatus.SUBMITTED, BidStatus.SELECTED)
# Changes of what is offered: flagged when made at or after the close.
POST_CLOSE_KINDS: frozenset[BidChangeKind] = frozenset({
    BidChangeKind.SUBMITTED, BidChangeKind.AMENDED, BidChangeKind.WITHDRAWN, BidChangeKind.BLOCKED,
    BidChangeKind.UNBLOCKED, BidChangeKind.FLOOR_AUTOMATIC, BidChangeKind.FLOOR_OVERRIDE,
})
# Outages that count: planned and active ones (a restored one until its restoration); cancelled never.
_COUNTING_STATES = (OutageState.PLANNED, OutageState.ACTIVE, OutageState.RESTORED)

B = BidStatus
ALLOWED_TRANSITIONS: dict[BidStatus, frozenset[BidStatus]] = {
    B.DRAFT: frozenset({B.SUBMITTED, B.WITHDRAWN}),
    B.SUBMITTED: frozenset({B.SELECTED, B.NOT_SELECTED, B.WITHDRAWN, B.BLOCKED}),
    B.SELECTED: frozenset({B.WITHDRAWN, B.BLOCKED}),
    B.BLOCKED: frozenset({B.SUBMITTED, B.WITHDRAWN}),
    B.NOT_SELECTED: frozenset(),
    B.WITHDRAWN: frozenset(),
}
_LIFECYCLE = Transitions(BidStatus, ALLOWED_TRANSITIONS, "a bid")
check_transition = _LIFECYCLE.check


class InvalidBid(InvalidEntry):
    """A bid, plan or floor-price entry with problems, each "field: what is wrong"."""


# --- buyers and markets ------------------------------------------------------------------------------------


class Buyer(StrEnum):
    IESO = "ieso"  # wholesale: DAM and real-time
    LDC = "ldc"  # distribution: the LDC whose territory holds the DERs


def buyer_of(market: Market | str) -> Buyer:
    return Buyer.IESO if Market(market) in WHOLESALE_MARKETS else Buyer.LDC


def market_accepts(market: Market | str, service_tag: ServiceTag | str) -> bool:
    """A wholesale bid needs an asset registered for wholesale (or both), a distribution bid one registered
    for distribution (or both)."""
    tag = ServiceTag(service_tag)
    if tag == ServiceTag.BOTH:
        return True
    return (tag == ServiceTag.WHOLESALE) == (Market(market) in WHOLESALE_MARKETS)


# --- time -----------------------------------------------------------------------------------------------


def bid_window(trade_date: date, first_he: int, last_he: int) -> tuple[datetime, datetime]:
    """[start of the first hour, end of the last hour) in UTC; HE24 ends at 00:00 EST the next day."""
    return hour_ending_start_utc(trade_date, first_he), hour_ending_end_utc(trade_date, last_he)


def remaining_window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime] | None:
    """The part of [start, end) still to come at ``now`` (None when it is all over)."""
    _require_aware(now, "now")
    begin = max(start, now)
    return (begin, end) if begin < end else None


def close_time(market: Market | str, trade_date: date, first_he: int, close_hour_est: int = 10) -> datetime:
    """When a bid's market closes: DAM at ``close_hour_est`` EST the day before the trade date; real-time and
    distribution when the bid's first hour starts."""
    if Market(market) == Market.DAM:
        return dam_close_utc(trade_date, close_hour_est=close_hour_est)
    return hour_ending_start_utc(trade_date, first_he)


def is_after_close(market: Market | str, trade_date: date, first_he: int, now: datetime,
                   close_hour_est: int = 10) -> bool:
    """At the close itself the market is closed (10:00:00 EST is after close)."""
    _require_aware(now, "now")
    return now >= close_time(market, trade_date, first_he, close_hour_est)


def change_after_close(kind: BidChangeKind | str, market: Market | str, trade_date: date, first_he: int,
                       now: datetime, close_hour_est: int = 10) -> bool:
    """Whether a change of this kind, made at ``now``, is flagged as a post-close change."""
    return BidChangeKind(kind) in POST_CLOSE_KINDS and is_after_close(market, trade_date, first_he, now,
                                                                      close_hour_est)


def plan_after_close(trade_date: date, now: datetime, close_hour_est: int = 10) -> bool:
    """Resource plans tell the market what will be offered: they close with the DAM."""
    _require_aware(now, "now")
    return now >= dam_close_utc(trade_date, close_hour_est=close_hour_est)


# --- validation -----------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_hour(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and FIRST_HE <= value <= LAST_HE


def _hours_problems(first: int | None, last: int | None, required: bool = True) -> list[str]:
    if first is None and last is None and not required:
        return []
    problems = []
    if not _is_hour(first):
        problems.append(f"first hour-ending: a whole number from {FIRST_HE} to {LAST_HE}")
    if not _is_hour(last):
        problems.append(f"last hour-ending: a whole number from {FIRST_HE} to {LAST_HE}")
    if not problems and last < first:  # type: ignore[operator]
        problems.append("last hour-ending: must not be before the first hour-ending")
    return problems


def _trade_date_problems(trade_date: date | None, now: datetime) -> list[str]:
    if trade_date is None:
        return ["trade date: required"]
    today = trade_date_of(now)
    if trade_date > today + timedelta(days=MAX_DAYS_AHEAD):
        return [f"trade date: at most {MAX_DAYS_AHEAD} days ahead ({today + timedelta(days=MAX_DAYS_AHEAD)})"]
    return []


@dataclass(frozen=True)
class BidDraft:
    """A bid as entered. ``capacity_kw`` is the capacity of the resource (its contributor DERs) or DER."""

    market: str
    trade_date: date | None
    first_hour_ending: int | None
    last_hour_ending: int | None
    quantity_kw: float | None
    price_per_mwh: float | None
    capacity_kw: float | None = None
    asset_label: str = "the asset"


def validate_bid(draft: BidDraft, now: datetime) -> list[str]:
    """Every problem of a bid, field by field; empty when it may be submitted (blocking aside)."""
    problems: list[str] = []
    if draft.market not in set(Market):
        problems.append(f"market: one of {', '.join(m.value for m in Market)}")
    problems += _trade_date_problems(draft.trade_date, now)
    hours = _hours_problems(draft.first_hour_ending, draft.last_hour_ending)
    problems += hours
    if not hours and draft.trade_date is not None and not problems:
        _, end = bid_window(draft.trade_date, draft.first_hour_ending, draft.last_hour_ending)  # type: ignore[arg-type]
        if end <= now:
            problems.append(f"last hour-ending: HE{draft.last_hour_ending} of {draft.trade_date} is over "
                            f"(ended {format_market(end)})")
    q = draft.quantity_kw
    if not _is_number(q):
        problems.append("quantity: a number of kW")
    elif q <= 0:  # type: ignore[operator]
        problems.append("quantity: must be more than 0 kW")
    elif q > MAX_QUANTITY_KW:  # type: ignore[operator]
        problems.append(f"quantity: at most {MAX_QUANTITY_KW:,.0f} kW")
    elif draft.capacity_kw is not None and q > draft.capacity_kw + 1e-9:  # type: ignore[operator]
        problems.append(f"quantity: {q:,.1f} kW is more than the capacity of {draft.asset_label} "
                        f"({draft.capacity_kw:,.1f} kW)")
    p = draft.price_per_mwh
    if not _is_number(p):
        problems.append("price: a number of $/MWh")
    elif not PRICE_FLOOR_PER_MWH <= p <= PRICE_CEILING_PER_MWH:  # type: ignore[operator]
        problems.append(f"price: between {PRICE_FLOOR_PER_MWH:,.0f} and {PRICE_CEILING_PER_MWH:,.0f} $/MWh")
    return problems


@dataclass(frozen=True)
class PlanDraft:
    trade_date: date | None
    intends_to_offer: bool | None
    first_hour_ending: int | None = None
    last_hour_ending: int | None = None
    note: str | None = None


def validate_plan(draft: PlanDraft, now: datetime) -> list[str]:
    """A plan says whether the resource will be offered on the trade date and, if so, over which hours."""
    problems = _trade_date_problems(draft.trade_date, now)
    if draft.trade_date is not None and not problems and draft.trade_date < trade_date_of(now):
        problems.append(f"trade date: {draft.trade_date} is over")
    if not isinstance(draft.intends_to_offer, bool):
        problems.append("intends to offer: yes or no")
    else:
        problems += _hours_problems(draft.first_hour_ending, draft.last_hour_ending,
                                    required=draft.intends_to_offer)
    if draft.note is not None and len(draft.note) > MAX_NOTE:
        problems.append(f"note: longer than {MAX_NOTE:,} characters")
    return problems


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
