"""Read functions of DER operating limits, scoped with `limit_scope` and `der_scope` (data/access.py).

Views of the request list: an LDC's queue (what waits for its own level of the chain, so a host LDC sees an
embedded LDC's requests once the embedded LDC has approved them), the requester's own requests, and everything
in scope (the IESO: all). Each row carries its cut-off, countdown and urgency for a given `now`.

The automation inputs at the end (`automation_inputs`) read the whole grid unscoped: only the limits service
calls them, after its own permission and scope checks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from data.access import Principal, der_scope, limit_scope
from data.domain.enums import TECHNOLOGY_LABELS, DerStatus, LimitStatus, OutageState, Role, Severity
from data.domain.limits.automation import Headroom, OutageWindow
from data.domain.limits.state_machine import OPEN_STATUSES, Chain, Level, pending_level
from data.domain.limits.timing import (
    DEFAULT_CLOSE_HOUR_EST,
    DEFAULT_HOURS_BEFORE_CLOSE,
    countdown_text,
    cutoff_for,
    urgency,
)
from data.domain.limits.values import HourlyLimit, LimitSchedule
from data.domain.market_time import market_day_bounds_utc, trade_date_of
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from data.models import (
    Der,
    Feeder,
    LimitDecision,
    LimitInterval,
    LimitRequest,
    Organisation,
    Outage,
    OutageElement,
    Resource,
    Station,
    User,
)

if TYPE_CHECKING:
    from config.settings import Settings

MAX_ROWS = 1000
MAX_TARGET_OPTIONS = 30
ALL_HOURS = range(1, 25)


@dataclass(frozen=True)
class CutoffRule:
    """The configured approval cut-off (config/settings.py): DAM close hour (EST) and the lead before it."""

    hours_before_close: float = DEFAULT_HOURS_BEFORE_CLOSE
    close_hour_est: int = DEFAULT_CLOSE_HOUR_EST

    @classmethod
    def from_settings(cls, settings: Settings) -> CutoffRule:
        return cls(settings.approval_cutoff_hours_before_close, settings.dam_close_hour_est)

    def cutoff(self, trade_date: date) -> datetime:
        return cutoff_for(trade_date, self.hours_before_close, self.close_hour_est)

    def open_trade_dates(self, now: datetime, days: int = 14) -> list[tuple[date, datetime]]:
        """The next `days` trade dates whose cut-off is still ahead, each with its cut-off."""
        dates = (trade_date_of(now) + timedelta(days=n) for n in range(days + 2))
        return [(d, self.cutoff(d)) for d in dates if self.cutoff(d) > now][:days]


class View(StrEnum):
    QUEUE = "queue"  # waiting for the principal's LDC at its level of the chain
    MINE = "mine"  # requested by the principal's organisation
    ALL = "all"  # everything the principal may see


@dataclass(frozen=True)
class LimitRow:
    id: int
    version: int
    target: str  # DER platform ID or resource code
    target_kind: str  # "der" | "resource"
    feeder: str
    ldc_id: int
    ldc: str
    host_ldc_id: int | None
    host_ldc: str | None
    requester_org_id: int
    requester: str
    trade_date: date
    limit_type: str
    status: str
    hours: tuple[HourlyLimit, ...]
    automation_note: str
    approved_at: datetime | None
    created_at: datetime
    cutoff: datetime
    countdown: str
    urgency: Severity | None

    @property
    def chain(self) -> Chain:
        return Chain.for_ldc(self.host_ldc_id is not None)

    @property
    def pending_level(self) -> Level | None:
        return pending_level(self.status, self.chain)

    @property
    def _waiting_for(self) -> tuple[int, str] | None:
        """(id, code) of the LDC whose decision the request waits for; None once final."""
        level = self.pending_level
        if level is None:
            return None
        if level is Level.HOST and self.host_ldc_id is not None and self.host_ldc is not None:
            return self.host_ldc_id, self.host_ldc
        return self.ldc_id, self.ldc

    @property
    def pending_org_id(self) -> int | None:
        return self._waiting_for[0] if self._waiting_for else None

    @property
    def pending_org(self) -> str | None:
        return self._waiting_for[1] if self._waiting_for else None

    @property
    def is_open(self) -> bool:
        return LimitStatus(self.status) in OPEN_STATUSES

    @property
    def max_export_kw(self) -> float | None:
        values = [h.export_kw for h in self.hours if h.export_kw is not None]
        return max(values) if values else None

    @property
    def max_import_kw(self) -> float | None:
        values = [h.import_kw for h in self.hours if h.import_kw is not None]
        return max(values) if values else None

    def decided_by(self, principal: Principal) -> bool:
        """Whether the principal's organisation is the level the request waits for."""
        org = principal.organisation_id
        return self.is_open and org is not None and self.pending_org_id == org


