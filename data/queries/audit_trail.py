"""The audit rows of some records, oldest first, with who made each change (a person and their organisation)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Organisation, User


@dataclass(frozen=True)
class AuditStep:
    entity_id: str
    at: datetime
    action: str
    who: str  # "name · organisation", or "system" for automation
    after: dict[str, Any]


def audit_trail(session: Session, entity: str, entity_ids: Iterable[int]) -> list[AuditStep]:
    """Callers pass only ids the principal may see: this reads whatever it is given."""
    keys = [str(i) for i in entity_ids]
    if not keys:
        return []
    rows = session.execute(
        select(AuditEntry, User.display_name, Organisation.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Organisation, Organisation.id == AuditEntry.organisation_id)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(keys))
        .order_by(AuditEntry.at, AuditEntry.id))
    return [AuditStep(entity_id=entry.entity_id or "", at=entry.at, action=entry.action,
                      who=" · ".join(p for p in (user, org) if p) or "system", after=entry.after or {})
            for entry, user, org in rows]
