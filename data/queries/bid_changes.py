"""The change log of bids: every ``BidChange`` of the bids the principal may see (data/queries/bids.py
``bid_scope``), and the changes made after the close that concern a system operator."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal
from data.domain.bids import WHOLESALE_MARKETS
from data.domain.enums import BidChangeKind, Market, Role
from data.models import Bid, BidChange, Der, Organisation, Resource, User
from data.queries.bids import bid_scope

__all__ = ["CHANGE_LIMIT", "ChangeRow", "FLOOR_CHANGE_KINDS", "change_rows", "post_close_rows"]

CHANGE_LIMIT = 2000
FLOOR_CHANGE_KINDS = (BidChangeKind.FLOOR_AUTOMATIC.value, BidChangeKind.FLOOR_OVERRIDE.value)


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
