"""The approval state machine of a DER limit request, with the tri-level chain (IESO <- host LDC <- embedded LDC).

Who decides what, from which status:
- approve / modify, by the LDC level whose turn it is (an engineer; automation may approve, never modify):
  submitted or flagged -> embedded_approved at the embedded level, -> approved at the host level (one-level
  chain); embedded_approved -> approved by the host level (two-level chain).
- reject, by the LDC level whose turn it is (an engineer): -> rejected.
- flag, by automation of the first level: submitted -> flagged.
- withdraw, by the requester: any open status -> withdrawn.
- expire, by the system: any open status, at or after the cut-off -> expired.

A DER on an embedded LDC goes embedded LDC -> host LDC (two levels); a DER on a host LDC has one level.
approved, rejected, expired and withdrawn are final. A flagged request waits for an engineer: automation
cannot approve it. Reject and modify need a reason (modify is an approval with changed values, which are
then what is approved); every automatic decision needs one too, so it is explained.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from data.domain import errors
from data.domain.enums import LimitStatus
from data.domain.market_time import _require_aware, format_market


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    MODIFY = "modify"  # approve with changed values
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    FLAG = "flag"


class Level(StrEnum):
    """Who acts: the requester, an LDC level of the chain, or the system (expiry)."""

    REQUESTER = "requester"
    EMBEDDED = "embedded"  # the embedded LDC, first level of a two-level chain
    HOST = "host"  # the host LDC: the only level for its own DERs, the second for an embedded LDC's
    SYSTEM = "system"


class Chain(StrEnum):
    """The approval chain of a DER, decided by whether its LDC is embedded."""

    HOST_ONLY = "host_only"
    EMBEDDED_THEN_HOST = "embedded_then_host"

    @classmethod
    def for_ldc(cls, embedded: bool) -> Chain:
        return cls.EMBEDDED_THEN_HOST if embedded else cls.HOST_ONLY

    @property
    def levels(self) -> tuple[Level, ...]:
        return (Level.EMBEDDED, Level.HOST) if self is Chain.EMBEDDED_THEN_HOST else (Level.HOST,)


FINAL_STATUSES: frozenset[LimitStatus] = frozenset(
    {LimitStatus.APPROVED, LimitStatus.REJECTED, LimitStatus.EXPIRED, LimitStatus.WITHDRAWN}
)
OPEN_STATUSES: frozenset[LimitStatus] = frozenset(LimitStatus) - FINAL_STATUSES

_NEEDS_REASON = frozenset({Decision.REJECT, Decision.MODIFY})
_SIMPLE_TARGET = {
    Decision.REJECT: LimitStatus.REJECTED,
    Decision.WITHDRAW: LimitStatus.WITHDRAWN,
    Decision.EXPIRE: LimitStatus.EXPIRED,
    Decision.FLAG: LimitStatus.FLAGGED,
}


class IllegalTransition(errors.IllegalTransition):
    """A refused limit decision: the message names the from/to statuses, the actor and why; the attributes
    carry the same for the audit log. Catching ``data.domain.errors.IllegalTransition`` catches it too."""

    def __init__(
        self,
        current: LimitStatus,
        target: LimitStatus,
        decision: Decision,
        level: Level,
        automatic: bool,
        why: str,
    ) -> None:
        self.current = current
        self.target = target
        self.decision = decision
        self.level = level
        self.automatic = automatic
        self.why = why
        super().__init__(
            f"Cannot {decision.value} a limit request: {current.value} -> {target.value} "
            f"by {actor_label(level, automatic)} is not allowed: {why}."
        )


def actor_label(level: Level, automatic: bool = False) -> str:
    """ "embedded LDC engineer", "host LDC automation", "requester", "system"."""
    level = Level(level)
    if level in (Level.EMBEDDED, Level.HOST):
        return f"{level.value} LDC {'automation' if automatic else 'engineer'}"
    return level.value


def is_final(status: LimitStatus | str) -> bool:
    return LimitStatus(status) in FINAL_STATUSES


def pending_level(status: LimitStatus | str, chain: Chain | str) -> Level | None:
    """The LDC level whose decision the request waits for; None once final."""
    status, chain = LimitStatus(status), Chain(chain)
    _require_consistent(status, chain)
    if status in (LimitStatus.SUBMITTED, LimitStatus.FLAGGED):
        return chain.levels[0]
    if status is LimitStatus.EMBEDDED_APPROVED:
        return Level.HOST
    return None


def _require_consistent(status: LimitStatus, chain: Chain) -> None:
    if status is LimitStatus.EMBEDDED_APPROVED and chain is Chain.HOST_ONLY:
        raise ValueError(
            "status embedded_approved is impossible for a DER whose LDC is not embedded (host-only chain): "
            "the stored chain or status is wrong"
        )


def _nominal_target(decision: Decision, level: Level) -> LimitStatus:
    """Where the decision would lead if it were allowed (named in refusals)."""
    if decision in (Decision.APPROVE, Decision.MODIFY):
        return LimitStatus.EMBEDDED_APPROVED if level is Level.EMBEDDED else LimitStatus.APPROVED
    return _SIMPLE_TARGET[decision]


def next_status(
    current: LimitStatus | str,
    decision: Decision | str,
    level: Level | str,
    chain: Chain | str,
    *,
    automatic: bool = False,
    reason: str | None = None,
    now: datetime | None = None,
    cutoff: datetime | None = None,
) -> LimitStatus:
    """The status after ``decision`` by ``level`` on a request in ``current``, or ``IllegalTransition``.

    ``automatic`` marks a decision taken by automation rules at that level. With ``now`` and ``cutoff`` (both
    or neither), the time rule is enforced too: before the cut-off nothing expires; at or after it only expiry
    is possible. Values of a modification are not the state machine's business: the caller stores them.
    """
    current, decision, level, chain = LimitStatus(current), Decision(decision), Level(level), Chain(chain)
    target = _nominal_target(decision, level)

    def refuse(why: str) -> IllegalTransition:
        return IllegalTransition(current, target, decision, level, automatic, why)

    if current in FINAL_STATUSES:
        raise refuse(f"{current.value} is a final status")
    _require_consistent(current, chain)
    _check_time(decision, now, cutoff, refuse)

    if decision is Decision.EXPIRE:
        if level is not Level.SYSTEM:
            raise refuse("only the system expires a request, at the cut-off")
        return LimitStatus.EXPIRED
    if decision is Decision.WITHDRAW:
        if level is not Level.REQUESTER or automatic:
            raise refuse("only the requester may withdraw a request")
        return LimitStatus.WITHDRAWN
    if level not in chain.levels:
        raise refuse(_not_in_chain(level))
    waiting_for = pending_level(current, chain)
    if level is not waiting_for:
        raise refuse(f"the request waits for the {waiting_for} LDC's decision")
    if decision is Decision.FLAG and not automatic:
        raise refuse("flagging is how automation asks for an engineer; an engineer decides instead")
    if decision is Decision.FLAG and current is not LimitStatus.SUBMITTED:
        raise refuse("only a newly submitted request can be flagged")
    if automatic and decision not in (Decision.APPROVE, Decision.FLAG):
        raise refuse(f"automation may approve or flag, never {decision.value}")
    if automatic and current is LimitStatus.FLAGGED:
        raise refuse("a flagged request waits for an engineer")
    if automatic and not _has_text(reason):
        raise refuse("an automatic decision must be explained")
    if decision in _NEEDS_REASON and not _has_text(reason):
        raise refuse(f"to {decision.value} a request needs a reason")
    return target


def _has_text(reason: str | None) -> bool:
    return bool(reason and reason.strip())


def _not_in_chain(level: Level) -> str:
    if level is Level.EMBEDDED:
        return "this DER's LDC is not embedded, so there is no embedded LDC level"
    return f"the {level.value} does not approve limits; the LDC levels do"


def _check_time(
    decision: Decision,
    now: datetime | None,
    cutoff: datetime | None,
    refuse: Callable[[str], IllegalTransition],
) -> None:
    if now is None and cutoff is None:
        return
    if now is None or cutoff is None:
        raise ValueError("give both now and cutoff, or neither")
    _require_aware(now, "now")
    _require_aware(cutoff, "cutoff")
    if decision is Decision.EXPIRE and now < cutoff:
        raise refuse(f"the approval cut-off {format_market(cutoff)} has not passed yet")
    if decision is not Decision.EXPIRE and now >= cutoff:
        raise refuse(f"the approval cut-off {format_market(cutoff)} has passed, so the request expires")


def allowed_decisions(
    current: LimitStatus | str,
    level: Level | str,
    chain: Chain | str,
    *,
    automatic: bool = False,
) -> frozenset[Decision]:
    """The decisions ``level`` may take now (for enabling buttons), derived from ``next_status`` itself."""
    allowed = set()
    for decision in Decision:
        try:
            next_status(current, decision, level, chain, automatic=automatic, reason="(probe)")
        except IllegalTransition:
            continue
        allowed.add(decision)
    return frozenset(allowed)
