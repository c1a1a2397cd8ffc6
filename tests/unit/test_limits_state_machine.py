"""Limit approval state machine: every legal move listed by hand, every other one refused with a clear message."""
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from data.domain import errors
from data.domain.enums import LimitStatus
from data.domain.limits.state_machine import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Chain,
    Decision,
    IllegalTransition,
    Level,
    actor_label,
    allowed_decisions,
    is_final,
    next_status,
    pending_level,
)

S = LimitStatus
D = Decision
L = Level
ONE, TWO = Chain.HOST_ONLY, Chain.EMBEDDED_THEN_HOST
REASON = "Feeder LSH-TS1-F3 has room."

# (chain, from, decision, level, automatic) -> to. Everything not listed must be refused.
LEGAL: dict[tuple[Chain, LimitStatus, Decision, Level, bool], LimitStatus] = {}
for _chain in (ONE, TWO):
    _first = _chain.levels[0]
    _first_approved = S.EMBEDDED_APPROVED if _chain is TWO else S.APPROVED
    for _from in (S.SUBMITTED, S.FLAGGED):
        LEGAL[(_chain, _from, D.APPROVE, _first, False)] = _first_approved
        LEGAL[(_chain, _from, D.MODIFY, _first, False)] = _first_approved
        LEGAL[(_chain, _from, D.REJECT, _first, False)] = S.REJECTED
    LEGAL[(_chain, S.SUBMITTED, D.APPROVE, _first, True)] = _first_approved
    LEGAL[(_chain, S.SUBMITTED, D.FLAG, _first, True)] = S.FLAGGED
    _open = [S.SUBMITTED, S.FLAGGED] + ([S.EMBEDDED_APPROVED] if _chain is TWO else [])
    for _from in _open:
        LEGAL[(_chain, _from, D.WITHDRAW, L.REQUESTER, False)] = S.WITHDRAWN
        LEGAL[(_chain, _from, D.EXPIRE, L.SYSTEM, False)] = S.EXPIRED
        LEGAL[(_chain, _from, D.EXPIRE, L.SYSTEM, True)] = S.EXPIRED
LEGAL[(TWO, S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, False)] = S.APPROVED
LEGAL[(TWO, S.EMBEDDED_APPROVED, D.MODIFY, L.HOST, False)] = S.APPROVED
LEGAL[(TWO, S.EMBEDDED_APPROVED, D.REJECT, L.HOST, False)] = S.REJECTED
LEGAL[(TWO, S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, True)] = S.APPROVED

ALL_CASES = [
    case
    for case in product(Chain, LimitStatus, Decision, Level, (False, True))
    if not (case[0] is ONE and case[1] is S.EMBEDDED_APPROVED)  # impossible state, tested on its own
]


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c in LEGAL], ids=str)
def test_legal_transition(case):
    chain, current, decision, level, automatic = case
    assert next_status(current, decision, level, chain, automatic=automatic, reason=REASON) is LEGAL[case]


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c not in LEGAL], ids=str)
def test_everything_else_is_refused(case):
    chain, current, decision, level, automatic = case
    with pytest.raises(IllegalTransition) as info:
        next_status(current, decision, level, chain, automatic=automatic, reason=REASON)
    err = info.value
    assert (err.current, err.decision, err.level, err.automatic) == (current, decision, level, automatic)
    assert f"{current.value} -> {err.target.value}" in str(err)
    assert actor_label(level, automatic) in str(err)


def test_table_size_is_what_we_think():
    # 2 chains x 2 first statuses x 3 human LDC decisions + 2 automatic each, + withdraw/expire per open status
    # (2 + 3 statuses) x 3, + 4 host moves from embedded_approved.
    assert len(LEGAL) == 2 * 2 * 3 + 2 * 2 + 5 * 3 + 4


# --- the two chains, step by step ----------------------------------------------------------------


