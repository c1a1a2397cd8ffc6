"""The five conflict checks of DOMAIN.md, one function per rule.

Each rule reads a ``ConflictIndex`` and yields ``Hit``s: one evidence set (the sorted ids of the objects
involved) on some DERs over a span ``[start, end)`` of whole intervals. The engine merges hits with the
same rule and evidence set into maximal runs and turns them into ``Conflict``s.

Interpretations (where DOMAIN.md is silent, the choice is stated here and in the report):
- a resource-targeted instruction applies to each contributor DER with a share of its set point pro rata
  to rated capacity (the whole set point for a one-DER resource); feeder- and station-targeted
  instructions apply with their sign only and are never counted as a DER's commitment (rule 3) nor summed
  (rule 2), as DOMAIN.md says for rule 2;
- rule 1: a DSO limit is the DER's most recently approved limit for that hour; export 0 makes it a
  negative DSO instruction, import 0 a positive one (both 0: both);
- rule 2, station part: the signed sum of the non-zero set points of all DER-targeted instructions on DERs
  supplied through the station (with or without a DER limit of their own), per station with a DER limit;
- rule 3: commitments are the non-zero DER- and resource-targeted instructions of the DER (any issuer);
  the rule needs at least two overlapping and their magnitudes summed strictly above rated capacity;
- rule 5: one conflict per bid and DER (the DER is part of the evidence), over the bid's hours.
Every comparison is strict ("above", "below") beyond ``config.tolerance_kw``.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import groupby
from typing import Any, NamedTuple

from data.domain.conflicts.config import ConflictRule
from data.domain.conflicts.index import Applied, ConflictIndex, hours_of, overlapping_pairs, segments
from data.domain.conflicts.model import DerLimit, Id, Instruction, Station
from data.domain.enums import Issuer, TargetKind
from data.domain.market_time import approval_cutoff_utc, hour_ending_end_utc, hour_ending_start_utc

__all__ = [
    "RULES",
    "Hit",
    "check_direction",
    "check_double_commitment",
    "check_limit_breach",
    "check_missing_approval",
    "check_outage",
]


class Hit(NamedTuple):
    """An evidence set found on some DERs over ``[start, end)``; ``objects`` are the objects involved."""

    rule: ConflictRule
    key: tuple[str, ...]
    der_ids: tuple[Id, ...]
    start: datetime
    end: datetime
    objects: tuple[Any, ...]


def _key(*evidence_ids: str) -> tuple[str, ...]:
    return tuple(sorted(evidence_ids))


# --- rule 1: direction --------------------------------------------------------------------------

_IESO_POS, _IESO_NEG, _DSO_POS, _DSO_NEG = range(4)
_OPPOSITE_SIGN = {_IESO_POS: (_DSO_NEG,), _IESO_NEG: (_DSO_POS,), _DSO_POS: (_IESO_NEG,), _DSO_NEG: (_IESO_POS,)}


def _zero_limits_by_der(index: ConflictIndex) -> dict[Id, list[tuple[datetime, datetime, int, DerLimit]]]:
    """DSO limits acting as instructions: export 0 -> negative, import 0 -> positive, over their hour."""
    out: dict[Id, list[tuple[datetime, datetime, int, DerLimit]]] = defaultdict(list)
    for (der_id, trade_date, hour_ending), lim in index.limits.items():
        if lim.export_kw != 0 and lim.import_kw != 0:
            continue
        start = hour_ending_start_utc(trade_date, hour_ending)
        end = hour_ending_end_utc(trade_date, hour_ending)
        if lim.export_kw == 0:
            out[der_id].append((start, end, _DSO_NEG, lim))
        if lim.import_kw == 0:
            out[der_id].append((start, end, _DSO_POS, lim))
    return out


def check_direction(index: ConflictIndex) -> Iterator[Hit]:
    """Rule 1: one DER, the same interval, an IESO instruction and a DSO instruction (or limit) of opposite sign."""
    zero_limits = _zero_limits_by_der(index) if index.limits else {}
    for der_id, applied in index.applied.items():
        entries: list[tuple[datetime, datetime, int, Instruction | DerLimit]] = []
        has_ieso = False
        for a in applied:
            sp = a.instruction.setpoint_kw
            if sp == 0:
                continue
            ieso = a.instruction.issuer == Issuer.IESO
            has_ieso = has_ieso or ieso
            category = (_IESO_POS if sp > 0 else _IESO_NEG) if ieso else (_DSO_POS if sp > 0 else _DSO_NEG)
            entries.append((a.start, a.end, category, a.instruction))
        if not has_ieso:
            continue
        entries.extend(zero_limits.get(der_id, ()))
        for first, second, start, end in overlapping_pairs(entries, _OPPOSITE_SIGN):
            ieso_obj, dso_obj = (first, second) if _is_ieso(first) else (second, first)
            yield Hit(ConflictRule.DIRECTION, _key(ieso_obj.evidence_id, dso_obj.evidence_id), (der_id,), start, end,
                      (ieso_obj, dso_obj))


def _is_ieso(obj: Instruction | DerLimit) -> bool:
    return isinstance(obj, Instruction) and obj.issuer == Issuer.IESO


# --- rule 2: limit breach -----------------------------------------------------------------------


def check_limit_breach(index: ConflictIndex) -> Iterator[Hit]:
    """Rule 2: DER-targeted set points against the DER's latest approved limit, and their sum per limited station."""
    yield from _der_limit_breaches(index)
    yield from _station_limit_breaches(index)


