"""Conflict alerts: run the pure engine on what the database holds, store its findings, work them.

- ``run_conflict_check`` loads instructions, approved limits, outages, DAM bids and the grid around ``now``,
  runs ``data.domain.conflicts.find_conflicts`` and upserts ``ConflictAlert`` rows by fingerprint: a new
  finding is stored ``new``; an unacknowledged alert in the checked window that is no longer found is resolved
  automatically ("no longer detected"); an automatically resolved alert found again is reopened.
- ``acknowledge`` / ``resolve``: WORK_CONFLICTS, scoped to alerts touching DERs, feeders or stations the
  principal may see, optimistic locking on the alert's version, one audit row each.

Every function works in the caller's transaction.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal, der_scope, feeder_scope, station_scope
from data.domain import conflicts as engine
from data.domain.enums import AlertState, BidStatus, DispatchState, LimitStatus, Market, OutageState, Role, TargetKind
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import floor_to_interval, trade_date_of
from data.models import (
    Bid,
    ConflictAlert,
    Der,
    DispatchInstruction,
    Feeder,
    LimitRequest,
    Outage,
    OutageElement,
    Station,
)
from data.models.base import utcnow
from data.services import audit

__all__ = [
    "AUDIT_ENTITY",
    "AUTO_RESOLVE_NOTE",
    "CheckResult",
    "acknowledge",
    "alert_in_scope",
    "load_inputs",
    "resolve",
    "run_conflict_check",
]

AUDIT_ENTITY = "conflict_alert"
AUTO_RESOLVE_NOTE = "no longer detected"
LOOKBACK = timedelta(days=1)
DEFAULT_HORIZON = timedelta(days=2)
STEP = timedelta(minutes=5)
MAX_NOTE = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IGNORED_STATES = (DispatchState.REJECTED.value, DispatchState.TIMED_OUT.value)
_IGNORED_BIDS = (BidStatus.DRAFT.value, BidStatus.WITHDRAWN.value)


@dataclass(frozen=True)
class CheckResult:
    found: int
    created: int
    reopened: int
    auto_resolved: int
    open_total: int
    skipped: tuple[str, ...] = ()


def _floor(ts: datetime) -> datetime:
    return floor_to_interval(ts)


def _ceil(ts: datetime) -> datetime:
    floored = floor_to_interval(ts)
    return floored if floored == ts else floored + STEP


# --- loading ------------------------------------------------------------------------------------


def load_inputs(session: Session, now: datetime, horizon: timedelta = DEFAULT_HORIZON,
                skipped: list[str] | None = None) -> engine.ConflictInputs:
    """The engine's inputs for ``[now - 1 day, now + horizon]`` (times rounded to the 5-minute grid)."""
    skipped = skipped if skipped is not None else []
    lo, hi = now - LOOKBACK, now + horizon
    stations = [
        engine.Station(
            id=s.id, kind=s.kind, supply_station_id=s.supply_station_id, supply_feeder_id=s.supply_feeder_id,
            der_export_limit_kw=None if s.der_export_limit_mw is None else s.der_export_limit_mw * 1000.0,
            der_import_limit_kw=None if s.der_import_limit_mw is None else s.der_import_limit_mw * 1000.0,
        )
        for s in session.scalars(select(Station).order_by(Station.id))
    ]
    feeders = [engine.Feeder(id=f.id, station_id=f.station_id)
               for f in session.scalars(select(Feeder).order_by(Feeder.id))]
    der_rows = list(session.execute(
        select(Der.id, Der.feeder_id, Der.station_id, Der.capacity_kw, Der.resource_id).order_by(Der.id)))
    ders = [engine.Der(id=r.id, feeder_id=r.feeder_id, station_id=r.station_id, rated_kw=max(r.capacity_kw or 0, 0),
                       resource_id=r.resource_id) for r in der_rows]
    ders_of_resource: dict[int, list[int]] = {}
    for r in der_rows:
        if r.resource_id is not None:
            ders_of_resource.setdefault(r.resource_id, []).append(r.id)

    instructions = []
    rows = session.scalars(select(DispatchInstruction).where(
        DispatchInstruction.state.not_in(_IGNORED_STATES), DispatchInstruction.start_at < hi,
        DispatchInstruction.end_at > lo).order_by(DispatchInstruction.id))
    targets = {TargetKind.DER.value: "der_id", TargetKind.RESOURCE.value: "resource_id",
               TargetKind.FEEDER.value: "feeder_id", TargetKind.STATION.value: "station_id"}
    for d in rows:
        target_id = getattr(d, targets.get(d.target_kind, "der_id"), None)
        start, end = _floor(d.start_at), _ceil(d.end_at)
        if target_id is None or end <= start or d.amount_kw is None:
            skipped.append(f"instruction {d.id}: no target or empty window")
            continue
        try:
            instructions.append(engine.Instruction(
                id=d.id, issuer=d.issuer, target_kind=d.target_kind, target_id=target_id, setpoint_kw=d.amount_kw,
                start=start, end=end, state=d.state))
        except (TypeError, ValueError) as exc:
            skipped.append(f"instruction {d.id}: {exc}")

    limits = []
    first_day, last_day = trade_date_of(lo), trade_date_of(hi)
    for req in session.scalars(select(LimitRequest).where(
            LimitRequest.status == LimitStatus.APPROVED.value, LimitRequest.trade_date >= first_day,
            LimitRequest.trade_date <= last_day).order_by(LimitRequest.id)):
        der_ids = [req.der_id] if req.der_id is not None else ders_of_resource.get(req.resource_id or -1, [])
        for interval in req.intervals:
            for der_id in der_ids:
                try:
                    limits.append(engine.DerLimit(
                        id=req.id, der_id=der_id, trade_date=req.trade_date, hour_ending=interval.hour_ending,
                        export_kw=interval.export_kw, import_kw=interval.import_kw, approved_at=req.approved_at))
                except (TypeError, ValueError) as exc:
                    skipped.append(f"limit {req.id}: {exc}")

    outages = []
    elements: dict[int, tuple[list[int], list[int]]] = {}
    outage_rows = list(session.scalars(select(Outage).where(
        Outage.state != OutageState.CANCELLED.value, Outage.start_at < hi,
        or_(Outage.restored_at.is_(None), Outage.restored_at > lo)).order_by(Outage.id)))
    if outage_rows:
        for el in session.scalars(select(OutageElement).where(
                OutageElement.outage_id.in_([o.id for o in outage_rows]))):
            st, fd = elements.setdefault(el.outage_id, ([], []))
            if el.station_id is not None:
                st.append(el.station_id)
            if el.feeder_id is not None:
                fd.append(el.feeder_id)
    for o in outage_rows:
        st, fd = elements.get(o.id, ([], []))
        if not st and not fd:
            continue
        start = _floor(o.start_at)
        end = _ceil(o.estimated_restoration_at) if o.estimated_restoration_at else None
        restored = _ceil(o.restored_at) if o.restored_at else None
        if end is not None and end <= start:
            end = start + STEP
        if restored is not None and restored < start:
            restored = start
        if o.state == OutageState.RESTORED.value and restored is None and end is None:
            continue
        try:
            outages.append(engine.Outage(
                id=o.id, start=start, end=end, restored_at=restored, state=o.state, station_ids=tuple(sorted(set(st))),
                feeder_ids=tuple(sorted(set(fd))), kind=o.kind, derate_pct=o.derate_pct, max_kw=o.max_kw))
        except (TypeError, ValueError) as exc:
            skipped.append(f"outage {o.id}: {exc}")

    bids = []
    for b in session.scalars(select(Bid).where(
            Bid.market == Market.DAM.value, Bid.status.not_in(_IGNORED_BIDS), Bid.trade_date >= trade_date_of(now),
            Bid.trade_date <= last_day).order_by(Bid.id)):
        try:
            bids.append(engine.DamBid(
                id=b.id, resource_id=b.resource_id, trade_date=b.trade_date,
                hours=tuple(range(b.first_hour_ending, b.last_hour_ending + 1)),
                der_ids=(b.der_id,) if b.der_id is not None else ()))
        except (TypeError, ValueError) as exc:
            skipped.append(f"bid {b.id}: {exc}")

    return engine.ConflictInputs(stations=stations, feeders=feeders, ders=ders, instructions=instructions,
                                 limits=limits, outages=outages, bids=bids)


