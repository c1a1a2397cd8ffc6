"""The outage and constraint log: log an outage, edit it, move it through its state machine.

Each function works in the caller's transaction and does, in it: the permission and territory checks, the
change, the affected DERs (data/domain/outages.py, tri-level included), one alert per aggregator organisation
with DERs there, a wholesale-impact note to the IESO when approved limits, bids or dispatch instructions of
those DERs fall in the window, and one audit row. IESO transmission outages are read-only.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal
from data.domain.enums import OrgKind, OutageKind, OutageState, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import floor_to_interval, format_market
from data.domain.outages import (
    ALERT_KIND,
    FINAL_STATES,
    IMPACT_KIND,
    Element,
    InvalidOutage,
    OutageDraft,
    check_editable,
    check_transition,
    initial_state,
    limit_text,
    restoration_time,
    validate_draft,
)
from data.models import Feeder, Notification, Organisation, Outage, OutageElement, Station
from data.models.base import utcnow
from data.queries.outages import (
    AUDIT_ENTITY,
    Commitments,
    commitments_in_window,
    ders_reached,
    element_labels,
    element_names,
    outage_elements,
    supply_tree,
)
from data.services import audit, bids

__all__ = ["OutageResult", "change_state", "log_outage", "update_outage"]

MAX_NOTE = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class OutageResult:
    outage_id: int
    state: OutageState
    version: int
    affected_der_ids: tuple[int, ...]
    affected_by_aggregator: dict[int, int]  # aggregator organisation id -> DERs affected
    flagged: Commitments  # approved limits, bids and dispatch instructions in the window, and their DERs
    notified_org_ids: tuple[int, ...]


def _clean(text: str | None) -> str | None:
    """Text as typed, without control characters (PostgreSQL refuses NUL); None when blank. Too long is
    refused by validation, never cut."""
    if text is None:
        return None
    cleaned = _CONTROL.sub("", str(text)).strip()
    return cleaned or None


def _note(text: str | None) -> str | None:
    note = _clean(text)
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidOutage([f"note is longer than {MAX_NOTE:,} characters"])
    return note


def _elements(station_ids: Iterable[int], feeder_ids: Iterable[int]) -> tuple[Element, ...]:
    stations = tuple(Element(station_id=s) for s in dict.fromkeys(station_ids))
    return stations + tuple(Element(feeder_id=f) for f in dict.fromkeys(feeder_ids))


def _authorise(session: Session, principal: Principal, elements: Sequence[Element]) -> None:
    """Unknown elements are an entry problem; elements outside the LDC's territory (its own and the embedded
    LDCs it hosts) are refused."""
    territory = set(principal.territory_ldc_ids)
    feeder_ids = [e.feeder_id for e in elements if e.feeder_id is not None]
    station_ids = [e.station_id for e in elements if e.station_id is not None]
    feeders = {i: (code, ldc) for i, code, ldc in session.execute(
        select(Feeder.id, Feeder.code, Feeder.ldc_id).where(Feeder.id.in_(feeder_ids)))} if feeder_ids else {}
    stations = {i: (code, owner) for i, code, owner in session.execute(
        select(Station.id, Station.code, Station.owner_org_id).where(Station.id.in_(station_ids)))
    } if station_ids else {}
    unknown = [f"unknown feeder {i}" for i in feeder_ids if i not in feeders]
    unknown += [f"unknown station {i}" for i in station_ids if i not in stations]
    if unknown:
        raise InvalidOutage(unknown)
    outside = [f"feeder {code}" for code, ldc in feeders.values() if ldc not in territory]
    outside += [f"station {code}" for code, owner in stations.values() if owner not in territory]
    if outside:
        who = principal.organisation_name or "your organisation"
        raise AccessDenied(f"{', '.join(outside)} is outside {who}'s territory: an LDC logs outages on the "
                           f"stations and feeders it owns or hosts")


def _draft(kind: str, station_ids: Iterable[int], feeder_ids: Iterable[int], start: datetime,
           estimated_restoration: datetime | None, derate_pct: float | None, max_kw: float | None,
           description: str | None) -> OutageDraft:
    draft = OutageDraft(kind=kind, elements=_elements(station_ids, feeder_ids), start=start,
                        estimated_restoration=estimated_restoration, derate_pct=derate_pct, max_kw=max_kw,
                        description=_clean(description))
    problems = validate_draft(draft)
    if problems:
        raise InvalidOutage(problems)
    return draft


def _snapshot(outage: Outage, labels: list[str]) -> dict[str, Any]:
    def iso(ts: datetime | None) -> str | None:
        return ts.isoformat() if ts else None

    return {"kind": outage.kind, "state": outage.state, "elements": labels, "start_at": iso(outage.start_at),
            "estimated_restoration_at": iso(outage.estimated_restoration_at), "restored_at": iso(outage.restored_at),
            "derate_pct": outage.derate_pct, "max_kw": outage.max_kw, "description": outage.description,
            "version": outage.version}


def _window(outage: Outage) -> str:
    end = outage.restored_at or outage.estimated_restoration_at
    return f"{format_market(outage.start_at)} – {format_market(end) if end else 'until restored'}"


def _effects(session: Session, outage: Outage, change: str) -> tuple[list[int], dict[int, int], Commitments,
                                                                   list[int], list[str]]:
    """Affected DERs, alerts to their aggregators, the IESO's wholesale-impact note (while the outage is to come
    or in force)."""
    labels = element_labels(session, [outage.id]).get(outage.id, [])
    tree = supply_tree(session)
    ders = ders_reached(session, outage_elements(session, outage.id), tree)
    by_aggregator = Counter(d.aggregator_org_id for d in ders if d.aggregator_org_id is not None)
    live = outage.state in (OutageState.PLANNED, OutageState.ACTIVE)
    flagged = (commitments_in_window(session, ders, outage.start_at,
                                     outage.restored_at or outage.estimated_restoration_at, tree)
               if live else Commitments())
    where = f"{', '.join(labels)} · {_window(outage)} · {limit_text(outage.derate_pct, outage.max_kw)}"
    head = f"Outage #{outage.id} ({outage.kind}, {outage.state}) {change}: {where}"
    severity = Severity.ACTION if live else Severity.INFORMATION
    notified = []
    for org_id, count in sorted(by_aggregator.items()):
        session.add(Notification(organisation_id=org_id, kind=ALERT_KIND, severity=severity,
                                 text=f"{head} · {count:,} of your DERs affected"[:1000],
                                 link=f"/outages?outage={outage.id}"))
        notified.append(org_id)
    ieso = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO).order_by(Organisation.id))
    if flagged.any and ieso is not None:
        counts = (f"{len(flagged.limit_ids)} approved limit(s), {len(flagged.bid_ids)} bid(s), "
                  f"{len(flagged.dispatch_ids)} dispatch instruction(s) on {len(flagged.der_ids)} DER(s)")
        session.add(Notification(organisation_id=ieso, kind=IMPACT_KIND, severity=Severity.ACTION,
                                 text=f"Impact on wholesale schedules: {head} · {counts} in the window"[:1000],
                                 link=f"/outages?outage={outage.id}"))
        notified.append(ieso)
    return [d.id for d in ders], dict(by_aggregator), flagged, notified, labels


def _finish(session: Session, principal: Principal, outage: Outage, action: str, change: str,
            before: dict[str, Any] | None, note: str | None = None, now: datetime | None = None) -> OutageResult:
    try:
        session.flush()
    except StaleDataError:
        raise StaleEdit(f"outage #{outage.id} was changed by someone else meanwhile: reload it and decide again"
                        ) from None
    der_ids, by_aggregator, flagged, notified, labels = _effects(session, outage, change)
    bids.on_outage_changed(session, outage.id, now or utcnow())  # block/unblock bids, move floor-price quantities
    after = {**_snapshot(outage, labels), "note": note, "affected_ders": len(der_ids),
             "notified_organisations": notified, "flagged_limits": list(flagged.limit_ids),
             "flagged_bids": list(flagged.bid_ids), "flagged_dispatches": list(flagged.dispatch_ids)}
    audit.record(session, principal, action, AUDIT_ENTITY, outage.id, before=before, after=after)
    return OutageResult(outage_id=outage.id, state=OutageState(outage.state), version=outage.version,
                        affected_der_ids=tuple(der_ids), affected_by_aggregator=by_aggregator, flagged=flagged,
                        notified_org_ids=tuple(notified))


def log_outage(session: Session, principal: Principal, *, kind: str, start: datetime,
               station_ids: Iterable[int] = (), feeder_ids: Iterable[int] = (),
               estimated_restoration: datetime | None = None, derate_pct: float | None = None,
               max_kw: float | None = None, description: str | None = None,
               now: datetime | None = None) -> OutageResult:
    """Log a planned or forced outage or a constraint on stations/feeders of the operator's territory."""
    principal.require(Permission.LOG_OUTAGES)
    if principal.organisation_id is None:
        raise AccessDenied("an outage is logged by an LDC operator")
    draft = _draft(kind, station_ids, feeder_ids, start, estimated_restoration, derate_pct, max_kw, description)
    _authorise(session, principal, draft.elements)
    outage = Outage(
        kind=OutageKind(draft.kind).value, state=initial_state(draft.start, now or utcnow()).value,
        reporter_org_id=principal.organisation_id, reported_by_user_id=principal.user_id,
        equipment_name=_equipment(session, draft.elements), start_at=draft.start,
        estimated_restoration_at=draft.estimated_restoration, derate_pct=draft.derate_pct, max_kw=draft.max_kw,
        description=draft.description,
        elements=[OutageElement(station_id=e.station_id, feeder_id=e.feeder_id) for e in draft.elements],
    )
    session.add(outage)
    return _finish(session, principal, outage, "outage_logged", "logged", before=None, now=now)


