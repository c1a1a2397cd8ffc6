"""Errors of the domain core: a business rule refused a request (not a bug, not an I/O failure).

The UI shows the message to the person who asked, so it is written for them.
"""
from __future__ import annotations


class DomainError(Exception):
    """A request the domain rules refuse."""


class IllegalTransition(DomainError):
    """A state machine was asked for a transition it does not allow."""


class StaleEdit(DomainError):
    """Someone else changed the record first (optimistic locking): reload and decide again."""


class InvalidEntry(DomainError):
    """An entry with problems; ``problems`` lists each one ("field: what is wrong") for the person who typed it."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def problem_field(problem: str) -> str:
    """The field a validation problem is about (the text before its colon)."""
    return problem.split(":", 1)[0]
