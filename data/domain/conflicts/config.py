"""The rules, their severities and every parameter of the checks (DOMAIN.md, "Conflict checks")."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from data.domain.conflicts.validation import enum_value, number, set_field
from data.domain.enums import DispatchState, Severity
from data.domain.market_time import INTERVAL_MINUTES

__all__ = ["DEFAULT_SEVERITIES", "IGNORED_INSTRUCTION_STATES", "ConflictConfig", "ConflictRule"]


class ConflictRule(StrEnum):
    """The five checks of DOMAIN.md, in the order the document lists them."""

    DIRECTION = "direction"
    LIMIT_BREACH = "limit_breach"
    DOUBLE_COMMITMENT = "double_commitment"
    OUTAGE = "outage"
    MISSING_APPROVAL = "missing_approval"


DEFAULT_SEVERITIES: Mapping[ConflictRule, Severity] = {
    ConflictRule.DIRECTION: Severity.ALARM,
    ConflictRule.LIMIT_BREACH: Severity.ALARM,
    ConflictRule.DOUBLE_COMMITMENT: Severity.ACTION,
    ConflictRule.OUTAGE: Severity.ALARM,
    ConflictRule.MISSING_APPROVAL: Severity.ACTION,
}

# DOMAIN.md: "Ignored: ... rejected or timed-out instructions". A cancelled instruction is not named there,
# so it counts unless the caller adds it to ConflictConfig.ignored_instruction_states.
IGNORED_INSTRUCTION_STATES: frozenset[DispatchState] = frozenset({DispatchState.REJECTED, DispatchState.TIMED_OUT})


@dataclass(frozen=True)
class ConflictConfig:
    """Every parameter of the checks, explicit. Defaults follow DOMAIN.md.

    - ``approval_cutoff_hours``: limit approvals count for rule 5 up to DAM close minus this, in EST
      (default 3 h: 07:00 EST = 12:00 UTC on D-1, summer and winter alike);
    - ``dam_close_hour_est`` / ``dam_close_minute_est``: DAM close on D-1 (10:00 EST);
    - ``interval_minutes``: the interval grid every input time must sit on (5; a divisor of 60);
    - ``tolerance_kw``: a breach must exceed its bound by more than this (absorbs float rounding);
    - ``ignored_instruction_states``: instruction states that never count (rejected, timed out);
    - ``rules``: which checks run; ``severities``: the severity of each rule's conflicts.
    """

    approval_cutoff_hours: float = 3.0
    dam_close_hour_est: int = 10
    dam_close_minute_est: int = 0
    interval_minutes: int = INTERVAL_MINUTES
    tolerance_kw: float = 1e-6
    ignored_instruction_states: frozenset[DispatchState] = IGNORED_INSTRUCTION_STATES
    rules: frozenset[ConflictRule] = frozenset(ConflictRule)
    severities: Mapping[ConflictRule, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))

    def __post_init__(self) -> None:
        number(self.approval_cutoff_hours, "approval_cutoff_hours", minimum=0)
        for name, high in (("dam_close_hour_est", 23), ("dam_close_minute_est", 59)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise ValueError(f"{name} must be an int in 0..{high}, got {value!r}")
        m = self.interval_minutes
        if isinstance(m, bool) or not isinstance(m, int) or m <= 0 or 60 % m != 0:
            raise ValueError(f"interval_minutes must be a positive divisor of 60, got {m!r}")
        number(self.tolerance_kw, "tolerance_kw", minimum=0)
        set_field(self, "ignored_instruction_states", frozenset(
            enum_value(DispatchState, s, "ignored instruction state") for s in self.ignored_instruction_states))
        set_field(self, "rules", frozenset(enum_value(ConflictRule, r, "rule") for r in self.rules))
        severities = {rule: enum_value(Severity, DEFAULT_SEVERITIES[rule], "severity") for rule in ConflictRule}
        for rule, severity in self.severities.items():
            severities[enum_value(ConflictRule, rule, "rule")] = enum_value(Severity, severity, f"severity of {rule}")
        set_field(self, "severities", severities)
