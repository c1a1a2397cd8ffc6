"""Read functions of the outage and constraint log, scoped with `outage_scope` and `der_scope` (data/access.py).

`supply_tree`, `ders_reached` and `commitments_in_window` read the whole grid: the outage service uses them as
they are, scoped callers pass a DER condition.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from data.access import Permission, Principal, der_scope, feeder_scope, outage_scope
from data.domain.enums import BidStatus, DerStatus, DispatchState, LimitStatus, OrgKind, OutageKind, OutageState
from data.domain.market_time import hour_ending_end_utc, hour_ending_start_utc, trade_date_of
from data.domain.outages import ALERT_KIND, IMPACT_KIND, Element, affected_ders, elements_below
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from data.models import (
    Bid,
    Der,
    DispatchInstruction,
    Feeder,
    LimitRequest,
    Organisation,
    Outage,
    OutageElement,
    Station,
    User,
)
from data.queries.audit_trail import audit_trail
from data.queries.notifications import ALERT_LIMIT, AlertRow, alerts_for

LOG_LIMIT = 1000
SHOWN_DER_IDS = 50
AUDIT_ENTITY = "outage"
_LIVE_DER = Der.status.notin_((DerStatus.REJECTED, DerStatus.DEACTIVATED))
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


# --- the grid and what an outage reaches ------------------------------------------------------------------


def supply_tree(session: Session) -> SupplyTree:
    """Every station and feeder, as the pure supply tree (unscoped)."""
    stations = session.execute(select(Station.id, Station.kind, Station.supply_station_id, Station.supply_feeder_id))
    feeders = session.execute(select(Feeder.id, Feeder.station_id))
    return SupplyTree([StationNode(*row) for row in stations], [FeederNode(*row) for row in feeders])


@dataclass(frozen=True)
class DerRef:
    id: int
    feeder_id: int
    station_id: int
    aggregator_org_id: int | None
    resource_id: int | None
    capacity_kw: float


def outage_elements(session: Session, outage_id: int) -> tuple[Element, ...]:
    rows = session.execute(select(OutageElement.station_id, OutageElement.feeder_id)
                           .where(OutageElement.outage_id == outage_id).order_by(OutageElement.id))
    return tuple(Element(station_id=s, feeder_id=f) for s, f in rows)


def ders_reached(session: Session, elements: Sequence[Element], tree: SupplyTree,
                 condition: ColumnElement[bool] | None = None) -> list[DerRef]:
    """Live DERs supplied through the elements (embedded LDCs' included), optionally narrowed by `condition`."""
    stations, feeders = elements_below(elements, tree)
    if not stations and not feeders:
        return []
    conds = [_LIVE_DER, or_(Der.feeder_id.in_(feeders), Der.station_id.in_(stations))]
    if condition is not None:
        conds.append(condition)
    rows = session.execute(select(Der.id, Der.feeder_id, Der.station_id, Der.aggregator_org_id, Der.resource_id,
                                  Der.capacity_kw).where(*conds).order_by(Der.id))
    return affected_ders(elements, tree, [DerRef(*row) for row in rows])


@dataclass(frozen=True)
class Commitments:
    """Approved limits, live bids and live dispatch instructions of affected DERs inside an outage window."""

    limit_ids: tuple[int, ...] = ()
    bid_ids: tuple[int, ...] = ()
    dispatch_ids: tuple[int, ...] = ()
    der_ids: tuple[int, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.limit_ids or self.bid_ids or self.dispatch_ids)


def _hours_overlap(trade_date, first_he: int, last_he: int, start: datetime, end: datetime) -> bool:  # type: ignore[no-untyped-def]
    if not (1 <= first_he <= last_he <= 24):
        return False
    return hour_ending_start_utc(trade_date, first_he) < end and hour_ending_end_utc(trade_date, last_he) > start


def commitments_in_window(session: Session, ders: Sequence[DerRef], start: datetime, end: datetime | None,
                          tree: SupplyTree) -> Commitments:
    """What the outage window [start, end) collides with (end None: until restored). Resource-level items count
    for the resource's affected DERs; feeder- and station-level instructions for the affected DERs below them."""
    if not ders:
        return Commitments()
    stop = end or _FAR_FUTURE
    ids = [d.id for d in ders]
    known = set(ids)
    by_resource: dict[int, list[int]] = defaultdict(list)
    for d in ders:
        if d.resource_id is not None:
            by_resource[d.resource_id].append(d.id)
    resources = list(by_resource)
    flagged: set[int] = set()

    def hit(der_id: int | None, resource_id: int | None) -> None:
        if der_id is not None:
            flagged.add(der_id)
        if resource_id is not None:
            flagged.update(by_resource.get(resource_id, ()))

    first_day = trade_date_of(start)
    last_day = trade_date_of(stop - timedelta(microseconds=1)) if end else None
    limits = []
    target = or_(LimitRequest.der_id.in_(ids), LimitRequest.resource_id.in_(resources))
    days = [LimitRequest.trade_date >= first_day] + ([LimitRequest.trade_date <= last_day] if last_day else [])
    for r in session.scalars(select(LimitRequest).options(selectinload(LimitRequest.intervals))
                             .where(LimitRequest.status == LimitStatus.APPROVED, target, *days)):
        if any(_hours_overlap(r.trade_date, i.hour_ending, i.hour_ending, start, stop) for i in r.intervals):
            limits.append(r.id)
            hit(r.der_id, r.resource_id)
    bids = []
    days = [Bid.trade_date >= first_day] + ([Bid.trade_date <= last_day] if last_day else [])
    for b in session.scalars(select(Bid).where(Bid.status.in_((BidStatus.SUBMITTED, BidStatus.SELECTED)),
                                               or_(Bid.der_id.in_(ids), Bid.resource_id.in_(resources)), *days)):
        if _hours_overlap(b.trade_date, b.first_hour_ending, b.last_hour_ending, start, stop):
            bids.append(b.id)
            hit(b.der_id, b.resource_id)
    dispatches = []
    D = DispatchInstruction
    live = [D.state.in_((DispatchState.NEW, DispatchState.ACCEPTED)), D.start_at < stop, D.end_at > start]
    aimed = or_(D.der_id.in_(ids), D.resource_id.in_(resources), D.feeder_id.is_not(None), D.station_id.is_not(None))
    for d in session.scalars(select(D).where(*live, aimed)):
        if d.der_id is not None or d.resource_id is not None:
            reached = d.der_id in known or d.resource_id in by_resource
            hit(d.der_id if d.der_id in known else None, d.resource_id)
        else:
            below = affected_ders([Element(station_id=d.station_id, feeder_id=d.feeder_id)], tree, ders)
            reached = bool(below)
            flagged.update(x.id for x in below)
        if reached:
            dispatches.append(d.id)
    return Commitments(tuple(sorted(limits)), tuple(sorted(bids)), tuple(sorted(dispatches)), tuple(sorted(flagged)))


# --- the log ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutageFilters:
    states: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    ldc_ids: tuple[int, ...] = ()
    start: datetime | None = None  # the outage window overlaps [start, end)
    end: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class OutageRow:
    id: int
    kind: str
    state: str
    elements: list[str]
    start_at: datetime
    estimated_restoration_at: datetime | None
    restored_at: datetime | None
    derate_pct: float | None
    max_kw: float | None
    reporter: str
    reporter_org_id: int
    description: str
    version: int
    external_id: str | None

    @property
    def read_only(self) -> bool:
        return self.kind == OutageKind.TRANSMISSION

    @property
    def label(self) -> str:
        return f"#{self.id} " + (", ".join(self.elements[:2]) + (" …" if len(self.elements) > 2 else "")
                                 if self.elements else "(no element)")


def _filter_conditions(principal: Principal, f: OutageFilters) -> list[ColumnElement[bool]]:
    conds = [outage_scope(principal)]
    if f.states:
        conds.append(Outage.state.in_(f.states))
    if f.kinds:
        conds.append(Outage.kind.in_(f.kinds))
    if f.ldc_ids:
        on_feeders = select(OutageElement.outage_id).join(Feeder, Feeder.id == OutageElement.feeder_id).where(
            Feeder.ldc_id.in_(f.ldc_ids))
        on_stations = select(OutageElement.outage_id).join(Station, Station.id == OutageElement.station_id).where(
            Station.owner_org_id.in_(f.ldc_ids))
        conds.append(or_(Outage.id.in_(on_feeders), Outage.id.in_(on_stations), Outage.reporter_org_id.in_(f.ldc_ids)))
    if f.end is not None:
        conds.append(Outage.start_at < f.end)
    if f.start is not None:
        ends = func.coalesce(Outage.restored_at, Outage.estimated_restoration_at)
        conds.append(or_(ends > f.start, ends.is_(None),
                         and_(Outage.restored_at.is_(None), Outage.state == OutageState.ACTIVE)))
    text = f.text.strip()
    if text:
        found = [Outage.description.icontains(text, autoescape=True),
                 Outage.equipment_name.icontains(text, autoescape=True),
                 Outage.external_id.icontains(text, autoescape=True)]
        number = text.removeprefix("#")
        if number.isdigit() and len(number) < 10:
            found.append(Outage.id == int(number))
        conds.append(or_(*found))
    return conds


def _feeder_label(code: str, station: str) -> str:
    return f"Feeder {code} ({station})"


def _station_label(code: str, name: str) -> str:
    return f"Station {code} {name}"


def element_labels(session: Session, outage_ids: Sequence[int]) -> dict[int, list[str]]:
    """'Feeder CODE (station name)' / 'Station CODE name' for each outage's elements."""
    if not outage_ids:
        return {}
    feeder_station = aliased(Station)
    rows = session.execute(
        select(OutageElement.outage_id, Feeder.code, feeder_station.name, Station.code, Station.name)
        .select_from(OutageElement)
        .outerjoin(Feeder, Feeder.id == OutageElement.feeder_id)
        .outerjoin(feeder_station, feeder_station.id == Feeder.station_id)
        .outerjoin(Station, Station.id == OutageElement.station_id)
        .where(OutageElement.outage_id.in_(list(outage_ids))).order_by(OutageElement.id))
    labels: dict[int, list[str]] = defaultdict(list)
    for outage_id, f_code, f_station, s_code, s_name in rows:
        labels[outage_id].append(_feeder_label(f_code, f_station) if f_code else _station_label(s_code, s_name))
    return labels


def element_names(session: Session, elements: Sequence[Element]) -> list[str]:
    """The same labels for elements not saved yet (unknown ids are left out)."""
    feeder_ids = [e.feeder_id for e in elements if e.feeder_id is not None]
    station_ids = [e.station_id for e in elements if e.station_id is not None]
    feeders = {i: _feeder_label(code, station) for i, code, station in session.execute(
        select(Feeder.id, Feeder.code, Station.name).join(Station, Station.id == Feeder.station_id)
        .where(Feeder.id.in_(feeder_ids)))} if feeder_ids else {}
    stations = {i: _station_label(code, name) for i, code, name in session.execute(
        select(Station.id, Station.code, Station.name).where(Station.id.in_(station_ids)))} if station_ids else {}
    names = [stations.get(e.station_id) if e.station_id is not None else feeders.get(e.feeder_id or -1)
             for e in elements]
    return [n for n in names if n]


def _rows(session: Session, conds: list[ColumnElement[bool]], limit: int) -> list[OutageRow]:
    outages = session.execute(
        select(Outage, User.display_name, Organisation.name)
        .join(Organisation, Organisation.id == Outage.reporter_org_id)
        .outerjoin(User, User.id == Outage.reported_by_user_id)
        .where(*conds).order_by(Outage.start_at.desc(), Outage.id.desc()).limit(limit)).all()
    labels = element_labels(session, [o.id for o, _, _ in outages])
    return [
        OutageRow(id=o.id, kind=o.kind, state=o.state, elements=labels.get(o.id, []), start_at=o.start_at,
                  estimated_restoration_at=o.estimated_restoration_at, restored_at=o.restored_at,
                  derate_pct=o.derate_pct, max_kw=o.max_kw,
                  reporter=f"{user} · {org}" if user else org, reporter_org_id=o.reporter_org_id,
                  description=o.description or "", version=o.version, external_id=o.external_id)
        for o, user, org in outages
    ]


def outage_log(session: Session, principal: Principal, filters: OutageFilters = OutageFilters(),
               limit: int = LOG_LIMIT) -> list[OutageRow]:
    """The outages the principal may see, newest start first, filtered."""
    if principal.is_guest:
        return []
    return _rows(session, _filter_conditions(principal, filters), limit)


def outage_row(session: Session, principal: Principal, outage_id: int) -> OutageRow | None:
    if principal.is_guest:
        return None
    found = _rows(session, [outage_scope(principal), Outage.id == outage_id], 1)
    return found[0] if found else None


# --- one outage: who it reaches, what it collides with, its history ------------------------------------


@dataclass(frozen=True)
class AggregatorShare:
    name: str
    ders: int
    capacity_kw: float


@dataclass(frozen=True)
class OutageImpact:
    """The affected DERs the principal may see, by aggregator, and the commitments flagged in the window."""

    ders: int
    capacity_kw: float
    by_aggregator: list[AggregatorShare]
    commitments: Commitments
    der_names: list[str] = field(default_factory=list)  # platform IDs, the first SHOWN_DER_IDS


def outage_impact(session: Session, principal: Principal, outage_id: int) -> OutageImpact | None:
    if principal.is_guest:
        return None
    outage = session.scalar(select(Outage).where(Outage.id == outage_id, outage_scope(principal)))
    if outage is None:
        return None
    tree = supply_tree(session)
    ders = ders_reached(session, outage_elements(session, outage_id), tree, der_scope(principal))
    counts: Counter[int | None] = Counter(d.aggregator_org_id for d in ders)
    capacity: Counter[int | None] = Counter()
    for d in ders:
        capacity[d.aggregator_org_id] += d.capacity_kw
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_([k for k in counts if k is not None]))).all())
    shares = sorted((AggregatorShare(names.get(k, "No aggregator") if k else "No aggregator", n, capacity[k])
                     for k, n in counts.items()), key=lambda s: (-s.ders, s.name))
    commitments = (Commitments() if outage.state == OutageState.CANCELLED else commitments_in_window(
        session, ders, outage.start_at, outage.restored_at or outage.estimated_restoration_at, tree))
    shown = [d.id for d in ders[:SHOWN_DER_IDS]]
    platform_ids = [p or f"DER {i}" for i, p in session.execute(
        select(Der.id, Der.platform_id).where(Der.id.in_(shown)).order_by(Der.id))] if shown else []
    return OutageImpact(ders=len(ders), capacity_kw=sum(d.capacity_kw for d in ders), by_aggregator=shares,
                        commitments=commitments, der_names=platform_ids)


