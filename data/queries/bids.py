"""Read functions of bids/offers, resource plans and their change log, scoped to the principal.

Who sees which bid (``bid_scope``):
- IESO and administrators: every bid;
- an aggregator: the bids its organisation submitted, nothing else (never another aggregator's);
- an LDC operator: every bid touching its territory (a DER bid for a DER there, a resource bid with a contributor
  DER there, floor-price bids of its territory): distribution bids to decide, wholesale ones read-only;
- a DER owner: bids on its own DERs.
Resource plans: the IESO all, an aggregator its own resources', an LDC the resources with DERs in its territory.

The loaders at the end (``ders_of_bids``, ``live_outage_windows``) read the whole grid: the bid service uses
them after its own checks.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal, der_scope
from data.domain.bids import LIVE_STATUSES, WHOLESALE_MARKETS, OutageWindow
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OutageState, Role
from data.domain.market_time import trade_date_of
from data.domain.outages import Element
from data.models import (
    AuditEntry,
    Bid,
    BidChange,
    Der,
    Enrolment,
    Notification,
    Organisation,
    Outage,
    OutageElement,
    Program,
    Resource,
    ResourcePlan,
    User,
)
from data.queries.outages import element_labels

__all__ = [
    "ALERT_KINDS", "AssetRow", "BidFilters", "BidRow", "ChangeRow", "DerInfo", "PLAN_ENTITY", "PlanHistoryRow",
    "PlanRow", "bid_rows", "bid_scope", "change_rows", "consolidated_rows", "der_choices", "ders_of_bids",
    "floor_candidates", "live_outage_windows", "market_alerts", "plan_history", "plan_rows", "plan_scope",
    "resource_choices",
]

ROW_LIMIT = 2000
CHANGE_LIMIT = 2000
ALERT_LIMIT = 20
PLAN_ENTITY = "resource_plan"
PLAN_SAVED_ACTION = "resource_plan_saved"
PLAN_AFTER_CLOSE_ACTION = "resource_plan_after_close"
# Notification kinds of this page (written by data/services/bids.py).
SELECTION_KIND = "bid_selection"
BLOCKED_KIND = "bid_blocked"
POST_CLOSE_KIND = "bid_post_close"
FLOOR_KIND = "floor_bid"
ALERT_KINDS = (SELECTION_KIND, BLOCKED_KIND, POST_CLOSE_KIND, FLOOR_KIND)
FLOOR_CHANGE_KINDS = (BidChangeKind.FLOOR_AUTOMATIC.value, BidChangeKind.FLOOR_OVERRIDE.value)
_CONTRIBUTING = (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value)


# --- scope ------------------------------------------------------------------------------------------------


def _territory(principal: Principal) -> tuple[int, ...]:
    return principal.territory_ldc_ids or (-1,)


def bid_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.sees_everything:
        return true()
    if principal.is_guest or not principal.can(Permission.VIEW_BIDS):
        return false()
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Bid.submitter_org_id == (principal.organisation_id or -1)
    if role is Role.DSO_OPERATOR:
        ders = select(Der.id).where(der_scope(principal))
        resources = select(Der.resource_id).where(der_scope(principal), Der.resource_id.is_not(None))
        return or_(Bid.der_id.in_(ders), Bid.resource_id.in_(resources),
                   Bid.submitter_org_id.in_(_territory(principal)))
    if role is Role.DER_OWNER:
        return Bid.der_id.in_(select(Der.id).where(der_scope(principal)))
    return false()


def plan_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.sees_everything:
        return true()
    if principal.is_guest or not principal.can(Permission.VIEW_BIDS):
        return false()
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Resource.aggregator_org_id == (principal.organisation_id or -1)
    if role is Role.DSO_OPERATOR:
        return Resource.id.in_(select(Der.resource_id).where(der_scope(principal), Der.resource_id.is_not(None)))
    return false()


# --- bids -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidFilters:
    trade_date: date | None = None
    markets: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: date | None = None  # trade dates from this one on (ignored when trade_date is given)


@dataclass(frozen=True)
class BidRow:
    id: int
    market: str
    status: str
    status_reason: str | None
    asset_kind: str  # "resource" / "der"
    asset: str  # resource code or DER platform ID
    asset_name: str
    trade_date: date
    first_hour_ending: int
    last_hour_ending: int
    quantity_kw: float
    price_per_mwh: float
    is_floor_price: bool
    floor_override: bool
    base_quantity_kw: float | None
    submitter: str
    submitter_org_id: int
    selected_at: datetime | None
    acknowledged_at: datetime | None
    version: int
    created_at: datetime
    post_close_changes: int
    resource_id: int | None
    der_id: int | None

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.status == BidStatus.SELECTED and self.acknowledged_at is None

    @property
    def hours(self) -> str:
        if self.first_hour_ending == self.last_hour_ending:
            return f"HE{self.first_hour_ending}"
        return f"HE{self.first_hour_ending}–{self.last_hour_ending}"

    @property
    def is_wholesale(self) -> bool:
        return self.market in WHOLESALE_MARKETS


def _bid_conditions(principal: Principal, f: BidFilters) -> list[ColumnElement[bool]]:
    conds = [bid_scope(principal)]
    if f.trade_date is not None:
        conds.append(Bid.trade_date == f.trade_date)
    elif f.since is not None:
        conds.append(Bid.trade_date >= f.since)
    if f.markets:
        conds.append(Bid.market.in_(list(f.markets)))
    if f.statuses:
        conds.append(Bid.status.in_(list(f.statuses)))
    return conds


def _bid_query(conds: Sequence[ColumnElement[bool]]):  # type: ignore[no-untyped-def]
    flagged = (select(BidChange.bid_id, func.count().label("n")).where(BidChange.after_close.is_(True))
               .group_by(BidChange.bid_id).subquery())
    return (
        select(Bid, Resource.resource_code, Resource.name, Der.platform_id, Der.name, Organisation.name,
               func.coalesce(flagged.c.n, 0))
        .outerjoin(Resource, Resource.id == Bid.resource_id)
        .outerjoin(Der, Der.id == Bid.der_id)
        .join(Organisation, Organisation.id == Bid.submitter_org_id)
        .outerjoin(flagged, flagged.c.bid_id == Bid.id)
        .where(*conds)
    )


def _bid_row(b: Bid, res_code: str | None, res_name: str | None, der_pid: str | None, der_name: str | None,
             submitter: str, flagged: int) -> BidRow:
    is_resource = b.resource_id is not None
    return BidRow(
        id=b.id, market=b.market, status=b.status, status_reason=b.status_reason,
        asset_kind="resource" if is_resource else "der",
        asset=(res_code if is_resource else der_pid) or f"#{b.resource_id or b.der_id}",
        asset_name=(res_name if is_resource else der_name) or "", trade_date=b.trade_date,
        first_hour_ending=b.first_hour_ending, last_hour_ending=b.last_hour_ending, quantity_kw=b.quantity_kw,
        price_per_mwh=b.price_per_mwh, is_floor_price=bool(b.is_floor_price), floor_override=bool(b.floor_override),
        base_quantity_kw=b.base_quantity_kw, submitter=submitter, submitter_org_id=b.submitter_org_id,
        selected_at=b.selected_at, acknowledged_at=b.selection_acknowledged_at, version=b.version,
        created_at=b.created_at, post_close_changes=int(flagged), resource_id=b.resource_id, der_id=b.der_id)


def bid_rows(session: Session, principal: Principal, filters: BidFilters = BidFilters(),
             limit: int = ROW_LIMIT) -> list[BidRow]:
    """Bids the principal may see, newest trade date first."""
    if not principal.can(Permission.VIEW_BIDS):
        return []
    query = _bid_query(_bid_conditions(principal, filters)).order_by(
        Bid.trade_date.desc(), Bid.first_hour_ending, Bid.id.desc()).limit(limit)
    return [_bid_row(*row) for row in session.execute(query)]


def bid_row(session: Session, principal: Principal, bid_id: int) -> BidRow | None:
    if not principal.can(Permission.VIEW_BIDS):
        return None
    row = session.execute(_bid_query([bid_scope(principal), Bid.id == bid_id])).first()
    return _bid_row(*row) if row else None


# --- one view per asset -----------------------------------------------------------------------------------


@dataclass
class AssetRow:
    """One resource or DER on a trade date: its wholesale and distribution bids side by side."""

    key: str
    asset: str
    asset_kind: str
    name: str
    submitters: str = ""
    cells: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    offered_kw: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    awaiting_acknowledgement: int = 0
    blocked: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "asset": self.asset, "kind": self.asset_kind, "name": self.name,
                               "submitters": self.submitters, "awaiting": self.awaiting_acknowledgement,
                               "blocked": self.blocked}
        for column in ("dam", "real_time", "distribution", "floor"):
            out[column] = "; ".join(self.cells.get(column, []))
            out[f"{column}_kw"] = round(self.offered_kw.get(column, 0.0), 1)
        return out


def _cell(row: BidRow) -> str:
    price = "floor $0" if row.is_floor_price else f"${row.price_per_mwh:,.2f}/MWh"
    return f"{row.hours} {row.quantity_kw:,.0f} kW @ {price} · {row.status}"


def consolidated_rows(session: Session, principal: Principal, trade_date: date) -> list[AssetRow]:
    """Every asset with a bid on ``trade_date`` visible to the principal, wholesale and distribution side by side
    (withdrawn bids left out; the offered kW count live bids only)."""
    rows = bid_rows(session, principal, BidFilters(trade_date=trade_date))
    assets: dict[str, AssetRow] = {}
    submitters: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.status == BidStatus.WITHDRAWN:
            continue
        key = f"{r.asset_kind}-{r.resource_id or r.der_id}"
        asset = assets.setdefault(key, AssetRow(key, r.asset, r.asset_kind, r.asset_name))
        column = "floor" if r.is_floor_price else r.market
        asset.cells[column].append(_cell(r))
        if r.status in LIVE_STATUSES and r.status != BidStatus.BLOCKED:
            asset.offered_kw[column] += r.quantity_kw
        asset.awaiting_acknowledgement += r.awaiting_acknowledgement
        asset.blocked += r.status == BidStatus.BLOCKED
        submitters[key].add(r.submitter)
    for key, asset in assets.items():
        asset.submitters = ", ".join(sorted(submitters[key]))
    return sorted(assets.values(), key=lambda a: (a.asset_kind != "resource", a.asset))


# --- change log -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    id: int
    bid_id: int
    at: datetime
    kind: str
    after_close: bool
    who: str
    detail: str
    market: str
    asset: str
    trade_date: date
    hours: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    is_floor_price: bool


def change_rows(session: Session, principal: Principal, *, kinds: Iterable[str] = (),
                after_close: bool | None = None, markets: Iterable[str] = (), bid_ids: Iterable[int] | None = None,
                since: datetime | None = None, limit: int = CHANGE_LIMIT) -> list[ChangeRow]:
    """Changes of the bids the principal may see, newest first."""
    if not principal.can(Permission.VIEW_BIDS):
        return []
    conds = [bid_scope(principal)]
    kinds, markets = list(kinds), list(markets)
    if kinds:
        conds.append(BidChange.kind.in_(kinds))
    if after_close is not None:
        conds.append(BidChange.after_close.is_(after_close))
    if markets:
        conds.append(Bid.market.in_(markets))
    if bid_ids is not None:
        conds.append(BidChange.bid_id.in_(list(bid_ids)))
    if since is not None:
        conds.append(BidChange.at >= since)
    changer = aliased(Organisation)
    query = (
        select(BidChange, Bid.market, Bid.trade_date, Bid.first_hour_ending, Bid.last_hour_ending,
               Bid.is_floor_price, Resource.resource_code, Der.platform_id, User.display_name, changer.name)
        .join(Bid, Bid.id == BidChange.bid_id)
        .outerjoin(Resource, Resource.id == Bid.resource_id)
        .outerjoin(Der, Der.id == Bid.der_id)
        .outerjoin(User, User.id == BidChange.user_id)
        .outerjoin(changer, changer.id == BidChange.organisation_id)
        .where(*conds).order_by(BidChange.at.desc(), BidChange.id.desc()).limit(limit)
    )
    out = []
    for c, market, day, first, last, floor, res_code, der_pid, user, org in session.execute(query):
        who = " · ".join(p for p in (user, org) if p) or "automation"
        hours = f"HE{first}" if first == last else f"HE{first}–{last}"
        out.append(ChangeRow(id=c.id, bid_id=c.bid_id, at=c.at, kind=c.kind, after_close=bool(c.after_close),
                             who=who, detail=c.detail or "", market=market, asset=res_code or der_pid or "",
                             trade_date=day, hours=hours, before=c.before, after=c.after,
                             is_floor_price=bool(floor)))
    return out


def post_close_rows(session: Session, principal: Principal, days: int = 14, now: datetime | None = None
                    ) -> list[ChangeRow]:
    """Changes made after the close that concern the principal as system operator: the IESO the wholesale ones,
    an LDC the distribution ones of its territory (others: their own visible ones)."""
    since = (now or datetime.now().astimezone()) - timedelta(days=days)
    role = principal.acts_as
    markets: tuple[str, ...] = ()
    if role is Role.TSO_OPERATOR:
        markets = tuple(m.value for m in WHOLESALE_MARKETS)
    elif role is Role.DSO_OPERATOR:
        markets = (Market.DISTRIBUTION.value,)
    return change_rows(session, principal, after_close=True, markets=markets, since=since)


# --- resource plans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    id: int
    resource_id: int
    resource: str
    resource_name: str
    aggregator: str
    trade_date: date
    intends_to_offer: bool
    first_hour_ending: int | None
    last_hour_ending: int | None
    note: str
    submitted_by: str
    saved_at: datetime
    post_close_changes: int


def plan_rows(session: Session, principal: Principal, trade_date: date | None = None, since: date | None = None,
              limit: int = ROW_LIMIT) -> list[PlanRow]:
    if not principal.can(Permission.VIEW_BIDS):
        return []
    conds = [plan_scope(principal)]
    if trade_date is not None:
        conds.append(ResourcePlan.trade_date == trade_date)
    elif since is not None:
        conds.append(ResourcePlan.trade_date >= since)
    query = (select(ResourcePlan, Resource.resource_code, Resource.name, Organisation.name, User.display_name)
             .join(Resource, Resource.id == ResourcePlan.resource_id)
             .join(Organisation, Organisation.id == Resource.aggregator_org_id)
             .outerjoin(User, User.id == ResourcePlan.submitted_by_user_id)
             .where(*conds).order_by(ResourcePlan.trade_date.desc(), Resource.resource_code).limit(limit))
    rows = session.execute(query).all()
    ids = [str(p.id) for p, *_ in rows]
    saved: dict[str, datetime] = {}
    late: dict[str, int] = defaultdict(int)
    if ids:
        for entity_id, action, at in session.execute(
                select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.at)
                .where(AuditEntry.entity == PLAN_ENTITY, AuditEntry.entity_id.in_(ids))):
            saved[entity_id] = max(saved.get(entity_id, at), at)
            late[entity_id] += action == PLAN_AFTER_CLOSE_ACTION
    return [PlanRow(id=p.id, resource_id=p.resource_id, resource=code, resource_name=name, aggregator=agg,
                    trade_date=p.trade_date, intends_to_offer=bool(p.intends_to_offer),
                    first_hour_ending=p.first_hour_ending, last_hour_ending=p.last_hour_ending, note=p.note or "",
                    submitted_by=user or "", saved_at=saved.get(str(p.id), p.created_at),
                    post_close_changes=late.get(str(p.id), 0))
            for p, code, name, agg, user in rows]


@dataclass(frozen=True)
class PlanHistoryRow:
    plan_id: int
    at: datetime
    action: str
    after_close: bool
    who: str
    resource: str
    trade_date: str
    intends_to_offer: str
    hours: str
    note: str


def plan_history(session: Session, principal: Principal, plan_ids: Iterable[int]) -> list[PlanHistoryRow]:
    """Every recorded save of the visible plans among ``plan_ids``, oldest first."""
    ids = list(plan_ids)
    if not ids or not principal.can(Permission.VIEW_BIDS):
        return []
    visible = [str(i) for i in session.scalars(
        select(ResourcePlan.id).join(Resource, Resource.id == ResourcePlan.resource_id)
        .where(ResourcePlan.id.in_(ids), plan_scope(principal)))]
    if not visible:
        return []
    rows = session.execute(
        select(AuditEntry, User.display_name, Organisation.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Organisation, Organisation.id == AuditEntry.organisation_id)
        .where(AuditEntry.entity == PLAN_ENTITY, AuditEntry.entity_id.in_(visible))
        .order_by(AuditEntry.at, AuditEntry.id))
    out = []
    for entry, user, org in rows:
        after = entry.after or {}
        first, last = after.get("first_hour_ending"), after.get("last_hour_ending")
        out.append(PlanHistoryRow(
            plan_id=int(entry.entity_id or 0), at=entry.at, action=entry.action.removeprefix("resource_plan_"),
            after_close=entry.action == PLAN_AFTER_CLOSE_ACTION,
            who=" · ".join(p for p in (user, org) if p) or "system", resource=str(after.get("resource", "")),
            trade_date=str(after.get("trade_date", "")),
            intends_to_offer="yes" if after.get("intends_to_offer") else "no",
            hours=f"HE{first}–{last}" if first and last else "", note=str(after.get("note") or "")))
    return out


# --- alerts and form choices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    id: int
    at: datetime
    kind: str
    severity: str
    text: str
    link: str | None


def market_alerts(session: Session, principal: Principal, limit: int = ALERT_LIMIT) -> list[AlertRow]:
    if principal.organisation_id is None:
        return []
    N = Notification
    rows = session.scalars(
        select(N).where(N.organisation_id == principal.organisation_id,
                        or_(N.user_id.is_(None), N.user_id == principal.user_id), N.kind.in_(ALERT_KINDS))
        .order_by(N.created_at.desc(), N.id.desc()).limit(limit))
    return [AlertRow(n.id, n.created_at, n.kind, n.severity, n.text, n.link) for n in rows]


def resource_choices(session: Session, principal: Principal) -> list[tuple[int, str, float]]:
    """(id, label, capacity kW) of the aggregator's own active resources (capacity: active and inactive
    contributor DERs)."""
    if not principal.can(Permission.SUBMIT_BIDS) or principal.organisation_id is None:
        return []
    capacity = (select(Der.resource_id, func.sum(Der.capacity_kw).label("kw"))
                .where(Der.status.in_(_CONTRIBUTING)).group_by(Der.resource_id).subquery())
    rows = session.execute(
        select(Resource.id, Resource.resource_code, Resource.name, func.coalesce(capacity.c.kw, 0.0))
        .outerjoin(capacity, capacity.c.resource_id == Resource.id)
        .where(Resource.aggregator_org_id == principal.organisation_id, Resource.status == DerStatus.ACTIVE)
        .order_by(Resource.resource_code))
    return [(i, f"{code} · {name}", float(kw)) for i, code, name, kw in rows]


def der_choices(session: Session, principal: Principal) -> list[tuple[int, str, str]]:
    """(id, label, status) of the principal's own approved DERs that are active or reported unavailable
    (an aggregator: those it aggregates; an owner: those it owns)."""
    role = principal.acts_as
    if principal.organisation_id is None or role not in (Role.AGGREGATOR, Role.DER_OWNER):
        return []
    rows = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.capacity_kw, Der.status)
        .where(der_scope(principal), Der.status.in_(_CONTRIBUTING), Der.platform_id.is_not(None))
        .order_by(Der.platform_id))
    return [(i, f"{pid} · {name} · {kw:,.0f} kW" + (" · unavailable" if st == DerStatus.INACTIVE else ""), st)
            for i, pid, name, kw, st in rows]


def distribution_program_ders(session: Session, der_ids: Sequence[int], trade_date: date) -> set[int]:
    """DERs enrolled on ``trade_date`` in a distribution program."""
    if not der_ids:
        return set()
    rows = session.scalars(
        select(Enrolment.der_id).join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.der_id.in_(list(der_ids)), Program.market == Market.DISTRIBUTION.value,
               Enrolment.start_date <= trade_date,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date > trade_date)))
    return set(rows)


def selected_distribution_ders(session: Session, der_ids: Sequence[int], trade_date: date) -> set[int]:
    """DERs with a selected distribution bid on ``trade_date`` (a DER bid, or a resource bid they contribute to)."""
    if not der_ids:
        return set()
    selected = [Bid.market == Market.DISTRIBUTION.value, Bid.status == BidStatus.SELECTED.value,
                Bid.trade_date == trade_date, Bid.is_floor_price.is_(False)]
    direct = set(session.scalars(select(Bid.der_id).where(*selected, Bid.der_id.in_(list(der_ids)))))
    via_resource = set(session.scalars(
        select(Der.id).join(Bid, Bid.resource_id == Der.resource_id)
        .where(*selected, Der.id.in_(list(der_ids)))))
    return direct | via_resource


def floor_candidates(session: Session, principal: Principal, trade_date: date) -> list[tuple[int, str, float]]:
    """(id, label, capacity kW) of the DERs a distributor may put a floor-price bid on for ``trade_date``:
    active DERs of its territory registered for distribution, selected for distribution services (enrolled
    in a distribution program on that date, or with a selected distribution bid)."""
    if not principal.can(Permission.SUBMIT_FLOOR_BIDS) or not principal.territory_ldc_ids:
        return []
    rows = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.capacity_kw)
        .where(Der.ldc_id.in_(principal.territory_ldc_ids), Der.status == DerStatus.ACTIVE,
               Der.platform_id.is_not(None), Der.service_tag.in_(("distribution", "both")))
        .order_by(Der.platform_id)).all()
    ids = [r[0] for r in rows]
    eligible = distribution_program_ders(session, ids, trade_date) | selected_distribution_ders(session, ids,
                                                                                                trade_date)
    return [(i, f"{pid} · {name} · {kw:,.0f} kW", float(kw)) for i, pid, name, kw in rows if i in eligible]


# --- loaders for the service (whole grid) -----------------------------------------------------------------


@dataclass(frozen=True)
class DerInfo:
    id: int
    platform_id: str | None
    name: str
    status: str
    status_reason: str | None
    capacity_kw: float
    feeder_id: int
    station_id: int
    ldc_id: int
    aggregator_org_id: int | None
    owner_org_id: int
    resource_id: int | None
    service_tag: str

    @property
    def label(self) -> str:
        return self.platform_id or f"DER #{self.id}"


_DER_COLUMNS = (Der.id, Der.platform_id, Der.name, Der.status, Der.status_reason, Der.capacity_kw, Der.feeder_id,
                Der.station_id, Der.ldc_id, Der.aggregator_org_id, Der.owner_org_id, Der.resource_id,
                Der.service_tag)


def der_infos(session: Session, der_ids: Iterable[int]) -> dict[int, DerInfo]:
    ids = list(dict.fromkeys(der_ids))
    if not ids:
        return {}
    return {row[0]: DerInfo(*row) for row in session.execute(select(*_DER_COLUMNS).where(Der.id.in_(ids)))}


def contributors(session: Session, resource_ids: Iterable[int]) -> dict[int, list[DerInfo]]:
    """The contributor DERs of each resource: active or reported unavailable (pending, rejected and deactivated
    DERs contribute nothing)."""
    ids = list(dict.fromkeys(resource_ids))
    out: dict[int, list[DerInfo]] = {i: [] for i in ids}
    if not ids:
        return out
    for row in session.execute(select(*_DER_COLUMNS).where(Der.resource_id.in_(ids), Der.status.in_(_CONTRIBUTING))
                               .order_by(Der.id)):
        info = DerInfo(*row)
        out[info.resource_id].append(info)  # type: ignore[index]
    return out


def ders_of_bids(session: Session, bids: Sequence[Bid]) -> dict[int, list[DerInfo]]:
    """Bid id -> its DERs: the DER of a DER bid, the contributor DERs of a resource bid."""
    singles = der_infos(session, [b.der_id for b in bids if b.der_id is not None])
    groups = contributors(session, [b.resource_id for b in bids if b.resource_id is not None])
    return {b.id: ([singles[b.der_id]] if b.der_id in singles else []) if b.der_id is not None
            else groups.get(b.resource_id or -1, []) for b in bids}


def live_outage_windows(session: Session, now: datetime) -> list[tuple[OutageWindow, tuple[Element, ...]]]:
    """Every planned or active outage or constraint (and any restored after ``now``), with its elements, as
    plain windows: [start, restored_at or estimated restoration or until restored)."""
    outages = session.scalars(select(Outage).where(or_(
        Outage.state.in_((OutageState.PLANNED.value, OutageState.ACTIVE.value)),
        and_(Outage.state == OutageState.RESTORED.value, Outage.restored_at > now))).order_by(Outage.id)).all()
    if not outages:
        return []
    ids = [o.id for o in outages]
    elements: dict[int, list[Element]] = defaultdict(list)
    for outage_id, station_id, feeder_id in session.execute(
            select(OutageElement.outage_id, OutageElement.station_id, OutageElement.feeder_id)
            .where(OutageElement.outage_id.in_(ids)).order_by(OutageElement.id)):
        elements[outage_id].append(Element(station_id=station_id, feeder_id=feeder_id))
    labels = element_labels(session, ids)
    return [(OutageWindow(o.id, o.kind, o.state, o.start_at, o.restored_at or o.estimated_restoration_at,
                          o.derate_pct, o.max_kw, ", ".join(labels.get(o.id, [])[:3])[:200]),
             tuple(elements.get(o.id, ()))) for o in outages]


def recent_since(now: datetime, days: int) -> date:
    return trade_date_of(now) - timedelta(days=days)
