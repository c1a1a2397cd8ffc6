"""Connection assessment checks: every reason a DER is flagged, and the valid cases that are not."""
from __future__ import annotations

from datetime import date

import pytest

from data.domain.connection_assessment import AssessmentRecord, Problem, assessment_problems, flagged

TODAY = date(2026, 11, 30)


def rec(**overrides) -> AssessmentRecord:  # type: ignore[no-untyped-def]
    values = dict(key=1, capacity_kw=500.0, reference="CIA-TH-2026-00001", assessed_on=date(2026, 3, 1),
                  assessment_class="under_10mw", activation_date=date(2026, 6, 1))
    values.update(overrides)
    return AssessmentRecord(**values)


def problems(record: AssessmentRecord, **kw) -> list[Problem]:  # type: ignore[no-untyped-def]
    return [p for p, _ in assessment_problems(record, today=TODAY, **kw)]


def test_a_complete_assessment_is_valid() -> None:
    assert problems(rec()) == []
    assert problems(rec(capacity_kw=20_000, assessment_class="over_10mw")) == []
    assert problems(rec(activation_date=None)) == []  # a pending registration: not activated yet
    assert problems(rec(assessed_on=date(2026, 6, 1))) == []  # assessed the day it was activated


def test_nothing_recorded_is_one_reason() -> None:
    assert problems(rec(reference=None, assessed_on=None, assessment_class=None)) == [Problem.MISSING]
    assert problems(rec(reference="  ", assessed_on=None, assessment_class="")) == [Problem.MISSING]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"reference": None}, [Problem.NO_REFERENCE]),
    ({"assessed_on": None}, [Problem.NO_DATE]),
    ({"assessment_class": None}, [Problem.NO_CLASS]),
    ({"assessment_class": "mega"}, [Problem.UNKNOWN_CLASS]),
    ({"capacity_kw": 10_000.1}, [Problem.CLASS_TOO_SMALL]),
    ({"assessed_on": date(2026, 12, 1)}, [Problem.FUTURE_DATE]),
    ({"assessed_on": date(2026, 6, 2)}, [Problem.AFTER_ACTIVATION]),
    ({"reference": None, "assessment_class": None}, [Problem.NO_REFERENCE, Problem.NO_CLASS]),
])
def test_each_reason(overrides, expected) -> None:  # type: ignore[no-untyped-def]
    assert problems(rec(**overrides)) == expected


def test_exactly_10_mw_is_covered_by_an_under_10_mw_assessment_and_the_threshold_is_a_parameter() -> None:
    assert problems(rec(capacity_kw=10_000)) == []
    assert problems(rec(capacity_kw=6_000), over_10mw_kw=5_000) == [Problem.CLASS_TOO_SMALL]


def test_reasons_are_sentences_and_flagged_keeps_order() -> None:
    records = [rec(key="a"), rec(key="b", capacity_kw=12_000), rec(key="c", reference=None, assessed_on=None,
                                                                     assessment_class=None)]
    found = flagged(records, today=TODAY)
    assert [f.key for f in found] == ["b", "c"]
    assert "12.0 MW needs an over-10-MW assessment" in found[0].text
    assert found[1].text == "no connection assessment recorded"
