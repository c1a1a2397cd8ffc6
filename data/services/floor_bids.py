"""Floor-price (zero-price) bids of distributors (SUBMIT_FLOOR_BIDS) for DERs of their territory that are selected
for distribution services, i.e. enrolled on the trade date in a distribution program or part of a selected
distribution bid for it. The quantity is the DER's capacity, reduced automatically while an outage or constraint
covers the bid's hours (data/services/bid_rechecks.py), unless the distributor overrode it by hand; clearing the
override goes back to the automatic quantity. Every change is a ``BidChange`` and an audit row.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal
from data.domain.bid_availability import floor_quantity
from data.domain.bids import FLOOR_PRICE_PER_MWH, LIVE_STATUSES, BidDraft, InvalidBid, market_accepts, validate_bid
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market
from data.domain.errors import DomainError, IllegalTransition
from data.models import Bid
from data.models.base import utcnow
from data.queries.bid_assets import der_infos, distribution_program_ders, selected_distribution_ders
from data.services import audit
from data.services.bid_rechecks import OutageContext, recheck_bids
from data.services.bid_records import (
    AUDIT_ENTITY,
    DEFAULT_CLOSE_HOUR_EST,
    MAX_REASON,
    clean_text,
    flush_bids,
    own_bid,
    record_change,
    snapshot,
)

__all__ = ["MAX_FLOOR_DERS", "clear_floor_override", "override_floor", "submit_floor_bids"]

MAX_FLOOR_DERS = 200


def _floor_submitter(principal: Principal) -> tuple[int, set[int]]:
    principal.require(Permission.SUBMIT_FLOOR_BIDS)
    if principal.organisation_id is None or not principal.territory_ldc_ids:
        raise AccessDenied("floor-price bids are submitted by an LDC for DERs of its territory")
    return principal.organisation_id, set(principal.territory_ldc_ids)


def submit_floor_bids(session: Session, principal: Principal, der_ids: Sequence[int], trade_date: date | None,
                      first_hour_ending: int | None, last_hour_ending: int | None, now: datetime | None = None,
                      close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> list[Bid]:
    """Zero-price distribution bids for DERs of the distributor's territory selected for distribution services,
    one per DER, quantity = the DER's capacity (reduced at once if an outage covers the hours). All or nothing."""
    org, territory = _floor_submitter(principal)
    now = now or utcnow()
    ids = list(dict.fromkeys(i for i in der_ids if isinstance(i, int) and not isinstance(i, bool)))
    problems = [p for p in validate_bid(BidDraft(Market.DISTRIBUTION.value, trade_date, first_hour_ending,
                                                 last_hour_ending, 1.0, FLOOR_PRICE_PER_MWH), now)
                if not p.startswith("quantity")]
    if not ids:
        problems.append("DERs: pick at least one DER")
    elif len(ids) > MAX_FLOOR_DERS:
        problems.append(f"DERs: at most {MAX_FLOOR_DERS} at once")
    if problems:
        raise InvalidBid(problems)
    assert trade_date is not None and first_hour_ending is not None and last_hour_ending is not None
    infos = der_infos(session, ids)
    eligible = distribution_program_ders(session, ids, trade_date) | selected_distribution_ders(session, ids,
                                                                                                trade_date)
    existing = set(session.scalars(select(Bid.der_id).where(
        Bid.der_id.in_(ids), Bid.is_floor_price.is_(True), Bid.trade_date == trade_date,
        Bid.status.in_([s.value for s in LIVE_STATUSES]), Bid.first_hour_ending <= last_hour_ending,
        Bid.last_hour_ending >= first_hour_ending)))
    for der_id in ids:
        info = infos.get(der_id)
        if info is None or info.ldc_id not in territory:
            problems.append(f"DER #{der_id}: not in your territory")
        elif info.status != DerStatus.ACTIVE or info.platform_id is None:
            problems.append(f"{info.label}: is {info.status}")
        elif not market_accepts(Market.DISTRIBUTION, info.service_tag):
            problems.append(f"{info.label}: registered for wholesale services only")
        elif der_id not in eligible:
            problems.append(f"{info.label}: not selected for distribution services on {trade_date} (no distribution "
                            f"program enrolment and no selected distribution bid)")
        elif der_id in existing:
            problems.append(f"{info.label}: already has a floor-price bid overlapping HE{first_hour_ending}–"
                            f"{last_hour_ending} of {trade_date}")
    if problems:
        raise InvalidBid(problems)
    bids = []
    for der_id in ids:
        info = infos[der_id]
        bid = Bid(der_id=der_id, submitter_org_id=org, market=Market.DISTRIBUTION.value, trade_date=trade_date,
                  first_hour_ending=first_hour_ending, last_hour_ending=last_hour_ending,
                  quantity_kw=float(info.capacity_kw), price_per_mwh=FLOOR_PRICE_PER_MWH, is_floor_price=True,
                  floor_override=False, status=BidStatus.SUBMITTED.value)
        session.add(bid)
        bids.append(bid)
    session.flush()
    for bid in bids:
        record_change(session, bid, BidChangeKind.SUBMITTED, principal, now, None,
                      f"floor-price bid at the DER's capacity {bid.quantity_kw:,.1f} kW", close_hour_est,
                      [infos[bid.der_id]])  # type: ignore[index]
        audit.record(session, principal, "floor_bid_submitted", AUDIT_ENTITY, bid.id, after=snapshot(bid))
    recheck_bids(session, bids, now, close_hour_est, cause=None, outage_changed=False)
    return bids


