"""The plan of a contributor DER upload: what each valid row does to the registry, checked against it.

Added (a new pending DER), changed (the aggregator's own DER, with the changed fields), switched (a DER moving
from another aggregator or from none: the old enrolment ends the day the new one starts), deactivated, or
unchanged; or the problems that refuse the whole file: duplicates against the registry and within the file
(data/domain/registration.py), unknown platform IDs, programs and resources, enrolment overlaps
(data/domain/enrolments.py), locations without a feeder. Another aggregator's data is never named in a
problem or a plan. Pure: plain context in (loaded once by data/queries/contributors.py), plain results out.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from data.domain.contributor_upload import DER_FIELDS, ParsedFile, Problem, UploadRow, validate_rows
from data.domain.enrolments import (
    EnrolmentEnd,
    EnrolmentOutcome,
    EnrolmentPlan,
    EnrolmentRequest,
    EnrolmentSpan,
    plan_deactivation,
    plan_enrolment,
)
from data.domain.enums import DerStatus, Market, ServiceTag
from data.domain.registration import Collision, CollisionReason, DerFingerprint, find_collisions

_PENDING_LIKE_EXCLUDED = {DerStatus.REJECTED.value, DerStatus.DEACTIVATED.value}
_WHOLESALE_MARKETS = {Market.DAM.value, Market.REAL_TIME.value}


class RowAction(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    SWITCHED = "switched"
    DEACTIVATED = "deactivated"
    UNCHANGED = "unchanged"


ACTION_LABELS = {RowAction.ADDED: "Added (pending approval)", RowAction.CHANGED: "Changed",
                 RowAction.SWITCHED: "Switched to you", RowAction.DEACTIVATED: "Deactivated",
                 RowAction.UNCHANGED: "Unchanged"}


# --- context (loaded once by data/queries/contributors.py) --------------------------------------------------
@dataclass(frozen=True)
class ExistingDer:
    """A registered DER. ``fields`` (every DER field) only for the uploading aggregator's own DERs."""

    id: int
    platform_id: str | None
    status: str
    aggregator_org_id: int | None
    ldc_id: int
    meter_id: str | None
    lat: float
    lon: float
    technology: str
    capacity_kw: float
    service_tag: str | None = None
    resource_id: int | None = None
    fields: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        return self.platform_id or f"#{self.id}"

    @property
    def pending(self) -> bool:
        """Registered, not decided yet (no platform ID, not rejected or deactivated)."""
        return self.platform_id is None and self.status not in _PENDING_LIKE_EXCLUDED


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    code: str
    market: str
    operator_org_id: int


@dataclass(frozen=True)
class UploadContext:
    aggregator_org_id: int
    ders: Sequence[ExistingDer]
    programs: Mapping[str, ProgramInfo]  # by code (upper case)
    resources: Mapping[str, int]  # the aggregator's approved resources: code (upper case) -> id
    enrolments: Mapping[int, Sequence[EnrolmentSpan]]  # by DER id
    ldc_hosts: Mapping[int, int] = field(default_factory=dict)  # embedded LDC -> host LDC
    ldc_names: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    """The feeder suggested for a location (from data/queries/feeder_lookup.py)."""

    feeder_id: int
    feeder_name: str
    station_id: int
    station_name: str
    ldc_id: int
    distance_m: float


@dataclass(frozen=True)
class PlannedRow:
    row: int
    action: RowAction
    source: UploadRow
    der_id: int | None = None  # None for an added DER
    platform_id: str | None = None
    changed: tuple[str, ...] = ()  # DER fields (and "program", "resource_code") that change
    values: Mapping[str, Any] = field(default_factory=dict)  # DER columns to write (all of them for an added DER)
    location: Location | None = None  # new feeder / station / LDC (added, or moved)
    enrolment: EnrolmentPlan | None = None
    enrolment_ends: tuple[EnrolmentEnd, ...] = ()  # from a deactivation or a recorded deactivation date
    old_meter: str | None = None  # the meter a meter change retires
    left_aggregator_ids: tuple[int, ...] = ()  # aggregators a switch takes the DER from


@dataclass
class UploadPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        counted = Counter(r.action.value for r in self.rows)
        return {a.value: counted.get(a.value, 0) for a in RowAction}


# --- plan against the registry -------------------------------------------------------------------------------
def needs_location(rows: Sequence[UploadRow], context: UploadContext) -> list[tuple[int, float, float]]:
    """(row, lat, lon) of the rows whose feeder must be looked up: new DERs, and own DERs that move."""
    by_platform = {d.platform_id: d for d in context.ders if d.platform_id}
    out = []
    for r in rows:
        if r.lat is None or r.lon is None:
            continue
        der = by_platform.get(r.platform_id) if r.platform_id else None
        if der is None or (der.aggregator_org_id == context.aggregator_org_id and der.fields is not None
                           and (abs(der.lat - r.lat) > 1e-9 or abs(der.lon - r.lon) > 1e-9)):
            out.append((r.row, r.lat, r.lon))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