def _equipment(session: Session, elements: Sequence[Element]) -> str | None:
    return ", ".join(element_names(session, elements))[:200] or None


def _editable(session: Session, principal: Principal, outage_id: int, expected_version: int) -> Outage:
    principal.require(Permission.LOG_OUTAGES)
    outage = session.get(Outage, outage_id) if isinstance(outage_id, int) else None
    if outage is None:
        raise DomainError(f"there is no outage #{outage_id}")
    check_editable(outage.kind)
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or \
            outage.version != expected_version:
        raise StaleEdit(f"outage #{outage.id} was changed by someone else (now version {outage.version}, you saw "
                        f"{expected_version}): reload it and decide again")
    _authorise(session, principal, outage_elements(session, outage.id))
    return outage


def change_state(session: Session, principal: Principal, outage_id: int, to_state: OutageState | str,
                 expected_version: int, note: str | None = None, now: datetime | None = None) -> OutageResult:
    """planned -> active -> restored, planned|active -> cancelled; a stale version is refused."""
    outage = _editable(session, principal, outage_id, expected_version)
    target = check_transition(outage.state, to_state)
    note = _note(note)
    now = now or utcnow()
    before = {"state": outage.state, "version": outage.version, "start_at": outage.start_at.isoformat()}
    if target == OutageState.ACTIVE and outage.start_at > now:
        outage.start_at = floor_to_interval(now)  # it started early: the window begins now
    if target == OutageState.RESTORED:
        outage.restored_at = restoration_time(outage.start_at, now)
    outage.state = target.value
    return _finish(session, principal, outage, "outage_state_changed", target.value, before=before, note=note,
                   now=now)


