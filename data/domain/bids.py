"""Bids/offers, resource plans and distributors' floor-price bids: the rules, as pure functions.

No framework here: plain values in, plain results out. The services (data/services/bids.py and its neighbours)
load the rows, ask these functions, and write what they decide.

- **Validation** of a bid or a resource plan, field by field ("field: what is wrong").
- **Market close** (DOMAIN.md): a DAM bid's trade date closes at 10:00 EST the day before (configurable);
  a real-time or distribution bid closes when its first hour starts. Resource plans close with the DAM.
  Changes of what is offered (submit, amend, withdraw, block, unblock, floor quantity) made at or after the
  close are flagged "after close"; the buyer's selection and the aggregator's acknowledgement come after the
  close by nature and are never flagged.
- **Availability** (blocking by outages, constraints and unavailable DERs; floor-price automation): in
  data/domain/bid_availability.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from data.domain.enums import BidChangeKind, BidStatus, Market, ServiceTag
from data.domain.errors import InvalidEntry
from data.domain.market_time import (
    _require_aware,
    dam_close_utc,
    format_market,
    hour_ending_end_utc,
    hour_ending_start_utc,
    trade_date_of,
)
from data.domain.transitions import Transitions

__all__ = [
    "BLOCKABLE_STATUSES",
    "BidDraft",
    "FLOOR_PRICE_PER_MWH",
    "InvalidBid",
    "LIVE_STATUSES",
    "MARKET_LABELS",
    "MAX_DAYS_AHEAD",
    "MAX_NOTE",
    "Offer",
    "POST_CLOSE_KINDS",
    "PRICE_CEILING_PER_MWH",
    "PRICE_FLOOR_PER_MWH",
    "PlanDraft",
    "WHOLESALE_MARKETS",
    "bid_window",
    "buyer_of",
    "change_after_close",
    "check_transition",
    "close_time",
    "is_after_close",
    "market_accepts",
    "plan_after_close",
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
class Offer:
    """What a bid offers, as entered (any of it may be missing or wrong until validated)."""

    market: str
    trade_date: date | None
    first_hour_ending: int | None
    last_hour_ending: int | None
    quantity_kw: float | None
    price_per_mwh: float | None


@dataclass(frozen=True)
class BidDraft(Offer):
    """A bid as entered. ``capacity_kw`` is the capacity of the resource (its contributor DERs) or DER."""

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
