"""Resource plans, bids/offers, selection and acknowledgement, blocking by outages, floor-price bids.

Every function works in the caller's transaction: it re-checks the permission and the scope, applies the rules
of data/domain/bids.py, writes one ``BidChange`` per changed bid (who, before/after, after the close or not) and
an audit row, and notifies whom it concerns:
- a selection (or not) -> the aggregator, which must acknowledge a selection;
- a bid blocked or unblocked by an outage, a constraint or an unavailable DER (blocked when its quantity exceeds
  what its DERs can still give in one of its hours) -> the aggregator;
- a change made after the close by a person -> the system operators concerned (the IESO for wholesale bids,
  the LDCs whose territory holds the DERs for distribution bids);
- a floor-price quantity changed (or kept, when overridden) by outage automation -> the distributor.

Who buys: the IESO (SELECT_BIDS, tso) decides DAM and real-time bids; the LDC (SELECT_BIDS, dso) whose territory
holds all the DERs of a distribution bid decides it (a distribution bid must therefore sit in one LDC territory:
a host LDC's territory includes its embedded LDCs).

Floor-price bids (SUBMIT_FLOOR_BIDS): a distributor's zero-price distribution bids for DERs of its territory that
are selected for distribution services, i.e. enrolled on the trade date in a distribution program or part of a
selected distribution bid for it. The quantity is the DER's capacity, reduced automatically while an outage or
constraint covers the bid's hours (``on_outage_changed``), unless the distributor overrode it.

``on_outage_changed`` is called by data/services/outages.py after every outage log, update or state change.
The DAM close hour comes from the caller (settings ``dam_close_hour_est``; default 10:00 EST).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal
from data.domain.bids import (
    BLOCKABLE_STATUSES,
    FLOOR_PRICE_PER_MWH,
    LIVE_STATUSES,
    MARKET_LABELS,
    MAX_NOTE,
    WHOLESALE_MARKETS,
    BidDraft,
    DerAvailability,
    FloorAction,
    FloorBidState,
    InvalidBid,
    OutageWindow,
    PlanDraft,
    Shortfall,
    bid_window,
    capacity_shortfall,
    change_after_close,
    check_transition,
    close_time,
    floor_quantity,
    market_accepts,
    outages_reaching,
    plan_after_close,
    plan_floor_update,
    remaining_window,
    validate_bid,
    validate_plan,
)
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OrgKind, Role, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import format_market, trade_date_of
from data.domain.outages import Element
from data.domain.supply_chain import SupplyTree
from data.models import Bid, BidChange, Der, Notification, Organisation, Outage, Resource, ResourcePlan
from data.models.base import utcnow
from data.queries.bids import (
    BLOCKED_KIND,
    FLOOR_KIND,
    PLAN_AFTER_CLOSE_ACTION,
    PLAN_ENTITY,
    PLAN_SAVED_ACTION,
    POST_CLOSE_KIND,
    SELECTION_KIND,
    DerInfo,
    contributors,
    der_infos,
    ders_of_bids,
    distribution_program_ders,
    live_outage_windows,
    selected_distribution_ders,
)
from data.queries.outages import ders_reached, outage_elements, supply_tree
from data.services import audit

__all__ = [
    "AUDIT_ENTITY", "BidBlocked", "BidRequest", "RecheckResult", "acknowledge_selection", "amend_bid",
    "clear_floor_override", "on_outage_changed", "on_outages_changed", "override_floor", "save_resource_plan",
    "select_bids", "set_der_availability", "submit_bid", "submit_floor_bids", "withdraw_bid",
]

AUDIT_ENTITY = "bid"
DEFAULT_CLOSE_HOUR_EST = 10
MAX_REASON = 500
MAX_FLOOR_DERS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BidBlocked(DomainError):
    """A bid refused because, in some of its hours, its DERs cannot give its quantity (outages, constraints,
    DERs reported unavailable): ``shortfall`` says which hours, how much is left and why."""

    def __init__(self, shortfall: Shortfall) -> None:
        self.shortfall = shortfall
        self.blocks = shortfall.blocks
        super().__init__(f"refused: {shortfall.text}")


@dataclass(frozen=True)
class BidRequest:
    market: str
    trade_date: date | None
    first_hour_ending: int | None
    last_hour_ending: int | None
    quantity_kw: float | None
    price_per_mwh: float | None
    resource_id: int | None = None
    der_id: int | None = None


@dataclass
class RecheckResult:
    blocked: list[int] = field(default_factory=list)
    unblocked: list[int] = field(default_factory=list)
    floor_changed: list[int] = field(default_factory=list)
    floor_kept: list[int] = field(default_factory=list)  # overridden by hand: left alone, logged

    @property
    def any(self) -> bool:
        return bool(self.blocked or self.unblocked or self.floor_changed or self.floor_kept)


# --- small helpers ----------------------------------------------------------------------------------------


def _clean(text: object, limit: int, label: str) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidBid([f"{label}: must be text"])
    cleaned = _CONTROL.sub("", text).strip()
    if len(cleaned) > limit:
        raise InvalidBid([f"{label}: longer than {limit:,} characters"])
    return cleaned or None


def _snapshot(bid: Bid) -> dict[str, Any]:
    return {"status": bid.status, "quantity_kw": bid.quantity_kw, "price_per_mwh": bid.price_per_mwh,
            "first_hour_ending": bid.first_hour_ending, "last_hour_ending": bid.last_hour_ending,
            "trade_date": bid.trade_date.isoformat(), "market": bid.market,
            "base_quantity_kw": bid.base_quantity_kw, "floor_override": bool(bid.floor_override),
            "status_reason": bid.status_reason, "version": bid.version}


def _asset_code(session: Session, bid: Bid) -> str:
    """The resource code or DER platform ID a bid offers."""
    if bid.resource_id is not None:
        code = session.scalar(select(Resource.resource_code).where(Resource.id == bid.resource_id))
    else:
        code = session.scalar(select(Der.platform_id).where(Der.id == bid.der_id))
    return code or f"#{bid.resource_id or bid.der_id}"


def _label(session: Session, bid: Bid) -> str:
    asset = _asset_code(session, bid)
    hours = (f"HE{bid.first_hour_ending}" if bid.first_hour_ending == bid.last_hour_ending
             else f"HE{bid.first_hour_ending}–{bid.last_hour_ending}")
    kind = "floor-price bid" if bid.is_floor_price else "bid"
    return f"{kind} #{bid.id} ({MARKET_LABELS[Market(bid.market)]}, {asset}, {bid.trade_date} {hours})"


def _flush(bid_ids: Iterable[int], session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        ids = ", ".join(f"#{i}" for i in bid_ids)
        raise StaleEdit(f"bid {ids} was changed by someone else meanwhile: reload and decide again") from None


def _check_version(bid: Bid, expected_version: object) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or \
            bid.version != expected_version:
        raise StaleEdit(f"bid #{bid.id} was changed by someone else (now version {bid.version}, you saw "
                        f"{expected_version}): reload it and decide again")


def _ieso(session: Session) -> int | None:
    return session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO).order_by(Organisation.id))


def _roots(session: Session, ldc_ids: Iterable[int]) -> dict[int, int]:
    """LDC id -> the LDC whose territory holds it (its host for an embedded LDC, else itself)."""
    ids = list(dict.fromkeys(ldc_ids))
    if not ids:
        return {}
    return {i: host or i for i, host in session.execute(
        select(Organisation.id, Organisation.host_ldc_id).where(Organisation.id.in_(ids)))}


def _operators(session: Session, bid: Bid, ders: Sequence[DerInfo]) -> list[int]:
    """The system operators a bid concerns: the IESO for wholesale, the LDCs of its DERs for distribution."""
    if bid.market in WHOLESALE_MARKETS:
        ieso = _ieso(session)
        return [ieso] if ieso is not None else []
    roots = _roots(session, [d.ldc_id for d in ders])
    return sorted({*roots.keys(), *roots.values()})


def _notify(session: Session, org_ids: Iterable[int], kind: str, severity: Severity, text: str,
            bid_id: int | None) -> None:
    for org_id in dict.fromkeys(org_ids):
        session.add(Notification(organisation_id=org_id, kind=kind, severity=severity.value, text=text[:1000],
                                 link=f"/market?bid={bid_id}" if bid_id else "/market"))


def _record(session: Session, bid: Bid, kind: BidChangeKind, principal: Principal | None, now: datetime,
            before: dict[str, Any] | None, detail: str | None, close_hour_est: int,
            ders: Sequence[DerInfo] | None = None) -> bool:
    """The BidChange row (and, for a person's change after the close, the operators' notification)."""
    after_close = change_after_close(kind, bid.market, bid.trade_date,
                                     min(bid.first_hour_ending, (before or {}).get("first_hour_ending") or 24),
                                     now, close_hour_est)
    session.add(BidChange(bid_id=bid.id, at=now, user_id=principal.user_id if principal else None,
                          organisation_id=principal.organisation_id if principal else None, kind=kind.value,
                          after_close=after_close, detail=(detail or None) and detail[:1000], before=before,
                          after=_snapshot(bid)))
    if after_close and principal is not None:
        closed = format_market(close_time(bid.market, bid.trade_date, bid.first_hour_ending, close_hour_est))
        who = principal.organisation_name or principal.display_name
        ders = ders if ders is not None else ders_of_bids(session, [bid]).get(bid.id, [])
        _notify(session, _operators(session, bid, ders), POST_CLOSE_KIND, Severity.ACTION,
                f"Post-close change: {_label(session, bid)} {kind.value.replace('_', ' ')} by {who} after the "
                f"close ({closed})" + (f": {detail}" if detail else ""), bid.id)
    return after_close


# --- outages and availability: the blocking context ---------------------------------------------------------


class _Grid:
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


def _recheck(session: Session, grid: _Grid, bid: Bid, ders: Sequence[DerInfo], result: RecheckResult,
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
        before = _snapshot(bid)
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
        _flush([bid.id], session)
        _record(session, bid, BidChangeKind.FLOOR_AUTOMATIC, None, now, before, detail, close_hour_est, ders)
        _notify(session, [bid.submitter_org_id], FLOOR_KIND,
                Severity.INFORMATION if update.action != FloorAction.REDUCED else Severity.ACTION,
                f"{_label(session, bid)}: {detail}", bid.id)
        return
    if remaining_window(*bid_window(bid.trade_date, bid.first_hour_ending, bid.last_hour_ending), now) is None:
        return
    short = grid.shortfall(_asset_code(session, bid), bid.trade_date, bid.first_hour_ending, bid.last_hour_ending,
                           bid.quantity_kw, ders)
    if short and bid.status in BLOCKABLE_STATUSES:
        before = _snapshot(bid)
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.BLOCKED).value, short.text[:1000]
        _flush([bid.id], session)
        _record(session, bid, BidChangeKind.BLOCKED, None, now, before, bid.status_reason, close_hour_est, ders)
        _notify(session, [bid.submitter_org_id], BLOCKED_KIND, Severity.ALARM,
                f"{_label(session, bid)} blocked: {bid.status_reason}", bid.id)
        result.blocked.append(bid.id)
    elif short and bid.status == BidStatus.BLOCKED:
        reason = short.text[:1000]
        if reason != bid.status_reason:
            bid.status_reason = reason
    elif not short and bid.status == BidStatus.BLOCKED:
        before = _snapshot(bid)
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.SUBMITTED).value, None
        _flush([bid.id], session)
        detail = f"nothing blocks it any more ({cause})" if cause else "nothing blocks it any more"
        _record(session, bid, BidChangeKind.UNBLOCKED, None, now, before, detail, close_hour_est, ders)
        _notify(session, [bid.submitter_org_id], BLOCKED_KIND, Severity.INFORMATION,
                f"{_label(session, bid)} unblocked and submitted again: {detail}", bid.id)
        result.unblocked.append(bid.id)


def _recheck_bids(session: Session, bids: Sequence[Bid], now: datetime, close_hour_est: int, cause: str | None,
                  outage_changed: bool = True, tree: SupplyTree | None = None) -> RecheckResult:
    result = RecheckResult()
    if not bids:
        return result
    grid = _Grid(session, now, tree)
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
    return _recheck_bids(session, bids, now, close_hour_est, cause=cause, tree=tree)


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
    reason = _clean(reason, MAX_REASON, "reason")
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
    return _recheck_bids(session, [b for b in bids if not b.is_floor_price], now, close_hour_est,
                         cause=f"{der.platform_id} {word}", outage_changed=False)


# --- bids -------------------------------------------------------------------------------------------------


def _submitter(principal: Principal) -> int:
    principal.require(Permission.SUBMIT_BIDS)
    if principal.organisation_id is None:
        raise AccessDenied("a bid is submitted by an aggregator's organisation")
    return principal.organisation_id


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
    roots = set(_roots(session, [d.ldc_id for d in ders]).values())
    if len(roots) > 1:
        return [f"asset: the DERs of {label} lie in {len(roots)} LDC territories; a distribution bid is decided by "
                f"one LDC: bid its DERs of each territory separately"]
    return []


def submit_bid(session: Session, principal: Principal, request: BidRequest, now: datetime | None = None,
               close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """A new bid/offer, status submitted; refused (BidBlocked) when, in an hour still to come, its quantity
    exceeds what its DERs can give under the outages and constraints reaching them (a DER reported unavailable
    gives nothing)."""
    org = _submitter(principal)
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
    short = _Grid(session, now).shortfall(label, request.trade_date, request.first_hour_ending,  # type: ignore[arg-type]
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
    _record(session, bid, BidChangeKind.SUBMITTED, principal, now, None, None, close_hour_est, ders)
    audit.record(session, principal, "bid_submitted", AUDIT_ENTITY, bid.id, after=_snapshot(bid))
    return bid


def _own_bid(session: Session, principal: Principal, bid_id: object, expected_version: object) -> Bid:
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
    _check_version(bid, expected_version)
    return bid


def amend_bid(session: Session, principal: Principal, bid_id: int, expected_version: int, *,
              quantity_kw: float | None, price_per_mwh: float | None, first_hour_ending: int | None,
              last_hour_ending: int | None, now: datetime | None = None,
              close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    """Change the quantity, price or hours of a submitted (or blocked) bid; the amended bid must not be blocked
    (a blocked bid amended out of the outage is submitted again)."""
    now = now or utcnow()
    bid = _own_bid(session, principal, bid_id, expected_version)
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
    short = _Grid(session, now).shortfall(label, bid.trade_date, first_hour_ending, last_hour_ending,  # type: ignore[arg-type]
                                          quantity_kw, ders)  # type: ignore[arg-type]
    if short:
        raise BidBlocked(short)
    before = _snapshot(bid)
    bid.quantity_kw, bid.price_per_mwh = float(quantity_kw), float(price_per_mwh)  # type: ignore[arg-type]
    bid.first_hour_ending, bid.last_hour_ending = first_hour_ending, last_hour_ending  # type: ignore[assignment]
    if bid.status == BidStatus.BLOCKED:
        bid.status, bid.status_reason = check_transition(bid.status, BidStatus.SUBMITTED).value, None
    changed = [k for k in ("quantity_kw", "price_per_mwh", "first_hour_ending", "last_hour_ending", "status")
               if before[k] != _snapshot(bid)[k]]
    if not changed:
        raise InvalidBid(["amendment: nothing changed"])
    _flush([bid.id], session)
    detail = ", ".join(f"{k.replace('_', ' ')} {before[k]} → {getattr(bid, k)}" for k in changed)
    _record(session, bid, BidChangeKind.AMENDED, principal, now, before, detail, close_hour_est, ders)
    audit.record(session, principal, "bid_amended", AUDIT_ENTITY, bid.id, before=before, after=_snapshot(bid))
    return bid


def withdraw_bid(session: Session, principal: Principal, bid_id: int, expected_version: int,
                 reason: str | None = None, now: datetime | None = None,
                 close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    now = now or utcnow()
    bid = _own_bid(session, principal, bid_id, expected_version)
    reason = _clean(reason, MAX_REASON, "reason")
    before = _snapshot(bid)
    bid.status = check_transition(bid.status, BidStatus.WITHDRAWN).value
    bid.status_reason = reason
    _flush([bid.id], session)
    _record(session, bid, BidChangeKind.WITHDRAWN, principal, now, before, reason, close_hour_est)
    audit.record(session, principal, "bid_withdrawn", AUDIT_ENTITY, bid.id, before=before, after=_snapshot(bid))
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
        before = _snapshot(bid)
        bid.status = check_transition(bid.status, target).value
        if selected:
            bid.selected_at, bid.selection_acknowledged_at = now, None
        _flush([bid.id], session)
        kind = BidChangeKind.SELECTED if selected else BidChangeKind.NOT_SELECTED
        _record(session, bid, kind, principal, now, before, None, close_hour_est, ders.get(bid.id, []))
        audit.record(session, principal, f"bid_{kind.value}", AUDIT_ENTITY, bid.id, before=before,
                     after=_snapshot(bid))
        buyer = principal.organisation_name or "the buyer"
        text = (f"{_label(session, bid)} selected by {buyer}: acknowledge it" if selected
                else f"{_label(session, bid)} not selected by {buyer}")
        _notify(session, [bid.submitter_org_id], SELECTION_KIND, Severity.ACTION if selected else Severity.INFORMATION,
                text, bid.id)
        done.append(bid)
    return done


def acknowledge_selection(session: Session, principal: Principal, bid_id: int, expected_version: int,
                          now: datetime | None = None, close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> Bid:
    now = now or utcnow()
    bid = _own_bid(session, principal, bid_id, expected_version)
    if bid.status != BidStatus.SELECTED:
        raise IllegalTransition(f"bid #{bid.id} is {bid.status}: only a selected bid is acknowledged")
    if bid.selection_acknowledged_at is not None:
        raise IllegalTransition(f"bid #{bid.id}'s selection was already acknowledged "
                                f"({format_market(bid.selection_acknowledged_at)})")
    before = _snapshot(bid)
    bid.selection_acknowledged_at = now
    _flush([bid.id], session)
    age = now - bid.selected_at if bid.selected_at else None
    detail = f"acknowledged {int(age.total_seconds() // 60)} min after selection" if age is not None else None
    _record(session, bid, BidChangeKind.ACKNOWLEDGED, principal, now, before, detail, close_hour_est)
    audit.record(session, principal, "bid_selection_acknowledged", AUDIT_ENTITY, bid.id, before=before,
                 after=_snapshot(bid))
    return bid


# --- floor-price bids -------------------------------------------------------------------------------------


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
        _record(session, bid, BidChangeKind.SUBMITTED, principal, now, None,
                f"floor-price bid at the DER's capacity {bid.quantity_kw:,.1f} kW", close_hour_est,
                [infos[bid.der_id]])  # type: ignore[index]
        audit.record(session, principal, "floor_bid_submitted", AUDIT_ENTITY, bid.id, after=_snapshot(bid))
    _recheck_bids(session, bids, now, close_hour_est, cause=None, outage_changed=False)
    return bids


def _floor_bid(session: Session, principal: Principal, bid_id: int, expected_version: int) -> Bid:
    _floor_submitter(principal)
    bid = _own_bid(session, principal, bid_id, expected_version)
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
    note = _clean(note, MAX_REASON, "note")
    if isinstance(quantity_kw, bool) or not isinstance(quantity_kw, int | float) or not math.isfinite(quantity_kw):
        raise InvalidBid(["quantity: a number of kW"])
    if not 0 <= quantity_kw <= capacity + 1e-9:
        raise InvalidBid([f"quantity: between 0 and the DER's capacity {capacity:,.1f} kW"])
    before = _snapshot(bid)
    bid.quantity_kw, bid.floor_override, bid.base_quantity_kw = float(quantity_kw), True, None
    _flush([bid.id], session)
    detail = f"set by hand to {quantity_kw:,.1f} kW" + (f": {note}" if note else "")
    _record(session, bid, BidChangeKind.FLOOR_OVERRIDE, principal, now, before, detail, close_hour_est,
            [der] if der else [])
    audit.record(session, principal, "floor_bid_overridden", AUDIT_ENTITY, bid.id, before=before,
                 after=_snapshot(bid))
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
    grid = _Grid(session, now)
    in_force = (grid.in_force(bid, der) or []) if der else []
    before = _snapshot(bid)
    automatic = floor_quantity(capacity, in_force)
    bid.floor_override = False
    bid.quantity_kw = automatic
    bid.base_quantity_kw = float(capacity) if in_force else None
    _flush([bid.id], session)
    why = f" ({'; '.join(o.describe() for o in in_force)})" if in_force else ""
    _record(session, bid, BidChangeKind.FLOOR_OVERRIDE, principal, now, before,
            f"override cleared: automatic quantity {automatic:,.1f} kW{why}", close_hour_est, [der] if der else [])
    audit.record(session, principal, "floor_bid_override_cleared", AUDIT_ENTITY, bid.id, before=before,
                 after=_snapshot(bid))
    return bid


# --- resource plans ---------------------------------------------------------------------------------------


def save_resource_plan(session: Session, principal: Principal, *, resource_id: int, trade_date: date | None,
                       intends_to_offer: bool | None, first_hour_ending: int | None = None,
                       last_hour_ending: int | None = None, note: str | None = None, now: datetime | None = None,
                       close_hour_est: int = DEFAULT_CLOSE_HOUR_EST) -> tuple[ResourcePlan, bool]:
    """Create or change the plan of one of the aggregator's resources for a trade date. After the DAM close the
    change is still accepted, audited as ``resource_plan_after_close`` and the IESO is told. Returns the plan and
    whether it came after the close."""
    org = _submitter(principal)
    now = now or utcnow()
    resource = session.get(Resource, resource_id) if isinstance(resource_id, int) and \
        not isinstance(resource_id, bool) else None
    if resource is None or resource.aggregator_org_id != org:
        raise InvalidBid([f"resource: there is no resource #{resource_id} among your organisation's"])
    note = _clean(note, MAX_NOTE, "note")
    if intends_to_offer is False:  # no offer: no hours
        first_hour_ending = last_hour_ending = None
    problems = validate_plan(PlanDraft(trade_date, intends_to_offer, first_hour_ending, last_hour_ending, note), now)
    if problems:
        raise InvalidBid(problems)
    assert trade_date is not None
    plan = session.scalars(select(ResourcePlan).where(ResourcePlan.resource_id == resource.id,
                                                      ResourcePlan.trade_date == trade_date)
                           .order_by(ResourcePlan.id.desc())).first()
    before = None if plan is None else {
        "resource": resource.resource_code, "trade_date": trade_date.isoformat(),
        "intends_to_offer": plan.intends_to_offer, "first_hour_ending": plan.first_hour_ending,
        "last_hour_ending": plan.last_hour_ending, "note": plan.note}
    if plan is None:
        plan = ResourcePlan(resource_id=resource.id, trade_date=trade_date)
        session.add(plan)
    plan.intends_to_offer, plan.note = bool(intends_to_offer), note
    plan.first_hour_ending, plan.last_hour_ending = first_hour_ending, last_hour_ending
    plan.submitted_by_user_id = principal.user_id
    session.flush()
    after = {"resource": resource.resource_code, "trade_date": trade_date.isoformat(),
             "intends_to_offer": plan.intends_to_offer, "first_hour_ending": plan.first_hour_ending,
             "last_hour_ending": plan.last_hour_ending, "note": plan.note}
    if before is not None and before == after:
        raise InvalidBid(["plan: nothing changed"])
    late = plan_after_close(trade_date, now, close_hour_est)
    audit.record(session, principal, PLAN_AFTER_CLOSE_ACTION if late else PLAN_SAVED_ACTION, PLAN_ENTITY, plan.id,
                 before=before, after=after)
    if late:
        ieso = _ieso(session)
        offer = (f"offer HE{first_hour_ending}–{last_hour_ending}" if intends_to_offer else "no offer")
        _notify(session, [ieso] if ieso else [], POST_CLOSE_KIND, Severity.ACTION,
                f"Post-close change: resource plan of {resource.resource_code} for {trade_date} changed by "
                f"{principal.organisation_name} after the DAM close: {offer}", None)
    return plan, late
