"""Accounts: sign-in, the principal of a session, preferences and the first administrator."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal, territory_of
from data.domain.enums import OrgKind, Role, UserStatus
from data.domain.identifiers import USER_PREFIX, parse_sequence, user_public_id
from data.models import Organisation, User
from data.models.base import utcnow
from data.services import audit
from data.services.passwords import hash_password, verify_password

THEMES = ("light", "dark")
# Checked against when the username is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class Preferences:
    theme: str
    wall_mode: bool


def principal_for(session: Session, user: User) -> Principal:
    org = user.organisation
    kind = OrgKind(org.kind)
    return Principal(
        role=Role(user.role),
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=kind,
        territory_ldc_ids=territory_of(session, org.id) if kind is OrgKind.LDC else (),
    )


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """The principal for valid credentials of an active user, else None (and no hint why)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or user.status != UserStatus.ACTIVE:
        return None
    user.last_login_at = utcnow()
    principal = principal_for(session, user)
    audit.record(session, principal, "sign_in", "user", user.id)
    return principal


def load_principal(session: Session, user_id: int) -> Principal | None:
    """Re-read on every request, so disabling a user ends their sessions at once."""
    user = session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    return principal_for(session, user)


def preferences(session: Session, principal: Principal) -> Preferences:
    if principal.user_id is None:
        return Preferences(theme="light", wall_mode=False)
    user = session.get(User, principal.user_id)
    assert user is not None
    return Preferences(theme=user.theme, wall_mode=user.wall_mode)


def set_preferences(
    session: Session, principal: Principal, *, theme: str | None = None, wall_mode: bool | None = None
) -> Preferences:
    principal.require(Permission.EDIT_PREFERENCES)
    if theme is not None and theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}: choose one of {', '.join(THEMES)}")
    user = session.get(User, principal.user_id)
    assert user is not None
    before = {"theme": user.theme, "wall_mode": user.wall_mode}
    if theme is not None:
        user.theme = theme
    if wall_mode is not None:
        user.wall_mode = wall_mode
    after = {"theme": user.theme, "wall_mode": user.wall_mode}
    if after != before:
        audit.record(session, principal, "set_preferences", "user", user.id, before, after)
    return Preferences(**after)


def next_public_id(session: Session) -> str:
    last = session.scalar(select(func.max(User.public_id)))
    return user_public_id(parse_sequence(last, USER_PREFIX) + 1 if last else 1)


def create_first_admin(session: Session, *, username: str, password: str, display_name: str) -> User:
    """For a production install (DEMO=0): the platform organisation and its first administrator."""
    if session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)):
        raise ValueError("an administrator already exists: sign in and manage users instead")
    if len(password) < 12:
        raise ValueError("choose a password of at least 12 characters")
    org = session.scalar(select(Organisation).where(Organisation.kind == OrgKind.PLATFORM))
    if org is None:
        org = Organisation(code="PLATFORM", name="Platform operator", kind=OrgKind.PLATFORM)
        session.add(org)
        session.flush()
    user = User(
        public_id=next_public_id(session),
        username=username,
        display_name=display_name,
        role=Role.ADMIN,
        organisation_id=org.id,
        password_hash=hash_password(password),
        status=UserStatus.ACTIVE,
    )
    session.add(user)
    session.flush()
    audit.record(session, None, "create_first_admin", "user", user.id, after={"username": username})
    return user
