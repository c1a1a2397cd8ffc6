"""Settlement as each role may see it: the events of a period settled with the configured rates, the double-payment
flags, and the period's set points, approved DER limits, outages and notices.

Scope (``settlement_scope``): an aggregator sees the events of its own resources, never another aggregator's; a DER
owner the resources holding one of its DERs; an LDC the events of the programs it buys (its territory's programs)
and of the resources with a DER in its territory; a manager what its organisation's role sees
(``principal.acts_as``); the IESO, the platform's managers and the administrator everything; a guest nothing.
The party filter (aggregators) only narrows that view: a party outside it gives nothing.

Each event is settled on the stored M&V results of its program's baseline method (the default preset without a
program, as ``data.services.mv.method_for_event``). Its buyer is its program's operator; without a program, the
issuer of its dispatch instruction, else the IESO for an IESO event. Double-payment flags are computed over the
events in view and shown only for DERs the principal may see (``der_scope``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from data.access import (
    Permission,
    Principal,
    der_scope,
    dispatch_scope,
    limit_scope,
    notice_scope,
    outage_scope,
)
from data.domain.baselines import DEFAULT_METHOD_NAME, PRESETS
from data.domain.enums import Issuer, LimitStatus, Market, NoticeStatus, OrgKind, OutageState, Role
from data.domain.market_time import market_day_bounds_utc
from data.domain.notices import KIND_LABELS as NOTICE_KIND_LABELS
from data.domain.settlement import (
    ContributorDer,
    DoublePayment,
    EventInput,
    EventSettlement,
    HourDelivery,
    Membership,
    RateCard,
    Totals,
    breakdown,
    reconcile,
    settle,
    totals,
)
from data.models import (
    Der,
    DispatchInstruction,
    Enrolment,
    Feeder,
    LimitRequest,
    MvEvent,
    MvResult,
    Notice,
    Organisation,
    Outage,
    Program,
    Resource,
    Station,
)
from data.queries.mv import resource_scope
from data.queries.outages import element_labels

__all__ = [
    "ApprovedLimit", "GridNotice", "Party", "SetPoint", "SettlementFilters", "SettlementReport", "approved_limits",
    "notices_and_outages", "parties_in_view", "service_label", "set_points", "settlement_report",
    "settlement_scope",
]

MAX_ROWS = 1000
MARKET_LABELS = {Market.DAM.value: "IESO day-ahead", Market.REAL_TIME.value: "IESO real-time",
                 Market.DISTRIBUTION.value: "LDC distribution"}
UNKNOWN_BUYER = "Unknown buyer"


def settlement_scope(principal: Principal) -> ColumnElement[bool]:
    """M&V events whose payments the principal may see."""
    if not principal.can(Permission.VIEW_SETTLEMENT):
        return false()
    if principal.sees_everything:
        return true()
    role = principal.acts_as
    if role is Role.DSO_OPERATOR:
        # What the LDC buys (its territory's programs); other buyers' payments are commercial data it is not party to.
        return MvEvent.program_id.in_(
            select(Program.id).where(Program.operator_org_id.in_(principal.territory_ldc_ids or (-1,))))
    if role is Role.AGGREGATOR:
        return MvEvent.resource_id.in_(select(Resource.id).where(resource_scope(principal)))
    return false()


@dataclass(frozen=True)
class SettlementFilters:
    first: date  # EST trade dates, inclusive
    last: date
    party_ids: tuple[int, ...] = ()  # aggregators; empty: every party in view


@dataclass(frozen=True)
class Party:
    id: int
    name: str


def _conditions(principal: Principal, filters: SettlementFilters) -> list[ColumnElement[bool]]:
    start, end = market_day_bounds_utc(filters.first)[0], market_day_bounds_utc(filters.last)[1]
    conds = [settlement_scope(principal), MvEvent.start_at >= start, MvEvent.start_at < end]
    if filters.party_ids:
        conds.append(MvEvent.resource_id.in_(
            select(Resource.id).where(Resource.aggregator_org_id.in_(filters.party_ids))))
    return conds


def parties_in_view(session: Session, principal: Principal) -> list[Party]:
    """The aggregators whose events the principal may see (any period), by name."""
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(
            select(Resource.aggregator_org_id).join(MvEvent, MvEvent.resource_id == Resource.id)
            .where(settlement_scope(principal)))).order_by(Organisation.name))
    return [Party(i, n) for i, n in rows]


# --- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementReport:
    filters: SettlementFilters
    rates: RateCard
    lines: list[EventSettlement] = field(default_factory=list)
    flags: list[DoublePayment] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return totals(self.lines)

    @property
    def by_service(self) -> list[tuple[str, Totals]]:
        return breakdown(self.lines, lambda s: s.event.service)

    @property
    def by_buyer(self) -> list[tuple[str, Totals]]:
        return breakdown(self.lines, lambda s: s.event.buyer)

    @property
    def by_party(self) -> list[tuple[str, Totals]]:
        return breakdown(self.lines, lambda s: s.event.seller)


def service_label(market: str, service_type: str | None) -> str:
    """"Capacity · IESO day-ahead"."""
    kind = service_type.replace("_", " ").capitalize() if service_type else "No program"
    return f"{kind} · {MARKET_LABELS.get(market, market)}"


def _resource_ldcs(session: Session, resource_ids: set[int]) -> dict[int, tuple[int, str]]:
    """The LDC with the most DERs of each resource (the buyer of a DSO event that names no program)."""
    if not resource_ids:
        return {}
    counts = session.execute(
        select(Der.resource_id, Organisation.id, Organisation.name, func.count())
        .join(Organisation, Organisation.id == Der.ldc_id).where(Der.resource_id.in_(sorted(resource_ids)))
        .group_by(Der.resource_id, Organisation.id, Organisation.name)).all()
    best: dict[int, tuple[int, int, str]] = {}
    for resource_id, ldc_id, name, n in counts:
        if resource_id not in best or (n, -ldc_id) > (best[resource_id][0], -best[resource_id][1]):
            best[resource_id] = (n, ldc_id, name)
    return {rid: (ldc_id, name) for rid, (_n, ldc_id, name) in best.items()}


def _events(session: Session, conds: list[ColumnElement[bool]]) -> list[tuple[EventInput, str]]:
    """The events with their buyer resolved, and each one's baseline method name."""
    seller, buyer, issuer_org = aliased(Organisation), aliased(Organisation), aliased(Organisation)
    iso = session.execute(select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.ISO)
                          .order_by(Organisation.id)).first()
    rows = session.execute(
        select(MvEvent, Resource.resource_code, Resource.aggregator_org_id, seller.name, Program.code, Program.market,
               Program.service_type, Program.baseline_method, buyer.id, buyer.name, issuer_org.id, issuer_org.name)
        .join(Resource, Resource.id == MvEvent.resource_id)
        .join(seller, seller.id == Resource.aggregator_org_id)
        .outerjoin(Program, Program.id == MvEvent.program_id)
        .outerjoin(buyer, buyer.id == Program.operator_org_id)
        .outerjoin(DispatchInstruction, DispatchInstruction.id == MvEvent.dispatch_id)
        .outerjoin(issuer_org, issuer_org.id == DispatchInstruction.issuer_org_id)
        .where(*conds).order_by(MvEvent.start_at, MvEvent.id)).all()
    ldcs = _resource_ldcs(session, {r[0].resource_id for r in rows if r[8] is None and r[10] is None})
    out = []
    for (e, code, seller_id, seller_name, program, market, service, method, buyer_id, buyer_name, issuer_id,
         issuer_name) in rows:
        if market is None:  # no program: the issuer's side of the market
            market = Market.REAL_TIME.value if e.issuer == Issuer.IESO else Market.DISTRIBUTION.value
        if buyer_id is None:
            buyer_id, buyer_name = issuer_id, issuer_name
        if buyer_id is None:
            buyer_id, buyer_name = (iso if e.issuer == Issuer.IESO else ldcs.get(e.resource_id)) or (None, None)
        event = EventInput(e.id, e.resource_id, code, seller_id, seller_name, buyer_id, buyer_name or UNKNOWN_BUYER,
                           market, service_label(market, service), e.start_at, e.end_at, e.activated_kw,
                           program=program, issuer=e.issuer)
        out.append((event, PRESETS.get(method or "", PRESETS[DEFAULT_METHOD_NAME]).name))
    return out


