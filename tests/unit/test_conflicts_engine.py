"""The engine as a whole: maximal runs, fingerprints, ordering, and agreement with a literal reference.

The reference below reads DOMAIN.md word for word: for every 5-minute interval and every DER it lists
what applies (supply tree walked with ``SupplyTree.below``, independently of the engine's index) and
checks the five rules, then merges consecutive intervals with the same evidence set. The engine (sweeps
and indexes) must find exactly the same conflicts on many random scenarios.
"""
import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from data.domain.conflicts import (
    ConflictConfig,
    ConflictInputs,
    ConflictRule,
    DamBid,
    Der,
    DerLimit,
    Feeder,
    Instruction,
    Outage,
    Station,
    conflict_fingerprint,
    find_conflicts,
)
from data.domain.enums import StationKind
from data.domain.market_time import MARKET_TZ, approval_cutoff_utc, to_market_time
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree

D = date(2026, 7, 1)
T0 = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)  # 09:00 EST
STEP = timedelta(minutes=5)

STATIONS = (
    Station(1, StationKind.TS, der_export_limit_kw=400, der_import_limit_kw=300),
    Station(2, StationKind.DS, supply_station_id=1, der_export_limit_kw=150),
    Station(3, StationKind.MS, supply_feeder_id=20, der_import_limit_kw=120),
    Station(4, StationKind.MS, supply_feeder_id=21),
    Station(5, StationKind.TS),
)
FEEDERS = (Feeder(10, 1), Feeder(20, 2), Feeder(21, 2), Feeder(30, 3), Feeder(31, 3), Feeder(40, 4), Feeder(50, 5))
DERS = (
    Der(101, 30, 3, 100.0, resource_id="R1"),
    Der(102, 31, 3, 60.0, resource_id="R1"),
    Der(103, 20, 2, 100.0, resource_id="R2"),
    Der(104, 21, 2, 80.0),
    Der(105, 10, 1, 100.0, resource_id="R2"),
    Der(106, 50, 5, 50.0),
    Der(107, 40, 4, 90.0, resource_id="R1"),
)
TARGETS = {
    "der": [d.id for d in DERS],
    "resource": ["R1", "R2", "R9"],
    "feeder": [f.id for f in FEEDERS],
    "station": [s.id for s in STATIONS],
}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- the literal reference ----------------------------------------------------------------------


