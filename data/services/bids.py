"""Bids/offers of aggregators: submit, amend, withdraw; the buyer's selection and the aggregator's acknowledgement.

Every function works in the caller's transaction: it re-checks the permission and the scope, applies the rules
of data/domain/bids.py, writes one ``BidChange`` per changed bid (who, before/after, after the close or not) and
an audit row, and notifies whom it concerns: a selection (or not) -> the aggregator, which must acknowledge a
selection; a change made after the close -> the system operators concerned.

Who buys: the IESO (SELECT_BIDS, tso) decides DAM and real-time bids; the LDC (SELECT_BIDS, dso) whose territory
holds all the DERs of a distribution bid decides it (a distribution bid must therefore sit in one LDC territory:
a host LDC's territory includes its embedded LDCs).

A bid is refused (``BidBlocked``) when, in an hour still to come, its quantity exceeds what its DERs can still
give under the outages and constraints reaching them (a DER reported unavailable gives nothing).

Its neighbours, written the same way: data/services/bid_records.py (how a change is written and told),
bid_rechecks.py (bids checked again when an outage or a DER's availability changes: ``on_outage_changed`` is
called by data/services/outages.py after every outage log, update or state change, ``on_outages_changed`` by the
IESO outage feed), floor_bids.py (distributors' floor-price bids) and resource_plans.py. Their public functions
are importable from here too. The DAM close hour comes from the caller (settings ``dam_close_hour_est``; default
10:00 EST).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import Permission, Principal
from data.domain.bid_availability import Shortfall
from data.domain.bids import (
    WHOLESALE_MARKETS,
    BidDraft,
    InvalidBid,
    Offer,
    check_transition,
    market_accepts,
    validate_bid,
)
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, Role, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import format_market
from data.models import Bid, Resource
from data.models.base import utcnow
from data.queries.bid_assets import DerInfo, contributors, der_infos, ders_of_bids
from data.queries.bids import SELECTION_KIND
from data.services import audit
from data.services.bid_rechecks import (
    OutageContext,
    RecheckResult,
    on_outage_changed,
    on_outages_changed,
    set_der_availability,
)
from data.services.bid_records import (
    AUDIT_ENTITY,
    DEFAULT_CLOSE_HOUR_EST,
    MAX_REASON,
    bid_label,
    clean_text,
    flush_bids,
    notify,
    own_bid,
    record_change,
    snapshot,
    submitter_org,
    territory_roots,
)
from data.services.floor_bids import clear_floor_override, override_floor, submit_floor_bids
from data.services.resource_plans import save_resource_plan

__all__ = [
    "AUDIT_ENTITY", "BidBlocked", "BidRequest", "RecheckResult", "acknowledge_selection", "amend_bid",
    "clear_floor_override", "on_outage_changed", "on_outages_changed", "override_floor", "save_resource_plan",
    "select_bids", "set_der_availability", "submit_bid", "submit_floor_bids", "withdraw_bid",
]


class BidBlocked(DomainError):
    """A bid refused because, in some of its hours, its DERs cannot give its quantity (outages, constraints,
    DERs reported unavailable): ``shortfall`` says which hours, how much is left and why."""

    def __init__(self, shortfall: Shortfall) -> None:
        self.shortfall = shortfall
        self.blocks = shortfall.blocks
        super().__init__(f"refused: {shortfall.text}")


@dataclass(frozen=True)
class BidRequest(Offer):
    """An offer of one of the aggregator's resources or DERs (exactly one of the two)."""

    resource_id: int | None = None
    der_id: int | None = None


# --- bids -------------------------------------------------------------------------------------------------


