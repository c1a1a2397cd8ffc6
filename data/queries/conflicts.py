"""Read side of conflict alerts: the scoped list, the count for the navbar, feeders to highlight, one alert's sides.

An alert is in scope when it touches a DER the principal may see (an LDC also: a feeder or station of its
territory); the IESO and administrators see every alert. Alerts keep their DER/feeder/station ids in JSON, so
the scope is applied in Python against the principal's id sets (one query each).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import Permission, Principal, der_scope, feeder_scope, station_scope
from data.domain.enums import AlertState, Role, Severity
from data.domain.market_time import format_market
from data.models import ConflictAlert, Der, Feeder, Station, User

__all__ = ["ScopeSets", "alert_detail", "alert_rows", "badge_counts", "open_conflict_feeders", "scope_sets"]

SEVERITY_ORDER = {Severity.ALARM.value: 0, Severity.ACTION.value: 1, Severity.COMPLIANT.value: 2}
MAX_ROWS = 2000


@dataclass(frozen=True)
class ScopeSets:
    everything: bool
    ders: frozenset[int] = frozenset()
    feeders: frozenset[int] = frozenset()
    stations: frozenset[int] = frozenset()

    def covers(self, alert: ConflictAlert) -> bool:
        if self.everything:
            return True
        return bool(self.ders.intersection(alert.der_ids or ()) or self.feeders.intersection(alert.feeder_ids or ())
                    or self.stations.intersection(alert.station_ids or ()))


def scope_sets(session: Session, principal: Principal) -> ScopeSets | None:
    """None when the principal may not see conflicts at all."""
    if not principal.can(Permission.VIEW_CONFLICTS) or principal.is_guest:
        return None
    if principal.sees_everything:
        return ScopeSets(True)
    ders = frozenset(session.scalars(select(Der.id).where(der_scope(principal))))
    if principal.acts_as in (Role.AGGREGATOR, Role.DER_OWNER):
        return ScopeSets(False, ders)
    return ScopeSets(False, ders, frozenset(session.scalars(select(Feeder.id).where(feeder_scope(principal)))),
                     frozenset(session.scalars(select(Station.id).where(station_scope(principal)))))


def _alerts(session: Session, principal: Principal, open_only: bool) -> list[ConflictAlert]:
    scope = scope_sets(session, principal)
    if scope is None:
        return []
    query = select(ConflictAlert)
    if open_only:
        query = query.where(ConflictAlert.state != AlertState.RESOLVED.value)
    alerts = [a for a in session.scalars(query.order_by(ConflictAlert.start_at.desc()).limit(20 * MAX_ROWS))
              if scope.covers(a)]
    alerts.sort(key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.start_at, a.id))
    return alerts[:MAX_ROWS]


def badge_counts(session: Session, principal: Principal) -> tuple[int, int]:
    """(open alerts in scope, NEW alarm-severity alerts in scope) for the navbar badge and the audible alert."""
    alerts = _alerts(session, principal, open_only=True)
    new_alarms = sum(1 for a in alerts if a.state == AlertState.NEW.value and a.severity == Severity.ALARM.value)
    return len(alerts), new_alarms


def open_conflict_feeders(session: Session, principal: Principal) -> set[int]:
    return {f for a in _alerts(session, principal, open_only=True) for f in (a.feeder_ids or ())}


def alert_rows(session: Session, principal: Principal, view: str = "unacknowledged") -> list[dict[str, Any]]:
    """``view``: "unacknowledged" (new), "open" (new + acknowledged) or "all" (resolved too)."""
    alerts = _alerts(session, principal, open_only=view != "all")
    if view == "unacknowledged":
        alerts = [a for a in alerts if a.state == AlertState.NEW.value]
    users = _user_names(session, {u for a in alerts for u in (a.acknowledged_by_user_id, a.resolved_by_user_id) if u})
    return [{
        "id": a.id, "severity": a.severity, "rule": a.rule.replace("_", " "), "state": a.state,
        "start": format_market(a.start_at), "end": format_market(a.end_at), "summary": a.summary,
        "ders": len(a.der_ids or ()), "feeders": ", ".join(map(str, a.feeder_ids or ())),
        "acknowledged": _who(users, a.acknowledged_by_user_id, a.acknowledged_at),
        "resolved": _who(users, a.resolved_by_user_id, a.resolved_at) or (
            "system" if a.state == AlertState.RESOLVED.value else ""),
        "note": a.note or "", "version": a.version,
    } for a in alerts]


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _who(users: dict[int, str], user_id: int | None, at: Any) -> str:
    if user_id is None:
        return ""
    return f"{users.get(user_id, user_id)} · {format_market(at)}" if at else str(users.get(user_id, user_id))


def alert_detail(session: Session, principal: Principal, alert_id: Any) -> dict[str, Any] | None:
    """One alert in scope with its evidence split into two sides (A: the first instruction; B: the rest)."""
    scope = scope_sets(session, principal)
    try:
        key = int(alert_id)
    except (TypeError, ValueError):
        return None
    alert = session.get(ConflictAlert, key) if scope is not None else None
    if alert is None or not scope.covers(alert):  # type: ignore[union-attr]
        return None
    ev = alert.evidence or {}
    instructions = list(ev.get("instructions", []))
    side_a = [("instruction", i) for i in instructions[:1]]
    side_b = [("instruction", i) for i in instructions[1:]]
    for name, kind in (("limits", "limit"), ("outages", "outage"), ("bids", "bid"), ("stations", "station")):
        side_b.extend((kind, item) for item in ev.get(name, []))
    if not side_a and side_b:
        side_a, side_b = side_b[:1], side_b[1:]
    users = _user_names(session, {u for u in (alert.acknowledged_by_user_id, alert.resolved_by_user_id) if u})
    return {"id": alert.id, "rule": alert.rule, "severity": alert.severity, "state": alert.state,
            "summary": alert.summary, "window": f"{format_market(alert.start_at)} to {format_market(alert.end_at)}",
            "version": alert.version, "side_a": side_a, "side_b": side_b, "der_ids": list(alert.der_ids or ()),
            "feeder_ids": list(alert.feeder_ids or ()), "station_ids": list(alert.station_ids or ()),
            "acknowledged": _who(users, alert.acknowledged_by_user_id, alert.acknowledged_at),
            "resolved": _who(users, alert.resolved_by_user_id, alert.resolved_at), "note": alert.note or ""}
