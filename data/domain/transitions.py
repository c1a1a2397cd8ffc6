"""One small state-machine helper for every lifecycle (outages, notices, ...): allowed moves
as data, and refusals that say what is allowed instead."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from data.domain.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Transitions(Generic[S]):
    states: type[S]
    allowed: Mapping[S, frozenset[S]]
    noun: str  # "an outage", "a notice": how the refusal names the thing

    def check(self, current: S | str, target: S | str) -> S:
        """The target state when ``current -> target`` is allowed, else IllegalTransition naming both."""
        try:
            now, to = self.states(current), self.states(target)
        except ValueError:
            raise IllegalTransition(f"unknown state in {current!r} -> {target!r}") from None
        if to not in self.allowed[now]:
            options = ", ".join(sorted(self.allowed[now])) or "nothing (it is final)"
            raise IllegalTransition(f"{self.noun} that is {now} cannot become {to}; from {now} it may become {options}")
        return to

    def next(self, current: S | str) -> frozenset[S]:
        try:
            return self.allowed[self.states(current)]
        except ValueError:
            return frozenset()
