"""Accounts through their lifecycle: applications, administrator decisions, disabling, and profile changes.

Each function works in the caller's transaction and writes, in it, the change, one audit row per thing changed
(before/after) and a notification: to the platform administrators when something waits for them, to the
account's organisation when an administrator decided. Decisions are compare-and-set on the state the
administrator saw (``expected_status``, the requested change): of two administrators deciding the same
application, the second is told it was already decided, never merged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.access import Permission, Principal
from data.domain.accounts import (
    APPLICABLE_ROLES,
    APPROVABLE_ROLES,
    AccountDraft,
    InvalidAccount,
    check_can_disable,
    check_org_transition,
    check_user_transition,
    clean_reason,
    fitting_kinds,
    kinds_text,
    normalise_email,
    normalise_username,
    role_fits_kind,
    validate_application,
    validate_contact,
    validate_display_name,
)
from data.domain.accounts import organisation_code as new_organisation_code
from data.domain.enums import OrgKind, OrgStatus, Role, Severity, UserStatus
from data.domain.errors import DomainError, StaleEdit
from data.models import Notification, Organisation, User
from data.queries.users import organisation_by_code
from data.services import audit
from data.services.accounts import next_public_id
from data.services.passwords import hash_password

__all__ = [
    "NOTIFICATION_KIND",
    "ProfileChange",
    "apply_for_account",
    "approve_application",
    "approve_profile_change",
    "disable_user",
    "enable_user",
    "reject_application",
    "reject_profile_change",
    "request_profile_change",
    "update_contact",
    "withdraw_profile_change",
]

NOTIFICATION_KIND = "account"
AUDIT_ENTITY = "user"
ORG_ENTITY = "organisation"
REVIEW_LINK = "/accounts"
PROFILE_LINK = "/profile"
_ID_ATTEMPTS = 5


@dataclass(frozen=True)
class ProfileChange:
    """A pending organisation / role change as the administrator saw it (None: that part unchanged)."""

    role: str | None
    organisation_id: int | None


def _user_state(user: User) -> dict[str, Any]:
    return {"status": user.status, "role": user.role, "organisation_id": user.organisation_id,
            "display_name": user.display_name, "email": user.email, "phone": user.phone,
            "requested_role": user.requested_role, "requested_organisation_id": user.requested_organisation_id,
            "status_reason": user.status_reason}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in before if before[k] != after.get(k)]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def _label(user: User) -> str:
    return f"{user.display_name} ({user.username}, {user.public_id})"


def _notify_admins(session: Session, text: str) -> None:
    """One notification per active administrator of the platform operator (its organisation if it has none)."""
    platform = session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.PLATFORM)).all()
    if not platform:
        return
    admins = session.execute(
        select(User.id, User.organisation_id).where(User.organisation_id.in_(platform), User.role == Role.ADMIN,
                                                    User.status == UserStatus.ACTIVE)
    ).all()
    targets = admins or [(None, platform[0])]
    for user_id, org_id in targets:
        session.add(Notification(organisation_id=org_id, user_id=user_id, kind=NOTIFICATION_KIND,
                                 severity=Severity.ACTION, text=text[:1000], link=REVIEW_LINK))


def _notify_user(session: Session, user: User, text: str, severity: Severity = Severity.INFORMATION) -> None:
    session.add(Notification(organisation_id=user.organisation_id, user_id=user.id, kind=NOTIFICATION_KIND,
                             severity=severity, text=text[:1000], link=PROFILE_LINK))


# --- applying ----------------------------------------------------------------------------------------------


def _email_taken(session: Session, email: str, except_user: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == email)
    if except_user is not None:
        query = query.where(User.id != except_user)
    return session.scalar(query.limit(1)) is not None


def apply_for_account(
    session: Session, *, username: str, display_name: str, email: str, phone: str, password: str,
    requested_role: str, organisation_id: int | None = None, new_organisation_name: str | None = None,
    new_organisation_kind: str | None = None, password_confirm: str | None = None,
    organisation_code: str | None = None,
) -> User:
    """Anyone's application for an account: a pending User (and a pending Organisation when a new one is named),
    a new public ID, an audit row and a notification to the platform administrators. InvalidAccount lists every
    problem, field by field, and nothing is stored."""
    by_code = bool(organisation_code and organisation_code.strip()) and organisation_id is None
    if by_code:
        found = organisation_by_code(session, organisation_code or "")
        organisation_id = found.id if found else -1  # -1: no such organisation (reported below, nothing stored)
    org = session.get(Organisation, organisation_id) if organisation_id is not None else None
    joinable = org is not None and org.status == OrgStatus.ACTIVE and org.kind != OrgKind.PLATFORM
    draft = AccountDraft(
        username=username, display_name=display_name, email=email, phone=phone, password=password,
        password_confirm=password if password_confirm is None else password_confirm,
        requested_role=requested_role, organisation_picked=organisation_id is not None,
        organisation_kind=OrgKind(org.kind) if joinable and org is not None else None,
        new_organisation_name=new_organisation_name or "", new_organisation_kind=new_organisation_kind or "",
    )
    problems = validate_application(draft)
    if by_code:  # the organisation was given by its code: say so next to that field
        problems = [f"organisation code: {p.split(': ', 1)[1]}" if p.startswith("organisation:") else p
                    for p in problems]
        if organisation_id == -1:
            problems = [p for p in problems if not p.startswith("organisation code:")]
            problems.append("organisation code: no active organisation has this code; check it with your "
                            "organisation, or leave it empty and pick or name your organisation")
    name, mail = normalise_username(username), normalise_email(email)
    failed = {p.split(":", 1)[0] for p in problems}
    if "username" not in failed and session.scalar(select(User.id).where(func.lower(User.username) == name)):
        problems.append("username: already taken; choose another")
    if "email" not in failed and _email_taken(session, mail):
        problems.append("email: an account with this address exists already; sign in, or ask an administrator")
    new_name = (new_organisation_name or "").strip()
    if organisation_id is None and "new organisation name" not in failed and session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == new_name.lower())
    ):
        problems.append("new organisation name: an organisation of this name exists already; pick it from the "
                        "list or enter its code")
    if problems:
        raise InvalidAccount(problems)

    if org is None:
        taken = session.scalars(select(Organisation.code)).all()
        org = Organisation(code=new_organisation_code(new_name, taken), name=new_name, kind=new_organisation_kind,
                           status=OrgStatus.PENDING, contact_email=mail)
        session.add(org)
        session.flush()
        audit.record(session, None, "apply_new_organisation", ORG_ENTITY, org.id,
                     after={"code": org.code, "name": org.name, "kind": org.kind, "status": org.status})
    user = _insert_user(session, User(
        username=name, display_name=display_name.strip(), email=mail, phone=phone.strip(),
        role=Role(requested_role), organisation_id=org.id, password_hash=hash_password(password),
        status=UserStatus.PENDING,
    ))
    audit.record(session, None, "apply_for_account", AUDIT_ENTITY, user.id,
                 after={"public_id": user.public_id, "username": user.username, "role": user.role,
                        "organisation_id": org.id, "status": user.status})
    new_org = " (new organisation, pending)" if org.status == OrgStatus.PENDING else ""
    _notify_admins(session, f"New application for an account: {_label(user)} asks to be "
                            f"{Role(user.role).label} at {org.name}{new_org}.")
    return user


def _insert_user(session: Session, user: User) -> User:
    """Insert with the next public ID; a concurrent application that took the same ID makes us take the next."""
    for _attempt in range(_ID_ATTEMPTS):
        user.public_id = next_public_id(session)
        try:
            with session.begin_nested():
                session.add(user)
                session.flush()
            return user
        except IntegrityError:
            if session.scalar(select(User.id).where(func.lower(User.username) == user.username)):
                raise InvalidAccount(["username: already taken; choose another"]) from None
    raise DomainError("the platform is busy handing out account IDs: please send the form again")


# --- administrator decisions -------------------------------------------------------------------------------


def _load(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise DomainError(f"account #{user_id} does not exist")
    return user


def _already(user: User, expected: str) -> StaleEdit:
    if expected == UserStatus.PENDING:
        return StaleEdit(f"the application of {user.username} was already decided (it is now {user.status}); "
                         "nothing was changed")
    return StaleEdit(f"the account {user.username} is now {user.status}, not {expected}: someone else changed it "
                     "first; nothing was changed")


def _move(session: Session, principal: Principal, user: User, expected: str, target: UserStatus, action: str,
          **values: Any) -> None:
    """Compare-and-set the account's status (refused when another administrator moved it first), audit-logged."""
    if user.status != expected:
        raise _already(user, expected)
    check_user_transition(user.status, target)
    before = _user_state(user)
    done = session.execute(
        update(User).where(User.id == user.id, User.status == expected)
        .values(status=target, **values).execution_options(synchronize_session=False)
    )
    session.refresh(user)
    if done.rowcount != 1:
        raise _already(user, expected)
    audit.record(session, principal, action, AUDIT_ENTITY, user.id, *_diff(before, _user_state(user)))


