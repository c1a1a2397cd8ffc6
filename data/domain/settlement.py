"""Unofficial settlement of M&V events, per period and party, and the reconciliation of double payments.

DOMAIN.md "M&V formulas" step 8: ``E (MWh) x price`` plus availability, minus non-performance, with the rules
made explicit here and every rate configuration (``config/settings.py``, ``RateCard.from_settings``). Nothing
here is an IESO or LDC settlement statement.

**Who.** An event is paid by its *buyer* (the operator of its program: the IESO for a wholesale program, an LDC
for a distribution program) to its *seller* (the aggregator of the resource), once.

**Rules, per event** (rates per market: ``dam``, ``real_time``, ``distribution``):
- delivered energy ``E = sum_h D_h dt / 1000`` MWh, ``D_h`` the stored delivered kW of each event hour, clamped
  at 0 (``data.domain.delivery.energy``); activated energy ``A = sum_h A_h dt / 1000`` MWh;
- activation payment = activation rate ($ per MW, **per event**) x activated MW: a 2 MW activation earns twice a
  1 MW one, whatever its length (the length is paid by availability and delivery);
- availability payment = availability rate ($/MWh) x ``A``: standing ready over the event hours;
- delivery payment = delivery rate ($/MWh) x ``E`` (``data.domain.delivery.settlement_breakdown``);
- non-performance charge = non-performance rate ($/MWh) x ``max(0, threshold x A - sum_h min(D_h, A_h) dt)``:
  only the shortfall below the threshold (default 80 % of the activated energy) is charged;
- total = activation + availability + delivery - non-performance.
An event without M&V results (no baseline) counts as an event and is settled at zero ("pending M&V").

**Run time** = the hours in which the asset delivered something (``D_h > 0``), not the scheduled length.

**Period**: an event belongs to the EST trade date of its start (HE24 of a day is that day, not the next).

**Reconciliation.** A resource-level event expands to its contributor DERs: the DERs of the resource with an
enrolment through the resource's aggregator in force on the event's trade date (``[start, end)``, any program).
A DER's share of an event is its capacity over the contributors' capacity. Two events of different buyers whose
windows overlap (half-open ``[start, end)``: touching is not overlapping) and share a DER give one
``DoublePayment`` per DER and pair: the overlap window, the DER's share of each event's energy inside it, and
the energy at stake, the smaller of the two (what is paid twice). Pure Python, no framework imports.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from data.domain.delivery import energy, percent_delivered, settlement_breakdown
from data.domain.enums import Market, Severity
from data.domain.market_time import MARKET_TZ, trade_date_of

__all__ = [
    "ContributorDer", "DoublePayment", "EventInput", "EventSettlement", "HourDelivery", "MarketRates", "Membership",
    "OverlapPair", "RateCard", "Totals", "breakdown", "by_pair", "contributors", "reconcile", "settle", "settle_event",
    "totals", "window_text",
]

HOUR = timedelta(hours=1)
KW_PER_MW = 1000.0
PENDING = "pending M&V"


# --- rates ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketRates:
    activation_per_mw: float = 0.0  # $ per MW activated, per event
    availability_per_mwh: float = 0.0  # $ per MWh activated (MW x event hours)
    delivery_per_mwh: float = 0.0  # $ per MWh delivered


@dataclass(frozen=True)
class RateCard:
    markets: Mapping[str, MarketRates] = field(default_factory=dict)  # Market value -> rates
    non_performance_per_mwh: float = 0.0
    performance_threshold_pct: float = 80.0

    def __post_init__(self) -> None:
        for name, rates in self.markets.items():
            for label, value in vars(rates).items():
                if not math.isfinite(value) or value < 0:
                    raise ValueError(f"settlement rate {name}.{label} must be a number >= 0, got {value}")
        if not math.isfinite(self.non_performance_per_mwh) or self.non_performance_per_mwh < 0:
            raise ValueError(f"non-performance rate must be >= 0, got {self.non_performance_per_mwh}")
        if not 0 <= self.performance_threshold_pct <= 100:
            raise ValueError(f"performance threshold must be 0-100 %, got {self.performance_threshold_pct}")

    def for_market(self, market: str) -> MarketRates:
        """The market's rates; a market without rates pays nothing (never a guess)."""
        return self.markets.get(market, MarketRates())

    @classmethod
    def from_settings(cls, settings: Any) -> RateCard:
        """From ``config.settings.Settings`` (its ``settlement_*`` fields)."""
        markets = {
            market.value: MarketRates(
                getattr(settings, f"settlement_{market.value}_activation_per_mw"),
                getattr(settings, f"settlement_{market.value}_availability_per_mwh"),
                getattr(settings, f"settlement_{market.value}_delivery_per_mwh"),
            )
            for market in Market
        }
        return cls(markets, settings.settlement_non_performance_per_mwh,
                   settings.settlement_performance_threshold_pct)