def reference(inputs: ConflictInputs, config: ConflictConfig) -> set[tuple]:
    nodes = [StationNode(s.id, str(s.kind), s.supply_station_id, s.supply_feeder_id) for s in inputs.stations]
    tree = SupplyTree(nodes, [FeederNode(f.id, f.station_id) for f in inputs.feeders])
    ders = {d.id: d for d in inputs.ders}

    def under_station(sid: object) -> set:
        stations = {sid} | tree.below(sid)
        return {d.id for d in inputs.ders if d.station_id in stations}

    def under_feeder(fid: object) -> set:
        fed = {s.id for s in inputs.stations if s.supply_feeder_id == fid}
        stations = set(fed).union(*(tree.below(s) for s in fed)) if fed else set()
        return {d.id for d in inputs.ders if d.feeder_id == fid or d.station_id in stations}

    def applies(ins: Instruction) -> set:
        kind = str(ins.target_kind)
        if kind == "der":
            return {ins.target_id}
        if kind == "resource":
            return {d.id for d in inputs.ders if d.resource_id == ins.target_id}
        return under_feeder(ins.target_id) if kind == "feeder" else under_station(ins.target_id)

    def share(ins: Instruction, der_id: object) -> float:
        if str(ins.target_kind) != "resource":
            return ins.setpoint_kw
        members = [d for d in inputs.ders if d.resource_id == ins.target_id]
        total = sum(d.rated_kw for d in members)
        return ins.setpoint_kw * ders[der_id].rated_kw / total

    live = [i for i in inputs.instructions if i.state not in config.ignored_instruction_states]
    reach = {i.id: applies(i) for i in live}
    outage_reach = {o.id: set().union(*(under_station(s) for s in o.station_ids),
                                      *(under_feeder(f) for f in o.feeder_ids)) for o in inputs.outages}

    def limit_at(der_id: object, t: datetime) -> DerLimit | None:
        mt = to_market_time(t)
        best = None
        for lim in inputs.limits:  # later rows win ties, None approved_at sorts first
            if (lim.der_id, lim.trade_date, lim.hour_ending, str(lim.status)) != (der_id, mt.trade_date,
                                                                                  mt.hour_ending, "approved"):
                continue
            rank = (lim.approved_at is not None, lim.approved_at or datetime.min.replace(tzinfo=UTC))
            if best is None or rank >= best[0]:
                best = (rank, lim)
        return None if best is None else best[1]

    def in_force(o: Outage, t: datetime) -> bool:
        if str(o.state) == "cancelled":
            return False
        end = o.restored_at or o.end
        return o.start <= t and (end is None or t < end)

    tol = config.tolerance_kw
    hits: dict[tuple, dict[datetime, set]] = defaultdict(lambda: defaultdict(set))
    times = [i.start for i in live] + [i.end for i in live]
    t = min(times, default=T0)
    while t < max(times, default=T0):
        active = [i for i in live if i.start <= t < i.end]
        for der_id in ders:
            acting = [i for i in active if der_id in reach[i.id]]
            lim = limit_at(der_id, t)
            # rule 1
            ieso = [(i.evidence_id, i.setpoint_kw) for i in acting if str(i.issuer) == "ieso" and i.setpoint_kw]
            dso = [(i.evidence_id, i.setpoint_kw) for i in acting if str(i.issuer) == "dso" and i.setpoint_kw]
            if lim is not None and lim.export_kw == 0:
                dso.append((lim.evidence_id, -1))
            if lim is not None and lim.import_kw == 0:
                dso.append((lim.evidence_id, +1))
            for a, sa in ieso:
                for b, sb in dso:
                    if sa * sb < 0:
                        hits[(ConflictRule.DIRECTION, tuple(sorted((a, b))))][t].add(der_id)
            # rule 2, DER part
            if lim is not None:
                for i in acting:
                    if str(i.target_kind) == "der" and (
                            (lim.export_kw is not None and i.setpoint_kw > lim.export_kw + tol)
                            or (lim.import_kw is not None and i.setpoint_kw < -lim.import_kw - tol)):
                        key = tuple(sorted((i.evidence_id, lim.evidence_id)))
                        hits[(ConflictRule.LIMIT_BREACH, key)][t].add(der_id)
            # rule 3
            commitments = [i for i in acting if str(i.target_kind) in ("der", "resource") and share(i, der_id) != 0]
            if len(commitments) >= 2 and math.fsum(abs(share(i, der_id)) for i in commitments) > \
                    ders[der_id].rated_kw + tol:
                hits[(ConflictRule.DOUBLE_COMMITMENT, tuple(sorted(i.evidence_id for i in commitments)))][t].add(der_id)
            # rule 4
            for o in inputs.outages:
                if in_force(o, t) and der_id in outage_reach[o.id]:
                    for i in acting:
                        if i.setpoint_kw != 0:
                            hits[(ConflictRule.OUTAGE, tuple(sorted((i.evidence_id, o.evidence_id))))][t].add(der_id)
        # rule 2, station part
        for s in inputs.stations:
            if s.der_export_limit_kw is None and s.der_import_limit_kw is None:
                continue
            below = under_station(s.id)
            parts = [i for i in active if str(i.target_kind) == "der" and i.target_id in below and i.setpoint_kw]
            total = math.fsum(i.setpoint_kw for i in parts)
            if (s.der_export_limit_kw is not None and total > s.der_export_limit_kw + tol) or (
                    s.der_import_limit_kw is not None and total < -s.der_import_limit_kw - tol):
                key = tuple(sorted([f"station:{s.id}", *(i.evidence_id for i in parts)]))
                hits[(ConflictRule.LIMIT_BREACH, key)][t].update(i.target_id for i in parts)
        t += STEP
    # rule 5
    for bid in inputs.bids:
        cutoff = approval_cutoff_utc(bid.trade_date, config.approval_cutoff_hours, config.dam_close_hour_est,
                                     config.dam_close_minute_est)
        members = bid.der_ids or tuple(d.id for d in inputs.ders if d.resource_id == bid.resource_id)
        for der_id in members:
            if any(lim.der_id == der_id and lim.trade_date == bid.trade_date and str(lim.status) == "approved"
                   and lim.approved_at is not None and lim.approved_at <= cutoff for lim in inputs.limits):
                continue
            for he in bid.hours:
                t = datetime(bid.trade_date.year, bid.trade_date.month, bid.trade_date.day,
                             tzinfo=MARKET_TZ).astimezone(UTC) + timedelta(hours=he - 1)
                for k in range(12):
                    hits[(ConflictRule.MISSING_APPROVAL, (f"bid:{bid.id}", f"der:{der_id}"))][t + k * STEP].add(der_id)

    found = set()
    for (rule, key), by_time in hits.items():
        run_start, run_ders, previous = None, set(), None
        for t in sorted(by_time):
            if previous is None or t != previous + STEP:
                if run_start is not None:
                    found.add((rule, key, run_start, previous + STEP, frozenset(run_ders)))
                run_start, run_ders = t, set()
            run_ders |= by_time[t]
            previous = t
        found.add((rule, key, run_start, previous + STEP, frozenset(run_ders)))
    return found


