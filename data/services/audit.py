"""The audit trail: one row per change, written in the caller's transaction."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from data.access import Principal
from data.models import AuditEntry
from data.models.base import utcnow


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: object | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=principal.user_id if principal else None,
            organisation_id=principal.organisation_id if principal else None,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
        )
    )