def _asset(session: Session, principal: Principal, request: BidRequest) -> tuple[str, float, str, list[DerInfo]]:
    """(label, capacity kW, service tag, DERs) of the bid's resource or DER, which must be the aggregator's."""
    org = principal.organisation_id
    if (request.resource_id is None) == (request.der_id is None):
        raise InvalidBid(["asset: pick one resource or one DER"])
    if request.resource_id is not None:
        resource = session.get(Resource, request.resource_id)
        if resource is None or resource.aggregator_org_id != org:
            raise InvalidBid([f"asset: there is no resource #{request.resource_id} among your organisation's"])
        if resource.status != DerStatus.ACTIVE:
            raise InvalidBid([f"asset: {resource.resource_code} is {resource.status}"])
        ders = contributors(session, [resource.id])[resource.id]
        if not ders:
            raise InvalidBid([f"asset: {resource.resource_code} has no contributor DER"])
        return resource.resource_code, sum(d.capacity_kw for d in ders), resource.service_tag, ders
    info = der_infos(session, [request.der_id]).get(request.der_id)  # type: ignore[list-item,arg-type]
    if info is None or info.aggregator_org_id != org:
        raise InvalidBid([f"asset: there is no DER #{request.der_id} among the DERs you aggregate"])
    if info.status not in (DerStatus.ACTIVE, DerStatus.INACTIVE) or info.platform_id is None:
        raise InvalidBid([f"asset: {info.label} is {info.status}: only an approved DER can be offered"])
    return info.label, info.capacity_kw, info.service_tag, [info]


def _single_territory(session: Session, market: str, label: str, ders: Sequence[DerInfo]) -> list[str]:
    if market != Market.DISTRIBUTION:
        return []
    roots = set(territory_roots(session, [d.ldc_id for d in ders]).values())
    if len(roots) > 1:
        return [f"asset: the DERs of {label} lie in {len(roots)} LDC territories; a distribution bid is decided by "
                f"one LDC: bid its DERs of each territory separately"]
    return []