@dataclass(frozen=True)
class DecisionRow:
    decided_at: datetime
    level: str
    organisation: str
    actor: str  # a person's name, "automation" or "system"
    decision: str
    reason: str
    automatic: bool


@dataclass(frozen=True)
class ApprovedHour:
    """One hour in force: the most recently approved limit of a target for the trade date and hour."""

    target: str
    trade_date: date
    hour_ending: int
    export_kw: float | None
    import_kw: float | None
    request_id: int
    approved_at: datetime
    ldc: str


@dataclass(frozen=True)
class TargetOption:
    value: str  # "der:<id>" or "resource:<id>"
    label: str


def available_views(principal: Principal) -> tuple[View, ...]:
    """The list views a principal works with, the default first."""
    if principal.sees_everything:
        return (View.ALL,)
    mine = (View.MINE,)
    return {Role.DSO_OPERATOR: (View.QUEUE, View.ALL), Role.AGGREGATOR: mine, Role.DER_OWNER: mine}.get(
        principal.acts_as, (View.ALL,))


# --- the request list ---------------------------------------------------------------------------------------

_ldc = aliased(Organisation, name="ldc_org")
_host = aliased(Organisation, name="host_org")
_requester = aliased(Organisation, name="requester_org")


def _pending_for(org_id: int | None) -> ColumnElement[bool]:
    """Requests waiting for `org_id`'s level: the first level (the request's LDC) or the host after the embedded."""
    if org_id is None:
        return false()
    first = and_(LimitRequest.status.in_((LimitStatus.SUBMITTED, LimitStatus.FLAGGED)), LimitRequest.ldc_id == org_id)
    second = and_(LimitRequest.status == LimitStatus.EMBEDDED_APPROVED, _ldc.host_ldc_id == org_id)
    return or_(first, second)


def _view_condition(principal: Principal, view: View) -> ColumnElement[bool]:
    if view is View.QUEUE:
        return _pending_for(principal.organisation_id) if principal.acts_as is Role.DSO_OPERATOR else false()
    if view is View.MINE:
        return LimitRequest.requester_org_id == (principal.organisation_id or -1)
    return limit_scope(principal)


def _select_rows():  # type: ignore[no-untyped-def]
    return (
        select(LimitRequest, Der.platform_id, Resource.resource_code, Feeder.code, _ldc.code, _ldc.host_ldc_id,
               _host.code, _requester.name)
        .join(_ldc, _ldc.id == LimitRequest.ldc_id)
        .outerjoin(_host, _host.id == _ldc.host_ldc_id)
        .join(_requester, _requester.id == LimitRequest.requester_org_id)
        .outerjoin(Der, Der.id == LimitRequest.der_id)
        .outerjoin(Feeder, Feeder.id == Der.feeder_id)
        .outerjoin(Resource, Resource.id == LimitRequest.resource_id)
        .options(selectinload(LimitRequest.intervals))
    )


def _resource_feeder_counts(session: Session, resource_ids: set[int]) -> dict[int, int]:
    if not resource_ids:
        return {}
    rows = session.execute(select(Der.resource_id, func.count(func.distinct(Der.feeder_id)))
                           .where(Der.resource_id.in_(resource_ids)).group_by(Der.resource_id))
    return {rid: n for rid, n in rows}


