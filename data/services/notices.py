"""Needs and standby notices: draft, publish, amend, close, cancel, and the aggregators' acknowledgements.

Each function works in the caller's transaction and does, in it: the permission and territory checks, the
change (a stale ``expected_version`` is refused), the recipients (every aggregator organisation with DERs in the
location, along the supply chain, data/queries/notices.py), one in-app alert per recipient organisation, and
one audit row. The state machine is data/domain/notices.py's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal
from data.domain.enums import NoticeKind, NoticeStatus, Role, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.market_time import format_market
from data.domain.notices import (
    ALERT_KIND,
    KIND_LABELS,
    LIVE_STATES,
    MAX_RESPONSE,
    SERVICE_TYPES,
    InvalidNotice,
    Location,
    NoticeDraft,
    area_bounds,
    check_transition,
    parse_area,
    parse_recurrence,
    points_in_area,
    publish_problems,
    validate_draft,
)
from data.models import Der, Feeder, Notice, NoticeRecipient, Notification, Station
from data.models.base import utcnow
from data.queries.notices import AUDIT_ENTITY, location_label, notice_location, recipient_organisations
from data.services import audit

__all__ = ["NoticeResult", "acknowledge", "amend_notice", "cancel_notice", "close_notice", "create_draft",
           "publish_notice", "update_draft"]

MAX_NOTE = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class NoticeResult:
    notice_id: int
    status: NoticeStatus
    version: int
    recipient_org_ids: tuple[int, ...] = ()
    notified_org_ids: tuple[int, ...] = ()
    ders_reached: int = 0


def _clean(text: object) -> str | None:
    """Text as typed without control characters (PostgreSQL refuses NUL); None when blank. Too long is refused
    by validation, never cut."""
    if text is None:
        return None
    cleaned = _CONTROL.sub("", str(text)).strip()
    return cleaned or None


def _note(text: object) -> str | None:
    note = _clean(text)
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidNotice([f"note: longer than {MAX_NOTE:,} characters"])
    return note


def _checked(draft: NoticeDraft) -> NoticeDraft:
    """The draft validated (InvalidNotice lists every problem), with its text cleaned, its recurrence canonical
    and its area normalised."""
    draft = replace(draft, title=_clean(draft.title) or "")
    problems = validate_draft(draft)
    if problems:
        raise InvalidNotice(problems)
    location = draft.location
    if location.area is not None:
        location = replace(location, area=parse_area(location.area))
    return replace(draft, location=location, recurrence=parse_recurrence(draft.recurrence))


# --- territory --------------------------------------------------------------------------------------------


def _outside(principal: Principal, what: str) -> AccessDenied:
    who = principal.organisation_name or "your organisation"
    return AccessDenied(f"{what} is outside {who}'s territory: an LDC publishes needs on the stations, feeders, "
                        f"zones and areas of its own territory (and of the embedded LDCs it hosts)")


def _authorise(session: Session, principal: Principal, location: Location) -> None:
    """The location exists and lies in the publisher's territory: a feeder of the territory; a station it owns
    or whose feeders it operates (the TS supplying it); a zone where it has such a station; an area holding at
    least one of its stations or DERs."""
    territory = list(principal.territory_ldc_ids)
    if not territory:
        raise AccessDenied("a notice is published by an LDC operator for its territory")
    if location.feeder_id is not None:
        row = session.execute(select(Feeder.code, Feeder.ldc_id).where(Feeder.id == location.feeder_id)).first()
        if row is None:
            raise InvalidNotice([f"location: there is no feeder #{location.feeder_id}"])
        if row.ldc_id not in territory:
            raise _outside(principal, f"feeder {row.code}")
        return
    own_station = Station.owner_org_id.in_(territory) | Station.id.in_(
        select(Feeder.station_id).where(Feeder.ldc_id.in_(territory)))
    if location.station_id is not None:
        code = session.scalar(select(Station.code).where(Station.id == location.station_id))
        if code is None:
            raise InvalidNotice([f"location: there is no station #{location.station_id}"])
        if session.scalar(select(Station.id).where(Station.id == location.station_id, own_station)) is None:
            raise _outside(principal, f"station {code}")
        return
    if location.zone is not None:
        if session.scalar(select(Station.id).where(Station.zone == location.zone, own_station).limit(1)) is None:
            raise _outside(principal, f"the {location.zone} zone")
        return
    if location.area is not None:
        west, south, east, north = area_bounds(location.area)
        stations = session.execute(select(Station.id, Station.lon, Station.lat).where(
            own_station, Station.lon.between(west, east), Station.lat.between(south, north)))
        ders = session.execute(select(Der.id, Der.lon, Der.lat).where(
            Der.ldc_id.in_(territory), Der.lon.between(west, east), Der.lat.between(south, north)).limit(50_000))
        if not points_in_area(location.area, stations) and not points_in_area(location.area, ders):
            raise _outside(principal, "the drawn area")


def _require_publisher(principal: Principal) -> None:
    principal.require(Permission.PUBLISH_NOTICES)
    if principal.organisation_id is None or not principal.territory_ldc_ids:
        raise AccessDenied("a notice is published by an LDC operator for its territory")


# --- helpers ----------------------------------------------------------------------------------------------


def _snapshot(notice: Notice) -> dict[str, Any]:
    def iso(ts: datetime | None) -> str | None:
        return ts.astimezone(UTC).isoformat() if ts else None

    return {"kind": notice.kind, "service_type": notice.service_type, "title": notice.title,
            "status": notice.status, "station_id": notice.station_id, "feeder_id": notice.feeder_id,
            "zone": notice.zone, "area": notice.area, "size_mw": notice.size_mw, "start_at": iso(notice.start_at),
            "end_at": iso(notice.end_at), "recurrence": notice.recurrence,
            "response_deadline": iso(notice.response_deadline), "version": notice.version}


def _flush(session: Session, notice: Notice) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleEdit(f"notice #{notice.id} was changed by someone else meanwhile: reload it and decide again"
                        ) from None


def _editable(session: Session, principal: Principal, notice_id: int, expected_version: int) -> Notice:
    _require_publisher(principal)
    notice = session.get(Notice, notice_id) if isinstance(notice_id, int) and not isinstance(notice_id, bool) \
        else None
    if notice is None or notice.publisher_org_id not in principal.territory_ldc_ids:
        raise DomainError(f"there is no notice #{notice_id} of your organisation")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or \
            notice.version != expected_version:
        raise StaleEdit(f"notice #{notice.id} was changed by someone else (now version {notice.version}, you saw "
                        f"{expected_version}): reload it and decide again")
    return notice


def _draft_of(notice: Notice) -> NoticeDraft:
    return NoticeDraft(kind=notice.kind, service_type=notice.service_type, title=notice.title,
                       location=notice_location(notice), size_mw=notice.size_mw, start=notice.start_at,
                       end=notice.end_at, response_deadline=notice.response_deadline, recurrence=notice.recurrence)


def _apply(notice: Notice, draft: NoticeDraft) -> None:
    location = draft.location
    notice.kind, notice.service_type, notice.title = NoticeKind(draft.kind).value, draft.service_type, draft.title
    notice.station_id, notice.feeder_id, notice.zone = location.station_id, location.feeder_id, location.zone
    notice.area = location.area
    notice.size_mw = float(draft.size_mw)  # type: ignore[arg-type]
    notice.start_at, notice.end_at = draft.start, draft.end  # type: ignore[assignment]
    notice.response_deadline, notice.recurrence = draft.response_deadline, draft.recurrence


def _headline(session: Session, notice: Notice) -> str:
    where = location_label(session, notice_location(notice))
    window = f"{format_market(notice.start_at)} – {format_market(notice.end_at)}"
    recurrence = f" ({notice.recurrence})" if notice.recurrence and notice.recurrence != "none" else ""
    deadline = f" · respond by {format_market(notice.response_deadline)}" if notice.response_deadline else ""
    return (f"{KIND_LABELS.get(notice.kind, notice.kind)} #{notice.id} v{notice.version}: {notice.title} · "
            f"{SERVICE_TYPES.get(notice.service_type, notice.service_type)} · {notice.size_mw:,.1f} MW at {where} · "
            f"{window}{recurrence}{deadline}")


def _alert(session: Session, notice: Notice, org_ids: list[int], change: str, severity: Severity) -> None:
    head = f"{change}: {_headline(session, notice)}"
    for org_id in org_ids:
        session.add(Notification(organisation_id=org_id, kind=ALERT_KIND, severity=severity.value,
                                 text=head[:1000], link=f"/notices?notice={notice.id}"))


def _set_recipients(session: Session, notice: Notice, reach: dict[int, int], now: datetime
                    ) -> tuple[list[int], list[int]]:
    """Recipients = the organisations reached: new ones added, those no longer reached removed, every one kept
    alerted again with its acknowledgement reset. Returns (recipients, removed)."""
    existing = {r.organisation_id: r for r in session.scalars(
        select(NoticeRecipient).where(NoticeRecipient.notice_id == notice.id))}
    removed = sorted(set(existing) - set(reach))
    for org_id in removed:
        session.delete(existing[org_id])
    for org_id in sorted(reach):
        row = existing.get(org_id)
        if row is None:
            session.add(NoticeRecipient(notice_id=notice.id, organisation_id=org_id, alerted_at=now))
        else:
            row.alerted_at, row.acknowledged_at, row.acknowledged_by_user_id, row.response = now, None, None, None
    return sorted(reach), removed


def _result(notice: Notice, recipients: list[int] | tuple[int, ...] = (), notified: list[int] | tuple[int, ...] = (),
            ders: int = 0) -> NoticeResult:
    return NoticeResult(notice_id=notice.id, status=NoticeStatus(notice.status), version=notice.version,
                        recipient_org_ids=tuple(recipients), notified_org_ids=tuple(notified), ders_reached=ders)


# --- the operations ---------------------------------------------------------------------------------------


def create_draft(session: Session, principal: Principal, draft: NoticeDraft) -> NoticeResult:
    """Save a new notice as a draft (nobody is alerted yet)."""
    _require_publisher(principal)
    draft = _checked(draft)
    _authorise(session, principal, draft.location)
    notice = Notice(publisher_org_id=principal.organisation_id, created_by_user_id=principal.user_id,
                    status=NoticeStatus.DRAFT.value)
    _apply(notice, draft)
    session.add(notice)
    session.flush()
    audit.record(session, principal, "notice_drafted", AUDIT_ENTITY, notice.id, before=None, after=_snapshot(notice))
    return _result(notice)


def update_draft(session: Session, principal: Principal, notice_id: int, expected_version: int,
                 draft: NoticeDraft) -> NoticeResult:
    """Edit a draft (draft -> draft); nobody is alerted."""
    notice = _editable(session, principal, notice_id, expected_version)
    check_transition(notice.status, NoticeStatus.DRAFT)
    draft = _checked(draft)
    _authorise(session, principal, draft.location)
    before = _snapshot(notice)
    _apply(notice, draft)
    _flush(session, notice)
    audit.record(session, principal, "notice_draft_edited", AUDIT_ENTITY, notice.id, before=before,
                 after=_snapshot(notice))
    return _result(notice)


def _reach(session: Session, principal: Principal, notice: Notice) -> dict[int, int]:
    return recipient_organisations(session, notice_location(notice), principal.territory_ldc_ids)


def publish_notice(session: Session, principal: Principal, notice_id: int, expected_version: int,
                   now: datetime | None = None) -> NoticeResult:
    """draft -> published: the recipients are computed, each alerted (ACTION: acknowledge by the deadline)."""
    now = now or utcnow()
    notice = _editable(session, principal, notice_id, expected_version)
    target = check_transition(notice.status, NoticeStatus.PUBLISHED)
    draft = _checked(_draft_of(notice))
    problems = publish_problems(draft, now)
    if problems:
        raise InvalidNotice(problems)
    _authorise(session, principal, draft.location)
    before = _snapshot(notice)
    notice.status, notice.published_at = target.value, now
    _flush(session, notice)
    reach = _reach(session, principal, notice)
    recipients, _ = _set_recipients(session, notice, reach, now)
    _alert(session, notice, recipients, "New notice, please acknowledge", Severity.ACTION)
    audit.record(session, principal, "notice_published", AUDIT_ENTITY, notice.id, before=before,
                 after={**_snapshot(notice), "recipients": recipients, "ders_reached": sum(reach.values())})
    return _result(notice, recipients, recipients, sum(reach.values()))


def amend_notice(session: Session, principal: Principal, notice_id: int, expected_version: int,
                 draft: NoticeDraft, note: str | None = None, now: datetime | None = None) -> NoticeResult:
    """published | amended -> amended: a new version; the recipients are computed again (the location may have
    changed), every one re-alerted with its acknowledgement reset; organisations no longer reached are told."""
    now = now or utcnow()
    notice = _editable(session, principal, notice_id, expected_version)
    if notice.status == NoticeStatus.DRAFT:
        return update_draft(session, principal, notice_id, expected_version, draft)
    target = check_transition(notice.status, NoticeStatus.AMENDED)
    draft = _checked(draft)
    problems = publish_problems(draft, now)
    if problems:
        raise InvalidNotice(problems)
    _authorise(session, principal, draft.location)
    note = _note(note)
    before = _snapshot(notice)
    _apply(notice, draft)
    changed = {k for k, v in _snapshot(notice).items() if before.get(k) != v} - {"status", "version"}
    if not changed:
        raise InvalidNotice(["amendment: it changes nothing; edit a field first"])
    notice.status = target.value
    _flush(session, notice)
    reach = _reach(session, principal, notice)
    recipients, removed = _set_recipients(session, notice, reach, now)
    _alert(session, notice, recipients, "Notice amended, please acknowledge again", Severity.ACTION)
    _alert(session, notice, removed, "Notice amended, it no longer concerns your DERs", Severity.INFORMATION)
    audit.record(session, principal, "notice_amended", AUDIT_ENTITY, notice.id, before=before,
                 after={**_snapshot(notice), "changed": sorted(changed), "note": note, "recipients": recipients,
                        "removed": removed, "ders_reached": sum(reach.values())})
    return _result(notice, recipients, recipients + removed, sum(reach.values()))


def _finish(session: Session, principal: Principal, notice_id: int, expected_version: int, to: NoticeStatus,
            note: object, now: datetime | None) -> NoticeResult:
    notice = _editable(session, principal, notice_id, expected_version)
    was_live = notice.status in LIVE_STATES
    target = check_transition(notice.status, to)
    note = _note(note)
    before = _snapshot(notice)
    notice.status = target.value
    _flush(session, notice)
    recipients = list(session.scalars(select(NoticeRecipient.organisation_id)
                                      .where(NoticeRecipient.notice_id == notice.id)))
    if was_live:
        why = f" · {note}" if note else ""
        _alert(session, notice, recipients, f"Notice {target.value}{why}", Severity.INFORMATION)
    audit.record(session, principal, f"notice_{target.value}", AUDIT_ENTITY, notice.id, before=before,
                 after={**_snapshot(notice), "note": note})
    return _result(notice, recipients, recipients if was_live else ())


def close_notice(session: Session, principal: Principal, notice_id: int, expected_version: int,
                 note: str | None = None, now: datetime | None = None) -> NoticeResult:
    """published | amended -> closed (the need is met or over); the recipients are told."""
    return _finish(session, principal, notice_id, expected_version, NoticeStatus.CLOSED, note, now)


def cancel_notice(session: Session, principal: Principal, notice_id: int, expected_version: int,
                  note: str | None = None, now: datetime | None = None) -> NoticeResult:
    """draft | published | amended -> cancelled (withdrawn); recipients of a published notice are told."""
    return _finish(session, principal, notice_id, expected_version, NoticeStatus.CANCELLED, note, now)


def acknowledge(session: Session, principal: Principal, notice_id: int, response: str | None = None,
                now: datetime | None = None) -> NoticeResult:
    """An aggregator acknowledges a live notice for its organisation, with an optional response text. Its
    acknowledgement of the current version stands until the notice is amended again."""
    principal.require(Permission.VIEW_NOTICES)
    principal.require(Permission.ACKNOWLEDGE_DISPATCH)  # the aggregators' "acknowledge what we are sent"
    if principal.role is not Role.AGGREGATOR or principal.organisation_id is None:
        raise AccessDenied("a notice is acknowledged by an aggregator for its organisation")
    now = now or utcnow()
    text = _clean(response)
    if text is not None and len(text) > MAX_RESPONSE:
        raise InvalidNotice([f"response: longer than {MAX_RESPONSE:,} characters"])
    notice = session.get(Notice, notice_id) if isinstance(notice_id, int) and not isinstance(notice_id, bool) \
        else None
    row = session.scalar(select(NoticeRecipient).where(
        NoticeRecipient.notice_id == notice_id, NoticeRecipient.organisation_id == principal.organisation_id)) \
        if notice is not None else None
    if notice is None or row is None:
        raise DomainError(f"notice #{notice_id} was not sent to {principal.organisation_name or 'you'}")
    if notice.status not in LIVE_STATES:
        raise IllegalTransition(f"notice #{notice.id} is {notice.status}: there is nothing to acknowledge")
    if row.acknowledged_at is not None:
        raise IllegalTransition(f"notice #{notice.id} v{notice.version} was already acknowledged by your "
                                f"organisation at {format_market(row.acknowledged_at)}")
    before = {"acknowledged_at": None, "version": notice.version}
    row.acknowledged_at, row.acknowledged_by_user_id, row.response = now, principal.user_id, text
    session.flush()
    audit.record(session, principal, "notice_acknowledged", AUDIT_ENTITY, notice.id, before=before,
                 after={"status": notice.status, "version": notice.version, "organisation_id": row.organisation_id,
                        "acknowledged_at": now.isoformat(), "response": text,
                        "late": bool(notice.response_deadline and now > notice.response_deadline)})
    return _result(notice, (row.organisation_id,))