def _organisation_for(session: Session, organisation_id: int, role: str, *, allow_pending: int | None = None
                      ) -> Organisation:
    org = session.get(Organisation, organisation_id)
    usable = org is not None and (org.status == OrgStatus.ACTIVE or org.id == allow_pending)
    if org is None or not usable:
        raise InvalidAccount(["organisation: not an active organisation"])
    if not role_fits_kind(role, org.kind):
        kinds = kinds_text(fitting_kinds(role))
        raise InvalidAccount([f"organisation: {Role(role).label} accounts belong to {kinds}; {org.name} is not one"])
    return org


def approve_application(
    session: Session, principal: Principal, user_id: int, *, role: str | None = None,
    organisation_id: int | None = None, display_name: str | None = None, expected_status: str = "pending",
) -> User:
    """Approve a pending application, optionally correcting its display name, role and organisation first; a
    pending organisation it names becomes active with it."""
    principal.require(Permission.MANAGE_USERS)
    user = _load(session, user_id)
    if user.status != expected_status:
        raise _already(user, expected_status)
    applied_to = user.organisation_id
    new_role = role or user.role
    if new_role not in APPROVABLE_ROLES:
        raise InvalidAccount(["role: choose one of " + ", ".join(r.label for r in APPROVABLE_ROLES)])
    org = _organisation_for(session, organisation_id or user.organisation_id, new_role,
                            allow_pending=user.organisation_id)
    name = user.display_name if display_name is None else display_name.strip()
    problems = validate_display_name(name)
    if problems:
        raise InvalidAccount(problems)
    _move(session, principal, user, expected_status, UserStatus.ACTIVE, "approve_application", role=new_role,
          organisation_id=org.id, display_name=name, status_reason=None)
    if org.status == OrgStatus.PENDING:
        check_org_transition(org.status, OrgStatus.ACTIVE)
        org.status = OrgStatus.ACTIVE
        audit.record(session, principal, "approve_organisation", ORG_ENTITY, org.id,
                     {"status": OrgStatus.PENDING.value}, {"status": OrgStatus.ACTIVE.value})
    _reject_orphan(session, principal, applied_to, except_user=user.id)
    _notify_user(session, user, f"The account of {_label(user)} was approved by {principal.display_name}: "
                                f"{Role(user.role).label} at {org.name}. You can sign in now.", Severity.COMPLIANT)
    return user


