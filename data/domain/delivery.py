"""M&V delivery and settlement: steps 7 and 8 of DOMAIN.md, "M&V formulas".

7. Delivery per hour: ``D_h = max(0, B'_h - L_h)`` for a load reduction, ``max(0, G_h - G_base_h)`` for an
   injection. Energy ``E = sum_h D_h dt`` uses the clamped ``D_h``. Percent delivered
   ``100 sum_h min(D_h, A_h) / sum_h A_h`` with ``A_h`` the activated amount; undefined (``None``, shown
   "n/a") when ``sum_h A_h = 0``.
8. Settlement: ``E (MWh) x price`` plus an availability payment, minus a non-performance charge; the rules
   that produce those two amounts are configuration, so they come in as explicit numbers.

Units follow the inputs (kW in -> kWh out for ``dt_h`` in hours); nothing is rounded here. Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "NOT_AVAILABLE",
    "SettlementBreakdown",
    "delivered",
    "delivered_by_hour",
    "energy",
    "format_percent",
    "injection_delivered",
    "injection_delivered_by_hour",
    "percent_delivered",
    "settlement",
    "settlement_breakdown",
]

NOT_AVAILABLE = "n/a"

Series = Mapping[Any, float] | Sequence[float]


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value}")
    return number


def _as_mapping(values: Series, name: str) -> Mapping[Any, float]:
    if isinstance(values, Mapping):
        return values
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a mapping (hour -> value) or a sequence, got {type(values).__name__}")
    return dict(enumerate(values))


# --- step 7: delivery -----------------------------------------------------------------------------


def delivered(baseline_h: float, load_h: float) -> float:
    """Load reduction delivered in one hour: ``max(0, B'_h - L_h)``."""
    return max(0.0, _number(baseline_h, "baseline_h") - _number(load_h, "load_h"))


def injection_delivered(gen_h: float, gen_base_h: float) -> float:
    """Injection delivered in one hour: ``max(0, G_h - G_base_h)``."""
    return max(0.0, _number(gen_h, "gen_h") - _number(gen_base_h, "gen_base_h"))


def _same_hours(a: Mapping[Any, float], b: Mapping[Any, float], a_name: str, b_name: str) -> None:
    """Refuse series that do not cover the same hours: a missing value is not a zero."""
    if set(a) != set(b):
        only_a = sorted(map(str, set(a) - set(b)))
        only_b = sorted(map(str, set(b) - set(a)))
        raise ValueError(
            f"{a_name} and {b_name} cover different hours (only in {a_name}: {only_a}, only in {b_name}: {only_b})"
        )


def delivered_by_hour(baseline: Mapping[int, float], load: Mapping[int, float]) -> dict[int, float]:
    """``delivered`` for every hour; both mappings must cover the same hours (missing data is not zero)."""
    _same_hours(baseline, load, "baseline", "load")
    return {h: delivered(baseline[h], load[h]) for h in baseline}


def injection_delivered_by_hour(gen: Mapping[int, float], gen_base: Mapping[int, float]) -> dict[int, float]:
    """``injection_delivered`` for every hour; both mappings must cover the same hours."""
    _same_hours(gen, gen_base, "gen", "gen_base")
    return {h: injection_delivered(gen[h], gen_base[h]) for h in gen}


def energy(delivered_by_hour: Series, dt_h: float = 1.0) -> float:
    """``E = sum_h D_h dt``; every ``D_h`` is clamped at 0 first, so an over-consuming hour never offsets another."""
    dt = _number(dt_h, "dt_h")
    if dt <= 0:
        raise ValueError(f"dt_h must be > 0, got {dt_h}")
    values = _as_mapping(delivered_by_hour, "delivered_by_hour")
    return math.fsum(max(0.0, _number(v, f"delivered[{k}]")) for k, v in values.items()) * dt


def percent_delivered(delivered: Series, activated: Series) -> float | None:
    """``100 sum_h min(D_h, A_h) / sum_h A_h``; ``None`` ("n/a") when ``sum_h A_h = 0``.

    Both series must cover the same hours (mappings with the same keys, or sequences of equal length);
    ``D_h`` is clamped at 0, ``A_h`` must be >= 0.
    """
    d = _as_mapping(delivered, "delivered")
    a = _as_mapping(activated, "activated")
    _same_hours(d, a, "delivered", "activated")
    hours = list(a)
    activated_values = {h: _number(a[h], f"activated[{h}]") for h in hours}
    if any(v < 0 for v in activated_values.values()):
        raise ValueError("activated amounts must be >= 0")
    total = math.fsum(activated_values.values())
    if total == 0:
        return None
    capped = math.fsum(min(max(0.0, _number(d[h], f"delivered[{h}]")), activated_values[h]) for h in hours)
    return 100.0 * capped / total


def format_percent(value: float | None, digits: int = 1) -> str:
    """Display form of ``percent_delivered``: "97.5 %" or "n/a" (rounding for display only)."""
    return NOT_AVAILABLE if value is None else f"{value:.{digits}f} %"


# --- step 8: settlement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementBreakdown:
    energy_mwh: float
    price_per_mwh: float
    energy_payment: float  # energy_mwh x price_per_mwh
    availability: float  # added
    non_performance: float  # subtracted
    total: float


def settlement_breakdown(
    energy_mwh: float, price_per_mwh: float, availability: float = 0.0, non_performance: float = 0.0
) -> SettlementBreakdown:
    """Components of ``settlement`` (for the settlement view's breakdown)."""
    e = _number(energy_mwh, "energy_mwh")
    price = _number(price_per_mwh, "price_per_mwh")  # may be negative: Ontario prices can be
    avail = _number(availability, "availability")
    penalty = _number(non_performance, "non_performance")
    if e < 0:
        raise ValueError(f"energy_mwh must be >= 0 (delivery is clamped), got {energy_mwh}")
    if avail < 0 or penalty < 0:
        raise ValueError("availability and non_performance are amounts >= 0 (non_performance is subtracted)")
    payment = e * price
    return SettlementBreakdown(e, price, payment, avail, penalty, payment + avail - penalty)


def settlement(
    energy_mwh: float, price_per_mwh: float, availability: float = 0.0, non_performance: float = 0.0
) -> float:
    """``E (MWh) x price + availability - non_performance`` (unofficial; the rules behind the last two are
    configuration and arrive here as amounts)."""
    return settlement_breakdown(energy_mwh, price_per_mwh, availability, non_performance).total
