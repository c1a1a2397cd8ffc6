"""The conflict engine: run the rules, merge their hits into maximal runs, describe each conflict.

    conflicts = find_conflicts(ConflictInputs(...), ConflictConfig())

A conflict is one rule, one evidence set (the objects involved) and one maximal run of consecutive
intervals: hits with the same rule and evidence set whose spans touch or overlap are merged, whichever DER
they were found on, and the run lists every DER affected. The fingerprint (sha256 of rule, sorted evidence
ids and run start/end) is stable across runs, so the database can de-duplicate on it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from data.domain.conflicts.config import ConflictConfig, ConflictRule
from data.domain.conflicts.index import ConflictIndex
from data.domain.conflicts.model import ConflictInputs, DamBid, Der, DerLimit, Id, Instruction, Outage, Station
from data.domain.conflicts.result import Conflict, id_sort_key
from data.domain.conflicts.rules import (
    RULES,
    Hit,
    approval_cutoff,
    commitment_total_kw,
    station_breach,
)
from data.domain.enums import Issuer, TargetKind
from data.domain.market_time import format_market

__all__ = ["build_conflicts", "find_conflicts", "merge_hits"]

_RULE_ORDER = {rule: n for n, rule in enumerate(ConflictRule)}


def find_conflicts(inputs: ConflictInputs, config: ConflictConfig | None = None) -> list[Conflict]:
    """Every conflict in ``inputs``, sorted by start, rule (DOMAIN.md order) and fingerprint."""
    config = config or ConflictConfig()
    index = ConflictIndex(inputs, config)
    hits: list[Hit] = []
    for rule, check in RULES.items():
        if rule in config.rules:
            hits.extend(check(index))
    return build_conflicts(hits, index)


class Run:
    """Hits of one evidence set merged over consecutive intervals."""

    __slots__ = ("rule", "key", "start", "end", "der_ids", "objects")

    def __init__(self, hit: Hit) -> None:
        self.rule = hit.rule
        self.key = hit.key
        self.start = hit.start
        self.end = hit.end
        self.der_ids: dict[Id, None] = dict.fromkeys(hit.der_ids)
        self.objects: dict[int, Any] = {id(o): o for o in hit.objects}

    def absorb(self, hit: Hit) -> None:
        if hit.end > self.end:
            self.end = hit.end
        self.der_ids.update(dict.fromkeys(hit.der_ids))
        for o in hit.objects:
            self.objects.setdefault(id(o), o)


def merge_hits(hits: Iterable[Hit]) -> list[Run]:
    """Group hits by (rule, evidence set); merge spans that touch or overlap into maximal runs."""
    groups: dict[tuple[ConflictRule, tuple[str, ...]], list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[(hit.rule, hit.key)].append(hit)
    runs: list[Run] = []
    for group in groups.values():
        group.sort(key=lambda h: h.start)
        current: Run | None = None
        for hit in group:
            if current is not None and hit.start <= current.end:
                current.absorb(hit)
            else:
                current = Run(hit)
                runs.append(current)
    return runs


def build_conflicts(hits: Iterable[Hit], index: ConflictIndex) -> list[Conflict]:
    builder = _Builder(index)
    conflicts = [builder.conflict(run) for run in merge_hits(hits)]
    conflicts.sort(key=lambda c: (c.start, _RULE_ORDER[c.rule], c.end, c.fingerprint))
    return conflicts


# --- one conflict -------------------------------------------------------------------------------

_KINDS: dict[type, str] = {Instruction: "instructions", DerLimit: "limits", Outage: "outages", DamBid: "bids",
                           Station: "stations", Der: "ders"}


def _object_order(obj: Any) -> tuple[Any, ...]:
    if isinstance(obj, DerLimit):
        return (id_sort_key(obj.id), obj.trade_date, obj.hour_ending)
    return (id_sort_key(obj.id),)


class _Builder:
    """Turns runs into conflicts; caches what many conflicts share (object evidence, formatted times)."""

    def __init__(self, index: ConflictIndex) -> None:
        self.index = index
        self._evidence: dict[int, tuple[dict[str, Any], bool]] = {}
        self._iso: dict[datetime, str] = {}
        self._market: dict[datetime, str] = {}

    def iso(self, ts: datetime) -> str:
        text = self._iso.get(ts)
        if text is None:
            text = self._iso[ts] = ts.isoformat()
        return text

    def when(self, start: datetime, end: datetime) -> str:
        for ts in (start, end):
            if ts not in self._market:
                self._market[ts] = format_market(ts)
        return f"{self._market[start]} to {self._market[end]}"

    def evidence_of(self, obj: Any) -> dict[str, Any]:
        """A fresh copy per conflict (lists copied too), built once per object."""
        cached = self._evidence.get(id(obj))
        if cached is None:
            built = obj.evidence()
            cached = self._evidence[id(obj)] = (built, any(type(v) is list for v in built.values()))
        built, has_lists = cached
        return {k: list(v) if type(v) is list else v for k, v in built.items()} if has_lists else dict(built)

    def conflict(self, run: Run) -> Conflict:
        index = self.index
        kinds: dict[str, list[Any]] = defaultdict(list)
        for obj in run.objects.values():
            kinds[_KINDS[type(obj)]].append(obj)
        for items in kinds.values():
            if len(items) > 1:
                items.sort(key=_object_order)
        instructions: list[Instruction] = kinds.get("instructions", [])
        outages: list[Outage] = kinds.get("outages", [])
        der_ids = tuple(sorted(run.der_ids, key=id_sort_key)) if len(run.der_ids) > 1 else tuple(run.der_ids)

        supply = index.supply
        station_ids: set[Id] = set()
        feeder_ids: set[Id] = set()
        for d in der_ids:
            der = supply.ders.get(d)
            if der is not None:
                station_ids.add(supply.der_station[d])
                feeder_ids.add(der.feeder_id)
        for ins in instructions:
            if ins.target_kind == TargetKind.STATION:
                station_ids.add(ins.target_id)
            elif ins.target_kind == TargetKind.FEEDER:
                feeder_ids.add(ins.target_id)
        for outage in outages:
            station_ids.update(outage.station_ids)
            feeder_ids.update(outage.feeder_ids)
        station_ids.update(s.id for s in kinds.get("stations", ()))

        evidence: dict[str, Any] = {"rule": str(run.rule)}
        for name in ("instructions", "limits", "outages", "bids", "stations"):
            if name in kinds:
                evidence[name] = [self.evidence_of(item) for item in kinds[name]]
        summary = _describe(run, self, evidence, kinds, der_ids)
        text = "|".join([str(run.rule), ",".join(run.key), self.iso(run.start), self.iso(run.end)])
        return Conflict(
            rule=run.rule,
            severity=index.config.severities[run.rule],
            der_ids=der_ids,
            station_ids=tuple(sorted(station_ids, key=id_sort_key)),
            feeder_ids=tuple(sorted(feeder_ids, key=id_sort_key)),
            start=run.start,
            end=run.end,
            evidence=evidence,
            summary=summary,
            fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest(),  # = conflict_fingerprint(...)
            evidence_ids=run.key,
        )


def _kw(value: float | None) -> str:
    return "none" if value is None else f"{value:+,.1f} kW"


def _mag(value: float | None) -> str:
    return "none" if value is None else f"{value:,.1f} kW"


def _ders(der_ids: tuple[Id, ...], shown: int = 5) -> str:
    if len(der_ids) == 1:
        return f"DER {der_ids[0]}"
    names = ", ".join(str(d) for d in der_ids[:shown])
    more = f" and {len(der_ids) - shown} more" if len(der_ids) > shown else ""
    return f"{len(der_ids)} DERs ({names}{more})"


_ISSUER_LABEL = {Issuer.IESO: "IESO", Issuer.DSO: "DSO"}


def _instruction(ins: Instruction) -> str:
    issuer = _ISSUER_LABEL[ins.issuer]
    return f"{issuer} instruction {ins.id} ({_kw(ins.setpoint_kw)} on {ins.target_kind} {ins.target_id})"


def _describe(run: Run, builder: _Builder, evidence: dict[str, Any], kinds: dict[str, list[Any]],
              der_ids: tuple[Id, ...]) -> str:
    """One sentence for the alarm list; also adds the rule's figures to ``evidence``."""
    index = builder.index
    instructions: list[Instruction] = kinds.get("instructions", [])
    limits: list[DerLimit] = kinds.get("limits", [])
    stations: list[Station] = kinds.get("stations", [])
    when = builder.when(run.start, run.end)
    where = _ders(der_ids)
    if run.rule == ConflictRule.DIRECTION:
        parts = [_instruction(i) for i in instructions]
        for lim in limits[:1]:
            side = "export limit 0 kW" if lim.export_kw == 0 else "import limit 0 kW"
            parts.append(f"DSO limit {lim.id} ({side})")
        return f"Direction: {' vs '.join(parts)} pull {where} opposite ways, {when}."
    if run.rule == ConflictRule.LIMIT_BREACH:
        if stations:
            station = stations[0]
            total = sum(i.setpoint_kw for i in instructions)
            side = station_breach(station, total, index.config.tolerance_kw) or "?"
            bound = station.der_export_limit_kw if side == "export" else station.der_import_limit_kw
            evidence.update(sum_kw=total, breach=side)
            return (f"Limit breach: {len(instructions)} DER set points under station {station.id} sum to "
                    f"{_kw(total)}, beyond its DER {side} limit {_mag(bound)}, {when}.")
        ins = instructions[0]
        lim = limits[0]
        side = "export" if lim.export_kw is not None and ins.setpoint_kw > lim.export_kw else "import"
        bound = lim.export_kw if side == "export" else lim.import_kw
        evidence.update(setpoint_kw=ins.setpoint_kw, breach=side)
        return (f"Limit breach: {_instruction(ins)} is beyond {where}'s approved {side} limit {_mag(bound)} "
                f"(limit {lim.id}), {when}.")
    if run.rule == ConflictRule.DOUBLE_COMMITMENT:
        ders = [index.supply.ders[d] for d in der_ids if d in index.supply.ders]
        totals = {str(d.id): commitment_total_kw(index, d.id, instructions) for d in ders}
        evidence.update(ders=[builder.evidence_of(d) for d in ders], total_kw_by_der=totals)
        first: Der = ders[0]
        return (f"Double commitment: {len(instructions)} overlapping commitments of {where} total "
                f"{_mag(totals[str(first.id)])} (rated {_mag(first.rated_kw)}"
                f"{', first DER' if len(ders) > 1 else ''}), {when}.")
    if run.rule == ConflictRule.OUTAGE:
        ins = instructions[0]
        outage = kinds["outages"][0]
        derate = []
        if outage.derate_pct is not None:
            derate.append(f"de-rate {outage.derate_pct:g} %")
        if outage.max_kw is not None:
            derate.append(f"max {_mag(outage.max_kw)}")
        extra = f" ({', '.join(derate)})" if derate else ""
        return (f"Outage: {_instruction(ins)} on {where} during {outage.kind} outage {outage.id} "
                f"[{outage.state}]{extra}, {when}.")
    bid: DamBid = kinds["bids"][0]
    cutoff = approval_cutoff(index, bid.trade_date)
    ders = [index.supply.ders[d] for d in der_ids if d in index.supply.ders]
    evidence.update(cutoff=cutoff.isoformat(), der_ids=list(der_ids))
    if ders:
        evidence["ders"] = [builder.evidence_of(d) for d in ders]
    return (f"Missing approval: DAM bid {bid.id} (resource {bid.resource_id}, trade date {bid.trade_date}) "
            f"includes {where} with no limit approved by the cut-off {format_market(cutoff)}, {when}.")