def _reject_orphan(session: Session, principal: Principal, organisation_id: int, except_user: int) -> None:
    """A pending organisation nobody else waits for is rejected with the application that named it."""
    org = session.get(Organisation, organisation_id)
    if org is None or org.status != OrgStatus.PENDING:
        return
    others = session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == org.id, User.id != except_user,
        User.status.in_((UserStatus.PENDING, UserStatus.ACTIVE, UserStatus.DISABLED))))
    if others:
        return
    check_org_transition(org.status, OrgStatus.REJECTED)
    org.status = OrgStatus.REJECTED
    audit.record(session, principal, "reject_organisation", ORG_ENTITY, org.id,
                 {"status": OrgStatus.PENDING.value}, {"status": OrgStatus.REJECTED.value})


def reject_application(session: Session, principal: Principal, user_id: int, *, reason: str,
                       expected_status: str = "pending") -> User:
    principal.require(Permission.MANAGE_USERS)
    text = clean_reason(reason)
    user = _load(session, user_id)
    _move(session, principal, user, expected_status, UserStatus.REJECTED, "reject_application", status_reason=text)
    _reject_orphan(session, principal, user.organisation_id, except_user=user.id)
    _notify_user(session, user, f"The application of {_label(user)} was rejected: {text}", Severity.ACTION)
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)) or 0


