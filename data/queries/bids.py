"""Read functions of bids/offers (the bids grid, one view per asset, the page's alerts), scoped to the principal.

Who sees which bid (``bid_scope``):
- IESO and administrators: every bid;
- an aggregator: the bids its organisation submitted, nothing else (never another aggregator's);
- an LDC operator: every bid touching its territory (a DER bid for a DER there, a resource bid with a contributor
  DER there, floor-price bids of its territory): distribution bids to decide, wholesale ones read-only;
- a DER owner: bids on its own DERs.
The change log is in data/queries/bid_changes.py, resource plans in data/queries/resource_plans.py, the DERs
behind bids (form choices, eligibility, the service's loaders) in data/queries/bid_assets.py.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from data.access import Permission, Principal, der_scope
from data.domain.bids import LIVE_STATUSES, WHOLESALE_MARKETS
from data.domain.enums import BidStatus, Role
from data.models import Bid, BidChange, Der, Organisation, Resource
from data.queries.notifications import ALERT_LIMIT, AlertRow, alerts_for

__all__ = [
    "ALERT_KINDS", "AlertRow", "AssetRow", "BLOCKED_KIND", "BidFilters", "BidRow", "FLOOR_KIND", "POST_CLOSE_KIND",
    "ROW_LIMIT", "SELECTION_KIND", "bid_row", "bid_rows", "bid_scope", "consolidated_rows", "fixed_scope",
    "market_alerts", "scoped_resource_ids",
]

ROW_LIMIT = 2000
# Notification kinds of this page (written by the bid services: data/services/bids.py and its neighbours).
SELECTION_KIND = "bid_selection"
BLOCKED_KIND = "bid_blocked"
POST_CLOSE_KIND = "bid_post_close"
FLOOR_KIND = "floor_bid"
ALERT_KINDS = (SELECTION_KIND, BLOCKED_KIND, POST_CLOSE_KIND, FLOOR_KIND)


# --- scope ----------------------------------------------------------------------------------------------------


def _territory(principal: Principal) -> tuple[int, ...]:
    return principal.territory_ldc_ids or (-1,)


def fixed_scope(principal: Principal) -> ColumnElement[bool] | None:
    """What a reader of bids and plans sees when the role does not matter: everything (IESO, administrators) or
    nothing (guests, roles without VIEW_BIDS). None: it depends on the role."""
    if principal.sees_everything:
        return true()
    if principal.is_guest or not principal.can(Permission.VIEW_BIDS):
        return false()
    return None


def scoped_resource_ids(principal: Principal) -> Select[tuple[int | None]]:
    """The resources with a contributor DER the principal may see (an LDC: those with DERs in its territory)."""
    return select(Der.resource_id).where(der_scope(principal), Der.resource_id.is_not(None))


def bid_scope(principal: Principal) -> ColumnElement[bool]:
    fixed = fixed_scope(principal)
    if fixed is not None:
        return fixed
    role = principal.acts_as
    if role is Role.AGGREGATOR:
        return Bid.submitter_org_id == (principal.organisation_id or -1)
    if role is Role.DSO_OPERATOR:
        return or_(Bid.der_id.in_(select(Der.id).where(der_scope(principal))),
                   Bid.resource_id.in_(scoped_resource_ids(principal)),
                   Bid.submitter_org_id.in_(_territory(principal)))
    if role is Role.DER_OWNER:
        return Bid.der_id.in_(select(Der.id).where(der_scope(principal)))
    return false()


# --- bids -----------------------------------------------------------------------------------------------------


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


# --- one view per asset ---------------------------------------------------------------------------------------


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


# --- alerts ---------------------------------------------------------------------------------------------------


def market_alerts(session: Session, principal: Principal, limit: int = ALERT_LIMIT) -> list[AlertRow]:
    return alerts_for(session, principal, ALERT_KINDS, limit)
