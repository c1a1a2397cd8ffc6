"""Program enrolments over time: a DER is in one program at a time, through one aggregator.

An enrolment covers the days [start, end) (end exclusive, None = open-ended). A new enrolment that overlaps
another enrolment of the same DER is refused, except a *switch*: an enrolment that started before the new
start date ends on the new start date (the day the new one starts), so the two meet without overlapping.
History is never rewritten: a switch that would cut an enrolment in the past (new start before today) is
refused, and so is one whose start is not after the other's start. The same program through the same
aggregator listed again is unchanged. Pure functions over plain data.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "EnrolmentEnd",
    "EnrolmentOutcome",
    "EnrolmentPlan",
    "EnrolmentRequest",
    "EnrolmentSpan",
    "overlaps",
    "plan_deactivation",
    "plan_enrolment",
]


@dataclass(frozen=True)
class EnrolmentSpan:
    """An existing enrolment of one DER."""

    id: int
    program_id: int
    aggregator_org_id: int
    start: date
    end: date | None = None  # exclusive; None = open-ended


@dataclass(frozen=True)
class EnrolmentRequest:
    program_id: int
    aggregator_org_id: int
    start: date
    end: date | None = None


@dataclass(frozen=True)
class EnrolmentEnd:
    """An existing enrolment ends on ``end`` (the day after its last day)."""

    enrolment_id: int
    aggregator_org_id: int
    end: date


class EnrolmentOutcome(StrEnum):
    NEW = "new"  # nothing overlapping: the enrolment is added
    SWITCH = "switch"  # added, and the enrolments it replaces end on its start date
    UNCHANGED = "unchanged"  # the same program through the same aggregator already covers it
    REFUSED = "refused"


@dataclass(frozen=True)
class EnrolmentPlan:
    outcome: EnrolmentOutcome
    add: EnrolmentRequest | None = None
    ends: tuple[EnrolmentEnd, ...] = ()
    reason: str | None = None  # why refused, written for the requester

    @property
    def left_aggregators(self) -> tuple[int, ...]:
        """Other aggregators whose enrolment of the DER this switch ends (each once, in order)."""
        add = self.add
        return tuple(dict.fromkeys(
            e.aggregator_org_id for e in self.ends if add is None or e.aggregator_org_id != add.aggregator_org_id))


def overlaps(span: EnrolmentSpan, start: date, end: date | None) -> bool:
    """Whether [span.start, span.end) and [start, end) share at least one day."""
    return (end is None or span.start < end) and (span.end is None or span.end > start)


def _refused(reason: str) -> EnrolmentPlan:
    return EnrolmentPlan(EnrolmentOutcome.REFUSED, reason=reason)


def plan_enrolment(existing: Sequence[EnrolmentSpan], request: EnrolmentRequest, today: date) -> EnrolmentPlan:
    """What enrolling one DER as ``request`` does to its ``existing`` enrolments.

    Reasons never name another aggregator's program or dates: the requester only learns that the DER is
    enrolled elsewhere.
    """
    if request.end is not None and request.end <= request.start:
        return _refused("the enrolment ends on or before the day it starts")
    overlapping = [e for e in existing if overlaps(e, request.start, request.end)]
    if any(e.program_id == request.program_id and e.aggregator_org_id == request.aggregator_org_id
           for e in overlapping):
        return EnrolmentPlan(EnrolmentOutcome.UNCHANGED)
    ends: list[EnrolmentEnd] = []
    for e in sorted(overlapping, key=lambda s: (s.start, s.id)):
        own = e.aggregator_org_id == request.aggregator_org_id
        if e.start >= request.start:
            return _refused(
                f"overlaps your enrolment starting {e.start.isoformat()}: one program at a time" if own
                else "the DER is enrolled elsewhere from that date or later: one program at a time")
        if request.start < today:
            return _refused(
                f"a switch cannot start in the past ({request.start.isoformat()}): the DER is enrolled "
                f"{'in another program' if own else 'elsewhere'} until then; start today or later")
        ends.append(EnrolmentEnd(e.id, e.aggregator_org_id, request.start))
    return EnrolmentPlan(EnrolmentOutcome.SWITCH if ends else EnrolmentOutcome.NEW, add=request, ends=tuple(ends))


def plan_deactivation(existing: Sequence[EnrolmentSpan], aggregator_org_id: int, on: date) -> tuple[EnrolmentEnd, ...]:
    """The aggregator's enrolments of a DER deactivated on ``on`` end then (one not started yet: on its start)."""
    return tuple(
        EnrolmentEnd(e.id, e.aggregator_org_id, max(on, e.start))
        for e in existing
        if e.aggregator_org_id == aggregator_org_id and (e.end is None or e.end > on)
    )