# --- inputs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourDelivery:
    """One stored M&V hour of an event (kW, as in ``MvResult``)."""

    hour_start: datetime  # aware, UTC
    activated_kw: float
    delivered_kw: float
    length_h: float = 1.0


@dataclass(frozen=True)
class EventInput:
    event_id: int
    resource_id: int
    resource_code: str
    seller_id: int  # the aggregator paid
    seller: str
    buyer_id: int | None  # the organisation that pays (None: unknown)
    buyer: str
    market: str  # Market value: which rates apply
    service: str  # label of the service traded (pie chart)
    start_at: datetime
    end_at: datetime
    activated_kw: float
    hours: tuple[HourDelivery, ...] = ()  # empty: not measured
    program: str | None = None
    issuer: str = ""

    def __post_init__(self) -> None:
        if self.end_at < self.start_at:
            raise ValueError(f"event {self.event_id} ends before it starts")
        if not math.isfinite(self.activated_kw) or self.activated_kw < 0:
            raise ValueError(f"event {self.event_id}: activated kW must be >= 0, got {self.activated_kw}")

    @property
    def trade_date(self) -> date:
        return trade_date_of(self.start_at)

    @property
    def buyer_key(self) -> str:
        return str(self.buyer_id) if self.buyer_id is not None else f"name:{self.buyer}"


# --- settlement -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSettlement:
    event: EventInput
    measured: bool
    activated_mwh: float
    delivered_mwh: float
    run_time_h: float
    percent: float | None  # % delivered; None: n/a
    activation: float
    availability: float
    delivery: float
    non_performance: float
    delivery_rate: float  # $/MWh applied

    @property
    def total(self) -> float:
        return self.activation + self.availability + self.delivery - self.non_performance

    @property
    def status(self) -> str:
        return "settled" if self.measured else PENDING


def settle_event(event: EventInput, rates: RateCard) -> EventSettlement:
    """The payments of one event under the rules of this module (no rounding)."""
    market = rates.for_market(event.market)
    if not event.hours:
        return EventSettlement(event, False, 0.0, 0.0, 0.0, None, 0.0, 0.0, 0.0, 0.0, market.delivery_per_mwh)
    delivered = {h.hour_start: max(0.0, h.delivered_kw) * h.length_h for h in event.hours}  # kWh per hour
    activated = {h.hour_start: h.activated_kw * h.length_h for h in event.hours}
    delivered_mwh = energy(delivered) / KW_PER_MW
    activated_mwh = math.fsum(activated.values()) / KW_PER_MW
    within_mwh = math.fsum(min(delivered[k], activated[k]) for k in activated) / KW_PER_MW
    run_time = math.fsum(h.length_h for h in event.hours if h.delivered_kw > 0)
    shortfall = max(0.0, rates.performance_threshold_pct / 100.0 * activated_mwh - within_mwh)
    money = settlement_breakdown(delivered_mwh, market.delivery_per_mwh,
                                 availability=market.availability_per_mwh * activated_mwh,
                                 non_performance=rates.non_performance_per_mwh * shortfall)
    return EventSettlement(
        event, True, activated_mwh, delivered_mwh, run_time,
        percent_delivered(delivered, activated) if activated_mwh > 0 else None,
        market.activation_per_mw * event.activated_kw / KW_PER_MW, money.availability, money.energy_payment,
        money.non_performance, market.delivery_per_mwh,
    )


