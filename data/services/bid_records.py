"""How the bid services write: one ``BidChange`` per changed bid (who, before/after, after the close or not), the
notifications that go with it, and the checks every change starts with (the submitter's organisation, the bid
being the caller's own, the version seen). Shared by data/services/bids.py, floor_bids.py, bid_rechecks.py and
resource_plans.py.

Who is told:
- a change made after the close by a person -> the system operators concerned (the IESO for wholesale bids,
  the LDCs whose territory holds the DERs for distribution bids);
- the other notifications (selection, blocking, floor-price automation) are written by the services that decide
  them, through ``notify``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal
from data.domain.bids import MARKET_LABELS, WHOLESALE_MARKETS, InvalidBid, change_after_close, close_time
from data.domain.enums import BidChangeKind, Market, OrgKind, Severity
from data.domain.errors import DomainError, StaleEdit
from data.domain.market_time import format_market
from data.models import Bid, BidChange, Der, Notification, Organisation, Resource
from data.queries.bid_assets import DerInfo, ders_of_bids
from data.queries.bids import POST_CLOSE_KIND

__all__ = [
    "AUDIT_ENTITY", "DEFAULT_CLOSE_HOUR_EST", "MAX_REASON", "asset_code", "bid_label", "check_version", "clean_text",
    "flush_bids", "ieso_org", "notify", "own_bid", "record_change", "snapshot", "submitter_org", "territory_roots",
]

AUDIT_ENTITY = "bid"
DEFAULT_CLOSE_HOUR_EST = 10
MAX_REASON = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: object, limit: int, label: str) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidBid([f"{label}: must be text"])
    cleaned = _CONTROL.sub("", text).strip()
    if len(cleaned) > limit:
        raise InvalidBid([f"{label}: longer than {limit:,} characters"])
    return cleaned or None


def snapshot(bid: Bid) -> dict[str, Any]:
    return {"status": bid.status, "quantity_kw": bid.quantity_kw, "price_per_mwh": bid.price_per_mwh,
            "first_hour_ending": bid.first_hour_ending, "last_hour_ending": bid.last_hour_ending,
            "trade_date": bid.trade_date.isoformat(), "market": bid.market,
            "base_quantity_kw": bid.base_quantity_kw, "floor_override": bool(bid.floor_override),
            "status_reason": bid.status_reason, "version": bid.version}


def asset_code(session: Session, bid: Bid) -> str:
    """The resource code or DER platform ID a bid offers."""
    if bid.resource_id is not None:
        code = session.scalar(select(Resource.resource_code).where(Resource.id == bid.resource_id))
    else:
        code = session.scalar(select(Der.platform_id).where(Der.id == bid.der_id))
    return code or f"#{bid.resource_id or bid.der_id}"


def bid_label(session: Session, bid: Bid) -> str:
    asset = asset_code(session, bid)
    hours = (f"HE{bid.first_hour_ending}" if bid.first_hour_ending == bid.last_hour_ending
             else f"HE{bid.first_hour_ending}–{bid.last_hour_ending}")
    kind = "floor-price bid" if bid.is_floor_price else "bid"
    return f"{kind} #{bid.id} ({MARKET_LABELS[Market(bid.market)]}, {asset}, {bid.trade_date} {hours})"


def flush_bids(bid_ids: Iterable[int], session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        ids = ", ".join(f"#{i}" for i in bid_ids)
        raise StaleEdit(f"bid {ids} was changed by someone else meanwhile: reload and decide again") from None


def check_version(bid: Bid, expected_version: object) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or \
            bid.version != expected_version:
        raise StaleEdit(f"bid #{bid.id} was changed by someone else (now version {bid.version}, you saw "
                        f"{expected_version}): reload it and decide again")


def ieso_org(session: Session) -> int | None:
    return session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO).order_by(Organisation.id))


def territory_roots(session: Session, ldc_ids: Iterable[int]) -> dict[int, int]:
    """LDC id -> the LDC whose territory holds it (its host for an embedded LDC, else itself)."""
    ids = list(dict.fromkeys(ldc_ids))
    if not ids:
        return {}
    return {i: host or i for i, host in session.execute(
        select(Organisation.id, Organisation.host_ldc_id).where(Organisation.id.in_(ids)))}


def _operators(session: Session, bid: Bid, ders: Sequence[DerInfo]) -> list[int]:
    """The system operators a bid concerns: the IESO for wholesale, the LDCs of its DERs for distribution."""
    if bid.market in WHOLESALE_MARKETS:
        ieso = ieso_org(session)
        return [ieso] if ieso is not None else []
    roots = territory_roots(session, [d.ldc_id for d in ders])
    return sorted({*roots.keys(), *roots.values()})


def notify(session: Session, org_ids: Iterable[int], kind: str, severity: Severity, text: str,
           bid_id: int | None) -> None:
    for org_id in dict.fromkeys(org_ids):
        session.add(Notification(organisation_id=org_id, kind=kind, severity=severity.value, text=text[:1000],
                                 link=f"/market?bid={bid_id}" if bid_id else "/market"))


def record_change(session: Session, bid: Bid, kind: BidChangeKind, principal: Principal | None, now: datetime,
                  before: dict[str, Any] | None, detail: str | None, close_hour_est: int,
                  ders: Sequence[DerInfo] | None = None) -> bool:
    """The BidChange row (and, for a person's change after the close, the operators' notification)."""
    after_close = change_after_close(kind, bid.market, bid.trade_date,
                                     min(bid.first_hour_ending, (before or {}).get("first_hour_ending") or 24),
                                     now, close_hour_est)
    session.add(BidChange(bid_id=bid.id, at=now, user_id=principal.user_id if principal else None,
                          organisation_id=principal.organisation_id if principal else None, kind=kind.value,
                          after_close=after_close, detail=(detail or None) and detail[:1000], before=before,
                          after=snapshot(bid)))
    if after_close and principal is not None:
        closed = format_market(close_time(bid.market, bid.trade_date, bid.first_hour_ending, close_hour_est))
        who = principal.organisation_name or principal.display_name
        ders = ders if ders is not None else ders_of_bids(session, [bid]).get(bid.id, [])
        notify(session, _operators(session, bid, ders), POST_CLOSE_KIND, Severity.ACTION,
               f"Post-close change: {bid_label(session, bid)} {kind.value.replace('_', ' ')} by {who} after the "
               f"close ({closed})" + (f": {detail}" if detail else ""), bid.id)
    return after_close


def submitter_org(principal: Principal) -> int:
    principal.require(Permission.SUBMIT_BIDS)
    if principal.organisation_id is None:
        raise AccessDenied("a bid is submitted by an aggregator's organisation")
    return principal.organisation_id


def own_bid(session: Session, principal: Principal, bid_id: object, expected_version: object) -> Bid:
    """A bid of the principal's organisation: an aggregator's own bid, or a floor-price bid of the distributor's
    territory. Anything else is "not found" (never a hint that another party's bid exists)."""
    if not (principal.can(Permission.SUBMIT_BIDS) or principal.can(Permission.SUBMIT_FLOOR_BIDS)):
        raise AccessDenied(f"{principal.role.value} may not change bids")
    bid = session.get(Bid, bid_id) if isinstance(bid_id, int) and not isinstance(bid_id, bool) else None
    if bid is not None and bid.is_floor_price:
        mine = principal.can(Permission.SUBMIT_FLOOR_BIDS) and bid.submitter_org_id in principal.territory_ldc_ids
    else:
        mine = bid is not None and principal.can(Permission.SUBMIT_BIDS) and \
            bid.submitter_org_id == principal.organisation_id
    if bid is None or not mine:
        raise DomainError(f"there is no bid #{bid_id} among your organisation's")
    check_version(bid, expected_version)
    return bid