def update_outage(session: Session, principal: Principal, outage_id: int, expected_version: int, *,
                  kind: str, start: datetime, station_ids: Iterable[int] = (), feeder_ids: Iterable[int] = (),
                  estimated_restoration: datetime | None = None, derate_pct: float | None = None,
                  max_kw: float | None = None, description: str | None = None,
                  note: str | None = None) -> OutageResult:
    """Change the window, elements, de-rate or text of a planned or active outage (not a final one)."""
    outage = _editable(session, principal, outage_id, expected_version)
    if OutageState(outage.state) in FINAL_STATES:
        raise IllegalTransition(f"outage #{outage.id} is {outage.state}: it can no longer be edited")
    draft = _draft(kind, station_ids, feeder_ids, start, estimated_restoration, derate_pct, max_kw, description)
    _authorise(session, principal, draft.elements)
    labels = element_labels(session, [outage.id]).get(outage.id, [])
    before = _snapshot(outage, labels)
    outage.kind = OutageKind(draft.kind).value
    outage.start_at, outage.estimated_restoration_at = draft.start, draft.estimated_restoration
    outage.derate_pct, outage.max_kw, outage.description = draft.derate_pct, draft.max_kw, draft.description
    if set(outage_elements(session, outage.id)) != set(draft.elements):
        outage.elements = [OutageElement(station_id=e.station_id, feeder_id=e.feeder_id) for e in draft.elements]
        outage.equipment_name = _equipment(session, draft.elements)
    return _finish(session, principal, outage, "outage_updated", "updated", before=before, note=_note(note))