def _der_limit_breaches(index: ConflictIndex) -> Iterator[Hit]:
    tol = index.config.tolerance_kw
    limited = {der_id for der_id, _, _ in index.limits}
    for der_id, instructions in index.der_targeted.items():
        if der_id not in limited:
            continue  # no approved limit: rule 2 does not apply
        for ins in instructions:
            sp = ins.setpoint_kw
            for trade_date, hour_ending, start, end in hours_of(ins.start, ins.end):
                lim = index.limits.get((der_id, trade_date, hour_ending))
                if lim is None:
                    continue
                over = lim.export_kw is not None and sp > lim.export_kw + tol
                under = lim.import_kw is not None and sp < -lim.import_kw - tol
                if over or under:
                    yield Hit(ConflictRule.LIMIT_BREACH, _key(ins.evidence_id, lim.evidence_id), (der_id,), start, end,
                              (ins, lim))


def station_breach(station: Station, total_kw: float, tolerance_kw: float) -> str | None:
    """"export" or "import" when a signed sum of set points breaches the station's DER limit, else None."""
    if station.der_export_limit_kw is not None and total_kw > station.der_export_limit_kw + tolerance_kw:
        return "export"
    if station.der_import_limit_kw is not None and total_kw < -station.der_import_limit_kw - tolerance_kw:
        return "import"
    return None


def _station_limit_breaches(index: ConflictIndex) -> Iterator[Hit]:
    tol = index.config.tolerance_kw
    supply = index.supply
    for station in supply.stations.values():
        if not station.has_der_limit:
            continue
        instructions = [ins for der_id in supply.station_ders.get(station.id, ())
                        for ins in index.der_targeted.get(der_id, ()) if ins.setpoint_kw != 0]
        if not instructions:
            continue
        yield from _sweep_station(station, instructions, tol)


def _sweep_station(station: Station, instructions: list[Instruction], tol: float) -> Iterator[Hit]:
    """Running signed sum over time; the exact sum (fsum) is taken only near a bound, so float drift never decides."""
    events = sorted([(ins.start, 1, i) for i, ins in enumerate(instructions)]
                    + [(ins.end, 0, i) for i, ins in enumerate(instructions)])
    export = station.der_export_limit_kw
    imp = station.der_import_limit_kw
    active: dict[int, Instruction] = {}
    running = 0.0
    magnitude = 0.0
    n, k = len(events), 0
    while k < n:
        t = events[k][0]
        while k < n and events[k][0] == t:
            _, kind, i = events[k]
            sp = instructions[i].setpoint_kw
            if kind:
                active[i] = instructions[i]
                running += sp
            else:
                del active[i]
                running -= sp
            magnitude += abs(sp)
            k += 1
        if not active:
            running = 0.0
            magnitude = 0.0
            continue
        if k == n:
            break
        margin = tol + 1e-9 * magnitude + 1e-9
        near = (export is not None and running > export - margin) or (imp is not None and running < -imp + margin)
        if not near:
            continue
        total = math.fsum(ins.setpoint_kw for ins in active.values())
        if station_breach(station, total, tol) is None:
            continue
        members = sorted(active.values(), key=lambda ins: ins.evidence_id)
        der_ids = tuple(dict.fromkeys(ins.target_id for ins in members))
        yield Hit(ConflictRule.LIMIT_BREACH, _key(f"station:{station.id}", *(ins.evidence_id for ins in members)),
                  der_ids, t, events[k][0], (station, *members))


# --- rule 3: double commitment ------------------------------------------------------------------


