"""Enrolment planning: one program at a time, switches end the old enrolment the day the new one starts."""
from __future__ import annotations

from datetime import date

import pytest

from data.domain.enrolments import (
    EnrolmentEnd,
    EnrolmentOutcome,
    EnrolmentRequest,
    EnrolmentSpan,
    overlaps,
    plan_deactivation,
    plan_enrolment,
)

TODAY = date(2025, 6, 15)
A, B = 101, 202  # aggregators
P1, P2 = 1, 2  # programs


def span(id_: int, program: int, aggregator: int, start: date, end: date | None = None) -> EnrolmentSpan:
    return EnrolmentSpan(id_, program, aggregator, start, end)


def test_no_enrolment_yet_adds_one_even_with_a_past_start() -> None:
    request = EnrolmentRequest(P1, A, date(2024, 1, 1))
    plan = plan_enrolment([], request, TODAY)
    assert plan.outcome is EnrolmentOutcome.NEW
    assert plan.add == request and plan.ends == () and plan.left_aggregators == ()


def test_switching_aggregator_ends_the_old_enrolment_the_day_the_new_one_starts() -> None:
    old = span(7, P1, A, date(2024, 3, 1))
    plan = plan_enrolment([old], EnrolmentRequest(P1, B, date(2025, 7, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.SWITCH
    assert plan.ends == (EnrolmentEnd(7, A, date(2025, 7, 1)),)
    assert plan.add is not None and plan.add.start == date(2025, 7, 1)
    assert plan.left_aggregators == (A,)


def test_switch_starting_today_is_allowed() -> None:
    plan = plan_enrolment([span(7, P1, A, date(2024, 3, 1))], EnrolmentRequest(P2, B, TODAY), TODAY)
    assert plan.outcome is EnrolmentOutcome.SWITCH and plan.ends[0].end == TODAY


def test_program_switch_by_the_same_aggregator_is_not_an_aggregator_switch() -> None:
    plan = plan_enrolment([span(7, P1, A, date(2024, 3, 1))], EnrolmentRequest(P2, A, TODAY), TODAY)
    assert plan.outcome is EnrolmentOutcome.SWITCH
    assert plan.ends == (EnrolmentEnd(7, A, TODAY),) and plan.left_aggregators == ()


def test_a_retroactive_switch_is_refused_without_naming_the_other_aggregator() -> None:
    plan = plan_enrolment([span(7, P1, A, date(2024, 3, 1))], EnrolmentRequest(P1, B, date(2025, 6, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.REFUSED
    assert plan.add is None and plan.ends == ()
    assert "past" in plan.reason and "elsewhere" in plan.reason and "2024-03-01" not in plan.reason


def test_same_day_start_overlaps_and_is_refused() -> None:
    plan = plan_enrolment([span(7, P1, A, date(2025, 7, 1))], EnrolmentRequest(P2, B, date(2025, 7, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.REFUSED and "enrolled elsewhere" in plan.reason


def test_an_enrolment_starting_later_cannot_be_cut_and_own_dates_are_named() -> None:
    later = span(7, P1, A, date(2025, 9, 1))
    plan = plan_enrolment([later], EnrolmentRequest(P2, A, date(2025, 7, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.REFUSED and "2025-09-01" in plan.reason


def test_a_bounded_request_before_a_later_enrolment_does_not_overlap() -> None:
    later = span(7, P1, A, date(2025, 9, 1))
    plan = plan_enrolment([later], EnrolmentRequest(P2, B, date(2025, 7, 1), date(2025, 9, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.NEW


def test_ended_enrolments_do_not_block() -> None:
    past = span(7, P1, A, date(2023, 1, 1), date(2024, 1, 1))
    plan = plan_enrolment([past], EnrolmentRequest(P2, B, date(2024, 1, 1)), TODAY)
    assert plan.outcome is EnrolmentOutcome.NEW  # [2023-01-01, 2024-01-01) ends the day the new one starts


def test_same_program_and_aggregator_listed_again_is_unchanged() -> None:
    current = span(7, P1, A, date(2024, 3, 1))
    for start in (date(2024, 3, 1), date(2025, 1, 1), date(2023, 1, 1)):
        assert plan_enrolment([current], EnrolmentRequest(P1, A, start), TODAY).outcome is EnrolmentOutcome.UNCHANGED


def test_same_program_through_another_aggregator_is_a_switch() -> None:
    plan = plan_enrolment([span(7, P1, A, date(2024, 3, 1))], EnrolmentRequest(P1, B, TODAY), TODAY)
    assert plan.outcome is EnrolmentOutcome.SWITCH


def test_open_ended_enrolment_with_a_future_end_is_shortened_by_a_switch() -> None:
    bounded = span(7, P1, A, date(2024, 3, 1), date(2026, 1, 1))
    plan = plan_enrolment([bounded], EnrolmentRequest(P2, B, date(2025, 8, 1)), TODAY)
    assert plan.ends == (EnrolmentEnd(7, A, date(2025, 8, 1)),)


def test_request_ending_before_it_starts_is_refused() -> None:
    plan = plan_enrolment([], EnrolmentRequest(P1, A, TODAY, TODAY), TODAY)
    assert plan.outcome is EnrolmentOutcome.REFUSED


def test_two_open_enrolments_are_both_ended() -> None:
    spans = [span(7, P1, A, date(2024, 3, 1)), span(8, P2, B, date(2024, 5, 1))]
    plan = plan_enrolment(spans, EnrolmentRequest(P1, 303, TODAY), TODAY)
    assert [e.enrolment_id for e in plan.ends] == [7, 8] and plan.left_aggregators == (A, B)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2025, 1, 1), date(2025, 2, 1), False),  # ends the day the span starts
    (date(2025, 1, 1), date(2025, 2, 2), True),
    (date(2025, 3, 1), None, False),  # starts the day the span ends
    (date(2025, 2, 28), None, True),
])
def test_overlap_is_half_open(start: date, end: date | None, expected: bool) -> None:
    assert overlaps(span(1, P1, A, date(2025, 2, 1), date(2025, 3, 1)), start, end) is expected


def test_deactivation_ends_only_the_aggregators_open_enrolments() -> None:
    spans = [span(7, P1, A, date(2024, 3, 1)), span(8, P2, A, date(2023, 1, 1), date(2024, 3, 1)),
             span(9, P1, B, date(2022, 1, 1), date(2023, 1, 1)), span(10, P2, A, date(2025, 9, 1))]
    assert plan_deactivation(spans, A, date(2025, 6, 1)) == (
        EnrolmentEnd(7, A, date(2025, 6, 1)), EnrolmentEnd(10, A, date(2025, 9, 1)))
    assert plan_deactivation([], A, TODAY) == ()
