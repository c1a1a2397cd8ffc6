"""Read functions about user accounts."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.domain.enums import Role, UserStatus
from data.models import User


def user_roles(session: Session, usernames: Iterable[str]) -> dict[str, Role]:
    """Roles of the named active accounts (for the demo accounts list on the sign-in page)."""
    rows = session.execute(
        select(User.username, User.role).where(User.username.in_(list(usernames)), User.status == UserStatus.ACTIVE)
    )
    return {name: Role(role) for name, role in rows}