def engine(inputs: ConflictInputs, config: ConflictConfig) -> set[tuple]:
    return {(c.rule, c.evidence_ids, c.start, c.end, frozenset(c.der_ids)) for c in find_conflicts(inputs, config)}


def random_scenario(rng: random.Random, n_instructions: int) -> ConflictInputs:
    instructions = []
    for n in range(n_instructions):
        kind = rng.choice(["der"] * 5 + ["resource"] * 2 + ["feeder", "station"])
        start = rng.randrange(0, 48) * 5
        length = rng.choice([5, 10, 15, 30, 60, 60, 90, 120])
        instructions.append(Instruction(
            n, rng.choice(["ieso", "dso"]), kind, rng.choice(TARGETS[kind]),
            rng.choice([0, 10, 25, 40, 60, 80, 130, -10, -25, -60, -90]),
            at(start), at(start + length),
            rng.choice(["accepted"] * 6 + ["new", "rejected", "timed_out", "cancelled"])))
    limits = []
    for _ in range(rng.randrange(0, 12)):
        limits.append(DerLimit(
            rng.randrange(0, 6), rng.choice(TARGETS["der"]), D, rng.choice([10, 11, 12]),
            rng.choice([None, 0, 30, 50, 100]), rng.choice([None, 0, 30, 50, 100]),
            T0 - timedelta(days=1, minutes=rng.randrange(0, 600)) if rng.random() > 0.1 else None,
            rng.choice(["approved"] * 4 + ["submitted", "rejected"])))
    outages = []
    for n in range(rng.randrange(0, 4)):
        start = rng.randrange(0, 40) * 5
        end = at(start + rng.choice([15, 60, 120])) if rng.random() < 0.5 else None
        restored = at(start + rng.choice([0, 10, 45])) if rng.random() < 0.3 else None
        state = "restored" if restored and rng.random() < 0.7 else rng.choice(["planned", "active", "cancelled"])
        if state == "restored" and restored is None and end is None:
            state = "active"
        outages.append(Outage(f"O{n}", at(start), end, restored, state,
                              station_ids=tuple(rng.sample(TARGETS["station"], rng.randrange(0, 2))),
                              feeder_ids=tuple(rng.sample(TARGETS["feeder"], rng.randrange(0, 2))),
                              derate_pct=rng.choice([None, 30.0])))
    bids = []
    cutoff = approval_cutoff_utc(D)
    for n in range(rng.randrange(0, 3)):
        bids.append(DamBid(f"B{n}", rng.choice(["R1", "R2"]), D, hours=tuple(rng.sample(range(1, 25), 3)),
                           der_ids=tuple(rng.sample(TARGETS["der"], rng.randrange(0, 3)))))
        limits.append(DerLimit(f"A{n}", rng.choice(TARGETS["der"]), D, rng.randrange(1, 25), 50, 50,
                               cutoff + timedelta(seconds=rng.choice([-60, 0, 1])), "approved"))
    return ConflictInputs(stations=STATIONS, feeders=FEEDERS, ders=DERS, instructions=instructions, limits=limits,
                          outages=outages, bids=bids)


@pytest.mark.parametrize("seed", range(120))
def test_engine_matches_the_literal_reference(seed: int):
    rng = random.Random(seed)
    inputs = random_scenario(rng, rng.choice([4, 10, 25]))
    config = ConflictConfig()
    assert engine(inputs, config) == reference(inputs, config)


def test_the_random_scenarios_exercise_every_rule():
    seen = set()
    for seed in range(120):
        rng = random.Random(seed)
        seen.update(c.rule for c in find_conflicts(random_scenario(rng, rng.choice([4, 10, 25]))))
    assert seen == set(ConflictRule)


# --- runs, fingerprints, order ------------------------------------------------------------------


def _pair(i: int, j: int, start: int, end: int, ieso_start: int = 0, ieso_end: int = 120) -> list[Instruction]:
    return [Instruction(i, "ieso", "der", 101, 20, at(ieso_start), at(ieso_end)),
            Instruction(j, "dso", "der", 101, -20, at(start), at(end))]


