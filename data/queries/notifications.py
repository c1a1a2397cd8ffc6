"""The in-app notifications a page lists beside its work: addressed to the principal's organisation or to
the principal, of the kinds the page is about, newest first."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.access import Principal
from data.models import Notification

ALERT_LIMIT = 20


@dataclass(frozen=True)
class AlertRow:
    id: int
    at: datetime
    kind: str
    severity: str
    text: str
    link: str | None


def alerts_for(session: Session, principal: Principal, kinds: Sequence[str],
               limit: int = ALERT_LIMIT) -> list[AlertRow]:
    if principal.organisation_id is None:
        return []
    N = Notification
    rows = session.scalars(
        select(N).where(N.organisation_id == principal.organisation_id,
                        or_(N.user_id.is_(None), N.user_id == principal.user_id), N.kind.in_(list(kinds)))
        .order_by(N.created_at.desc(), N.id.desc()).limit(limit))
    return [AlertRow(n.id, n.created_at, n.kind, n.severity, n.text, n.link) for n in rows]
