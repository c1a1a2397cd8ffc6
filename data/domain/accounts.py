"""User accounts: what a valid application for an account is, the account lifecycle, which organisation
fits which role, and the code of a new organisation.

Pure functions over plain data (no framework). DOMAIN.md: anyone may apply for an account; a platform
administrator approves, rejects or edits it; organisation and role changes wait for an administrator too.

Lifecycle of an account (explicit, nothing else is allowed):
    pending -> active | rejected        (an application is decided once)
    active <-> disabled                 (an administrator disables and re-enables)
rejected is final. An organisation named in an application is pending until the application is approved.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from data.domain.enums import OrgKind, OrgStatus, Role, UserStatus
from data.domain.errors import DomainError, InvalidEntry, problem_field
from data.domain.transitions import Transitions

__all__ = [
    "APPLICABLE_ROLES",
    "APPROVABLE_ROLES",
    "FIELD_LABELS",
    "MIN_PASSWORD",
    "NEW_ORGANISATION_KINDS",
    "ORG_KIND_LABELS",
    "ORG_TRANSITIONS",
    "USER_TRANSITIONS",
    "AccountDraft",
    "InvalidAccount",
    "check_can_disable",
    "check_org_transition",
    "check_user_transition",
    "clean_reason",
    "fitting_kinds",
    "normalise_email",
    "normalise_username",
    "organisation_code",
    "problem_field",
    "kinds_text",
    "role_fits_kind",
    "validate_application",
    "validate_contact",
    "validate_display_name",
]

MIN_PASSWORD = 12
MAX_PASSWORD = 200
MAX_NAME = 200
MAX_EMAIL = 200
MAX_PHONE = 40
MAX_REASON = 500
MAX_CODE = 32
USERNAME_LENGTH = (3, 40)
ORG_NAME_LENGTH = (3, 200)

# What one may ask for: never the administrator (granted by another administrator) nor a guest (no account).
APPLICABLE_ROLES: tuple[Role, ...] = (Role.DER_OWNER, Role.AGGREGATOR, Role.DSO_OPERATOR, Role.TSO_OPERATOR,
                                      Role.MANAGER)
# What an administrator may grant on approval: also another administrator of the platform organisation.
APPROVABLE_ROLES: tuple[Role, ...] = (*APPLICABLE_ROLES, Role.ADMIN)
# A new organisation may be named in an application; the IESO and the platform operator exist already.
NEW_ORGANISATION_KINDS: tuple[OrgKind, ...] = (OrgKind.LDC, OrgKind.AGGREGATOR, OrgKind.DER_OWNER,
                                               OrgKind.TRANSMITTER)
# The organisation kinds each role works for (a manager: any organisation).
_KINDS_FOR_ROLE: dict[Role, frozenset[OrgKind]] = {
    Role.DSO_OPERATOR: frozenset({OrgKind.LDC}),
    Role.TSO_OPERATOR: frozenset({OrgKind.ISO}),
    Role.AGGREGATOR: frozenset({OrgKind.AGGREGATOR}),
    Role.DER_OWNER: frozenset({OrgKind.DER_OWNER}),
    Role.MANAGER: frozenset(OrgKind),
    Role.ADMIN: frozenset({OrgKind.PLATFORM}),
}
ORG_KIND_LABELS: dict[OrgKind, str] = {
    OrgKind.ISO: "IESO", OrgKind.LDC: "LDC (local distribution company)", OrgKind.AGGREGATOR: "DER aggregator",
    OrgKind.DER_OWNER: "DER owner", OrgKind.TRANSMITTER: "Transmitter", OrgKind.PLATFORM: "Platform operator",
}
RESERVED_USERNAMES = frozenset({"guest", "admin", "administrator", "root", "system", "platform", "support"})

# The form's field names and the label each problem starts with ("display name: ...").
FIELD_LABELS: dict[str, str] = {
    "username": "username",
    "display_name": "display name",
    "email": "email",
    "phone": "phone",
    "password": "password",
    "password_confirm": "password confirmation",
    "requested_role": "role",
    "organisation": "organisation",
    "organisation_code": "organisation code",
    "new_organisation_name": "new organisation name",
    "new_organisation_kind": "new organisation kind",
}

U = UserStatus
USER_TRANSITIONS: dict[UserStatus, frozenset[UserStatus]] = {
    U.PENDING: frozenset({U.ACTIVE, U.REJECTED}),
    U.ACTIVE: frozenset({U.DISABLED}),
    U.DISABLED: frozenset({U.ACTIVE}),
    U.REJECTED: frozenset(),
}
ORG_TRANSITIONS: dict[OrgStatus, frozenset[OrgStatus]] = {
    OrgStatus.PENDING: frozenset({OrgStatus.ACTIVE, OrgStatus.REJECTED}),
    OrgStatus.ACTIVE: frozenset(),
    OrgStatus.REJECTED: frozenset(),
}
_USER_LIFECYCLE = Transitions(UserStatus, USER_TRANSITIONS, "an account")
_ORG_LIFECYCLE = Transitions(OrgStatus, ORG_TRANSITIONS, "an organisation")
check_user_transition = _USER_LIFECYCLE.check
check_org_transition = _ORG_LIFECYCLE.check


class InvalidAccount(InvalidEntry):
    """An application or a profile entry with problems, one per field ("email: ...")."""


_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[a-z]{2,}")
_PHONE = re.compile(r"\+?[0-9 ().-]+(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_username(text: str) -> str:
    return text.strip().lower()


def normalise_email(text: str) -> str:
    return text.strip().lower()


def fitting_kinds(role: Role | str) -> frozenset[OrgKind]:
    try:
        return _KINDS_FOR_ROLE.get(Role(role), frozenset())
    except ValueError:
        return frozenset()


def role_fits_kind(role: Role | str, kind: OrgKind | str) -> bool:
    try:
        return OrgKind(kind) in fitting_kinds(role)
    except ValueError:
        return False


def kinds_text(kinds: Collection[OrgKind]) -> str:
    if set(kinds) == set(OrgKind):
        return "any organisation"
    names = {OrgKind.LDC: "an LDC", OrgKind.ISO: "the IESO", OrgKind.AGGREGATOR: "an aggregator",
             OrgKind.DER_OWNER: "a DER owner", OrgKind.TRANSMITTER: "a transmitter",
             OrgKind.PLATFORM: "the platform operator"}
    return " or ".join(names[k] for k in sorted(kinds))


def _text_problems(label: str, value: str, lo: int, hi: int) -> list[str]:
    if not value.strip():
        return [f"{label}: required"]
    if _CONTROL.search(value):
        return [f"{label}: remove the line breaks and control characters"]
    if not lo <= len(value.strip()) <= hi:
        return [f"{label}: use {lo} to {hi} characters"]
    return []


def validate_display_name(display_name: str) -> list[str]:
    return _text_problems("display name", display_name, 2, MAX_NAME)


def validate_contact(display_name: str, email: str, phone: str) -> list[str]:
    """The contact details everyone relies on: a name, a working email address and a phone number."""
    problems = validate_display_name(display_name)
    mail = normalise_email(email)
    if not mail:
        problems.append("email: required")
    elif len(mail) > MAX_EMAIL or not _EMAIL.fullmatch(mail):
        problems.append("email: enter an address like name@example.ca")
    number = phone.strip().lower()
    digits = sum(c.isdigit() for c in re.split(r"x|ext", number)[0])
    if not number:
        problems.append("phone: required")
    elif len(number) > MAX_PHONE or not _PHONE.fullmatch(number) or not 7 <= digits <= 15:
        problems.append("phone: enter a number like +1 416 555 0100 (7 to 15 digits, optional ext.)")
    return problems


@dataclass(frozen=True)
class AccountDraft:
    """An application as typed (strings, stripped by the caller or not) plus what the database knows.

    ``organisation_kind`` is the kind of the existing organisation picked (None: none picked or not found);
    exactly one of an existing organisation and a new organisation's name must be given.
    """

    username: str
    display_name: str
    email: str
    phone: str
    password: str
    password_confirm: str
    requested_role: str
    organisation_picked: bool = False
    organisation_kind: OrgKind | None = None
    new_organisation_name: str = ""
    new_organisation_kind: str = ""


def validate_application(draft: AccountDraft) -> list[str]:
    """Every problem of an application, field by field ("field: what is wrong"); empty when valid."""
    problems: list[str] = []
    username = normalise_username(draft.username)
    lo, hi = USERNAME_LENGTH
    if not username:
        problems.append("username: required")
    elif not lo <= len(username) <= hi or not _USERNAME.fullmatch(username):
        problems.append(f"username: use {lo} to {hi} letters, digits, '.', '-' or '_', starting with a letter or "
                        "digit")
    elif username in RESERVED_USERNAMES:
        problems.append("username: this name is reserved; choose another")
    problems += validate_contact(draft.display_name, draft.email, draft.phone)
    if not draft.password:
        problems.append("password: required")
    elif not MIN_PASSWORD <= len(draft.password) <= MAX_PASSWORD:
        problems.append(f"password: use {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    elif draft.password.strip().lower() == username:
        problems.append("password: must not be your username")
    if draft.password and draft.password_confirm != draft.password:
        problems.append("password confirmation: does not match the password")
    role = _role(draft.requested_role)
    if role not in APPLICABLE_ROLES:
        problems.append("role: choose the role you need (an administrator account cannot be asked for)")
        role = None
    problems += _organisation_problems(draft, role)
    return problems


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def _organisation_problems(draft: AccountDraft, role: Role | None) -> list[str]:
    new_name = draft.new_organisation_name.strip()
    if draft.organisation_picked:
        if draft.organisation_kind is None:
            return ["organisation: not an organisation you can join; pick one from the list"]
        if role is not None and not role_fits_kind(role, draft.organisation_kind):
            return [f"organisation: {role.label} accounts belong to {kinds_text(fitting_kinds(role))}"]
        return []
    if not new_name and not draft.new_organisation_kind:
        return ["organisation: pick your organisation, or choose a new organisation and name it"]
    problems = _text_problems("new organisation name", draft.new_organisation_name, *ORG_NAME_LENGTH)
    try:
        kind: OrgKind | None = OrgKind(draft.new_organisation_kind)
    except ValueError:
        kind = None
    if kind not in NEW_ORGANISATION_KINDS:
        problems.append("new organisation kind: choose LDC, aggregator, DER owner or transmitter")
    elif role is not None and not role_fits_kind(role, kind):
        fits = fitting_kinds(role) & set(NEW_ORGANISATION_KINDS)
        problems.append(f"new organisation kind: {role.label} accounts belong to {kinds_text(fitting_kinds(role))}" + (
            "" if fits else "; pick it from the list instead"))
    return problems


def clean_reason(reason: str | None, label: str = "reason") -> str:
    """A required reason (rejections, disabling): stripped; InvalidAccount when blank or too long."""
    text = (reason or "").strip()
    if not text:
        raise InvalidAccount([f"{label}: required, so the person knows why"])
    if len(text) > MAX_REASON:
        raise InvalidAccount([f"{label}: at most {MAX_REASON} characters"])
    return text


def check_can_disable(actor_user_id: int | None, target_user_id: int, target_role: Role | str,
                      active_admins: int) -> None:
    """An administrator never disables themselves nor the last active administrator (nobody could undo it)."""
    if actor_user_id == target_user_id:
        raise DomainError("you cannot disable your own account; ask another administrator")
    if target_role == Role.ADMIN and active_admins <= 1:
        raise DomainError("this is the last active administrator: enable or approve another one first")


def _ascii_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else " " for c in plain.upper()).split()


def organisation_code(name: str, taken: Collection[str]) -> str:
    """A unique code for a new organisation from its name: "Bright Grid Energy Inc." -> "BRIGHT-GRID-ENERGY-INC",
    then "-2", "-3", ... when taken (compared case-insensitively); at most 32 characters."""
    words = _ascii_words(name) or ["ORG"]
    base = words[0][:MAX_CODE]
    for word in words[1:]:
        if len(base) + 1 + len(word) > MAX_CODE - 3:  # leave room for a "-2" .. "-99" suffix
            break
        base = f"{base}-{word}"
    used = {t.upper() for t in taken}
    if base not in used:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_CODE - len(suffix)].rstrip("-") + suffix
        if candidate not in used:
            return candidate
        n += 1