def test_embedded_ldc_der_needs_both_levels():
    status = next_status(S.SUBMITTED, D.APPROVE, L.EMBEDDED, TWO)
    assert status is S.EMBEDDED_APPROVED
    assert pending_level(status, TWO) is L.HOST
    status = next_status(status, D.APPROVE, L.HOST, TWO)
    assert status is S.APPROVED
    assert pending_level(status, TWO) is None


def test_host_ldc_der_needs_one_level():
    assert pending_level(S.SUBMITTED, ONE) is L.HOST
    assert next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE) is S.APPROVED


def test_host_cannot_jump_ahead_of_the_embedded_ldc():
    with pytest.raises(IllegalTransition, match="waits for the embedded LDC's decision") as info:
        next_status(S.SUBMITTED, D.APPROVE, L.HOST, TWO)
    assert str(info.value) == (
        "Cannot approve a limit request: submitted -> approved by host LDC engineer is not allowed: "
        "the request waits for the embedded LDC's decision."
    )


def test_embedded_ldc_cannot_decide_twice():
    with pytest.raises(IllegalTransition, match="waits for the host LDC's decision"):
        next_status(S.EMBEDDED_APPROVED, D.APPROVE, L.EMBEDDED, TWO)


def test_no_embedded_level_for_a_host_ldc_der():
    with pytest.raises(IllegalTransition, match="not embedded"):
        next_status(S.SUBMITTED, D.APPROVE, L.EMBEDDED, ONE)


def test_embedded_reject_ends_the_chain():
    assert next_status(S.SUBMITTED, D.REJECT, L.EMBEDDED, TWO, reason="Feeder full.") is S.REJECTED
    with pytest.raises(IllegalTransition, match="final"):
        next_status(S.REJECTED, D.APPROVE, L.HOST, TWO)


def test_host_may_reject_what_the_embedded_ldc_approved():
    assert next_status(S.EMBEDDED_APPROVED, D.REJECT, L.HOST, TWO, reason="Host TS outage.") is S.REJECTED


def test_embedded_approved_on_a_host_only_chain_is_a_data_error():
    with pytest.raises(ValueError, match="impossible"):
        next_status(S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, ONE)
    with pytest.raises(ValueError, match="impossible"):
        pending_level(S.EMBEDDED_APPROVED, ONE)


def test_second_engineer_is_told_the_request_is_already_decided():
    # Optimistic locking leaves the loser re-checking against the new status: a clear refusal, not a merge.
    winner = next_status(S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, TWO)
    with pytest.raises(IllegalTransition, match="approved is a final status"):
        next_status(winner, D.APPROVE, L.HOST, TWO)


# --- reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [D.REJECT, D.MODIFY])
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_reject_and_modify_need_a_reason(decision, reason):
    with pytest.raises(IllegalTransition, match=f"to {decision.value} a request needs a reason"):
        next_status(S.SUBMITTED, decision, L.HOST, ONE, reason=reason)


def test_plain_approval_needs_no_reason():
    assert next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE) is S.APPROVED


@pytest.mark.parametrize("decision", [D.APPROVE, D.FLAG])
def test_automatic_decisions_must_be_explained(decision):
    with pytest.raises(IllegalTransition, match="automatic decision must be explained"):
        next_status(S.SUBMITTED, decision, L.HOST, ONE, automatic=True)


def test_withdraw_and_expire_need_no_reason():
    assert next_status(S.FLAGGED, D.WITHDRAW, L.REQUESTER, ONE) is S.WITHDRAWN
    assert next_status(S.FLAGGED, D.EXPIRE, L.SYSTEM, ONE) is S.EXPIRED


# --- automation ---------------------------------------------------------------------------------


def test_automation_can_flag_only_a_new_request():
    assert next_status(S.SUBMITTED, D.FLAG, L.HOST, ONE, automatic=True, reason=REASON) is S.FLAGGED
    with pytest.raises(IllegalTransition, match="only a newly submitted request can be flagged"):
        next_status(S.FLAGGED, D.FLAG, L.HOST, ONE, automatic=True, reason=REASON)


