"""Automation rules for limit requests: auto-approve what is clearly safe, flag the rest, explain everything.

Plain inputs (the caller queries them): the request's hourly export/import kW; the remaining hosting capacity
of the DER's feeder per hour (its hosting capacity less export limits already approved on it for those hours);
optionally the station's export headroom the same way; the outages and constraints on the DER's supply chain
(feeder, station, host feeder and station up to the TS), already filtered to that chain, with cancelled
ones left out and restored ones ending at restoration. Every check yields a full sentence citing its
numbers; the first sentence states the outcome.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from data.domain.enums import OutageKind
from data.domain.limits.values import LimitSchedule, format_hours, format_kw
from data.domain.market_time import _require_aware, hour_ending_end_utc, hour_ending_start_utc, overlaps

_FOREVER = datetime.max.replace(tzinfo=UTC)
_OUTAGE_LABELS = {
    OutageKind.PLANNED: "Planned outage",
    OutageKind.FORCED: "Forced outage",
    OutageKind.CONSTRAINT: "Constraint",
    OutageKind.TRANSMISSION: "Transmission outage",
}


class AutomationAction(StrEnum):
    AUTO_APPROVE = "auto_approve"
    FLAG = "flag"
    NONE = "none"  # the rule that would act is switched off: the request waits for an engineer as it is


def _require_optional_kw(value: float | None, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value) or value < 0):
        raise ValueError(f"{name} must be None or a finite number >= 0 kW, got {value!r}")


@dataclass(frozen=True)
class AutomationRules:
    """The configurable thresholds and switches (per LDC)."""

    auto_approve: bool = True
    auto_flag: bool = True
    margin_percent: float = 0.0  # share of hosting capacity / headroom kept in reserve
    check_outages: bool = True
    check_station: bool = True
    max_auto_export_kw: float | None = None  # larger export requests always go to an engineer
    max_auto_import_kw: float | None = None  # None: import is not a gate (stated in the explanation)

    def __post_init__(self) -> None:
        margin = self.margin_percent
        if isinstance(margin, bool) or not math.isfinite(margin) or not 0 <= margin < 100:
            raise ValueError(f"margin_percent must be in [0, 100), got {margin!r}")
        _require_optional_kw(self.max_auto_export_kw, "max_auto_export_kw")
        _require_optional_kw(self.max_auto_import_kw, "max_auto_import_kw")


@dataclass(frozen=True)
class Headroom:
    """Export capacity of one grid element per hour-ending: a feeder's hosting capacity or a station's headroom.

    ``approved_export_kw`` holds the export limits already approved on the element for the same hours (not
    counting the request under evaluation). An hour missing from ``capacity_kw`` has no known capacity.
    """

    name: str
    capacity_kw: Mapping[int, float]
    approved_export_kw: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label, values in (("capacity_kw", self.capacity_kw), ("approved_export_kw", self.approved_export_kw)):
            for he, kw in values.items():
                if isinstance(kw, bool) or not math.isfinite(kw) or kw < 0:
                    raise ValueError(f"{self.name}: {label} for HE {he} must be a finite number >= 0, got {kw!r}")


@dataclass(frozen=True)
class OutageWindow:
    """An outage or constraint in force on the DER's supply chain; ``end`` None means until restored."""

    id: int | str
    kind: OutageKind | str
    element: str  # as operators name it: "feeder LSH-TS1-F3", "station Leaside TS"
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        if self.end is not None:
            _require_aware(self.end, "end")
            if self.end < self.start:
                raise ValueError(f"outage #{self.id} ends ({self.end.isoformat()}) before it starts")

    @property
    def label(self) -> str:
        try:
            return _OUTAGE_LABELS[OutageKind(self.kind)]
        except ValueError:
            return str(self.kind).replace("_", " ").capitalize()


@dataclass(frozen=True)
class AutomationOutcome:
    action: AutomationAction
    reasons: tuple[str, ...]  # the outcome first, then one sentence per check

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


@dataclass(frozen=True)
class _Finding:
    passed: bool
    sentence: str


def evaluate(
    request: LimitSchedule,
    feeder: Headroom | None,
    outages: Sequence[OutageWindow] = (),
    station: Headroom | None = None,
    rules: AutomationRules | None = None,
) -> AutomationOutcome:
    """Run the rules on ``request``: auto-approve when every check passes, flag when any fails."""
    rules = rules or AutomationRules()
    findings: list[_Finding] = []
    if feeder is None:
        findings.append(
            _Finding(False, "No hosting capacity figure is available for the DER's feeder: needs an engineer.")
        )
    else:
        findings += _capacity_findings("Feeder", "hosting capacity", feeder, request, rules.margin_percent)
    if station is not None and rules.check_station:
        findings += _capacity_findings("Station", "export headroom", station, request, rules.margin_percent)
    if rules.check_outages:
        findings += _outage_findings(request, outages)
    else:
        findings.append(_Finding(True, "The outage and constraint check is switched off in the automation rules."))
    findings += _ceiling_findings(request, rules)

    failed = sum(not f.passed for f in findings)
    if failed == 0:
        action = AutomationAction.AUTO_APPROVE if rules.auto_approve else AutomationAction.NONE
        verdict = (
            "Every check passed, so the request is approved automatically."
            if rules.auto_approve
            else "Every check passed, but automatic approval is switched off, so an engineer decides."
        )
    else:
        checks = "1 check needs" if failed == 1 else f"{failed} checks need"
        action = AutomationAction.FLAG if rules.auto_flag else AutomationAction.NONE
        verdict = (
            f"{checks} an engineer, so the request is flagged."
            if rules.auto_flag
            else f"{checks} an engineer; automatic flagging is switched off, so the request waits as it is."
        )
    return AutomationOutcome(action, (verdict[0].upper() + verdict[1:], *(f.sentence for f in findings)))


