"""Bids checked again when the grid changes: an outage or constraint logged, edited, started, restored or
cancelled (an LDC's, through data/services/outages.py, or an IESO transmission outage, through
data/services/ingest.py), or a DER reported unavailable or available again.

A live bid is blocked when its quantity exceeds what its DERs can still give in one of its hours still to come
(data/domain/bids.py ``capacity_shortfall``), and submitted again when nothing blocks it any more; the
aggregator is told either way. A distributor's floor-price bid is never blocked: its quantity follows the outages
covering its hours (``plan_floor_update``) unless overridden by hand, and the distributor is told.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal
from data.domain.bid_availability import (
    DerAvailability,
    FloorAction,
    FloorBidState,
    OutageWindow,
    Shortfall,
    capacity_shortfall,
    outages_reaching,
    plan_floor_update,
)
from data.domain.bids import (
    BLOCKABLE_STATUSES,
    LIVE_STATUSES,
    InvalidBid,
    bid_window,
    check_transition,
    remaining_window,
)
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Severity
from data.domain.errors import DomainError, IllegalTransition
from data.domain.market_time import trade_date_of
from data.domain.outages import Element
from data.domain.supply_chain import SupplyTree
from data.models import Bid, Der, Outage
from data.models.base import utcnow
from data.queries.bid_assets import DerInfo, ders_of_bids, live_outage_windows
from data.queries.bids import BLOCKED_KIND, FLOOR_KIND
from data.queries.outages import ders_reached, outage_elements, supply_tree
from data.services import audit
from data.services.bid_records import (
    DEFAULT_CLOSE_HOUR_EST,
    MAX_REASON,
    asset_code,
    bid_label,
    clean_text,
    flush_bids,
    notify,
    record_change,
    snapshot,
)

__all__ = ["OutageContext", "RecheckResult", "on_outage_changed", "on_outages_changed", "recheck_bids",
           "set_der_availability"]


@dataclass
class RecheckResult:
    blocked: list[int] = field(default_factory=list)
    unblocked: list[int] = field(default_factory=list)
    floor_changed: list[int] = field(default_factory=list)
    floor_kept: list[int] = field(default_factory=list)  # overridden by hand: left alone, logged

    @property
    def any(self) -> bool:
        return bool(self.blocked or self.unblocked or self.floor_changed or self.floor_kept)


class OutageContext:
    """The supply tree and live outages, read once per service call."""

    def __init__(self, session: Session, now: datetime, tree: SupplyTree | None = None) -> None:
        self.session, self.now = session, now
        self._tree = tree
        self._outages: list[tuple[OutageWindow, tuple[Element, ...]]] | None = None

    @property
    def tree(self) -> SupplyTree:
        if self._tree is None:
            self._tree = supply_tree(self.session)
        return self._tree

    def outages_for(self, ders: Sequence[DerInfo]) -> dict[int, list[OutageWindow]]:
        if self._outages is None:
            self._outages = live_outage_windows(self.session, self.now)
        if not self._outages or not ders:
            return {}
        return outages_reaching(self.tree, ders, self._outages)

    def shortfall(self, label: str, trade_date: date, first_he: int, last_he: int, quantity_kw: float,
                  ders: Sequence[DerInfo]) -> Shortfall | None:
        """Why a bid of ``quantity_kw`` on these DERs may not stand over the hours still to come (None: it may)."""
        availability = [DerAvailability(d.id, d.label, d.status, d.capacity_kw, d.status_reason) for d in ders]
        return capacity_shortfall(label, trade_date, first_he, last_he, quantity_kw, self.now, availability,
                                  self.outages_for(ders))

    def in_force(self, bid: Bid, der: DerInfo) -> list[OutageWindow] | None:
        """Outages covering the rest of a floor bid's hours (None: its hours are over)."""
        window = remaining_window(*bid_window(bid.trade_date, bid.first_hour_ending, bid.last_hour_ending),
                                  self.now)
        if window is None:
            return None
        return [o for o in self.outages_for([der]).get(der.id, []) if o.overlaps(*window)]