def settle(events: Iterable[EventInput], rates: RateCard, first: date | None = None,
           last: date | None = None) -> list[EventSettlement]:
    """Every event whose EST trade date is in ``[first, last]`` (inclusive; None: open), by start then id."""
    chosen = [e for e in events if (first is None or e.trade_date >= first) and (last is None or e.trade_date <= last)]
    return [settle_event(e, rates) for e in sorted(chosen, key=lambda e: (e.start_at, e.event_id))]


@dataclass(frozen=True)
class Totals:
    events: int = 0
    measured: int = 0
    activated_mwh: float = 0.0
    delivered_mwh: float = 0.0
    run_time_h: float = 0.0
    activation: float = 0.0
    availability: float = 0.0
    delivery: float = 0.0
    non_performance: float = 0.0

    @property
    def total(self) -> float:
        return self.activation + self.availability + self.delivery - self.non_performance

    @property
    def paid(self) -> float:
        """What the buyer pays before charges (the size of the trade)."""
        return self.activation + self.availability + self.delivery


def totals(lines: Iterable[EventSettlement]) -> Totals:
    items = list(lines)

    def add(name: str) -> float:
        return math.fsum(getattr(line, name) for line in items)

    return Totals(len(items), sum(line.measured for line in items), add("activated_mwh"), add("delivered_mwh"),
                  add("run_time_h"), add("activation"), add("availability"), add("delivery"), add("non_performance"))


def breakdown(lines: Iterable[EventSettlement], key: Callable[[EventSettlement], str]) -> list[tuple[str, Totals]]:
    """Totals per group (e.g. ``lambda s: s.event.service``), largest trade first, then by name."""
    groups: dict[str, list[EventSettlement]] = defaultdict(list)
    for line in lines:
        groups[key(line)].append(line)
    found = [(name, totals(items)) for name, items in groups.items()]
    return sorted(found, key=lambda nt: (-nt[1].paid, nt[0]))


# --- reconciliation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """A DER's enrolment through an aggregator over ``[start, end)`` (end None: open)."""

    aggregator_id: int
    start: date
    end: date | None = None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class ContributorDer:
    der_id: int
    label: str  # the platform ID
    resource_id: int | None
    capacity_kw: float
    memberships: tuple[Membership, ...] = ()


def contributors(event: EventInput, ders: Iterable[ContributorDer]) -> list[tuple[ContributorDer, float]]:
    """The event's contributor DERs with their share of it (capacity / contributors' capacity; equal shares when
    every capacity is 0)."""
    day = event.trade_date
    found = [d for d in ders if d.resource_id == event.resource_id
             and any(m.aggregator_id == event.seller_id and m.active_on(day) for m in d.memberships)]
    capacity = math.fsum(max(0.0, d.capacity_kw) for d in found)
    if not found:
        return []
    if capacity <= 0:
        return [(d, 1.0 / len(found)) for d in found]
    return [(d, max(0.0, d.capacity_kw) / capacity) for d in found]


def _energy_within_mwh(line: EventSettlement, start: datetime, end: datetime) -> float:
    """The event's delivered energy inside ``[start, end)``, each hour's energy spread evenly over the hour."""
    total = 0.0
    for h in line.event.hours:
        h_end = h.hour_start + h.length_h * HOUR
        inside = (min(end, h_end) - max(start, h.hour_start)) / HOUR
        if inside > 0:
            total += max(0.0, h.delivered_kw) * inside
    return total / KW_PER_MW


def window_text(start: datetime, end: datetime) -> str:
    """``2026-06-03 14:00–16:00 EST`` (the end's date is written when it differs)."""
    a, b = start.astimezone(MARKET_TZ), end.astimezone(MARKET_TZ)
    tail = b.strftime("%H:%M" if a.date() == b.date() else "%Y-%m-%d %H:%M")
    return f"{a:%Y-%m-%d %H:%M}–{tail} EST"


