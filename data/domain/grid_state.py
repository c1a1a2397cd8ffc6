"""State of grid elements for display: loading classes and guest-safe aggregates. Pure."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from data.domain.enums import Severity


@dataclass(frozen=True)
class LoadingThresholds:
    warning_pct: float = 80.0
    alarm_pct: float = 100.0


def loading_pct(load_mw: float | None, rated_mw: float | None) -> float | None:
    """Loading as a % of rating; negative when power flows back up (reverse flow)."""
    if load_mw is None or not rated_mw:
        return None
    return 100.0 * load_mw / rated_mw


def loading_state(pct: float | None, thresholds: LoadingThresholds = LoadingThresholds()) -> Severity | None:
    """None (normal or unknown: drawn grey), ACTION above the warning, ALARM above the rating.

    Reverse flow is INFORMATION unless its magnitude itself is a warning or alarm.
    """
    if pct is None:
        return None
    magnitude = abs(pct)
    if magnitude >= thresholds.alarm_pct:
        return Severity.ALARM
    if magnitude >= thresholds.warning_pct:
        return Severity.ACTION
    if pct < 0:
        return Severity.INFORMATION
    return None


@dataclass(frozen=True)
class DerAggregate:
    """DERs summed over one group: a feeder or station (id) or an IESO zone (name)."""

    key: int | str
    der_count: int
    capacity_kw: float
    lat: float
    lon: float
    by_technology: tuple[tuple[str, int, float], ...] = ()  # (technology, count, kW)


def guest_safe(aggregates: Iterable[DerAggregate], minimum: int) -> list[DerAggregate]:
    """Drop every aggregate of fewer than `minimum` DERs, and any technology split below it.

    A breakdown row of 1-4 DERs could identify a customer, so it is withheld too (the
    feeder total stays when it is itself large enough).
    """
    safe: list[DerAggregate] = []
    for agg in aggregates:
        if agg.der_count < minimum:
            continue
        split = tuple(t for t in agg.by_technology if t[1] >= minimum)
        safe.append(replace(agg, by_technology=split))
    return safe


def bbox_contains(bbox: Sequence[float], lat: float, lon: float) -> bool:
    """bbox = (south, west, north, east)."""
    south, west, north, east = bbox
    return south <= lat <= north and west <= lon <= east