def _to_rows(session: Session, result: Sequence, now: datetime, rule: CutoffRule) -> list[LimitRow]:
    feeders = _resource_feeder_counts(session, {r.resource_id for r, *_ in result if r.resource_id is not None})
    rows = []
    for request, platform_id, resource_code, feeder_code, ldc_code, host_id, host_code, requester in result:
        cutoff = rule.cutoff(request.trade_date)
        if request.der_id is not None:
            target, kind, feeder = platform_id or f"DER #{request.der_id}", "der", feeder_code or ""
        else:
            n = feeders.get(request.resource_id, 0)
            target, kind = resource_code or f"resource #{request.resource_id}", "resource"
            feeder = f"{n} feeder{'s' if n != 1 else ''}"
        is_open = LimitStatus(request.status) in OPEN_STATUSES
        rows.append(LimitRow(
            id=request.id, version=request.version, target=target, target_kind=kind, feeder=feeder,
            ldc_id=request.ldc_id, ldc=ldc_code, host_ldc_id=host_id, host_ldc=host_code,
            requester_org_id=request.requester_org_id, requester=requester, trade_date=request.trade_date,
            limit_type=request.limit_type, status=request.status,
            hours=tuple(HourlyLimit(i.hour_ending, i.export_kw, i.import_kw) for i in request.intervals),
            automation_note=request.automation_note or "", approved_at=request.approved_at,
            created_at=request.created_at, cutoff=cutoff,
            countdown=countdown_text(now, cutoff) if is_open else "—",
            urgency=urgency(now, cutoff) if is_open else None,
        ))
    return rows


def limit_requests(
    session: Session,
    principal: Principal,
    now: datetime,
    view: View = View.ALL,
    *,
    trade_date: date | None = None,
    rule: CutoffRule = CutoffRule(),
    limit: int = MAX_ROWS,
) -> list[LimitRow]:
    """Requests of one view, always within the principal's scope; the queue by deadline, the others newest first."""
    if principal.is_guest:
        return []
    conds = [limit_scope(principal), _view_condition(principal, view)]
    if trade_date is not None:
        conds.append(LimitRequest.trade_date == trade_date)
    order = ((LimitRequest.trade_date, LimitRequest.id) if view is View.QUEUE
             else (LimitRequest.trade_date.desc(), LimitRequest.id.desc()))
    result = session.execute(_select_rows().where(*conds).order_by(*order).limit(limit)).all()
    return _to_rows(session, result, now, rule)


def limit_request(session: Session, principal: Principal, request_id: int, now: datetime,
                  rule: CutoffRule = CutoffRule()) -> LimitRow | None:
    """One request, or None when it does not exist or is not in the principal's scope."""
    if principal.is_guest:
        return None
    result = session.execute(_select_rows().where(LimitRequest.id == request_id, limit_scope(principal))).all()
    rows = _to_rows(session, result, now, rule)
    return rows[0] if rows else None


def decision_history(session: Session, principal: Principal, request_id: int) -> list[DecisionRow]:
    """Every decision on a request in scope, oldest first (nothing for a request out of scope)."""
    if principal.is_guest:
        return []
    in_scope = select(LimitRequest.id).where(LimitRequest.id == request_id, limit_scope(principal))
    rows = session.execute(
        select(LimitDecision, Organisation.name, User.display_name)
        .join(Organisation, Organisation.id == LimitDecision.organisation_id)
        .outerjoin(User, User.id == LimitDecision.user_id)
        .where(LimitDecision.request_id.in_(in_scope))
        .order_by(LimitDecision.decided_at, LimitDecision.id)
    )
    return [
        DecisionRow(decided_at=d.decided_at, level=d.level, organisation=org, decision=d.decision,
                    actor=name or ("system" if d.level == Level.SYSTEM else "automation"),
                    reason=d.reason or "", automatic=d.automatic)
        for d, org, name in rows
    ]