# --- the check ----------------------------------------------------------------------------------


def _ints(values: Any) -> list[int]:
    return [v for v in values if isinstance(v, int)]


def run_conflict_check(session: Session, now: datetime | None = None, horizon: timedelta = DEFAULT_HORIZON,
                       config: engine.ConflictConfig | None = None) -> CheckResult:
    """Find conflicts around ``now`` and store them; idempotent (alerts are keyed by fingerprint)."""
    now = now or utcnow()
    skipped: list[str] = []
    inputs = load_inputs(session, now, horizon, skipped)
    found = engine.find_conflicts(inputs, config)
    by_fp = {c.fingerprint: c for c in found}
    existing = {a.fingerprint: a for a in session.scalars(
        select(ConflictAlert).where(ConflictAlert.fingerprint.in_(list(by_fp))))} if by_fp else {}
    created = reopened = 0
    stamp = utcnow()
    for fp, c in by_fp.items():
        alert = existing.get(fp)
        if alert is None:
            session.add(ConflictAlert(
                rule=str(c.rule), fingerprint=fp, severity=str(c.severity), state=AlertState.NEW.value,
                start_at=c.start, end_at=c.end, summary=(c.summary or str(c.rule))[:1000],
                der_ids=_ints(c.der_ids), station_ids=_ints(c.station_ids), feeder_ids=_ints(c.feeder_ids),
                evidence=c.evidence))
            created += 1
        elif alert.state == AlertState.RESOLVED.value and alert.resolved_by_user_id is None \
                and alert.note == AUTO_RESOLVE_NOTE:
            alert.state, alert.resolved_at, alert.note = AlertState.NEW.value, None, None
            reopened += 1
    lo, hi = now - LOOKBACK, now + horizon
    stale = session.scalars(select(ConflictAlert).where(
        ConflictAlert.state == AlertState.NEW.value, ConflictAlert.start_at < hi, ConflictAlert.end_at > lo,
        ConflictAlert.fingerprint.not_in(list(by_fp)) if by_fp else true()))
    auto_resolved = 0
    for alert in stale:
        alert.state, alert.resolved_at, alert.note = AlertState.RESOLVED.value, stamp, AUTO_RESOLVE_NOTE
        auto_resolved += 1
    session.flush()
    if created or reopened or auto_resolved:
        audit.record(session, None, "conflict_check", AUDIT_ENTITY, None,
                     after={"found": len(by_fp), "created": created, "reopened": reopened,
                            "auto_resolved": auto_resolved})
    open_total = len(list(session.scalars(select(ConflictAlert.id).where(
        ConflictAlert.state != AlertState.RESOLVED.value))))
    return CheckResult(len(by_fp), created, reopened, auto_resolved, open_total, tuple(skipped))


