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
