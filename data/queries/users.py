"""Read functions about user accounts and the organisations one may join.

Scope: an administrator (MANAGE_USERS) sees every account; anyone else only the accounts of its own
organisation (an aggregator never reads another organisation's users).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal
from data.domain.enums import OrgKind, OrgStatus, Role, UserStatus
from data.models import Organisation, User

# Organisations anyone may see listed on the application form: the market's public participants.
# DER owners are private parties (never listed to the public): their people join with the organisation's code.
LISTED_KINDS: tuple[OrgKind, ...] = (OrgKind.ISO, OrgKind.LDC, OrgKind.AGGREGATOR, OrgKind.TRANSMITTER)


def user_roles(session: Session, usernames: Iterable[str]) -> dict[str, Role]:
    """Roles of the named active accounts (for the demo accounts list on the sign-in page)."""
    rows = session.execute(
        select(User.username, User.role).where(User.username.in_(list(usernames)), User.status == UserStatus.ACTIVE)
    )
    return {name: Role(role) for name, role in rows}


def user_scope(principal: Principal) -> ColumnElement[bool]:
    """Accounts the principal may read: all for an administrator, else its own organisation's."""
    if principal.can(Permission.MANAGE_USERS):
        return true()
    if principal.is_guest or principal.organisation_id is None:
        return false()
    return User.organisation_id == principal.organisation_id


@dataclass(frozen=True)
class UserRow:
    id: int
    public_id: str
    username: str
    display_name: str
    email: str | None
    phone: str | None
    role: str
    status: str
    status_reason: str | None
    organisation_id: int
    organisation_name: str
    organisation_code: str
    organisation_kind: str
    organisation_status: str
    requested_role: str | None
    requested_organisation_id: int | None
    requested_organisation_name: str | None
    created_at: datetime
    last_login_at: datetime | None

    @property
    def has_pending_change(self) -> bool:
        return self.requested_role is not None or self.requested_organisation_id is not None


@dataclass(frozen=True)
class OrgChoice:
    id: int
    name: str
    kind: str
    status: str = OrgStatus.ACTIVE
    code: str = ""


def _select_rows():  # type: ignore[no-untyped-def]
    requested = aliased(Organisation)
    return (
        select(User.id, User.public_id, User.username, User.display_name, User.email, User.phone, User.role,
               User.status, User.status_reason, User.organisation_id, Organisation.name, Organisation.code,
               Organisation.kind, Organisation.status, User.requested_role, User.requested_organisation_id,
               requested.name, User.created_at, User.last_login_at)
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(requested, requested.id == User.requested_organisation_id)
    )


def list_users(session: Session, principal: Principal, *, statuses: Iterable[str] | None = None,
               pending_change: bool = False) -> list[UserRow]:
    """Accounts in the principal's scope, newest first; optionally by status or with a pending profile change."""
    query = _select_rows().where(user_scope(principal))
    if statuses is not None:
        query = query.where(User.status.in_(list(statuses)))
    if pending_change:
        query = query.where(or_(User.requested_role.is_not(None), User.requested_organisation_id.is_not(None)))
    return [UserRow(*row) for row in session.execute(query.order_by(User.created_at.desc(), User.id.desc()))]


def pending_applications(session: Session, principal: Principal) -> list[UserRow]:
    """Applications for an account waiting for an administrator, oldest first (first come, first served)."""
    rows = list_users(session, principal, statuses=[UserStatus.PENDING])
    return sorted(rows, key=lambda r: (r.created_at, r.id))


def pending_profile_changes(session: Session, principal: Principal) -> list[UserRow]:
    rows = list_users(session, principal, statuses=[UserStatus.ACTIVE], pending_change=True)
    return sorted(rows, key=lambda r: (r.created_at, r.id))


def user_row(session: Session, principal: Principal, user_id: int) -> UserRow | None:
    row = session.execute(_select_rows().where(User.id == user_id, user_scope(principal))).first()
    return UserRow(*row) if row else None


def own_account(session: Session, principal: Principal) -> UserRow | None:
    """The signed-in user's own account (None for a guest)."""
    if principal.user_id is None:
        return None
    return user_row(session, principal, principal.user_id)


def _choices(query) -> list[OrgChoice]:  # type: ignore[no-untyped-def]
    return [OrgChoice(*row) for row in query]


def joinable_organisations(session: Session) -> list[OrgChoice]:
    """Active organisations listed on the application and profile forms (public: no private party's name)."""
    query = (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.status, Organisation.code)
             .where(Organisation.status == OrgStatus.ACTIVE, Organisation.kind.in_(list(LISTED_KINDS)))
             .order_by(Organisation.kind, Organisation.name))
    return _choices(session.execute(query))


def organisation_by_code(session: Session, code: str) -> OrgChoice | None:
    """An active organisation one may join, found by its platform code (how a DER owner's people join it)."""
    text = code.strip().upper()[:32]
    if not text:
        return None
    row = session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind, Organisation.status, Organisation.code)
        .where(Organisation.code == text, Organisation.status == OrgStatus.ACTIVE,
               Organisation.kind != OrgKind.PLATFORM)
    ).first()
    return OrgChoice(*row) if row else None


def organisation_options(session: Session, principal: Principal) -> list[OrgChoice]:
    """Organisations an administrator may put an account in: every one not rejected (pending ones included)."""
    if not principal.can(Permission.MANAGE_USERS):
        return joinable_organisations(session)
    query = (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.status, Organisation.code)
             .where(Organisation.status != OrgStatus.REJECTED)
             .order_by(Organisation.kind, Organisation.name))
    return _choices(session.execute(query))