@dataclass(frozen=True)
class HistoryRow:
    outage_id: int
    at: datetime
    action: str
    who: str
    state: str
    note: str


def outage_history(session: Session, principal: Principal, outage_ids: Sequence[int]) -> list[HistoryRow]:
    """Audit rows of the visible outages among `outage_ids`, oldest first."""
    if principal.is_guest or not outage_ids:
        return []
    visible = list(session.scalars(select(Outage.id).where(Outage.id.in_(list(outage_ids)), outage_scope(principal))))
    if not visible:
        return []
    return [HistoryRow(outage_id=int(step.entity_id or 0), at=step.at,
                       action=step.action.removeprefix("outage_").replace("_", " "), who=step.who,
                       state=str(step.after.get("state", "")), note=str(step.after.get("note") or ""))
            for step in audit_trail(session, AUDIT_ENTITY, visible)]


# --- alerts and the entry form ---------------------------------------------------------------------------


def outage_alerts(session: Session, principal: Principal, limit: int = ALERT_LIMIT) -> list[AlertRow]:
    """Outage alerts addressed to the principal's organisation (or to the principal), newest first."""
    return alerts_for(session, principal, (ALERT_KIND, IMPACT_KIND), limit)


def station_choices(session: Session, principal: Principal) -> list[tuple[int, str, bool]]:
    """(id, label, owned) of the stations an LDC operator may log on, or whose territory feeders it may pick."""
    territory = principal.territory_ldc_ids
    if not territory or not principal.can(Permission.LOG_OUTAGES):
        return []
    rows = session.execute(
        select(Station.id, Station.code, Station.name, Station.owner_org_id)
        .where(or_(Station.owner_org_id.in_(territory),
                   Station.id.in_(select(Feeder.station_id).where(Feeder.ldc_id.in_(territory)))))
        .order_by(Station.name))
    return [(i, f"{name} ({code})", owner in territory) for i, code, name, owner in rows]