def _der_values(r: UploadRow) -> dict[str, Any]:
    return {name: getattr(r, name) for name in DER_FIELDS}


class _Planner:
    def __init__(self, rows: Sequence[UploadRow], context: UploadContext, locations: Mapping[int, Location | None],
                 today: date) -> None:
        self.rows = rows
        self.ctx = context
        self.me = context.aggregator_org_id
        self.locations = locations
        self.today = today
        self.problems: list[Problem] = []
        self.by_platform = {d.platform_id: d for d in context.ders if d.platform_id}
        self.by_key = {d.key: d for d in context.ders}

    def bad(self, row: int, column: str, problem: str) -> None:
        self.problems.append(Problem(row, column, problem))

    # -- which registration each row is about --------------------------------------------------------------
    def targets(self) -> dict[int, ExistingDer | None]:
        target: dict[int, ExistingDer | None] = {}
        first_row: dict[str, int] = {}
        for r in self.rows:
            if r.platform_id is None:
                target[r.row] = None
                continue
            if r.platform_id in first_row:
                self.bad(r.row, "platform_id", f"{r.platform_id} is listed twice (also row {first_row[r.platform_id]})")
                continue
            first_row[r.platform_id] = r.row
            der = self.by_platform.get(r.platform_id)
            if der is None:
                self.bad(r.row, "platform_id", f"unknown platform ID {r.platform_id}")
            elif der.status == DerStatus.DEACTIVATED.value:
                self.bad(r.row, "platform_id", f"{r.platform_id} is deactivated: register it again as a new DER")
            elif der.status == DerStatus.REJECTED.value:
                self.bad(r.row, "platform_id", f"unknown platform ID {r.platform_id}")
            else:
                target[r.row] = der
        return target

    def fingerprint(self, r: UploadRow, der: ExistingDer | None) -> DerFingerprint | None:
        """What the DER will look like after the upload, if the row registers or moves it."""
        if der is None:
            assert r.lat is not None and r.lon is not None and r.technology and r.capacity_kw is not None
            return DerFingerprint(f"row {r.row}", r.meter_id, r.lat, r.lon, r.technology, r.capacity_kw)
        if der.aggregator_org_id != self.me or der.fields is None:
            return None  # a switch keeps the registered details
        f = der.fields
        new = (r.meter_id or f.get("meter_id"), r.lat if r.lat is not None else der.lat,
               r.lon if r.lon is not None else der.lon, r.technology or der.technology,
               r.capacity_kw if r.capacity_kw is not None else der.capacity_kw)
        old = (der.meter_id, der.lat, der.lon, der.technology, der.capacity_kw)
        if all(_same(a, b) for a, b in zip(new, old, strict=True)):
            return None
        return DerFingerprint(der.key, *new)

    def existing_fingerprints(self) -> list[DerFingerprint]:
        out = []
        for d in self.ctx.ders:
            # A rejected or deactivated DER still holds its meter ID, but no longer its place.
            tech = d.technology if d.status not in _PENDING_LIKE_EXCLUDED else "\x00retired"
            out.append(DerFingerprint(d.key, d.meter_id, d.lat, d.lon, tech, d.capacity_kw))
        return out

    def describe(self, key: str) -> str:
        """How a colliding registration is named to the uploader (never another aggregator's details)."""
        if key.startswith("row "):
            return key
        der = self.by_key.get(key)
        if der is None:
            return "an existing registration"
        if der.platform_id:
            return f"{der.platform_id}"
        if der.pending:
            return "a pending registration"
        return "an earlier registration"

    def collision_text(self, c: Collision) -> tuple[str, str]:
        where = self.describe(c.existing)
        if c.existing.startswith("row "):
            if c.reason is CollisionReason.METER:
                return "meter_id", f"the same meter ID is also on {where}"
            return "lat/lon", (f"the same physical DER (same technology and capacity {c.metres:.1f} m away) is "
                               f"also on {where}")
        if c.reason is CollisionReason.METER:
            return "meter_id", f"meter ID already used by {where}"
        return "lat/lon", (f"same technology and capacity {c.metres:.1f} m from {where}: the same physical DER "
                           "cannot be registered twice")

    # -- the plan -----------------------------------------------------------------------------------------
    def run(self) -> UploadPlan:
        target = self.targets()
        rows = [r for r in self.rows if r.row in target]
        candidates: list[DerFingerprint] = []
        row_of_key: dict[str, int] = {}
        for r in rows:
            fp = self.fingerprint(r, target[r.row])
            if fp is not None:
                candidates.append(fp)
                row_of_key[fp.key] = r.row
        # A new row colliding with one of the aggregator's own pending registrations is that registration.
        own_pending: dict[int, ExistingDer] = {}
        for c in find_collisions(candidates, self.existing_fingerprints()):
            row = row_of_key[c.candidate]
            der = self.by_key.get(c.existing)
            if (der is not None and target.get(row) is None and der.pending and der.aggregator_org_id == self.me
                    and der.fields is not None and row not in own_pending
                    and der.id not in {d.id for d in own_pending.values()}):
                own_pending[row] = der
                continue
            if der is not None and own_pending.get(row) is der:
                continue
            column, text = self.collision_text(c)
            self.bad(row, column, text)
        for row, der in own_pending.items():
            target[row] = der
        planned = []
        for r in rows:
            item = self.plan_row(r, target[r.row])
            if item is not None:
                planned.append(item)
        return UploadPlan(rows=planned, problems=sorted(set(self.problems)))

    def program(self, r: UploadRow) -> ProgramInfo | None:
        if r.program_code is None:
            return None
        program = self.ctx.programs.get(r.program_code.upper())
        if program is None:
            self.bad(r.row, "program_code", f"unknown program {r.program_code}")
        return program

    def check_program_fits(self, r: UploadRow, program: ProgramInfo, tag: str | None, ldc_id: int | None) -> bool:
        ok = True
        if tag is not None:
            if program.market == Market.DISTRIBUTION.value and tag == ServiceTag.WHOLESALE.value:
                self.bad(r.row, "program_code", f"{program.code} is a distribution program; the DER is tagged "
                         "wholesale only")
                ok = False
            elif program.market in _WHOLESALE_MARKETS and tag == ServiceTag.DISTRIBUTION.value:
                self.bad(r.row, "program_code", f"{program.code} is a wholesale program; the DER is tagged "
                         "distribution only")
                ok = False
        if program.market == Market.DISTRIBUTION.value and ldc_id is not None and program.operator_org_id not in (
                ldc_id, self.ctx.ldc_hosts.get(ldc_id)):
            self.bad(r.row, "program_code", f"{program.code} is another LDC's program: the DER is not in its "
                     "territory")
            ok = False
        return ok

    def resource(self, r: UploadRow) -> int | None:
        if r.resource_code is None:
            return None
        found = self.ctx.resources.get(r.resource_code.upper())
        if found is None:
            self.bad(r.row, "resource_code", f"{r.resource_code} is not one of your approved resources")
        return found

    def plan_row(self, r: UploadRow, der: ExistingDer | None) -> PlannedRow | None:
        before = len(self.problems)
        program = self.program(r)
        resource_id = self.resource(r)
        if der is None:
            item = self.plan_added(r, program, resource_id)
        elif der.aggregator_org_id == self.me and der.fields is not None:
            item = self.plan_own(r, der, program, resource_id)
        else:
            item = self.plan_switch(r, der, program, resource_id)
        return item if len(self.problems) == before else None

    def plan_added(self, r: UploadRow, program: ProgramInfo | None, resource_id: int | None) -> PlannedRow | None:
        location = self.locations.get(r.row)
        if location is None:
            self.bad(r.row, "lat/lon", "no feeder within 5 km of this location: check the coordinates")
            return None
        enrolment = None
        if program is not None and self.check_program_fits(r, program, r.service_tag, location.ldc_id):
            assert r.activation_date is not None
            enrolment = plan_enrolment((), EnrolmentRequest(program.id, self.me, r.activation_date,
                                                            r.deactivation_date), self.today)
        values = {**_der_values(r), "activation_date": r.activation_date, "resource_id": resource_id}
        return PlannedRow(r.row, RowAction.ADDED, r, values=values, location=location, enrolment=enrolment)

    def current_enrolments(self, der: ExistingDer) -> Sequence[EnrolmentSpan]:
        return self.ctx.enrolments.get(der.id, ())

    def plan_own(self, r: UploadRow, der: ExistingDer, program: ProgramInfo | None,
                 resource_id: int | None) -> PlannedRow | None:
        f = der.fields or {}
        values: dict[str, Any] = {}
        for name in DER_FIELDS:
            new = getattr(r, name)
            if new is not None and not _same(new, f.get(name)):
                values[name] = new
        if r.resource_code is not None and resource_id != der.resource_id:
            values["resource_id"] = resource_id
        if der.pending and r.activation_date is not None and r.activation_date != f.get("activation_date"):
            values["activation_date"] = r.activation_date  # not approved yet: its activation date can move
        location = None
        if "lat" in values or "lon" in values:
            location = self.locations.get(r.row)
            if location is None:
                self.bad(r.row, "lat/lon", "no feeder within 5 km of this location: check the coordinates")
                return None
        tag = values.get("service_tag", f.get("service_tag"))
        ldc_id = location.ldc_id if location else der.ldc_id
        spans = self.current_enrolments(der)
        enrolment = None
        if program is not None and self.check_program_fits(r, program, tag, ldc_id):
            start = r.activation_date or self.today
            enrolment = plan_enrolment(spans, EnrolmentRequest(program.id, self.me, start), self.today)
            if enrolment.outcome is EnrolmentOutcome.REFUSED:
                self.bad(r.row, "program_code", enrolment.reason or "refused")
                return None
            if enrolment.outcome is EnrolmentOutcome.UNCHANGED:
                enrolment = None
        changed = [*values]
        if enrolment is not None:
            changed.append("program")
        ends: tuple[EnrolmentEnd, ...] = ()
        deactivating = r.deactivation_date is not None and r.deactivation_date <= self.today
        if r.deactivation_date is not None and ("deactivation_date" in values or deactivating):
            ends = plan_deactivation(spans, self.me, r.deactivation_date)
        if deactivating and der.status == DerStatus.DEACTIVATED.value:
            deactivating = False
        old_meter = der.meter_id if "meter_id" in values else None
        if deactivating:
            action = RowAction.DEACTIVATED
        elif changed:
            action = RowAction.CHANGED
        else:
            action = RowAction.UNCHANGED
        return PlannedRow(r.row, action, r, der_id=der.id, platform_id=der.platform_id, changed=tuple(changed),
                          values=values, location=location, enrolment=enrolment, enrolment_ends=ends,
                          old_meter=old_meter)

    def plan_switch(self, r: UploadRow, der: ExistingDer, program: ProgramInfo | None,
                    resource_id: int | None) -> PlannedRow | None:
        if der.status not in (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value):
            self.bad(r.row, "platform_id", f"{r.platform_id} cannot be enrolled yet (not approved)")
            return None
        if r.program_code is None:
            self.bad(r.row, "program_code", f"{r.platform_id} is not one of your DERs: give the program it "
                     "enrols in to switch it to you")
            return None
        if r.activation_date is None:
            self.bad(r.row, "activation_date", "the day the switch starts is required (today or later)")
            return None
        if r.deactivation_date is not None and r.deactivation_date <= self.today:
            self.bad(r.row, "deactivation_date", f"{r.platform_id} is not one of your DERs: you cannot "
                     "deactivate it")
            return None
        if program is None:
            return None
        if not self.check_program_fits(r, program, r.service_tag or der.service_tag, der.ldc_id):
            return None
        enrolment = plan_enrolment(self.current_enrolments(der),
                                   EnrolmentRequest(program.id, self.me, r.activation_date, r.deactivation_date),
                                   self.today)
        if enrolment.outcome is EnrolmentOutcome.REFUSED:
            self.bad(r.row, "activation_date", enrolment.reason or "refused")
            return None
        values: dict[str, Any] = {"aggregator_org_id": self.me, "resource_id": resource_id}
        if r.service_tag is not None:
            values["service_tag"] = r.service_tag
        if r.deactivation_date is not None:
            values["deactivation_date"] = r.deactivation_date
        left = tuple(a for a in enrolment.left_aggregators if a != self.me)
        if der.aggregator_org_id is not None and der.aggregator_org_id != self.me and \
                der.aggregator_org_id not in left:
            left = (*left, der.aggregator_org_id)
        return PlannedRow(r.row, RowAction.SWITCHED, r, der_id=der.id, platform_id=der.platform_id,
                          changed=("aggregator", "program"), values=values, enrolment=enrolment,
                          left_aggregator_ids=left)


def plan_upload(rows: Sequence[UploadRow], context: UploadContext, locations: Mapping[int, Location | None],
                today: date) -> UploadPlan:
    """What the valid rows do to the registry, or the problems that refuse the upload."""
    return _Planner(rows, context, locations, today).run()


def merge_problems(*groups: Iterable[Problem]) -> list[Problem]:
    return sorted({p for g in groups for p in g})


def build_plan(parsed: ParsedFile, context: UploadContext,
               locate: Callable[[Sequence[tuple[int, float, float]]], Mapping[int, Location | None]],
               today: date) -> UploadPlan:
    """The whole check of a parsed file: cells, then the registry. Any problem: an empty plan (nothing applies).

    ``locate`` maps (row, lat, lon) to the nearest feeder (the service passes the database lookup).
    """
    if parsed.problems:
        return UploadPlan(problems=sorted(set(parsed.problems)))
    rows, problems = validate_rows(parsed, today)
    wanted = needs_location(rows, context)
    locations = locate(wanted) if wanted else {}
    plan = plan_upload(rows, context, locations, today)
    if problems or plan.problems:
        return UploadPlan(problems=merge_problems(problems, plan.problems))
    return plan
