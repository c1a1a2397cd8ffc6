"""The demo DERs along their feeders, and their aggregators, resources, meters and enrolments.

Everything is drawn from one `random.Random` in a fixed order, so one seed gives the same rows.
DER ids and platform IDs follow registration time, as they would on a live platform.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from data.demo.catalogue import (
    AGGREGATORS,
    ARCHETYPES,
    DEMO_AGGREGATOR,
    DEMO_OWNER,
    IESO_PROGRAMS,
    LARGE_UNITS,
    OWNERS,
    PROGRAMS,
    RESIDENTIAL,
    AggregatorSpec,
    OwnerSpec,
    TechOption,
)
from data.demo.geo import KM_PER_DEG_LAT, km_per_deg_lon
from data.demo.network import HOST_OF, DemoNetwork, FeederSite
from data.demo.organisations import DemoOrgs, DemoUsers
from data.demo.places import COMMERCIAL_STREETS, PLACES_BY_CODE, RURAL_ROADS, STREETS, URBAN_SUFFIXES
from data.domain.connection_assessment import OVER_10MW_KW
from data.domain.enums import (
    AssessmentClass,
    DerStatus,
    EnrolmentStatus,
    IesoZone,
    Market,
    MeterStatus,
    ServiceTag,
    Technology,
)
from data.domain.identifiers import der_platform_id, resource_code

Row = dict[str, Any]
PV, BAT, EV = Technology.SOLAR_PV, Technology.BATTERY, Technology.EV_CHARGER
FLEX, WIND, CHP, HYDRO = Technology.FLEXIBLE_LOAD, Technology.WIND, Technology.GAS_CHP, Technology.HYDRO

HISTORY_DAYS = 6 * 365
COMMERCIAL_SHARE = 0.14
LARGE_UNIT_KW = OVER_10MW_KW  # from this size a unit needs a system impact assessment, not only a CIA

# Ramp rates as a fraction of capacity per minute (up, down): inverters are fast, engines slow.
RAMP_PER_MIN: dict[Technology, tuple[float, float]] = {
    PV: (0.1, 1.0), BAT: (6.0, 6.0), EV: (2.0, 3.0), FLEX: (0.2, 0.25),
    WIND: (0.1, 0.2), HYDRO: (0.2, 0.2), CHP: (0.05, 0.1),
}
LARGE_NAMES: dict[Technology, str] = {
    PV: "Solar Park", WIND: "Wind Farm", BAT: "Battery Storage Facility", CHP: "Cogeneration Plant",
    HYDRO: "Generating Station",
}
# The demo owner's portfolio: known shape, so the `owner` login always has 5-20 DERs.
DEMO_OWNER_UNITS: tuple[TechOption, ...] = (
    *(TechOption(PV, 1, 150, 900),) * 4, *(TechOption(BAT, 1, 250, 1000, 2),) * 2,
    *(TechOption(EV, 1, 50, 350),) * 3, *(TechOption(FLEX, 1, 200, 1500),) * 3,
)
DEMO_OWNER_AGGREGATORS = (DEMO_AGGREGATOR,) * 8 + ("MAPLEDR", None, None, None)
DEMO_OWNER_PENDING = 11  # the last one still awaits approval

AGGREGATED_SHARE = {"residential": 0.63, "commercial": 0.72, "large": 0.5}
# Service tags and their cumulative weights: aggregated DERs mostly sell wholesale, the others serve the LDC.
TAG_VALUES = (ServiceTag.WHOLESALE.value, ServiceTag.BOTH.value, ServiceTag.DISTRIBUTION.value)
TAGS_AGGREGATED = (0.4, 0.8, 1.0)
TAGS_DIRECT = (0.1, 0.2, 1.0)


@dataclass(slots=True)
class _Draft:
    row: Row
    zone: IesoZone
    ldc_code: str
    aggregator: str | None = None


@dataclass
class DemoPortfolio:
    ders: list[Row] = field(default_factory=list)
    resources: list[Row] = field(default_factory=list)
    programs: list[Row] = field(default_factory=list)
    enrolments: list[Row] = field(default_factory=list)
    meters: list[Row] = field(default_factory=list)


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


class _Builder:
    def __init__(self, rng: random.Random, orgs: DemoOrgs, users: DemoUsers, net: DemoNetwork, as_of: date,
                 platform_start: datetime) -> None:
        self.rng, self.orgs, self.users, self.net, self.as_of = rng, orgs, users, net, as_of
        self.platform_start = platform_start
        self.drafts: list[_Draft] = []
        self.meter_codes: set[str] = set()
        self.assessments: dict[str, int] = {}
        self.owner_sites: dict[str, list[FeederSite]] = {}
        self.owner_units: dict[str, int] = {}
        self.large_names: set[str] = set()
        self.aggregators_in: dict[IesoZone, tuple[list[str], list[float]]] = {}
        for zone in IesoZone:
            active: list[AggregatorSpec] = [a for a in AGGREGATORS if zone in a.zones]
            self.aggregators_in[zone] = ([a.code for a in active], list(accumulate(a.weight for a in active)))
        for owner in OWNERS:
            unknown = [c for c in owner.homes if c not in PLACES_BY_CODE]
            if unknown:
                raise ValueError(f"owner {owner.code} lives in unknown places {unknown}")
            self.owner_sites[owner.code] = [s for s in net.sites if s.place.code in owner.homes]

    # --- one DER -------------------------------------------------------------------------------------
    def add(self, site: FeederSite, option: TechOption, owner_id: int, segment: str, *,
            owner: OwnerSpec | None = None, aggregator: str | None = None, aggregate: bool | None = None,
            status: DerStatus | None = None, assessed: bool | None = None) -> None:
        rng = self.rng
        tech = option.technology
        if segment == "residential" and tech == BAT:
            energy: float | None = round(rng.uniform(5, 13), 1)  # home batteries: sized by energy
            capacity = round(energy / rng.uniform(2.0, 2.6), 1)
        else:
            capacity = round(rng.uniform(option.min_kw, option.max_kw), 1)
            energy = round(capacity * option.storage_hours, 1) if tech == BAT else None
        along = rng.uniform(0.03, 1.0) * site.line.length_km
        lat, lon = site.line.point_at(along)
        lat += rng.uniform(-0.2, 0.2) / KM_PER_DEG_LAT
        lon += rng.uniform(-0.2, 0.2) / km_per_deg_lon(lat)
        street = self.street(site, along, segment)
        up, down = RAMP_PER_MIN[tech]
        row: Row = {
            "id": None, "platform_id": None, "name": self.name(site, tech, segment, owner, street),
            "technology": tech.value, "capacity_kw": capacity, "energy_kwh": energy,
            "ramp_up_kw_min": round(capacity * up, 1), "ramp_down_kw_min": round(capacity * down, 1),
            "address": f"{street}, {site.place.town}, ON", "lat": round(lat, 6), "lon": round(lon, 6),
            "station_id": site.station_id, "feeder_id": site.id, "ldc_id": site.ldc_id,
            "owner_org_id": owner_id,
            "aggregator_org_id": None, "resource_id": None, "meter_id": None, "service_tag": None,
            "status": None, "activation_date": None, "deactivation_date": None,
            "connection_assessment_ref": None, "connection_assessment_date": None,
            "connection_assessment_class": None, "approved_at": None,
            "created_at": None,
        }
        draft = _Draft(row, site.place.zone, site.ldc_code)
        self.lifecycle(draft, status, assessed, capacity)
        if aggregate is None:
            aggregate = rng.random() < AGGREGATED_SHARE[segment]
        if aggregator is None and aggregate:
            aggregator = self.pick_aggregator(site.place.zone)
        draft.aggregator = aggregator
        if aggregator:
            row["aggregator_org_id"] = self.orgs.id_by_code[aggregator]
        tag_weights = TAGS_AGGREGATED if aggregator else TAGS_DIRECT
        row["service_tag"] = rng.choices(TAG_VALUES, cum_weights=tag_weights)[0]
        if rng.random() < (0.95 if row["status"] != DerStatus.PENDING.value else 0.6):
            row["meter_id"] = self.new_meter_code()
        self.drafts.append(draft)

    def lifecycle(self, draft: _Draft, status: DerStatus | None, assessed: bool | None,
                  capacity: float) -> None:
        rng, row = self.rng, draft.row
        if status is None:
            roll = rng.random()
            status = (DerStatus.PENDING if roll < 0.02
                      else DerStatus.INACTIVE if roll < 0.05 else DerStatus.ACTIVE)
        row["status"] = status.value
        midnight = at_midnight(self.as_of)
        if status == DerStatus.PENDING:
            row["created_at"] = midnight - timedelta(seconds=rng.randrange(86_400, 45 * 86_400))
        else:
            days_ago = 1 + int(HISTORY_DAYS * rng.random() ** 1.4)  # adoption keeps growing: more recent DERs
            activation = self.as_of - timedelta(days=days_ago)
            approved = at_midnight(activation) - timedelta(seconds=rng.randrange(86_400, 20 * 86_400))
            row.update(activation_date=activation, approved_at=approved,
                       created_at=approved - timedelta(seconds=rng.randrange(5 * 86_400, 90 * 86_400)))
        if assessed is None:
            assessed = rng.random() < (0.96 if status != DerStatus.PENDING else 0.7)
        if assessed:
            assessed_on = row["created_at"].date() - timedelta(days=rng.randint(10, 180))
            key = "SIA" if capacity >= LARGE_UNIT_KW else draft.ldc_code
            self.assessments[key] = self.assessments.get(key, 0) + 1
            prefix = "SIA" if capacity >= LARGE_UNIT_KW else f"CIA-{draft.ldc_code}"
            row["connection_assessment_ref"] = f"{prefix}-{assessed_on.year}-{self.assessments[key]:05d}"
            row["connection_assessment_date"] = assessed_on
            row["connection_assessment_class"] = (AssessmentClass.OVER_10MW if capacity >= LARGE_UNIT_KW
                                                  else AssessmentClass.UNDER_10MW).value

    def street(self, site: FeederSite, along_km: float, segment: str) -> str:
        rng = self.rng
        if segment != "residential":
            return f"{rng.randint(10, 2999)} {rng.choice(COMMERCIAL_STREETS)}"
        if site.place.rural and along_km > 2.0:
            return f"{rng.randint(1000, 9999)} {rng.choice(RURAL_ROADS).format(n=rng.randint(2, 30))}"
        return f"{rng.randint(1, 499)} {rng.choice(STREETS)} {rng.choice(URBAN_SUFFIXES)}"

    def name(self, site: FeederSite, tech: Technology, segment: str, owner: OwnerSpec | None,
             street: str) -> str:
        if segment == "residential" or owner is None:
            return f"{tech.label} – {street}"
        if segment == "large":
            name = f"{site.place.name} {LARGE_NAMES[tech]}"
            k = 2
            while name in self.large_names:
                name, k = f"{site.place.name} {LARGE_NAMES[tech]} {k}", k + 1
            self.large_names.add(name)
            return name
        self.owner_units[owner.code] = self.owner_units.get(owner.code, 0) + 1
        return f"{owner.short} {site.place.town} #{self.owner_units[owner.code]} – {tech.label}"

    def pick_aggregator(self, zone: IesoZone) -> str:
        codes, cum_weights = self.aggregators_in[zone]
        return self.rng.choices(codes, cum_weights=cum_weights)[0]

    def new_meter_code(self) -> str:
        while (code := f"MTR-{self.rng.randrange(10_000_000, 100_000_000)}") in self.meter_codes:
            pass
        self.meter_codes.add(code)
        return code

    # --- the portfolio -------------------------------------------------------------------------------
    def residential(self, count: int) -> None:
        sites = self.net.sites
        chosen = self.rng.choices(sites, cum_weights=list(accumulate(s.weight for s in sites)), k=count)
        options = self.rng.choices(RESIDENTIAL, [o.weight for o in RESIDENTIAL], k=count)
        for site, option in zip(chosen, options, strict=True):
            self.add(site, option, self.orgs.residential_owner_by_ldc[site.ldc_code], "residential")

    def commercial(self, count: int) -> None:
        owners = [o for o in OWNERS if o.code != DEMO_OWNER]
        for owner in self.rng.choices(owners, [o.weight for o in owners], k=count):
            options = ARCHETYPES[owner.archetype]
            option = self.rng.choices(options, [o.weight for o in options])[0]
            site = self.rng.choice(self.owner_sites[owner.code])
            self.add(site, option, self.orgs.id_by_code[owner.code], "commercial", owner=owner)

    def demo_owner(self) -> None:
        owner = next(o for o in OWNERS if o.code == DEMO_OWNER)
        for k, (option, aggregator) in enumerate(zip(DEMO_OWNER_UNITS, DEMO_OWNER_AGGREGATORS, strict=True)):
            pending = k == DEMO_OWNER_PENDING
            self.add(self.rng.choice(self.owner_sites[owner.code]), option, self.orgs.id_by_code[owner.code],
                     "commercial", owner=owner, aggregator=aggregator, aggregate=aggregator is not None,
                     status=DerStatus.PENDING if pending else DerStatus.ACTIVE)

    def large(self, count: int) -> None:
        developers = [o for o in OWNERS if o.archetype == "developer"]
        industrial = [o for o in OWNERS if o.archetype in ("industrial", "greenhouse", "campus")]
        for k in range(count):
            option = LARGE_UNITS[k % len(LARGE_UNITS)]
            owner = self.rng.choice(industrial if option.technology == CHP else developers)
            sites = self.owner_sites[owner.code]
            site = self.rng.choice([s for s in sites if s.voltage_kv == 44.0] or sites)
            # The first large unit lacks its assessment: something for the registration checks to flag.
            self.add(site, option, self.orgs.id_by_code[owner.code], "large", owner=owner,
                     status=DerStatus.ACTIVE, assessed=k != 0)

    def finish(self) -> DemoPortfolio:
        """Number the DERs in registration order, then build what hangs off them."""
        self.drafts.sort(key=lambda d: d.row["created_at"])  # stable: ties keep generation order
        approved = 0
        for n, draft in enumerate(self.drafts, start=1):
            draft.row["id"] = n
            if draft.row["status"] != DerStatus.PENDING.value:
                approved += 1
                draft.row["platform_id"] = der_platform_id(approved)
        out = DemoPortfolio(ders=[d.row for d in self.drafts])
        self.resources(out)
        self.programs_and_enrolments(out)
        self.meters(out)
        return out

    def resources(self, out: DemoPortfolio) -> None:
        agg_order = {a.code: i for i, a in enumerate(AGGREGATORS)}
        zone_order = {z: i for i, z in enumerate(IesoZone)}
        # Only approved DERs join a resource; pending ones may already name their aggregator.
        keys = {(d.aggregator, d.zone) for d in self.drafts
                if d.aggregator is not None and d.row["platform_id"]}
        ordered = sorted(keys, key=lambda k: (agg_order[k[0]], zone_order[k[1]]))
        ids: dict[tuple[str, IesoZone], int] = {}
        names = {a.code: a.name for a in AGGREGATORS}
        for n, (agg, zone) in enumerate(ordered, start=1):
            ids[(agg, zone)] = n
            out.resources.append({
                "id": n, "resource_code": resource_code(n), "name": f"{names[agg]} – {zone.value} VPP",
                "aggregator_org_id": self.orgs.id_by_code[agg], "zone": zone.value,
                "service_tag": ServiceTag.BOTH.value, "status": DerStatus.ACTIVE.value,
                "created_at": self.platform_start,
            })
        for d in self.drafts:
            if d.aggregator is not None and d.row["platform_id"]:
                d.row["resource_id"] = ids[(d.aggregator, d.zone)]

    def programs_and_enrolments(self, out: DemoPortfolio) -> None:
        rng = self.rng
        program_ids: dict[str, int] = {}
        local_program: dict[str, str] = {}  # LDC code -> its flexibility program
        for n, spec in enumerate(PROGRAMS, start=1):
            program_ids[spec.code] = n
            if spec.market == Market.DISTRIBUTION:
                local_program[spec.operator] = spec.code
            out.programs.append({
                "id": n, "code": spec.code, "name": spec.name,
                "operator_org_id": self.orgs.id_by_code[spec.operator],
                "market": spec.market.value, "service_type": spec.service_type,
                "baseline_method": spec.baseline_method, "created_at": self.platform_start,
            })
        for d in self.drafts:
            row = d.row
            if row["resource_id"] is None or rng.random() >= 0.85:
                continue
            # Embedded LDCs' DERs take part in their host's local market.
            local = local_program.get(d.ldc_code) or local_program.get(HOST_OF.get(d.ldc_code, ""))
            tag = ServiceTag(row["service_tag"])
            wholesale = rng.choices(IESO_PROGRAMS, (0.7, 0.3))[0]
            if tag == ServiceTag.DISTRIBUTION or (tag == ServiceTag.BOTH and local and rng.random() < 0.5):
                if not local:
                    continue
                code = local
            else:
                code = wholesale
            activation: date = row["activation_date"]
            start = min(activation + timedelta(days=rng.randint(0, 120)), self.as_of)
            if rng.random() < 0.08 and (self.as_of - activation).days > 200:
                # A program switch: one program at a time, so the old enrolment ends when the new one starts.
                earlier = next(p for p in (wholesale, *IESO_PROGRAMS) if p != code)
                first = start
                start = min(first + timedelta(days=rng.randint(60, 180)), self.as_of)
                self.enrol(out, row, program_ids[earlier], first, start)
            self.enrol(out, row, program_ids[code], start, None)

    def enrol(self, out: DemoPortfolio, der: Row, program_id: int, start: date, end: date | None) -> None:
        out.enrolments.append({
            "id": len(out.enrolments) + 1, "der_id": der["id"], "program_id": program_id,
            "aggregator_org_id": der["aggregator_org_id"], "start_date": start, "end_date": end,
            "status": (EnrolmentStatus.ENDED if end else EnrolmentStatus.ACTIVE).value,
            "created_at": at_midnight(start) - timedelta(days=7),
        })

    def meters(self, out: DemoPortfolio) -> None:
        rng = self.rng
        for der in out.ders:
            if der["meter_id"] is None:
                continue
            submitter = der["aggregator_org_id"] or der["owner_org_id"]
            approver = self.users.dso_user_by_ldc_id.get(der["ldc_id"])
            if der["status"] == DerStatus.PENDING.value:
                self.meter(out, der, der["meter_id"], MeterStatus.SUBMITTED, der["created_at"].date(), None,
                           submitter, None)
                continue
            valid_from: date = der["activation_date"]
            if rng.random() < 0.01 and (self.as_of - valid_from).days > 60:  # a meter change now and then
                changed = valid_from + timedelta(days=rng.randint(30, (self.as_of - valid_from).days - 1))
                self.meter(out, der, self.new_meter_code(), MeterStatus.RETIRED, valid_from, changed,
                           submitter, approver)
                valid_from = changed
            self.meter(out, der, der["meter_id"], MeterStatus.APPROVED, valid_from, None, submitter, approver)

    def meter(self, out: DemoPortfolio, der: Row, code: str, status: MeterStatus, valid_from: date,
              valid_to: date | None, submitter: int, approver: int | None) -> None:
        out.meters.append({
            "id": len(out.meters) + 1, "der_id": der["id"], "meter_code": code, "status": status.value,
            "valid_from": valid_from, "valid_to": valid_to, "submitted_by_org_id": submitter,
            "approved_by_user_id": approver if status != MeterStatus.SUBMITTED else None,
            "created_at": at_midnight(valid_from) - timedelta(days=3),
        })


def build_portfolio(rng: random.Random, orgs: DemoOrgs, users: DemoUsers, net: DemoNetwork, ders: int,
                    as_of: date, platform_start: datetime) -> DemoPortfolio:
    builder = _Builder(rng, orgs, users, net, as_of, platform_start)
    n_large = min(10, max(3, ders // 10_000))
    n_commercial = max(0, round(ders * COMMERCIAL_SHARE) - n_large - len(DEMO_OWNER_UNITS))
    n_residential = ders - n_large - len(DEMO_OWNER_UNITS) - n_commercial
    if n_residential < 0:
        raise ValueError(f"at least {n_large + len(DEMO_OWNER_UNITS)} DERs are needed, got {ders}")
    builder.demo_owner()
    builder.large(n_large)
    builder.commercial(n_commercial)
    builder.residential(n_residential)
    return builder.finish()