def feeder_choices(session: Session, principal: Principal, station_id: int) -> list[tuple[int, str]]:
    territory = principal.territory_ldc_ids
    if not territory or not principal.can(Permission.LOG_OUTAGES):
        return []
    rows = session.execute(select(Feeder.id, Feeder.code, Feeder.name)
                           .where(Feeder.station_id == station_id, Feeder.ldc_id.in_(territory))
                           .order_by(Feeder.code))
    return [(i, f"{code} · {name}") for i, code, name in rows]


def ldc_options(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """LDCs whose feeders the principal may see (the LDC filter)."""
    if principal.is_guest:
        return []
    rows = session.execute(select(Organisation.id, Organisation.name)
                           .where(Organisation.kind == OrgKind.LDC,
                                  Organisation.id.in_(select(Feeder.ldc_id).where(feeder_scope(principal))))
                           .order_by(Organisation.name))
    return [(i, n) for i, n in rows]


__all__ = [
    "AlertRow", "AggregatorShare", "Commitments", "DerRef", "HistoryRow", "OutageFilters", "OutageImpact",
    "OutageRow", "commitments_in_window", "ders_reached", "element_labels", "element_names", "feeder_choices",
    "ldc_options", "outage_alerts", "outage_elements", "outage_history", "outage_impact", "outage_log", "outage_row",
    "station_choices", "supply_tree",
]
