"""Items for the home timeline: notices, dispatch, outages and limit windows in one time frame."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.access import Principal, dispatch_scope, limit_scope, notice_scope, outage_scope
from data.domain.enums import DispatchState, Issuer, LimitStatus, NoticeStatus, OutageState, Severity
from data.domain.market_time import hour_ending_end_utc, hour_ending_start_utc
from data.models import (
    Der,
    DispatchInstruction,
    Feeder,
    LimitRequest,
    Notice,
    Outage,
    OutageElement,
)

LANE_NOTICES = "Needs & notices"
LANE_IESO = "IESO dispatch"
LANE_DSO = "DSO dispatch"
LANE_OUTAGES = "Outages & constraints"
LANE_LIMITS = "DER limits"
LANES = (LANE_NOTICES, LANE_IESO, LANE_DSO, LANE_OUTAGES, LANE_LIMITS)


@dataclass(frozen=True)
class TimelineItem:
    lane: str
    kind: str  # notice | dispatch | outage | limit
    item_id: int
    label: str
    start: datetime
    end: datetime
    severity: Severity | None
    detail: str


@dataclass(frozen=True)
class Focus:
    """Restrict the timeline to one station or feeder (and everything below it)."""

    station_id: int | None = None
    feeder_id: int | None = None


def _feeders_of(focus: Focus):  # type: ignore[no-untyped-def]
    if focus.feeder_id is not None:
        return select(Feeder.id).where(Feeder.id == focus.feeder_id)
    return select(Feeder.id).where(Feeder.station_id == focus.station_id)


def _outages(s: Session, p: Principal, start: datetime, end: datetime, focus: Focus) -> list[TimelineItem]:
    conds = [outage_scope(p), Outage.state != OutageState.CANCELLED, Outage.start_at < end,
             or_(Outage.restored_at.is_(None), Outage.restored_at > start)]
    if focus.station_id or focus.feeder_id:
        conds.append(Outage.id.in_(select(OutageElement.outage_id).where(or_(
            OutageElement.feeder_id.in_(_feeders_of(focus)),
            OutageElement.station_id == focus.station_id if focus.station_id else False,
        ))))
    items = []
    for o in s.scalars(select(Outage).where(*conds)):
        stop = o.restored_at or o.estimated_restoration_at or end
        sev = Severity.ALARM if o.state == OutageState.ACTIVE else Severity.ACTION
        derate = f", de-rate {o.derate_pct:.0f} %" if o.derate_pct else ""
        items.append(TimelineItem(LANE_OUTAGES, "outage", o.id, o.equipment_name or f"Outage {o.id}", o.start_at,
                                  min(stop, end), sev, f"{o.kind} · {o.state}{derate} · {o.description or ''}"))
    return items


def _dispatch(s: Session, p: Principal, start: datetime, end: datetime, focus: Focus) -> list[TimelineItem]:
    D = DispatchInstruction
    conds = [dispatch_scope(p), D.start_at < end, D.end_at > start,
             D.state.notin_((DispatchState.REJECTED, DispatchState.CANCELLED))]
    if focus.station_id or focus.feeder_id:
        feeders = _feeders_of(focus)
        conds.append(or_(D.feeder_id.in_(feeders), D.der_id.in_(select(Der.id).where(Der.feeder_id.in_(feeders))),
                         D.station_id == focus.station_id if focus.station_id else False))
    items = []
    for d in s.scalars(select(D).where(*conds)):
        direction = "increase" if d.amount_kw >= 0 else "reduce"
        sev = Severity.ACTION if d.state == DispatchState.NEW else None
        items.append(TimelineItem(
            LANE_IESO if d.issuer == Issuer.IESO else LANE_DSO, "dispatch", d.id,
            d.message_id or f"Instruction {d.id}", d.start_at, d.end_at, sev,
            f"{d.target_kind} · {direction} {abs(d.amount_kw):,.0f} kW · {d.state}"))
    return items


def _notices(s: Session, p: Principal, start: datetime, end: datetime, focus: Focus) -> list[TimelineItem]:
    conds = [notice_scope(p), Notice.start_at < end, Notice.end_at > start,
             Notice.status.notin_((NoticeStatus.DRAFT, NoticeStatus.CANCELLED))]
    if focus.station_id or focus.feeder_id:
        conds.append(or_(Notice.feeder_id.in_(_feeders_of(focus)),
                         Notice.station_id == focus.station_id if focus.station_id else False))
    return [
        TimelineItem(LANE_NOTICES, "notice", n.id, n.title, n.start_at, n.end_at, Severity.INFORMATION,
                     f"{n.kind} · {n.service_type} · {n.size_mw:,.1f} MW · {n.status}")
        for n in s.scalars(select(Notice).where(*conds))
    ]


def _limits(s: Session, p: Principal, start: datetime, end: datetime, focus: Focus) -> list[TimelineItem]:
    first = start.date().toordinal() - 1
    conds = [limit_scope(p), LimitRequest.status.notin_((LimitStatus.WITHDRAWN,)),
             LimitRequest.trade_date.between(datetime.fromordinal(first).date(), end.date())]
    if focus.station_id or focus.feeder_id:
        conds.append(LimitRequest.der_id.in_(select(Der.id).where(Der.feeder_id.in_(_feeders_of(focus)))))
    items = []
    for r in s.scalars(select(LimitRequest).where(*conds).limit(500)):
        hours = [i.hour_ending for i in r.intervals]
        if not hours:
            continue
        a, b = hour_ending_start_utc(r.trade_date, min(hours)), hour_ending_end_utc(r.trade_date, max(hours))
        if not (a < end and b > start):
            continue
        sev = {LimitStatus.EXPIRED: Severity.ALARM, LimitStatus.REJECTED: Severity.ALARM,
               LimitStatus.APPROVED: Severity.COMPLIANT}.get(LimitStatus(r.status), Severity.ACTION)
        items.append(TimelineItem(LANE_LIMITS, "limit", r.id, f"Limit request {r.id}", a, b, sev,
                                  f"{r.limit_type} limit · {r.status} · trade date {r.trade_date}"))
    return items


def timeline_items(
    session: Session, principal: Principal, start: datetime, end: datetime, focus: Focus = Focus()
) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for source in (_notices, _dispatch, _outages, _limits):
        items.extend(source(session, principal, start, end, focus))
    return sorted(items, key=lambda i: (LANES.index(i.lane), i.start))


__all__ = ["LANES", "Focus", "TimelineItem", "timeline_items"]