def _with_hours(session: Session, events: list[tuple[EventInput, str]],
                conds: list[ColumnElement[bool]]) -> list[EventInput]:
    methods = {m for _, m in events}
    hours: dict[tuple[int, str], list[HourDelivery]] = defaultdict(list)
    if methods:
        for event_id, method, start, activated, delivered in session.execute(
            select(MvResult.event_id, MvResult.method, MvResult.hour_start, MvResult.activated_kw,
                   MvResult.delivered_kw)
            .where(MvResult.method.in_(sorted(methods)), MvResult.event_id.in_(select(MvEvent.id).where(*conds)))
            .order_by(MvResult.event_id, MvResult.hour_start)
        ):
            hours[(event_id, method)].append(HourDelivery(start, activated, delivered))
    return [replace(e, hours=tuple(hours.get((e.event_id, m), ()))) for e, m in events]


def _contributors(session: Session, resource_ids: set[int]) -> list[ContributorDer]:
    if not resource_ids:
        return []
    ders = session.execute(select(Der.id, Der.platform_id, Der.name, Der.resource_id, Der.capacity_kw)
                           .where(Der.resource_id.in_(sorted(resource_ids)))).all()
    memberships: dict[int, list[Membership]] = defaultdict(list)
    for der_id, aggregator, start, end in session.execute(
        select(Enrolment.der_id, Enrolment.aggregator_org_id, Enrolment.start_date, Enrolment.end_date)
        .where(Enrolment.der_id.in_(select(Der.id).where(Der.resource_id.in_(sorted(resource_ids)))))
    ):
        memberships[der_id].append(Membership(aggregator, start, end))
    return [ContributorDer(i, platform_id or name, resource_id, capacity or 0.0, tuple(memberships[i]))
            for i, platform_id, name, resource_id, capacity in ders]


