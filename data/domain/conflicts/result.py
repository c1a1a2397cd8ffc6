"""What the engine reports: one ``Conflict`` per evidence set and maximal run, with a stable fingerprint."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from data.domain.conflicts.config import ConflictRule
from data.domain.conflicts.validation import aware
from data.domain.enums import Severity

__all__ = ["Conflict", "Id", "conflict_fingerprint", "id_sort_key"]

Id = int | str
"""Identifiers are the caller's (database ids or external message ids); ints and strings both work."""


def id_sort_key(value: Id) -> tuple[int, int | str]:
    """Sort ints numerically and before strings, so mixed id kinds still sort deterministically."""
    return (0, value) if isinstance(value, int) else (1, str(value))


def conflict_fingerprint(rule: ConflictRule | str, evidence_ids: Iterable[str], start: datetime,
                         end: datetime) -> str:
    """sha256 hex of rule + sorted evidence ids + run start/end (UTC ISO): stable across runs, for de-duplication."""
    ids = sorted(set(evidence_ids))
    text = "|".join([str(rule), ",".join(ids), aware(start, "start").isoformat(), aware(end, "end").isoformat()])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Conflict:
    """One conflict: one evidence set over one maximal run ``[start, end)`` of consecutive intervals (UTC).

    ``der_ids``: the DERs affected; ``station_ids`` / ``feeder_ids``: where they sit plus the elements named
    by the evidence (targets, outage elements, a limited station). ``evidence`` is JSON-ready (ISO UTC
    strings); ``evidence_ids`` the sorted ids the fingerprint is made of.
    """

    rule: ConflictRule
    severity: Severity
    der_ids: tuple[Id, ...]
    station_ids: tuple[Id, ...]
    feeder_ids: tuple[Id, ...]
    start: datetime
    end: datetime
    evidence: dict[str, Any] = field(hash=False)
    summary: str = ""
    fingerprint: str = ""
    evidence_ids: tuple[str, ...] = ()