# --- working an alert ---------------------------------------------------------------------------


def alert_in_scope(session: Session, principal: Principal, alert: ConflictAlert) -> bool:
    """Whether the alert touches a DER, feeder or station the principal may see individually."""
    if principal.sees_everything:
        return True
    if principal.is_guest:
        return False
    checks: tuple[tuple[Any, Any, Any], ...] = ((Der.id, alert.der_ids, der_scope),)
    if principal.acts_as not in (Role.AGGREGATOR, Role.DER_OWNER):  # an aggregator works its own DERs' alerts
        checks += ((Feeder.id, alert.feeder_ids, feeder_scope), (Station.id, alert.station_ids, station_scope))
    for column, ids, scope in checks:
        ids = _ints(ids or [])
        if ids and session.scalar(select(column).where(column.in_(ids), scope(principal)).limit(1)) is not None:
            return True
    return False


def _clean_note(note: str | None, required: bool) -> str | None:
    text = _CONTROL.sub("", str(note or "")).strip()
    if len(text) > MAX_NOTE:
        raise DomainError(f"The note is too long ({len(text)} characters, at most {MAX_NOTE}).")
    if required and not text:
        raise DomainError("Write a note saying how the conflict was resolved.")
    return text or None


def _load(session: Session, principal: Principal, alert_id: Any, expected_version: Any) -> ConflictAlert:
    principal.require(Permission.WORK_CONFLICTS)
    try:
        alert_key, version = int(alert_id), int(expected_version)
    except (TypeError, ValueError) as exc:
        raise DomainError("Select a conflict alert first.") from exc
    alert = session.get(ConflictAlert, alert_key)
    if alert is None or not alert_in_scope(session, principal, alert):
        raise AccessDenied("this conflict alert is not in your scope")
    if alert.version != version:
        raise StaleEdit("Someone else changed this alert first: reload and decide again.")
    return alert


def _snapshot(alert: ConflictAlert) -> dict[str, Any]:
    return {"state": alert.state, "note": alert.note, "version": alert.version}


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit("Someone else changed this alert first: reload and decide again.") from exc


def acknowledge(session: Session, principal: Principal, alert_id: Any, expected_version: Any,
                note: str | None = None) -> ConflictAlert:
    alert = _load(session, principal, alert_id, expected_version)
    if alert.state != AlertState.NEW.value:
        raise IllegalTransition(f"Only a new alert can be acknowledged; this one is {alert.state}.")
    text = _clean_note(note, required=False)
    before = _snapshot(alert)
    alert.state = AlertState.ACKNOWLEDGED.value
    alert.acknowledged_by_user_id, alert.acknowledged_at = principal.user_id, utcnow()
    if text:
        alert.note = text
    _flush(session)
    audit.record(session, principal, "acknowledge", AUDIT_ENTITY, alert.id, before=before, after=_snapshot(alert))
    return alert


def resolve(session: Session, principal: Principal, alert_id: Any, expected_version: Any,
            note: str | None = None) -> ConflictAlert:
    alert = _load(session, principal, alert_id, expected_version)
    if alert.state == AlertState.RESOLVED.value:
        raise IllegalTransition("This alert is already resolved.")
    text = _clean_note(note, required=True)
    before = _snapshot(alert)
    alert.state = AlertState.RESOLVED.value
    alert.resolved_by_user_id, alert.resolved_at, alert.note = principal.user_id, utcnow(), text
    _flush(session)
    audit.record(session, principal, "resolve", AUDIT_ENTITY, alert.id, before=before, after=_snapshot(alert))
    return alert


def open_counts(alerts: list[ConflictAlert]) -> Counter[str]:
    return Counter(a.severity for a in alerts if a.state == AlertState.NEW.value)
