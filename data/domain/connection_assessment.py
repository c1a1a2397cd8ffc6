"""Connection assessment checks: which DERs lack a valid connection impact assessment, and why.

Every DER records its assessment: a reference, a date and a class (under or over 10 MW, since the two go
through different LDC / IESO processes). A DER is flagged when any of them is missing, when the class does not
cover its capacity, when the date is in the future, or when the DER was activated before it was assessed.
Pure Python; the threshold is a parameter.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from data.domain.enums import AssessmentClass

__all__ = ["OVER_10MW_KW", "AssessmentFinding", "AssessmentRecord", "Problem", "assessment_problems", "flagged"]

OVER_10MW_KW = 10_000.0


class Problem(StrEnum):
    MISSING = "missing"  # no assessment at all
    NO_REFERENCE = "no_reference"
    NO_DATE = "no_date"
    NO_CLASS = "no_class"
    UNKNOWN_CLASS = "unknown_class"
    CLASS_TOO_SMALL = "class_too_small"  # over 10 MW with an under-10-MW assessment
    FUTURE_DATE = "future_date"
    AFTER_ACTIVATION = "after_activation"  # activated before it was assessed


@dataclass(frozen=True)
class AssessmentRecord:
    """What a DER records about its connection assessment. ``key`` identifies it to the caller."""

    key: int | str
    capacity_kw: float
    reference: str | None
    assessed_on: date | None
    assessment_class: str | None
    activation_date: date | None = None


@dataclass(frozen=True)
class AssessmentFinding:
    key: int | str
    problems: tuple[Problem, ...]
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        return "; ".join(self.reasons)


def assessment_problems(record: AssessmentRecord, *, today: date,
                        over_10mw_kw: float = OVER_10MW_KW) -> list[tuple[Problem, str]]:
    """Every problem of one DER's assessment, with the sentence shown to the user (empty: valid)."""
    ref = (record.reference or "").strip()
    klass = (record.assessment_class or "").strip()
    if not ref and record.assessed_on is None and not klass:
        return [(Problem.MISSING, "no connection assessment recorded")]
    found: list[tuple[Problem, str]] = []
    if not ref:
        found.append((Problem.NO_REFERENCE, "assessment reference missing"))
    if record.assessed_on is None:
        found.append((Problem.NO_DATE, "assessment date missing"))
    elif record.assessed_on > today:
        found.append((Problem.FUTURE_DATE, f"assessment dated {record.assessed_on}, in the future"))
    elif record.activation_date is not None and record.assessed_on > record.activation_date:
        found.append((Problem.AFTER_ACTIVATION, f"assessed {record.assessed_on}, after activation on "
                                                f"{record.activation_date}"))
    if not klass:
        found.append((Problem.NO_CLASS, "assessment class (under / over 10 MW) missing"))
    elif klass not in {c.value for c in AssessmentClass}:
        found.append((Problem.UNKNOWN_CLASS, f"unknown assessment class {klass[:20]!r}"))
    elif klass == AssessmentClass.UNDER_10MW and record.capacity_kw > over_10mw_kw:
        found.append((Problem.CLASS_TOO_SMALL, f"{record.capacity_kw / 1000:,.1f} MW needs an over-10-MW "
                                               "assessment, it has an under-10-MW one"))
    return found


def flagged(records: Iterable[AssessmentRecord], *, today: date,
            over_10mw_kw: float = OVER_10MW_KW) -> list[AssessmentFinding]:
    """The records without a valid assessment, in input order, each with its problems."""
    out = []
    for record in records:
        found = assessment_problems(record, today=today, over_10mw_kw=over_10mw_kw)
        if found:
            out.append(AssessmentFinding(record.key, tuple(p for p, _ in found), tuple(t for _, t in found)))
    return out