def _recheck(session: Session, grid: OutageContext, bid: Bid, ders: Sequence[DerInfo], result: RecheckResult,
             close_hour_est: int, cause: str | None, outage_changed: bool) -> None:
    """Block, unblock, or update the floor quantity of one live bid from the outages in force now."""
    now = grid.now
    if bid.is_floor_price:
        if not ders:
            return
        der = ders[0]
        in_force = grid.in_force(bid, der)
        if in_force is None:
            return
        update = plan_floor_update(FloorBidState(bid.quantity_kw, bid.base_quantity_kw, bool(bid.floor_override),
                                                 der.capacity_kw), in_force, outage_changed=outage_changed)
        if update.action == FloorAction.NONE:
            return
        before = snapshot(bid)
        why = "; ".join(o.describe() for o in in_force) or "no outage covers its hours any more"
        if update.action == FloorAction.OVERRIDE_KEPT:
            detail = (f"overridden by hand: quantity kept at {bid.quantity_kw:,.1f} kW although {cause or 'an outage'}"
                      f" changed ({why})")
            result.floor_kept.append(bid.id)
        else:
            bid.quantity_kw, bid.base_quantity_kw = update.quantity_kw, update.base_quantity_kw
            verb = "reduced" if update.action == FloorAction.REDUCED else "restored"
            detail = f"quantity {verb} {before['quantity_kw']:,.1f} → {update.quantity_kw:,.1f} kW: {why}"
            result.floor_changed.append(bid.id)
        flush_bids([bid.id], session)
        record_change(session, bid, BidChangeKind.FLOOR_AUTOMATIC, None, now, before, detail, close_hour_est, ders)
        notify(session, [bid.submitter_org_id], FLOOR_KIND,
               Severity.INFORMATION if update.action != FloorAction.REDUCED else Severity.ACTION,
               f"{bid_label(session, bid)}: {detail}", bid.id)
        return
    if remaining_window(*bid_window(bid.trade_date, bid.first_hour_ending, bid.last_hour_ending), now) is None:
        return
    short = grid.shortfall(asset_code(session, bid), bid.trade_date, bid.first_hour_ending, bid.last_hour_ending,
                           bid.quantity_kw, ders)
    if short and bid.status in BLOCKABLE_STATUSES:
        before = snapshot(bid)
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.BLOCKED).value, short.text[:1000]
        flush_bids([bid.id], session)
        record_change(session, bid, BidChangeKind.BLOCKED, None, now, before, bid.status_reason, close_hour_est, ders)
        notify(session, [bid.submitter_org_id], BLOCKED_KIND, Severity.ALARM,
               f"{bid_label(session, bid)} blocked: {bid.status_reason}", bid.id)
        result.blocked.append(bid.id)
    elif short and bid.status == BidStatus.BLOCKED:
        reason = short.text[:1000]
        if reason != bid.status_reason:
            bid.status_reason = reason
    elif not short and bid.status == BidStatus.BLOCKED:
        before = snapshot(bid)
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.SUBMITTED).value, None
        flush_bids([bid.id], session)
        detail = f"nothing blocks it any more ({cause})" if cause else "nothing blocks it any more"
        record_change(session, bid, BidChangeKind.UNBLOCKED, None, now, before, detail, close_hour_est, ders)
        notify(session, [bid.submitter_org_id], BLOCKED_KIND, Severity.INFORMATION,
               f"{bid_label(session, bid)} unblocked and submitted again: {detail}", bid.id)
        result.unblocked.append(bid.id)


def recheck_bids(session: Session, bids: Sequence[Bid], now: datetime, close_hour_est: int, cause: str | None,
                 outage_changed: bool = True, tree: SupplyTree | None = None) -> RecheckResult:
    result = RecheckResult()
    if not bids:
        return result
    grid = OutageContext(session, now, tree)
    ders = ders_of_bids(session, bids)
    for bid in sorted(bids, key=lambda b: b.id):
        _recheck(session, grid, bid, ders.get(bid.id, []), result, close_hour_est, cause, outage_changed)
    return result