def submit_bid(session: Session, principal: Principal, request: BidRequest, now: datetime | None = None,
               close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """A new bid/offer, status submitted; refused (BidBlocked) when, in an hour still to come, its quantity
    exceeds what its DERs can give under the outages and constraints reaching them (a DER reported unavailable
    gives nothing)."""
    org = submitter_org(principal)
    now = now or utcnow()
    label, capacity, tag, ders = _asset(session, principal, request)
    problems = validate_bid(BidDraft(request.market, request.trade_date, request.first_hour_ending,
                                     request.last_hour_ending, request.quantity_kw, request.price_per_mwh, capacity,
                                     label), now)
    if request.market in set(Market) and not market_accepts(request.market, tag):
        problems.append(f"market: {label} is registered for {tag} services only")
    problems += _single_territory(session, request.market, label, ders)
    if problems:
        raise InvalidBid(problems)
    short = OutageContext(session, now).shortfall(label, request.trade_date, request.first_hour_ending,  # type: ignore[arg-type]
                                          request.last_hour_ending, request.quantity_kw, ders)  # type: ignore[arg-type]
    if short:
        raise BidBlocked(short)
    bid = Bid(resource_id=request.resource_id, der_id=request.der_id, submitter_org_id=org, market=request.market,
              trade_date=request.trade_date, first_hour_ending=request.first_hour_ending,
              last_hour_ending=request.last_hour_ending, quantity_kw=float(request.quantity_kw),  # type: ignore[arg-type]
              price_per_mwh=float(request.price_per_mwh), is_floor_price=False,  # type: ignore[arg-type]
              floor_override=False, status=BidStatus.SUBMITTED.value)
    session.add(bid)
    session.flush()
    record_change(session, bid, BidChangeKind.SUBMITTED, principal, now, None, None, close_hour_est, ders)
    audit.record(session, principal, "bid_submitted", AUDIT_ENTITY, bid.id, after=snapshot(bid))
    return bid

def amend_bid(session: Session, principal: Principal, bid_id: int, expected_version: int, *,
              quantity_kw: float | None, price_per_mwh: float | None, first_hour_ending: int | None,
              last_hour_ending: int | None, now: datetime | None = None,
              close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """Change the quantity, price or hours of a submitted (or blocked) bid; the amended bid must not be blocked
    (a blocked bid amended out of the outage is submitted again)."""
    now = now or utcnow()
    bid = own_bid(session, principal, bid_id, expected_version)
    if bid.is_floor_price:
        raise IllegalTransition("a floor-price bid's quantity is automatic: override it instead")
    if bid.status not in (BidStatus.SUBMITTED, BidStatus.BLOCKED):
        raise IllegalTransition(f"bid #{bid.id} is {bid.status}: only a submitted or blocked bid can be amended")
    ders = ders_of_bids(session, [bid])[bid.id]
    request = BidRequest(bid.market, bid.trade_date, first_hour_ending, last_hour_ending, quantity_kw,
                         price_per_mwh, bid.resource_id, bid.der_id)
    label, capacity, _tag, ders = _asset(session, principal, request)
    problems = validate_bid(BidDraft(bid.market, bid.trade_date, first_hour_ending, last_hour_ending, quantity_kw,
                                     price_per_mwh, capacity, label), now)
    if problems:
        raise InvalidBid(problems)
    short = OutageContext(session, now).shortfall(label, bid.trade_date, first_hour_ending, last_hour_ending,  # type: ignore[arg-type]
                                          quantity_kw, ders)  # type: ignore[arg-type]
    if short:
        raise BidBlocked(short)
    before = snapshot(bid)
    bid.quantity_kw, bid.price_per_mwh = float(quantity_kw), float(price_per_mwh)  # type: ignore[arg-type]
    bid.first_hour_ending, bid.last_hour_ending = first_hour_ending, last_hour_ending  # type: ignore[assignment]
    if bid.status == BidStatus.BLOCKED:
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.SUBMITTED).value, None
    changed = [k for k in ("quantity_kw", "price_per_mwh", "first_hour_ending", "last_hour_ending", "status")
               if before[k] != snapshot(bid)[k]]
    if not changed:
        raise InvalidBid(["amendment: nothing changed"])
    flush_bids([bid.id], session)
    detail = ", ".join(f"{k.replace('_', ' ')} {before[k]} → {getattr(bid, k)}" for k in changed)
    record_change(session, bid, BidChangeKind.AMENDED, principal, now, before, detail, close_hour_est, ders)
    audit.record(session, principal, "bid_amended", AUDIT_ENTITY, bid.id, before=before, after=snapshot(bid))
    return bid


def withdraw_bid(session: Session, principal: Principal, bid_id: int, expected_version: int,
                 reason: str | None = None, now: datetime | None = None,
                 close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    now = now or utcnow()
    bid = own_bid(session, principal, bid_id, expected_version)
    reason = clean_text(reason, MAX_REASON, "reason")
    before = snapshot(bid)
    bid.status = check_transition(bid.status, BidStatus.WITHDRAWN).value
    bid.status_reason = reason
    flush_bids([bid.id], session)
    record_change(session, bid, BidChangeKind.WITHDRAWN, principal, now, before, reason, close_hour_est)
    audit.record(session, principal, "bid_withdrawn", AUDIT_ENTITY, bid.id, before=before, after=snapshot(bid))
    return bid


# --- selection --------------------------------------------------------------------------------------------


def _may_decide(session: Session, principal: Principal, bid: Bid, ders: Sequence[DerInfo]) -> str | None:
    """Why the principal may not decide this bid (None: it may)."""
    if bid.is_floor_price:
        return "a floor-price bid is not selected"
    role = principal.role
    if bid.market in WHOLESALE_MARKETS:
        return None if role is Role.TSO_OPERATOR else "wholesale bids are decided by the IESO"
    if role is not Role.DSO_OPERATOR:
        return "distribution bids are decided by the LDC of the DERs' territory"
    territory = set(principal.territory_ldc_ids)
    if not ders or any(d.ldc_id not in territory for d in ders):
        return "its DERs are not in your territory"
    return None


def select_bids(session: Session, principal: Principal, decisions: Sequence[tuple[int, int]], selected: bool,
                now: datetime | None = None, close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> list[Bid]:
    """The buyer marks submitted bids selected or not selected, in bulk: (bid id, version seen) pairs; all or
    nothing. A selection asks the aggregator to acknowledge."""
    principal.require(Permission.SELECT_BIDS)
    now = now or utcnow()
    items = [(i, v) for i, v in decisions]
    if not items:
        raise InvalidBid(["bids: select at least one bid"])
    if len(items) > 500:
        raise InvalidBid(["bids: at most 500 bids at once"])
    ids = [i for i, _ in items if isinstance(i, int) and not isinstance(i, bool)]
    bids = {b.id: b for b in session.scalars(select(Bid).where(Bid.id.in_(ids)))} if ids else {}
    ders = ders_of_bids(session, list(bids.values()))
    problems, stale = [], []
    target = BidStatus.SELECTED if selected else BidStatus.NOT_SELECTED
    for bid_id, version in items:
        bid = bids.get(bid_id)  # type: ignore[call-overload]
        why = None if bid is None else _may_decide(session, principal, bid, ders.get(bid.id, []))
        if bid is None or why is not None:
            problems.append(f"bid #{bid_id}: " + (why or "not found"))
        elif bid.version != version:
            stale.append(f"bid #{bid_id}: changed meanwhile (now version {bid.version}, you saw {version})")
        elif bid.status != BidStatus.SUBMITTED:
            problems.append(f"bid #{bid_id}: is {bid.status}; only a submitted bid can be decided")
    if stale:
        raise StaleEdit("; ".join(stale) + ": reload and decide again")
    if problems:
        raise InvalidBid(problems)
    done = []
    for bid_id, _ in items:
        bid = bids[bid_id]
        before = snapshot(bid)
        bid.status = check_transition(bid.status, target).value
        if selected:
            bid.selected_at, bid.selection_acknowledged_at = now, None
        flush_bids([bid.id], session)
        kind = BidChangeKind.SELECTED if selected else BidChangeKind.NOT_SELECTED
        record_change(session, bid, kind, principal, now, before, None, close_hour_est, ders.get(bid.id, []))
        audit.record(session, principal, f"bid_{kind.value}", AUDIT_ENTITY, bid.id, before=before,
                     after=snapshot(bid))
        buyer = principal.organisation_name or "the buyer"
        text = (f"{bid_label(session, bid)} selected by {buyer}: acknowledge it" if selected
                else f"{bid_label(session, bid)} not selected by {buyer}")
        notify(session, [bid.submitter_org_id], SELECTION_KIND, Severity.ACTION if selected else Severity.INFORMATION,
               text, bid.id)
        done.append(bid)
    return done


def acknowledge_selection(session: Session, principal: Principal, bid_id: int, expected_version: int,
                          now: datetime | None = None, close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    now = now or utcnow()
    bid = own_bid(session, principal, bid_id, expected_version)
    if bid.status != BidStatus.SELECTED:
        raise IllegalTransition(f"bid #{bid.id} is {bid.status}: only a selected bid is acknowledged")
    if bid.selection_acknowledged_at is not None:
        raise IllegalTransition(f"bid #{bid.id}'s selection was already acknowledged "
                                f"({format_market(bid.selection_acknowledged_at)})")
    before = snapshot(bid)
    bid.selection_acknowledged_at = now
    flush_bids([bid.id], session)
    age = now - bid.selected_at if bid.selected_at else None
    detail = f"acknowledged {int(age.total_seconds() // 60)} min after selection" if age is not None else None
    record_change(session, bid, BidChangeKind.ACKNOWLEDGED, principal, now, before, detail, close_hour_est)
    audit.record(session, principal, "bid_selection_acknowledged", AUDIT_ENTITY, bid.id, before=before,
                 after=snapshot(bid))
    return bid
