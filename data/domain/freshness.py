"""How old the newest data is, and what that means for the operator (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data.domain.enums import Severity


@dataclass(frozen=True)
class Freshness:
    age_s: float | None  # None: nothing has ever arrived
    severity: Severity | None  # None = fresh (drawn neutral)
    text: str


def age_text(age_s: float) -> str:
    if age_s < 90:
        return f"{age_s:.0f} s"
    if age_s < 5400:
        return f"{age_s / 60:.0f} min"
    if age_s < 172_800:
        return f"{age_s / 3600:.1f} h"
    return f"{age_s / 86400:.0f} days"


def freshness(newest: datetime | None, now: datetime, warning_s: float, alarm_s: float) -> Freshness:
    if newest is None:
        return Freshness(None, Severity.ALARM, "No live data yet")
    age = max(0.0, (now - newest).total_seconds())
    if age >= alarm_s:
        return Freshness(age, Severity.ALARM, f"Data stale: {age_text(age)} old")
    if age >= warning_s:
        return Freshness(age, Severity.ACTION, f"Data {age_text(age)} old")
    return Freshness(age, None, f"Data {age_text(age)} old")