def _floor_bid(session: Session, principal: Principal, bid_id: int, expected_version: int) -> Bid:
    _floor_submitter(principal)
    bid = own_bid(session, principal, bid_id, expected_version)
    if not bid.is_floor_price:
        raise DomainError(f"bid #{bid.id} is not a floor-price bid")
    if bid.status not in (BidStatus.SUBMITTED, BidStatus.SELECTED):
        raise IllegalTransition(f"floor-price bid #{bid.id} is {bid.status}")
    return bid


def override_floor(session: Session, principal: Principal, bid_id: int, expected_version: int,
                   quantity_kw: float | None, note: str | None = None, now: datetime | None = None,
                   close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """The distributor sets a floor-price quantity by hand: outage automation then leaves it alone."""
    now = now or utcnow()
    bid = _floor_bid(session, principal, bid_id, expected_version)
    der = der_infos(session, [bid.der_id]).get(bid.der_id)  # type: ignore[list-item,arg-type]
    capacity = der.capacity_kw if der else 0.0
    note = clean_text(note, MAX_REASON, "note")
    if isinstance(quantity_kw, bool) or not isinstance(quantity_kw, int | float) or not math.isfinite(quantity_kw):
        raise InvalidBid(["quantity: a number of kW"])
    if not 0 <= quantity_kw <= capacity + 1e-9:
        raise InvalidBid([f"quantity: between 0 and the DER's capacity {capacity:,.1f} kW"])
    before = snapshot(bid)
    bid.quantity_kw, bid.floor_override, bid.base_quantity_kw = float(quantity_kw), True, None
    flush_bids([bid.id], session)
    detail = f"set by hand to {quantity_kw:,.1f} kW" + (f": {note}" if note else "")
    record_change(session, bid, BidChangeKind.FLOOR_OVERRIDE, principal, now, before, detail, close_hour_est,
                  [der] if der else [])
    audit.record(session, principal, "floor_bid_overridden", AUDIT_ENTITY, bid.id, before=before,
                 after=snapshot(bid))
    return bid


def clear_floor_override(session: Session, principal: Principal, bid_id: int, expected_version: int,
                         now: datetime | None = None, close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """Back to automatic: the DER's capacity, reduced by the outages now covering the bid's hours."""
    now = now or utcnow()
    bid = _floor_bid(session, principal, bid_id, expected_version)
    if not bid.floor_override:
        raise IllegalTransition(f"floor-price bid #{bid.id} is not overridden")
    der = der_infos(session, [bid.der_id]).get(bid.der_id)  # type: ignore[list-item,arg-type]
    capacity = der.capacity_kw if der else 0.0
    grid = OutageContext(session, now)
    in_force = (grid.in_force(bid, der) or []) if der else []
    before = snapshot(bid)
    automatic = floor_quantity(capacity, in_force)
    bid.floor_override = False
    bid.quantity_kw = automatic
    bid.base_quantity_kw = float(capacity) if in_force else None
    flush_bids([bid.id], session)
    why = f" ({'; '.join(o.describe() for o in in_force)})" if in_force else ""
    record_change(session, bid, BidChangeKind.FLOOR_OVERRIDE, principal, now, before,
                  f"override cleared: automatic quantity {automatic:,.1f} kW{why}", close_hour_est,
                  [der] if der else [])
    audit.record(session, principal, "floor_bid_override_cleared", AUDIT_ENTITY, bid.id, before=before,
                 after=snapshot(bid))
    return bid
