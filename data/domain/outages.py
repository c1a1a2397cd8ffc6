"""Outages and constraints: the state machine, what a valid entry is, and which DERs an outage reaches.

Pure functions over plain data (no framework). DOMAIN.md, supply chain: an outage or constraint on a feeder
or station applies to every DER supplied through it, including DERs of embedded LDCs supplied by a host
feeder or station, and to no other DER (never upward, never sideways).

State machine (explicit, nothing else is allowed):
    planned -> active -> restored
    planned -> cancelled, active -> cancelled
restored and cancelled are final. IESO transmission outages (kind ``transmission``) mirror the IESO feed and
are read-only on the platform.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from data.domain.enums import OutageKind, OutageState
from data.domain.errors import DomainError, InvalidEntry, problem_field
from data.domain.market_time import MARKET_TZ, floor_to_interval, is_on_interval_boundary
from data.domain.supply_chain import SupplyTree
from data.domain.transitions import Transitions

__all__ = [
    "ALERT_KIND",
    "ALLOWED_TRANSITIONS",
    "EDITABLE_KINDS",
    "FINAL_STATES",
    "IMPACT_KIND",
    "MAX_DESCRIPTION",
    "MAX_KW",
    "Element",
    "InvalidOutage",
    "OutageDraft",
    "ReadOnlyOutage",
    "affected_ders",
    "check_editable",
    "check_transition",
    "elements_below",
    "initial_state",
    "limit_text",
    "next_states",
    "parse_market_time",
    "restoration_time",
    "problem_field",
    "validate_draft",
]

S = OutageState
ALLOWED_TRANSITIONS: dict[OutageState, frozenset[OutageState]] = {
    S.PLANNED: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.RESTORED, S.CANCELLED}),
    S.RESTORED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATES: frozenset[OutageState] = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if not targets)
# What an LDC may log on the platform; transmission outages come from the IESO feed only.
EDITABLE_KINDS: tuple[OutageKind, ...] = (OutageKind.PLANNED, OutageKind.FORCED, OutageKind.CONSTRAINT)

# Notification kinds: an alert to an aggregator, and the wholesale-impact note to the IESO.
ALERT_KIND = "outage"
IMPACT_KIND = "outage_wholesale_impact"

MAX_KW = 10_000_000.0  # 10 GW: far above any distribution element; a larger number is a typing error
MAX_DESCRIPTION = 2000
MAX_ELEMENTS = 50
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class InvalidOutage(InvalidEntry):
    """An outage entry with problems; ``problems`` lists each one for the person who typed it."""


class ReadOnlyOutage(DomainError):
    """IESO transmission outages mirror the IESO feed: the platform never edits them."""


_LIFECYCLE = Transitions(OutageState, ALLOWED_TRANSITIONS, "an outage")
check_transition = _LIFECYCLE.check
next_states = _LIFECYCLE.next


def check_editable(kind: OutageKind | str) -> None:
    if kind == OutageKind.TRANSMISSION:
        raise ReadOnlyOutage("IESO transmission outages come from the IESO feed and are read-only here")


def initial_state(start: datetime, now: datetime) -> OutageState:
    """A new entry is active once its start has come, planned before."""
    return OutageState.ACTIVE if start <= now else OutageState.PLANNED


def restoration_time(start: datetime, now: datetime) -> datetime:
    """Restored 'now', on the 5-minute market grid (as the conflict checks need), never before the start."""
    return max(start, floor_to_interval(now))


# --- entry -------------------------------------------------------------------------------------------------

_MARKET_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*EST)?")


def parse_market_time(text: object, label: str) -> datetime:
    """'YYYY-MM-DD HH:MM' typed in market time (EST, UTC-5 all year) -> aware UTC; ValueError says why not."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{label}: enter a date and time as YYYY-MM-DD HH:MM (EST)")
    raw = text.strip()
    match = _MARKET_TIME.fullmatch(raw) if len(raw) <= 30 else None
    if match is None:
        raise ValueError(f"{label}: {raw[:30]!r} is not a date and time; use YYYY-MM-DD HH:MM (EST)")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"{label}: the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=MARKET_TZ)
    except ValueError:
        raise ValueError(f"{label}: {raw!r} is not a real date and time") from None
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Element:
    """A station or a feeder an outage applies to (exactly one of the two)."""

    station_id: int | None = None
    feeder_id: int | None = None


@dataclass(frozen=True)
class OutageDraft:
    kind: OutageKind | str
    elements: tuple[Element, ...]
    start: datetime | None  # None: not given (or not readable)
    estimated_restoration: datetime | None = None
    derate_pct: float | None = None
    max_kw: float | None = None
    description: str | None = None