def test_a_flagged_request_waits_for_an_engineer():
    with pytest.raises(IllegalTransition, match="flagged request waits for an engineer"):
        next_status(S.FLAGGED, D.APPROVE, L.HOST, ONE, automatic=True, reason=REASON)
    assert next_status(S.FLAGGED, D.APPROVE, L.HOST, ONE) is S.APPROVED


def test_engineers_do_not_flag():
    with pytest.raises(IllegalTransition, match="flagging is how automation asks"):
        next_status(S.SUBMITTED, D.FLAG, L.HOST, ONE, reason=REASON)


@pytest.mark.parametrize("decision", [D.REJECT, D.MODIFY])
def test_automation_never_rejects_or_modifies(decision):
    with pytest.raises(IllegalTransition, match=f"never {decision.value}"):
        next_status(S.SUBMITTED, decision, L.HOST, ONE, automatic=True, reason=REASON)


def test_host_automation_can_finish_a_two_level_chain():
    assert next_status(S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, TWO, automatic=True, reason=REASON) is S.APPROVED


def test_host_automation_cannot_flag_after_the_embedded_approval():
    # The request already waits for the host engineer; the note is kept, the status is not changed.
    with pytest.raises(IllegalTransition, match="newly submitted"):
        next_status(S.EMBEDDED_APPROVED, D.FLAG, L.HOST, TWO, automatic=True, reason=REASON)


# --- actors -------------------------------------------------------------------------------------


def test_only_the_requester_withdraws():
    for level in (L.HOST, L.EMBEDDED, L.SYSTEM):
        with pytest.raises(IllegalTransition, match="only the requester may withdraw"):
            next_status(S.SUBMITTED, D.WITHDRAW, level, TWO)
    with pytest.raises(IllegalTransition, match="only the requester may withdraw"):
        next_status(S.SUBMITTED, D.WITHDRAW, L.REQUESTER, TWO, automatic=True)


def test_only_the_system_expires():
    with pytest.raises(IllegalTransition, match="only the system expires"):
        next_status(S.SUBMITTED, D.EXPIRE, L.HOST, ONE)


@pytest.mark.parametrize("level", [L.REQUESTER, L.SYSTEM])
def test_requester_and_system_do_not_approve(level):
    with pytest.raises(IllegalTransition, match=f"the {level.value} does not approve limits"):
        next_status(S.SUBMITTED, D.APPROVE, level, ONE)


def test_cannot_withdraw_after_a_final_decision():
    for final in FINAL_STATUSES:
        with pytest.raises(IllegalTransition, match=f"{final.value} is a final status"):
            next_status(final, D.WITHDRAW, L.REQUESTER, TWO)


def test_strings_are_accepted_and_checked():
    assert next_status("submitted", "approve", "embedded", "embedded_then_host") is S.EMBEDDED_APPROVED
    with pytest.raises(ValueError):
        next_status("submitted", "bless", "host", "host_only")
    with pytest.raises(ValueError):
        next_status("pending", "approve", "host", "host_only")


def test_illegal_transition_is_the_shared_domain_error():
    assert issubclass(IllegalTransition, errors.IllegalTransition)
    assert issubclass(IllegalTransition, errors.DomainError)
    with pytest.raises(errors.IllegalTransition):
        next_status(S.APPROVED, D.APPROVE, L.HOST, ONE)


def test_actor_labels():
    assert actor_label(L.HOST) == "host LDC engineer"
    assert actor_label(L.EMBEDDED, automatic=True) == "embedded LDC automation"
    assert actor_label(L.REQUESTER) == "requester"
    assert actor_label("system") == "system"


# --- time ---------------------------------------------------------------------------------------

CUTOFF = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