def settlement_report(session: Session, principal: Principal, rates: RateCard,
                      filters: SettlementFilters) -> SettlementReport:
    """The period's events in view, settled, with the double-payment flags of the DERs in view."""
    conds = _conditions(principal, filters)
    events = _with_hours(session, _events(session, conds), conds)
    lines = settle(events, rates, filters.first, filters.last)
    resource_ids = {line.event.resource_id for line in lines}
    flags = reconcile(lines, _contributors(session, resource_ids))
    if flags and not principal.sees_everything:
        visible = set(session.scalars(select(Der.id).where(der_scope(principal),
                                                           Der.resource_id.in_(sorted(resource_ids)))))
        flags = [f for f in flags if f.der_id in visible]
    return SettlementReport(filters, rates, lines, flags)


# --- the period's set points, limits, outages and notices ---------------------------------------------------


def _window(filters: SettlementFilters) -> tuple[datetime, datetime]:
    return market_day_bounds_utc(filters.first)[0], market_day_bounds_utc(filters.last)[1]


@dataclass(frozen=True)
class SetPoint:
    id: int
    issuer: str  # IESO | DSO
    issuer_org: str
    target: str
    amount_kw: float  # + export / injection
    start_at: datetime
    end_at: datetime
    state: str


def set_points(session: Session, principal: Principal, filters: SettlementFilters) -> list[SetPoint]:
    """Dispatch instructions in view whose window meets the period, by start."""
    if not principal.can(Permission.VIEW_SETTLEMENT):
        return []
    start, end = _window(filters)
    rows = session.execute(
        select(DispatchInstruction, Organisation.name, Der.platform_id, Der.name, Resource.resource_code,
               Feeder.code, Station.name)
        .join(Organisation, Organisation.id == DispatchInstruction.issuer_org_id)
        .outerjoin(Der, Der.id == DispatchInstruction.der_id)
        .outerjoin(Resource, Resource.id == DispatchInstruction.resource_id)
        .outerjoin(Feeder, Feeder.id == DispatchInstruction.feeder_id)
        .outerjoin(Station, Station.id == DispatchInstruction.station_id)
        .where(dispatch_scope(principal), DispatchInstruction.start_at < end, DispatchInstruction.end_at > start)
        .order_by(DispatchInstruction.start_at, DispatchInstruction.id).limit(MAX_ROWS)).all()
    out = []
    for d, org, platform_id, der_name, resource, feeder, station in rows:
        target = platform_id or der_name or resource or (f"feeder {feeder}" if feeder else f"station {station}")
        out.append(SetPoint(d.id, d.issuer.upper(), org, target, d.amount_kw, d.start_at, d.end_at,
                            d.state.replace("_", " ")))
    return out