def _number_problem(value: float | None, label: str, low: float, high: float, unit: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"{label}: must be a number"
    if not low <= value <= high:
        return f"{label}: must be between {low:,.0f} and {high:,.0f} {unit}"
    return None


def _time_problem(ts: datetime | None, label: str) -> str | None:
    if ts is None:
        return None
    if ts.tzinfo is None or ts.utcoffset() is None:
        return f"{label}: has no time zone"
    if not is_on_interval_boundary(ts):
        return f"{label}: must be on a 5-minute boundary (e.g. 14:00, 14:05), without seconds"
    return None


def validate_draft(draft: OutageDraft) -> list[str]:
    """Every problem of an entry, field by field ("field: what is wrong"), worded for the operator; an empty
    list means it may be saved."""
    problems: list[str] = []
    if draft.kind not in EDITABLE_KINDS:
        problems.append(f"kind: must be one of {', '.join(EDITABLE_KINDS)}")
    if not draft.elements:
        problems.append("station/feeder: pick at least one station or feeder")
    elif len(draft.elements) > MAX_ELEMENTS:
        problems.append(f"station/feeder: at most {MAX_ELEMENTS} stations and feeders in one entry")
    elif any((e.station_id is None) == (e.feeder_id is None) for e in draft.elements):
        problems.append("station/feeder: each element is either a station or a feeder")
    start_problem = _time_problem(draft.start, "start") if draft.start else "start: required"
    end_problem = _time_problem(draft.estimated_restoration, "estimated restoration")
    problems += [p for p in (start_problem, end_problem) if p]
    if draft.estimated_restoration is None:
        if draft.kind == OutageKind.PLANNED:
            problems.append("estimated restoration: required for a planned outage")
    elif draft.start and not start_problem and not end_problem and draft.estimated_restoration <= draft.start:
        problems.append("estimated restoration: must be after the start")
    problems += [p for p in (_number_problem(draft.derate_pct, "de-rate", 0, 100, "%"),
                             _number_problem(draft.max_kw, "maximum kW", 0, MAX_KW, "kW")) if p]
    if draft.derate_pct is not None and draft.max_kw is not None:
        problems.append("de-rate / maximum kW: give one or the other, not both")
    if draft.kind == OutageKind.CONSTRAINT and draft.derate_pct is None and draft.max_kw is None:
        problems.append("de-rate / maximum kW: a constraint needs a de-rate % or a maximum kW")
    if draft.description is not None and len(draft.description) > MAX_DESCRIPTION:
        problems.append(f"description: longer than {MAX_DESCRIPTION:,} characters")
    return problems


def limit_text(derate_pct: float | None, max_kw: float | None) -> str:
    """How much of the element is left: "de-rate 40 %", "max 500 kW" or "full outage"."""
    if derate_pct is not None:
        return f"de-rate {derate_pct:g} %"
    if max_kw is not None:
        return f"max {max_kw:,.0f} kW"
    return "full outage"



# --- reach -------------------------------------------------------------------------------------------------


class Located(Protocol):
    """Anything placed on the grid like a DER: its feeder and its station."""

    @property
    def feeder_id(self) -> int: ...

    @property
    def station_id(self) -> int: ...


L = TypeVar("L", bound=Located)


def elements_below(elements: Iterable[Element], tree: SupplyTree) -> tuple[set[int], set[int]]:
    """(stations, feeders) supplied through the elements: a station with everything below it, a feeder with the
    stations it supplies (an embedded LDC's) and everything below those. Elements unknown to the tree reach
    only themselves."""
    stations: set[int] = set()
    feeders: set[int] = set()
    supplied_by_feeder: dict[int, list[int]] = {}
    for node in tree.stations.values():
        if node.supply_feeder_id is not None:
            supplied_by_feeder.setdefault(node.supply_feeder_id, []).append(node.id)
    roots: list[int] = []
    for element in elements:
        if element.station_id is not None:
            roots.append(element.station_id)
        if element.feeder_id is not None:
            feeders.add(element.feeder_id)
            roots.extend(supplied_by_feeder.get(element.feeder_id, ()))
    for root in roots:
        stations.add(root)
        if root in tree.stations:
            stations |= tree.below(root)
    feeders |= {f for f, s in tree.feeder_station.items() if s in stations}
    return stations, feeders


def affected_ders(elements: Iterable[Element], tree: SupplyTree, ders: Iterable[L]) -> list[L]:
    """The DERs (in the order given) supplied through any element: on an affected feeder or at a station
    supplied through one."""
    stations, feeders = elements_below(elements, tree)
    return [d for d in ders if d.feeder_id in feeders or d.station_id in stations]