def test_decisions_allowed_until_just_before_the_cutoff():
    just_before = CUTOFF - timedelta(seconds=1)
    assert next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE, now=just_before, cutoff=CUTOFF) is S.APPROVED


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=2)])
def test_at_or_after_the_cutoff_only_expiry(late):
    now = CUTOFF + late
    with pytest.raises(IllegalTransition, match=r"cut-off 2026-07-14 07:00 EST has passed, so the request expires"):
        next_status(S.EMBEDDED_APPROVED, D.APPROVE, L.HOST, TWO, now=now, cutoff=CUTOFF)
    with pytest.raises(IllegalTransition, match="has passed"):
        next_status(S.SUBMITTED, D.WITHDRAW, L.REQUESTER, TWO, now=now, cutoff=CUTOFF)
    assert next_status(S.EMBEDDED_APPROVED, D.EXPIRE, L.SYSTEM, TWO, now=now, cutoff=CUTOFF) is S.EXPIRED


def test_nothing_expires_before_the_cutoff():
    with pytest.raises(IllegalTransition, match="has not passed yet"):
        next_status(S.SUBMITTED, D.EXPIRE, L.SYSTEM, ONE, now=CUTOFF - timedelta(minutes=1), cutoff=CUTOFF)


def test_final_stays_final_after_the_cutoff():
    with pytest.raises(IllegalTransition, match="approved is a final status"):
        next_status(S.APPROVED, D.EXPIRE, L.SYSTEM, ONE, now=CUTOFF, cutoff=CUTOFF)


def test_now_and_cutoff_go_together_and_are_aware():
    with pytest.raises(ValueError, match="both now and cutoff"):
        next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE, now=CUTOFF)
    with pytest.raises(ValueError, match="both now and cutoff"):
        next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE, cutoff=CUTOFF)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_status(S.SUBMITTED, D.APPROVE, L.HOST, ONE, now=datetime(2026, 7, 14, 6), cutoff=CUTOFF)


# --- helpers ------------------------------------------------------------------------------------


def test_final_and_open_statuses_partition_the_enum():
    assert set(LimitStatus) == FINAL_STATUSES | OPEN_STATUSES
    assert not FINAL_STATUSES & OPEN_STATUSES
    assert {S.SUBMITTED, S.FLAGGED, S.EMBEDDED_APPROVED} == OPEN_STATUSES
    assert all(is_final(s) for s in FINAL_STATUSES)
    assert not is_final("submitted")


def test_chain_for_ldc():
    assert Chain.for_ldc(embedded=True) is TWO
    assert Chain.for_ldc(embedded=False) is ONE
    assert TWO.levels == (L.EMBEDDED, L.HOST)
    assert ONE.levels == (L.HOST,)


@pytest.mark.parametrize(
    ("current", "level", "chain", "automatic", "expected"),
    [
        (S.SUBMITTED, L.EMBEDDED, TWO, False, {D.APPROVE, D.MODIFY, D.REJECT}),
        (S.SUBMITTED, L.EMBEDDED, TWO, True, {D.APPROVE, D.FLAG}),
        (S.FLAGGED, L.HOST, ONE, True, set()),
        (S.SUBMITTED, L.HOST, TWO, False, set()),
        (S.EMBEDDED_APPROVED, L.HOST, TWO, False, {D.APPROVE, D.MODIFY, D.REJECT}),
        (S.EMBEDDED_APPROVED, L.REQUESTER, TWO, False, {D.WITHDRAW}),
        (S.SUBMITTED, L.SYSTEM, ONE, False, {D.EXPIRE}),
        (S.APPROVED, L.HOST, ONE, False, set()),
        (S.EXPIRED, L.REQUESTER, ONE, False, set()),
    ],
)
def test_allowed_decisions(current, level, chain, automatic, expected):
    assert allowed_decisions(current, level, chain, automatic=automatic) == expected


def test_allowed_decisions_agree_with_the_table():
    for chain, current, level, automatic in product(Chain, LimitStatus, Level, (False, True)):
        if chain is ONE and current is S.EMBEDDED_APPROVED:
            continue
        expected = {d for d in Decision if (chain, current, d, level, automatic) in LEGAL}
        assert allowed_decisions(current, level, chain, automatic=automatic) == expected