@dataclass(frozen=True)
class ApprovedLimit:
    id: int
    target: str
    trade_date: date
    limit_type: str
    max_export_kw: float | None  # over the request's hours
    max_import_kw: float | None
    approved_at: datetime | None
    ldc: str


def approved_limits(session: Session, principal: Principal, filters: SettlementFilters) -> list[ApprovedLimit]:
    """Approved DER limits in view for the period's trade dates, by trade date."""
    if not principal.can(Permission.VIEW_SETTLEMENT):
        return []
    ldc = aliased(Organisation)
    rows = session.execute(
        select(LimitRequest, Der.platform_id, Resource.resource_code, ldc.name)
        .join(ldc, ldc.id == LimitRequest.ldc_id)
        .outerjoin(Der, Der.id == LimitRequest.der_id)
        .outerjoin(Resource, Resource.id == LimitRequest.resource_id)
        .options(selectinload(LimitRequest.intervals))
        .where(limit_scope(principal), LimitRequest.status == LimitStatus.APPROVED,
               LimitRequest.trade_date >= filters.first, LimitRequest.trade_date <= filters.last)
        .order_by(LimitRequest.trade_date, LimitRequest.id).limit(MAX_ROWS)).all()

    def peak(values: Sequence[float | None]) -> float | None:
        found = [v for v in values if v is not None]
        return max(found) if found else None

    return [ApprovedLimit(r.id, platform_id or code or "—", r.trade_date, r.limit_type,
                          peak([i.export_kw for i in r.intervals]), peak([i.import_kw for i in r.intervals]),
                          r.approved_at, name)
            for r, platform_id, code, name in rows]


@dataclass(frozen=True)
class GridNotice:
    """An outage or constraint, or a needs / standby notice, in force during the period."""

    key: str  # "outage-12" | "notice-4"
    kind: str  # outage | notice
    what: str
    where: str
    start_at: datetime
    end_at: datetime | None  # None: until restored
    state: str
    by: str


OUTAGE_LABELS = {"planned": "Planned outage (maintenance)", "forced": "Forced outage",
                 "constraint": "Constraint (de-rate)", "transmission": "IESO transmission outage"}


def notices_and_outages(session: Session, principal: Principal, filters: SettlementFilters) -> list[GridNotice]:
    """Outages and constraints (not cancelled) and published notices in view that meet the period, by start."""
    if not principal.can(Permission.VIEW_SETTLEMENT):
        return []
    start, end = _window(filters)
    ends = func.coalesce(Outage.restored_at, Outage.estimated_restoration_at)
    outages = session.execute(
        select(Outage, Organisation.name).join(Organisation, Organisation.id == Outage.reporter_org_id)
        .where(outage_scope(principal), Outage.state != OutageState.CANCELLED, Outage.start_at < end,
               or_(ends > start, ends.is_(None)))
        .order_by(Outage.start_at, Outage.id).limit(MAX_ROWS)).all()
    labels = element_labels(session, [o.id for o, _ in outages])
    out = [GridNotice(f"outage-{o.id}", "outage", OUTAGE_LABELS.get(o.kind, o.kind), "; ".join(labels.get(o.id, [])),
                      o.start_at, o.restored_at or o.estimated_restoration_at, o.state, name)
           for o, name in outages]
    notices = session.execute(
        select(Notice, Organisation.name, Feeder.code, Station.name)
        .join(Organisation, Organisation.id == Notice.publisher_org_id)
        .outerjoin(Feeder, Feeder.id == Notice.feeder_id).outerjoin(Station, Station.id == Notice.station_id)
        .where(notice_scope(principal),
               Notice.status.in_((NoticeStatus.PUBLISHED, NoticeStatus.AMENDED, NoticeStatus.CLOSED)),
               Notice.start_at < end, Notice.end_at > start)
        .order_by(Notice.start_at, Notice.id).limit(MAX_ROWS)).all()
    for n, name, feeder, station in notices:
        where = (f"Feeder {feeder}" if feeder else station if station else f"{n.zone} zone" if n.zone else "Drawn area")
        out.append(GridNotice(f"notice-{n.id}", "notice", f"{NOTICE_KIND_LABELS.get(n.kind, n.kind)}: {n.title}",
                              where, n.start_at, n.end_at, n.status, name))
    return sorted(out, key=lambda g: (g.start_at, g.key))
