"""Conflict checks between IESO and DSO instructions, limits, outages and bids (DOMAIN.md, "Conflict checks").

Pure Python, no framework imports:
- ``model``: the inputs (grid, DERs, instructions, limits, outages, DAM bids), validated at construction;
- ``config``: the rules, their severities and every parameter (cut-off, DAM close, interval length);
- ``index``: the supply tree expanded once, instructions filed by DER, time sweeps;
- ``rules``: one function per rule, yielding hits; ``engine``: hits -> maximal runs -> ``Conflict``;
- ``result``: ``Conflict`` and its fingerprint.

    from data.domain.conflicts import ConflictInputs, find_conflicts
    conflicts = find_conflicts(ConflictInputs(stations=..., feeders=..., ders=..., instructions=...))
"""
from data.domain.conflicts.config import DEFAULT_SEVERITIES, IGNORED_INSTRUCTION_STATES, ConflictConfig, ConflictRule
from data.domain.conflicts.engine import find_conflicts
from data.domain.conflicts.model import (
    ConflictInputs,
    DamBid,
    Der,
    DerLimit,
    Feeder,
    Instruction,
    Outage,
    Station,
)
from data.domain.conflicts.result import Conflict, Id, conflict_fingerprint

__all__ = [
    "DEFAULT_SEVERITIES",
    "IGNORED_INSTRUCTION_STATES",
    "Conflict",
    "ConflictConfig",
    "ConflictInputs",
    "ConflictRule",
    "DamBid",
    "Der",
    "DerLimit",
    "Feeder",
    "Id",
    "Instruction",
    "Outage",
    "Station",
    "conflict_fingerprint",
    "find_conflicts",
]