def test_the_same_evidence_set_on_consecutive_intervals_is_one_maximal_run():
    # IESO +20 over 09:00-11:00 EST; DSO -20 over 09:30-10:30 EST: one run, whatever else starts and stops
    noise = [Instruction(n, "dso", "der", 101, 5, at(30 + 5 * n), at(35 + 5 * n)) for n in range(3, 9)]
    [c] = [c for c in find_conflicts(ConflictInputs(ders=DERS, stations=STATIONS, feeders=FEEDERS,
                                                    instructions=[*_pair(1, 2, 30, 90), *noise]))
           if c.evidence_ids == ("instruction:1", "instruction:2")]
    assert (c.start, c.end) == (at(30), at(90))


def test_a_run_is_merged_across_ders_and_lists_each():
    ieso = Instruction("i", "ieso", "station", 3, 50, at(0), at(60))
    dso = [Instruction("d", "dso", "feeder", 20, -50, at(0), at(60))]
    [c] = find_conflicts(ConflictInputs(stations=STATIONS, feeders=FEEDERS, ders=DERS, instructions=[ieso, *dso]))
    assert c.der_ids == (101, 102)
    assert (c.start, c.end) == (at(0), at(60))


def test_fingerprint_is_sha256_of_rule_evidence_and_run_and_is_stable():
    inputs = ConflictInputs(ders=DERS, stations=STATIONS, feeders=FEEDERS, instructions=_pair(1, 2, 30, 90))
    [c] = find_conflicts(inputs)
    assert c.fingerprint == conflict_fingerprint(ConflictRule.DIRECTION, ["instruction:2", "instruction:1"],
                                                 at(30), at(90))
    assert len(c.fingerprint) == 64 and int(c.fingerprint, 16) >= 0
    # the same conflict found again (other input order, other unrelated objects) keeps its fingerprint
    shuffled = ConflictInputs(ders=DERS[::-1], stations=STATIONS[::-1], feeders=FEEDERS[::-1],
                              instructions=[*_pair(1, 2, 30, 90)[::-1],
                                            Instruction(9, "dso", "der", 106, 1, at(0), at(5))])
    assert [x.fingerprint for x in find_conflicts(shuffled)] == [c.fingerprint]
    # a different run is a different conflict
    [longer] = find_conflicts(ConflictInputs(ders=DERS, stations=STATIONS, feeders=FEEDERS,
                                             instructions=_pair(1, 2, 30, 95)))
    assert longer.fingerprint != c.fingerprint


def test_fingerprint_is_independent_of_offsets_and_id_order():
    a = conflict_fingerprint("outage", ["outage:7", "instruction:3"], at(0), at(5))
    b = conflict_fingerprint(ConflictRule.OUTAGE, ("instruction:3", "outage:7"), at(0).astimezone(MARKET_TZ),
                             at(5).astimezone(MARKET_TZ))
    assert a == b


def test_conflicts_are_sorted_by_start_then_rule():
    instructions = [*_pair(1, 2, 60, 90), *_pair(3, 4, 0, 30, 0, 30),
                    Instruction(5, "dso", "der", 101, 90, at(60), at(70))]
    found = find_conflicts(ConflictInputs(ders=DERS, stations=STATIONS, feeders=FEEDERS, instructions=instructions))
    order = [(c.start, list(ConflictRule).index(c.rule)) for c in found]
    assert order == sorted(order)
    assert found[0].start == at(0)
    assert {c.rule for c in found if c.start == at(60)} == {ConflictRule.DIRECTION, ConflictRule.DOUBLE_COMMITMENT}


def test_evidence_is_json_ready():
    import json

    inputs = random_scenario(random.Random(7), 40)
    for c in find_conflicts(inputs):
        json.dumps(c.evidence)
        assert c.evidence["rule"] == str(c.rule)
        assert c.summary and "EST" in c.summary


def test_rules_can_be_switched_off():
    inputs = random_scenario(random.Random(3), 40)
    only = ConflictConfig(rules={ConflictRule.OUTAGE})
    assert {c.rule for c in find_conflicts(inputs, only)} <= {ConflictRule.OUTAGE}


def test_results_do_not_depend_on_input_order():
    inputs = random_scenario(random.Random(11), 40)
    shuffled = ConflictInputs(stations=inputs.stations[::-1], feeders=inputs.feeders[::-1], ders=inputs.ders[::-1],
                              instructions=inputs.instructions[::-1], limits=inputs.limits,
                              outages=inputs.outages[::-1], bids=inputs.bids[::-1])
    assert [c.fingerprint for c in find_conflicts(inputs)] == [c.fingerprint for c in find_conflicts(shuffled)]