def _capacity_findings(
    kind: str, noun: str, headroom: Headroom, request: LimitSchedule, margin_percent: float
) -> list[_Finding]:
    asked = [(h.hour_ending, h.export_kw) for h in request.hours if h.export_kw is not None]
    if not asked:
        return [_Finding(True, f"The request asks for no export, so the {noun} of {kind.lower()} "
                               f"{headroom.name} is not needed.")]
    findings: list[_Finding] = []
    unknown = [he for he, _ in asked if he not in headroom.capacity_kw]
    if unknown:
        findings.append(_Finding(False, f"{kind} {headroom.name} has no {noun} figure for "
                                        f"{format_hours(unknown)}: needs an engineer."))
    share = margin_percent / 100
    covered: list[tuple[float, str]] = []  # (spare kW, sentence) of the covered hours
    for he, kw in asked:
        if he in unknown:
            continue
        capacity = headroom.capacity_kw[he]
        already = headroom.approved_export_kw.get(he, 0.0)
        left = capacity * (1 - share) - already
        details = [f"{format_kw(capacity)} {noun}"]
        if share:
            details.append(f"less a {margin_percent:g} % margin of {format_kw(capacity * share)}")
        if already:
            details.append(f"less {format_kw(already)} already approved")
        left_text = f"{format_kw(left)} of {noun}" if left > 0 else f"no {noun}"
        breakdown = f" ({', '.join(details)})" if len(details) > 1 else ""
        stem = f"{kind} {headroom.name} has {left_text} left in HE {he}{breakdown} and the request asks {format_kw(kw)}"
        if kw <= left or kw == 0:
            covered.append((left - kw, stem))
        else:
            findings.append(_Finding(False, f"{stem}: not covered, needs an engineer."))
    if covered and not findings:
        spare, stem = min(covered, key=lambda c: c[0])
        if len(covered) == 1:
            findings.append(_Finding(True, f"{stem}: covered."))
        else:
            hours = format_hours(he for he, _ in asked)
            findings.append(_Finding(True, f"{stem}: covered, the tightest of the {len(covered)} requested "
                                           f"hours ({hours})."))
    return findings


def _outage_findings(request: LimitSchedule, outages: Sequence[OutageWindow]) -> list[_Finding]:
    findings: list[_Finding] = []
    for outage in outages:
        end = outage.end if outage.end is not None else _FOREVER
        hit = [
            he for he in request.hour_endings
            if overlaps(outage.start, end, hour_ending_start_utc(request.trade_date, he),
                        hour_ending_end_utc(request.trade_date, he))
        ]
        if hit:
            findings.append(_Finding(False, f"{outage.label} #{outage.id} on {outage.element} overlaps "
                                            f"{format_hours(hit)}: needs an engineer."))
    if not findings:
        checked = "none is recorded" if not outages else f"{len(outages)} checked"
        findings.append(_Finding(True, f"No outage or constraint on the DER's supply chain overlaps "
                                       f"{format_hours(request.hour_endings)} ({checked})."))
    return findings


def _ceiling_findings(request: LimitSchedule, rules: AutomationRules) -> list[_Finding]:
    findings: list[_Finding] = []
    for direction, ceiling in (("export", rules.max_auto_export_kw), ("import", rules.max_auto_import_kw)):
        values = [
            (kw, h.hour_ending) for h in request.hours if (kw := getattr(h, f"{direction}_kw")) is not None
        ]
        if not values:
            continue
        largest, he = max(values, key=lambda v: (v[0], -v[1]))
        if ceiling is None:
            if direction == "import":
                findings.append(_Finding(True, f"The request asks up to {format_kw(largest)} of import (HE {he}); "
                                               "import is not a gate in these automation rules."))
            continue
        if largest > ceiling:
            findings.append(_Finding(False, f"The request asks {format_kw(largest)} of {direction} in HE {he}, "
                                            f"above the {format_kw(ceiling)} automation ceiling: needs an engineer."))
        else:
            findings.append(_Finding(True, f"The request's largest {direction}, {format_kw(largest)} in HE {he}, "
                                           f"is within the {format_kw(ceiling)} automation ceiling."))
    return findings