def check_double_commitment(index: ConflictIndex) -> Iterator[Hit]:
    """Rule 3: two or more overlapping commitments of one DER whose magnitudes sum above its rated capacity."""
    tol = index.config.tolerance_kw
    commitment_kinds = (TargetKind.DER, TargetKind.RESOURCE)
    for der_id, applied in index.applied.items():
        der = index.supply.ders.get(der_id)
        if der is None:
            continue  # rated capacity unknown
        entries = [(a.start, a.end, a) for a in applied
                   if a.instruction.target_kind in commitment_kinds and a.share_kw != 0]
        if len(entries) < 2:
            continue
        for start, end, active in segments(entries):
            if len(active) < 2:
                continue
            total = math.fsum(abs(a.share_kw) for a in active)
            if total > der.rated_kw + tol:
                instructions = [a.instruction for a in active]
                yield Hit(ConflictRule.DOUBLE_COMMITMENT, _key(*(i.evidence_id for i in instructions)), (der_id,),
                          start, end, (der, *instructions))


def commitment_total_kw(index: ConflictIndex, der_id: Id, instructions: list[Instruction]) -> float:
    """The magnitudes of these commitments summed for one DER (its share of resource-targeted ones)."""
    return math.fsum(abs(index.supply.share_kw(ins, der_id)) for ins in instructions)


# --- rule 4: outage -----------------------------------------------------------------------------

_INSTRUCTION, _OUTAGE = 0, 1
_OPPOSITE_OUTAGE = {_INSTRUCTION: (_OUTAGE,), _OUTAGE: (_INSTRUCTION,)}


def check_outage(index: ConflictIndex) -> Iterator[Hit]:
    """Rule 4: a non-zero instruction (any issuer) applying to a DER while an outage or constraint applies to it."""
    for der_id, outages in index.outages_by_der.items():
        applied: list[Applied] = index.applied.get(der_id, [])
        entries: list[tuple[datetime, datetime, int, Any]] = [
            (a.start, a.end, _INSTRUCTION, a.instruction) for a in applied if a.instruction.setpoint_kw != 0]
        if not entries:
            continue
        entries.extend((start, end, _OUTAGE, outage) for start, end, outage in outages)
        for first, second, start, end in overlapping_pairs(entries, _OPPOSITE_OUTAGE):
            ins, outage = (first, second) if isinstance(first, Instruction) else (second, first)
            yield Hit(ConflictRule.OUTAGE, _key(ins.evidence_id, outage.evidence_id), (der_id,), start, end,
                      (ins, outage))


# --- rule 5: missing approval -------------------------------------------------------------------


def approval_cutoff(index: ConflictIndex, trade_date: Any) -> datetime:
    cfg = index.config
    return approval_cutoff_utc(trade_date, hours_before_close=cfg.approval_cutoff_hours,
                               close_hour_est=cfg.dam_close_hour_est, close_minute=cfg.dam_close_minute_est)


def check_missing_approval(index: ConflictIndex) -> Iterator[Hit]:
    """Rule 5: each DER of a DAM bid without a limit for the trade date approved at or before the cut-off."""
    for bid in index.bids:
        cutoff = approval_cutoff(index, bid.trade_date)
        spans = []
        for _, run in groupby(enumerate(bid.hours), key=lambda p: p[1] - p[0]):
            hours = [h for _, h in run]
            spans.append((hour_ending_start_utc(bid.trade_date, hours[0]),
                          hour_ending_end_utc(bid.trade_date, hours[-1])))
        for der_id in bid_der_ids(index, bid):
            first = index.first_approval.get((der_id, bid.trade_date))
            if first is not None and first <= cutoff:
                continue
            der = index.supply.ders.get(der_id)
            objects = (bid,) if der is None else (bid, der)
            for start, end in spans:
                yield Hit(ConflictRule.MISSING_APPROVAL, _key(bid.evidence_id, f"der:{der_id}"), (der_id,), start, end,
                          objects)


def bid_der_ids(index: ConflictIndex, bid: Any) -> tuple[Id, ...]:
    return tuple(dict.fromkeys(index.bid_ders(bid)))


RULES: dict[ConflictRule, Callable[[ConflictIndex], Iterator[Hit]]] = {
    ConflictRule.DIRECTION: check_direction,
    ConflictRule.LIMIT_BREACH: check_limit_breach,
    ConflictRule.DOUBLE_COMMITMENT: check_double_commitment,
    ConflictRule.OUTAGE: check_outage,
    ConflictRule.MISSING_APPROVAL: check_missing_approval,
}
