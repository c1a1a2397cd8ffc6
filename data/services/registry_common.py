"""Steps the registry services share: DER registrations (data/services/registry.py), aggregated resources
(data/services/resources.py) and meters (data/services/meters.py).

The day a change counts from, the notification that links to the registry tab where its reader acts, a rejection's
reason, a registration's name in a message and the DER a principal may touch (`der_scope`).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.access import AccessDenied, Principal, der_scope
from data.domain.enums import Severity
from data.domain.errors import InvalidEntry
from data.domain.market_time import trade_date_of
from data.models import Der, Notification
from data.models.base import utcnow

MAX_REASON = 500
LINK = "/registry"
NOTIFICATION_KIND = "registration"


class DuplicateRegistration(InvalidEntry):
    """The registration collides with one already on the platform (same meter, or the same physical DER)."""


def today_or(today: date | None) -> date:
    """`today` when given, else the market's trade date now."""
    return today if today is not None else trade_date_of(utcnow())


def notify(session: Session, org_id: int | None, severity: Severity, text: str, tab: str) -> None:
    """A notification linking to the registry tab where the reader acts or looks (`/registry?tab=...`)."""
    if org_id is None:
        return
    session.add(Notification(organisation_id=org_id, kind=NOTIFICATION_KIND, severity=severity, text=text[:1000],
                             link=f"{LINK}?tab={tab}"))


def rejection_reason(reason: Any, what: str) -> str:
    """The reason a rejection gives, whitespace folded; refused when empty or too long."""
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise InvalidEntry([f"Reason: say why the {what} is rejected"])
    if len(text) > MAX_REASON:
        raise InvalidEntry([f"Reason: at most {MAX_REASON} characters"])
    return text


def der_label(der: Der) -> str:
    """The registration in a message: its platform ID, or its number and name while it has none."""
    return der.platform_id or f"registration #{der.id} “{der.name[:80]}”"


def scoped_der(session: Session, principal: Principal, der_id: Any) -> Der:
    """The DER registration `der_id` if it is in the principal's scope; refused otherwise."""
    if isinstance(der_id, bool) or not isinstance(der_id, int):
        raise InvalidEntry(["DER: choose a registration from the list"])
    der = session.scalar(select(Der).where(Der.id == der_id, der_scope(principal)))
    if der is None:
        raise AccessDenied(f"DER registration #{der_id} does not exist or is not in your territory")
    return der


__all__ = [
    "LINK", "MAX_REASON", "NOTIFICATION_KIND", "DuplicateRegistration", "der_label", "notify", "rejection_reason",
    "scoped_der", "today_or",
]