def _live_bids_of(session: Session, der_ids: Sequence[int], resource_ids: Sequence[int], now: datetime) -> list[Bid]:
    """Live bids (not over) of these DERs or resources, plus every blocked bid and every floor bid an outage
    reduced (an edited or cancelled outage may have left them)."""
    first_day = trade_date_of(now)
    live = [Bid.status.in_([s.value for s in LIVE_STATUSES]), Bid.trade_date >= first_day]
    touching = [Bid.status == BidStatus.BLOCKED.value, Bid.base_quantity_kw.is_not(None)]
    if der_ids:
        touching.append(Bid.der_id.in_(list(der_ids)))
    if resource_ids:
        touching.append(Bid.resource_id.in_(list(resource_ids)))
    bids = session.scalars(select(Bid).where(*live, or_(*touching)).order_by(Bid.id)).all()
    return [b for b in bids if bid_window(b.trade_date, b.first_hour_ending, b.last_hour_ending)[1] > now]


def on_outage_changed(session: Session, outage_id: int, now: datetime | None = None,
                      close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> RecheckResult:
    """After an outage or constraint was logged, edited, started, restored or cancelled: block the live bids of
    the DERs it reaches whose quantity their DERs can no longer give in some hour (and unblock those nothing
    blocks any more); move floor-price quantities. Called by the outage service in its transaction."""
    return on_outages_changed(session, [outage_id], now, close_hour_est)


def on_outages_changed(session: Session, outage_ids: Sequence[int], now: datetime | None = None,
                       close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> RecheckResult:
    """``on_outage_changed`` for several outages at once (a feed file of IESO transmission outages): the bids
    reached by any of them are checked once."""
    now = now or utcnow()
    ids = list(dict.fromkeys(outage_ids))
    if not ids:
        return RecheckResult()
    tree = supply_tree(session)
    reached = {d.id: d for i in ids for d in ders_reached(session, outage_elements(session, i), tree)}.values()
    bids = _live_bids_of(session, [d.id for d in reached],
                         sorted({d.resource_id for d in reached if d.resource_id is not None}), now)
    states = dict(session.execute(select(Outage.id, Outage.state).where(Outage.id.in_(ids))).all())
    causes = [f"outage #{i} {states[i]}" if i in states else f"outage #{i}" for i in ids]
    cause = causes[0] if len(causes) == 1 else f"{len(causes)} outages changed: " + ", ".join(causes[:3]) + \
        (", …" if len(causes) > 3 else "")
    return recheck_bids(session, bids, now, close_hour_est, cause=cause, tree=tree)


def set_der_availability(session: Session, principal: Principal, der_id: int, available: bool,
                         reason: str | None = None, now: datetime | None = None,
                         close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> RecheckResult:
    """An owner or aggregator reports its DER unavailable (status inactive, with the reason) or available again
    (active); its live bids, and those of its resource, are checked again."""
    principal.require(Permission.REGISTER_ASSETS)
    now = now or utcnow()
    der = session.get(Der, der_id) if isinstance(der_id, int) and not isinstance(der_id, bool) else None
    own = der is not None and principal.organisation_id is not None and principal.organisation_id in (
        der.owner_org_id, der.aggregator_org_id)
    if der is None or not own:
        raise DomainError(f"there is no DER #{der_id} among your organisation's")
    reason = clean_text(reason, MAX_REASON, "reason")
    target = DerStatus.ACTIVE if available else DerStatus.INACTIVE
    if der.status not in (DerStatus.ACTIVE, DerStatus.INACTIVE):
        raise IllegalTransition(f"{der.platform_id or der.name} is {der.status}: only an approved DER (active or "
                                f"unavailable) can be reported available or unavailable")
    if der.status == target:
        raise IllegalTransition(f"{der.platform_id} is already {'available' if available else 'unavailable'}")
    if not available and not reason:
        raise InvalidBid(["reason: say why the DER is unavailable"])
    before = {"status": der.status, "status_reason": der.status_reason}
    der.status, der.status_reason = target.value, (None if available else reason)
    audit.record(session, principal, "der_availability_changed", "der", der.id, before=before,
                 after={"status": der.status, "status_reason": der.status_reason, "note": reason})
    session.flush()
    bids = _live_bids_of(session, [der.id], [der.resource_id] if der.resource_id else [], now)
    word = "available again" if available else "reported unavailable"
    return recheck_bids(session, [b for b in bids if not b.is_floor_price], now, close_hour_est,
                        cause=f"{der.platform_id} {word}", outage_changed=False)