def disable_user(session: Session, principal: Principal, user_id: int, *, reason: str,
                 expected_status: str = "active") -> User:
    """Disable an active account (its sessions end at once); never one's own nor the last administrator."""
    principal.require(Permission.MANAGE_USERS)
    text = clean_reason(reason)
    user = _load(session, user_id)
    check_can_disable(principal.user_id, user.id, user.role, _active_admins(session))
    _move(session, principal, user, expected_status, UserStatus.DISABLED, "disable_user", status_reason=text)
    _notify_user(session, user, f"The account of {_label(user)} was disabled by {principal.display_name}: {text}",
                 Severity.ACTION)
    return user


def enable_user(session: Session, principal: Principal, user_id: int, *, expected_status: str = "disabled") -> User:
    principal.require(Permission.MANAGE_USERS)
    user = _load(session, user_id)
    org = session.get(Organisation, user.organisation_id)
    if org is not None and org.status != OrgStatus.ACTIVE:
        raise DomainError(f"{org.name} is {org.status}: move the account to an active organisation first")
    _move(session, principal, user, expected_status, UserStatus.ACTIVE, "enable_user", status_reason=None)
    _notify_user(session, user, f"The account of {_label(user)} was enabled again by {principal.display_name}.",
                 Severity.COMPLIANT)
    return user


# --- the user's own profile --------------------------------------------------------------------------------


def _own(session: Session, principal: Principal) -> User:
    principal.require(Permission.EDIT_PROFILE)
    if principal.user_id is None:
        raise DomainError("sign in with an account to change a profile")
    return _load(session, principal.user_id)


def update_contact(session: Session, principal: Principal, *, display_name: str, email: str, phone: str) -> User:
    """Contact details change at once (nobody else's records depend on them); audit-logged."""
    user = _own(session, principal)
    problems = validate_contact(display_name, email, phone)
    mail = normalise_email(email)
    if not any(p.startswith("email") for p in problems) and _email_taken(session, mail, except_user=user.id):
        problems.append("email: another account uses this address")
    if problems:
        raise InvalidAccount(problems)
    before = _user_state(user)
    user.display_name, user.email, user.phone = display_name.strip(), mail, phone.strip()
    old, new = _diff(before, _user_state(user))
    if new:
        audit.record(session, principal, "update_contact", AUDIT_ENTITY, user.id, old, new)
    return user