@dataclass(frozen=True)
class DoublePayment:
    der_id: int
    der_label: str
    first: EventSettlement  # the earlier start (then the lower event id)
    second: EventSettlement
    overlap_start: datetime
    overlap_end: datetime
    first_mwh: float  # this DER's share of each event's energy inside the overlap
    second_mwh: float

    @property
    def at_stake_mwh(self) -> float:
        """The energy paid twice: the smaller of the two claims."""
        return min(self.first_mwh, self.second_mwh)

    @property
    def amount_at_stake(self) -> float:
        """That energy at the lower of the two delivery rates ($)."""
        return self.at_stake_mwh * min(self.first.delivery_rate, self.second.delivery_rate)

    @property
    def severity(self) -> Severity:
        """Alarm: energy is paid twice; action: the activations overlap but no delivered energy is at stake yet."""
        return Severity.ALARM if self.at_stake_mwh > 0 else Severity.ACTION

    @property
    def text(self) -> str:
        a, b = self.first.event, self.second.event
        head = (f"{self.der_label}: {self.at_stake_mwh:,.3f} MWh paid by both {a.buyer} (event {a.event_id})"
                if self.severity is Severity.ALARM else
                f"{self.der_label}: activated for both {a.buyer} (event {a.event_id})")
        return f"{head} and {b.buyer} (event {b.event_id}) over {window_text(self.overlap_start, self.overlap_end)}"


def reconcile(lines: Sequence[EventSettlement], ders: Iterable[ContributorDer]) -> list[DoublePayment]:
    """Every DER whose energy two different buyers pay for overlapping windows, one flag per DER and event pair;
    the most energy at stake first, then DER and time."""
    by_resource: dict[int | None, list[ContributorDer]] = defaultdict(list)
    for der in ders:
        by_resource[der.resource_id].append(der)
    per_der: dict[int, list[tuple[EventSettlement, float]]] = defaultdict(list)
    labels: dict[int, str] = {}
    for line in lines:
        for der, share in contributors(line.event, by_resource.get(line.event.resource_id, ())):
            per_der[der.der_id].append((line, share))
            labels[der.der_id] = der.label
    flags = []
    for der_id, claims in per_der.items():
        claims.sort(key=lambda c: (c[0].event.start_at, c[0].event.event_id))
        for i, (a, share_a) in enumerate(claims):
            for b, share_b in claims[i + 1:]:
                if b.event.start_at >= a.event.end_at:
                    break  # sorted by start: no later claim overlaps a
                if a.event.buyer_key == b.event.buyer_key or b.event.end_at <= b.event.start_at:
                    continue  # the same buyer, or an empty window
                start, end = b.event.start_at, min(a.event.end_at, b.event.end_at)
                flags.append(DoublePayment(der_id, labels[der_id], a, b, start, end,
                                           share_a * _energy_within_mwh(a, start, end),
                                           share_b * _energy_within_mwh(b, start, end)))
    return sorted(flags, key=lambda f: (-f.at_stake_mwh, f.der_label, f.overlap_start, f.first.event.event_id))


@dataclass(frozen=True)
class OverlapPair:
    """The flags of one pair of overlapping events, summed over their DERs."""

    first: EventSettlement
    second: EventSettlement
    overlap_start: datetime
    overlap_end: datetime
    ders: int
    at_stake_mwh: float
    amount_at_stake: float

    @property
    def severity(self) -> Severity:
        return Severity.ALARM if self.at_stake_mwh > 0 else Severity.ACTION


def by_pair(flags: Iterable[DoublePayment]) -> list[OverlapPair]:
    """One line per event pair (the overlap window is the pair's): most energy at stake first, then time."""
    groups: dict[tuple[int, int], list[DoublePayment]] = defaultdict(list)
    for f in flags:
        groups[(f.first.event.event_id, f.second.event.event_id)].append(f)
    pairs = [OverlapPair(items[0].first, items[0].second, items[0].overlap_start, items[0].overlap_end, len(items),
                         math.fsum(f.at_stake_mwh for f in items), math.fsum(f.amount_at_stake for f in items))
             for items in groups.values()]
    return sorted(pairs, key=lambda p: (-p.at_stake_mwh, p.overlap_start, p.first.event.event_id))