def last_change(session: Session, request_id: int) -> tuple[str, datetime] | None:
    """Who made the latest decision on a request and when (for the stale-edit message), unscoped."""
    row = session.execute(
        select(LimitDecision, Organisation.name, User.display_name)
        .join(Organisation, Organisation.id == LimitDecision.organisation_id)
        .outerjoin(User, User.id == LimitDecision.user_id)
        .where(LimitDecision.request_id == request_id)
        .order_by(LimitDecision.decided_at.desc(), LimitDecision.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    decision, org, name = row
    if name:
        who = f"{name} ({org})"
    else:
        who = "the system" if decision.level == Level.SYSTEM else f"the automation rules of {org}"
    return who, decision.decided_at


# --- approved limits (the export) ---------------------------------------------------------------------------


def _approved(session: Session, principal: Principal, trade_date: date):  # type: ignore[no-untyped-def]
    if principal.is_guest:
        return []
    return session.execute(
        select(LimitRequest, Der.platform_id, Resource.resource_code, _ldc.code)
        .join(_ldc, _ldc.id == LimitRequest.ldc_id)
        .outerjoin(Der, Der.id == LimitRequest.der_id)
        .outerjoin(Resource, Resource.id == LimitRequest.resource_id)
        .options(selectinload(LimitRequest.intervals))
        .where(limit_scope(principal), LimitRequest.status == LimitStatus.APPROVED,
               LimitRequest.trade_date == trade_date)
        .order_by(LimitRequest.approved_at, LimitRequest.id)
    ).all()


def approved_schedules(session: Session, principal: Principal, trade_date: date) -> list[LimitSchedule]:
    """Approved limits in scope for one trade date, as domain schedules (for the OpenADR export)."""
    return [
        LimitSchedule(platform_id or code, r.trade_date, r.limit_type,
                      tuple(HourlyLimit(i.hour_ending, i.export_kw, i.import_kw) for i in r.intervals),
                      approved_at=r.approved_at, request_id=r.id)
        for r, platform_id, code, _ in _approved(session, principal, trade_date)
    ]


def approved_hours(session: Session, principal: Principal, trade_date: date) -> list[ApprovedHour]:
    """The limits in force per target and hour (the most recent approval wins), sorted by target and hour."""
    in_force: dict[tuple[str, int], ApprovedHour] = {}
    for r, platform_id, code, ldc in _approved(session, principal, trade_date):  # oldest approval first
        target = platform_id or code
        for i in r.intervals:
            in_force[(target, i.hour_ending)] = ApprovedHour(target, r.trade_date, i.hour_ending, i.export_kw,
                                                            i.import_kw, r.id, r.approved_at, ldc)
    return [in_force[k] for k in sorted(in_force)]


# --- the request form ---------------------------------------------------------------------------------------


def requestable_targets(session: Session, principal: Principal, search: str = "", limit: int = MAX_TARGET_OPTIONS,
                        chosen: tuple[int | None, int | None] = (None, None)) -> list[TargetOption]:
    """Active DERs (and, for an aggregator, resources) the principal may request limits for, by platform ID;
    the `chosen` (DER id, resource id) comes first when in scope, so its label survives a new search."""
    if principal.is_guest:
        return []
    text, (der_id, resource_id) = search.strip()[:40], chosen
    ders = select(Der.id, Der.platform_id, Der.technology, Der.capacity_kw, Organisation.code).join(
        Organisation, Organisation.id == Der.ldc_id
    ).where(der_scope(principal), Der.status == DerStatus.ACTIVE, Der.platform_id.is_not(None))
    found = Der.platform_id.icontains(text, autoescape=True) if text else true()
    options = [
        TargetOption(f"der:{i}", f"{pid} · {TECHNOLOGY_LABELS.get(tech, tech)} {kw:,.1f} kW · {ldc}")
        for i, pid, tech, kw, ldc in session.execute(
            ders.where(or_(found, Der.id == der_id)).order_by(Der.id != der_id, Der.platform_id).limit(limit))
    ]
    if principal.acts_as is Role.AGGREGATOR and principal.organisation_id is not None:
        resources = select(Resource.id, Resource.resource_code, Resource.name).where(
            Resource.aggregator_org_id == principal.organisation_id, Resource.status == DerStatus.ACTIVE,
            or_(Resource.resource_code.icontains(text, autoescape=True) if text else true(),
                Resource.id == resource_id))
        options += [TargetOption(f"resource:{i}", f"{code} · {name} (resource)") for i, code, name in session.execute(
            resources.order_by(Resource.id != resource_id, Resource.resource_code).limit(limit))]
    return options[:limit]


# --- automation inputs (unscoped: for the limits service) ---------------------------------------------------


@dataclass(frozen=True)
class AutomationInputs:
    feeder: Headroom | None
    outages: tuple[OutageWindow, ...]
    feeder_codes: tuple[str, ...]  # the feeders the target's DERs sit on


def _supply_tree(session: Session) -> SupplyTree:
    stations = session.execute(select(Station.id, Station.kind, Station.supply_station_id, Station.supply_feeder_id))
    feeders = session.execute(select(Feeder.id, Feeder.station_id))
    return SupplyTree([StationNode(*row) for row in stations], [FeederNode(*row) for row in feeders])


def _approved_export_on_feeder(session: Session, feeder_id: int, trade_date: date) -> dict[int, float]:
    """Export kW per hour-ending already approved for DERs on the feeder (each DER's latest approval per hour)."""
    rows = session.execute(
        select(LimitRequest.der_id, LimitInterval.hour_ending, LimitInterval.export_kw)
        .join(LimitInterval, LimitInterval.request_id == LimitRequest.id).join(Der, Der.id == LimitRequest.der_id)
        .where(Der.feeder_id == feeder_id, LimitRequest.trade_date == trade_date,
               LimitRequest.status == LimitStatus.APPROVED)
        .order_by(LimitRequest.approved_at, LimitRequest.id)  # oldest first: the latest approval overwrites
    )
    latest = {(der_id, he): export_kw or 0.0 for der_id, he, export_kw in rows}
    totals: dict[int, float] = {}
    for (_der, he), kw in latest.items():
        totals[he] = totals.get(he, 0.0) + kw
    return totals


def _outages_on(session: Session, stations: set[int], feeders: set[int], trade_date: date,
                names: dict[str, dict[int, str]]) -> tuple[OutageWindow, ...]:
    if not stations and not feeders:
        return ()
    day_start, day_end = market_day_bounds_utc(trade_date)
    end = func.coalesce(Outage.restored_at, Outage.estimated_restoration_at)
    rows = session.execute(
        select(Outage.id, Outage.kind, Outage.state, Outage.start_at, Outage.restored_at,
               Outage.estimated_restoration_at, OutageElement.station_id, OutageElement.feeder_id)
        .join(OutageElement, OutageElement.outage_id == Outage.id)
        .where(Outage.state != OutageState.CANCELLED, Outage.start_at < day_end, or_(end.is_(None), end > day_start),
               or_(OutageElement.station_id.in_(stations), OutageElement.feeder_id.in_(feeders)))
        .order_by(Outage.id, OutageElement.id)
    )
    windows: dict[int, OutageWindow] = {}
    for oid, kind, state, start, restored, estimated, station_id, feeder_id in rows:
        if oid in windows:
            continue
        stop = restored if state == OutageState.RESTORED else estimated
        if stop is not None and stop < start:
            stop = start
        element = (f"feeder {names['feeder'].get(feeder_id, feeder_id)}" if feeder_id is not None
                   else f"station {names['station'].get(station_id, station_id)}")
        windows[oid] = OutageWindow(oid, kind, element, start, stop)
    return tuple(windows.values())


def automation_inputs(session: Session, *, der_ids: Sequence[int], trade_date: date) -> AutomationInputs:
    """Feeder headroom (hosting capacity less approved exports, per hour) and the outages on the supply chain.

    One feeder: its headroom. Several (a resource spread over feeders) or no hosting capacity figure: None, so
    the rules ask for an engineer. Outages: those on any DER's feeder, station, and up the chain to the TS
    (host feeders and stations of an embedded LDC included), overlapping the trade day, cancelled ones left out.
    """
    ders = session.execute(select(Der.id, Der.feeder_id, Der.station_id).where(Der.id.in_(der_ids))).all()
    feeder_ids = sorted({f for _, f, _ in ders})
    feeders = {f.id: f for f in session.scalars(select(Feeder).where(Feeder.id.in_(feeder_ids)))}
    headroom = None
    if len(feeder_ids) == 1 and feeders[feeder_ids[0]].hosting_capacity_kw is not None:
        feeder = feeders[feeder_ids[0]]
        headroom = Headroom(
            feeder.code, dict.fromkeys(ALL_HOURS, float(feeder.hosting_capacity_kw)),
            _approved_export_on_feeder(session, feeder.id, trade_date),
        )
    tree = _supply_tree(session)
    chain_stations: set[int] = set()
    chain_feeders: set[int] = set(feeder_ids)
    for _, _, station_id in ders:
        for sid in tree.chain(station_id):
            chain_stations.add(sid)
            supply_feeder = tree.stations[sid].supply_feeder_id
            if supply_feeder is not None:
                chain_feeders.add(supply_feeder)
    names = {
        "feeder": {i: code for i, code in session.execute(select(Feeder.id, Feeder.code)
                                                          .where(Feeder.id.in_(chain_feeders)))},
        "station": {i: name for i, name in session.execute(select(Station.id, Station.name)
                                                           .where(Station.id.in_(chain_stations)))},
    }
    outages = _outages_on(session, chain_stations, chain_feeders, trade_date, names)
    return AutomationInputs(headroom, outages, tuple(feeders[f].code for f in feeder_ids))