def request_profile_change(session: Session, principal: Principal, *, role: str | None = None,
                           organisation_id: int | None = None) -> User:
    """Ask for another role and/or organisation: recorded as requested_*, applied when an administrator approves.
    A new request replaces a pending one."""
    user = _own(session, principal)
    want_role = role if role and role != user.role else None
    want_org = organisation_id if organisation_id and organisation_id != user.organisation_id else None
    if want_role is None and want_org is None:
        raise InvalidAccount(["role: choose a different role or organisation to ask for a change"])
    problems = []
    if want_role is not None and want_role not in APPLICABLE_ROLES:
        problems.append("role: choose one of " + ", ".join(r.label for r in APPLICABLE_ROLES))
    if problems:
        raise InvalidAccount(problems)
    target_role = want_role or user.role
    org = _organisation_for(session, want_org or user.organisation_id, target_role, allow_pending=None
                            if want_org else user.organisation_id)
    before = _user_state(user)
    user.requested_role, user.requested_organisation_id = want_role, want_org
    audit.record(session, principal, "request_profile_change", AUDIT_ENTITY, user.id,
                 *_diff(before, _user_state(user)))
    parts = [f"role {Role(want_role).label}"] if want_role else []
    parts += [f"organisation {org.name}"] if want_org else []
    _notify_admins(session, f"{_label(user)} asks for a profile change: {' and '.join(parts)}.")
    return user


def withdraw_profile_change(session: Session, principal: Principal) -> User:
    user = _own(session, principal)
    if user.requested_role is None and user.requested_organisation_id is None:
        raise DomainError("there is no pending change to withdraw")
    before = _user_state(user)
    user.requested_role = user.requested_organisation_id = None
    audit.record(session, principal, "withdraw_profile_change", AUDIT_ENTITY, user.id,
                 *_diff(before, _user_state(user)))
    return user


def _claim_change(session: Session, user: User, expected: ProfileChange) -> None:
    """Compare-and-clear the pending change the administrator saw: refused when it was withdrawn or replaced."""
    seen = ProfileChange(user.requested_role, user.requested_organisation_id)
    if user.status != UserStatus.ACTIVE or seen != expected or (seen.role is None and seen.organisation_id is None):
        raise StaleEdit(f"the profile change of {user.username} was already decided, withdrawn or replaced; "
                        "nothing was changed")
    query = update(User).where(User.id == user.id, User.status == UserStatus.ACTIVE)
    for column, value in ((User.requested_role, expected.role),
                          (User.requested_organisation_id, expected.organisation_id)):
        query = query.where(column.is_(None) if value is None else column == value)
    done = session.execute(query.values(requested_role=None, requested_organisation_id=None)
                           .execution_options(synchronize_session=False))
    session.refresh(user)
    if done.rowcount != 1:
        raise StaleEdit(f"the profile change of {user.username} was already decided, withdrawn or replaced; "
                        "nothing was changed")


def approve_profile_change(session: Session, principal: Principal, user_id: int, *, expected: ProfileChange) -> User:
    principal.require(Permission.MANAGE_USERS)
    user = _load(session, user_id)
    if user.id == principal.user_id:
        raise DomainError("another administrator must approve a change to your own profile")
    target_role = expected.role or user.role
    org = _organisation_for(session, expected.organisation_id or user.organisation_id, target_role,
                            allow_pending=None if expected.organisation_id else user.organisation_id)
    if user.role == Role.ADMIN and target_role != Role.ADMIN and user.status == UserStatus.ACTIVE:
        check_can_disable(principal.user_id, user.id, user.role, _active_admins(session))
    before = _user_state(user)
    _claim_change(session, user, expected)
    user.role, user.organisation_id = target_role, org.id
    session.flush()
    audit.record(session, principal, "approve_profile_change", AUDIT_ENTITY, user.id,
                 *_diff(before, _user_state(user)))
    _notify_user(session, user, f"The profile change of {_label(user)} was approved: now {Role(target_role).label} "
                                f"at {org.name}.", Severity.COMPLIANT)
    return user


def reject_profile_change(session: Session, principal: Principal, user_id: int, *, expected: ProfileChange,
                          reason: str) -> User:
    principal.require(Permission.MANAGE_USERS)
    text = clean_reason(reason)
    user = _load(session, user_id)
    before = _user_state(user)
    _claim_change(session, user, expected)
    old, new = _diff(before, _user_state(user))
    audit.record(session, principal, "reject_profile_change", AUDIT_ENTITY, user.id, old, {**new, "reason": text})
    _notify_user(session, user, f"The profile change asked for by {_label(user)} was rejected: {text}",
                 Severity.ACTION)
    return user
