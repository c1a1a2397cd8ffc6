"""The pure account rules: application fields, the account lifecycle, role/organisation fit, organisation codes."""
from __future__ import annotations

import dataclasses

import pytest

from data.domain.accounts import (
    APPLICABLE_ROLES,
    MAX_CODE,
    MIN_PASSWORD,
    AccountDraft,
    InvalidAccount,
    check_can_disable,
    check_org_transition,
    check_user_transition,
    clean_reason,
    organisation_code,
    problem_field,
    role_fits_kind,
    validate_application,
    validate_contact,
)
from data.domain.enums import OrgKind, OrgStatus, Role, UserStatus
from data.domain.errors import DomainError, IllegalTransition

GOOD = AccountDraft(
    username="amira.haddad", display_name="Amira Haddad", email="amira@brightgrid.ca", phone="+1 416 555 0142",
    password="correct horse battery", password_confirm="correct horse battery", requested_role="aggregator",
    new_organisation_name="Bright Grid Energy Inc.", new_organisation_kind="aggregator",
)


def fields(draft: AccountDraft) -> set[str]:
    return {problem_field(p) for p in validate_application(draft)}


def test_a_complete_application_is_valid() -> None:
    assert validate_application(GOOD) == []
    picked = dataclasses.replace(GOOD, new_organisation_name="", new_organisation_kind="", organisation_picked=True,
                                 organisation_kind=OrgKind.AGGREGATOR)
    assert validate_application(picked) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"username": ""}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "x" * 41}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": "-leading"}, "username"),
    ({"username": "guest"}, "username"),
    ({"username": "ADMIN"}, "username"),
    ({"display_name": " "}, "display name"),
    ({"display_name": "A"}, "display name"),
    ({"display_name": "Line\nbreak"}, "display name"),
    ({"email": ""}, "email"),
    ({"email": "no-at-sign.ca"}, "email"),
    ({"email": "two@@example.ca"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"email": "x@example.ca<script>"}, "email"),
    ({"phone": ""}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "+1 416 555 0142 4165550142"}, "phone"),
    ({"password": "", "password_confirm": ""}, "password"),
    ({"password": "x" * (MIN_PASSWORD - 1), "password_confirm": "x" * (MIN_PASSWORD - 1)}, "password"),
    ({"password": "amira.haddad", "password_confirm": "amira.haddad"}, "password"),
    ({"password_confirm": "something else entirely"}, "password confirmation"),
    ({"requested_role": "admin"}, "role"),
    ({"requested_role": "guest"}, "role"),
    ({"requested_role": "superuser"}, "role"),
    ({"new_organisation_name": "", "new_organisation_kind": ""}, "organisation"),
    ({"new_organisation_name": "AB"}, "new organisation name"),
    ({"new_organisation_kind": "platform"}, "new organisation kind"),
    ({"new_organisation_kind": "iso"}, "new organisation kind"),
    ({"new_organisation_kind": "ldc"}, "new organisation kind"),  # an aggregator's organisation is an aggregator
])
def test_each_bad_field_is_named(change: dict[str, str], field: str) -> None:
    assert fields(dataclasses.replace(GOOD, **change)) == {field}


def test_every_problem_is_reported_at_once() -> None:
    bad = AccountDraft(username="", display_name="", email="", phone="", password="short", password_confirm="",
                       requested_role="", new_organisation_name="", new_organisation_kind="")
    assert fields(bad) == {"username", "display name", "email", "phone", "password", "password confirmation",
                           "role", "organisation"}


def test_a_picked_organisation_must_exist_and_fit_the_role() -> None:
    picked = dataclasses.replace(GOOD, new_organisation_name="", new_organisation_kind="", organisation_picked=True)
    assert fields(dataclasses.replace(picked, organisation_kind=None)) == {"organisation"}
    wrong = validate_application(dataclasses.replace(picked, organisation_kind=OrgKind.LDC))
    assert wrong == ["organisation: Aggregator accounts belong to an aggregator"]
    as_manager = dataclasses.replace(picked, requested_role="manager", organisation_kind=OrgKind.LDC)
    assert validate_application(as_manager) == []


def test_a_new_iso_cannot_be_named_so_an_ieso_operator_picks_the_ieso() -> None:
    draft = dataclasses.replace(GOOD, requested_role="tso_operator", new_organisation_kind="ldc")
    [problem] = validate_application(draft)
    assert problem.startswith("new organisation kind:") and "pick it from the list" in problem


@pytest.mark.parametrize(("role", "kind", "fits"), [
    (Role.DSO_OPERATOR, OrgKind.LDC, True), (Role.DSO_OPERATOR, OrgKind.AGGREGATOR, False),
    (Role.TSO_OPERATOR, OrgKind.ISO, True), (Role.TSO_OPERATOR, OrgKind.LDC, False),
    (Role.AGGREGATOR, OrgKind.AGGREGATOR, True), (Role.DER_OWNER, OrgKind.DER_OWNER, True),
    (Role.DER_OWNER, OrgKind.AGGREGATOR, False), (Role.MANAGER, OrgKind.TRANSMITTER, True),
    (Role.MANAGER, OrgKind.PLATFORM, True), (Role.ADMIN, OrgKind.PLATFORM, True), (Role.ADMIN, OrgKind.LDC, False),
    (Role.GUEST, OrgKind.LDC, False), ("nonsense", OrgKind.LDC, False), (Role.MANAGER, "nonsense", False),
])
def test_role_fits_kind(role: Role | str, kind: OrgKind | str, fits: bool) -> None:
    assert role_fits_kind(role, kind) is fits


def test_admin_and_guest_cannot_be_applied_for() -> None:
    assert Role.ADMIN not in APPLICABLE_ROLES and Role.GUEST not in APPLICABLE_ROLES


@pytest.mark.parametrize("phone", ["416-555-0142", "+1 (416) 555-0142", "4165550142 ext. 12", "416.555.0142 x7",
                                   "+1 416 555 0142 EXT 3"])
def test_phone_formats_people_type_are_accepted(phone: str) -> None:
    assert validate_contact("Amira Haddad", "amira@brightgrid.ca", phone) == []


def test_email_is_compared_in_lower_case() -> None:
    assert validate_contact("Amira Haddad", "  Amira@BrightGrid.CA ", "4165550142") == []


# --- lifecycle ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "target"), [
    (UserStatus.PENDING, UserStatus.ACTIVE), (UserStatus.PENDING, UserStatus.REJECTED),
    (UserStatus.ACTIVE, UserStatus.DISABLED), (UserStatus.DISABLED, UserStatus.ACTIVE),
])
def test_allowed_account_transitions(current: UserStatus, target: UserStatus) -> None:
    assert check_user_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), [
    (UserStatus.REJECTED, UserStatus.ACTIVE), (UserStatus.REJECTED, UserStatus.PENDING),
    (UserStatus.ACTIVE, UserStatus.PENDING), (UserStatus.ACTIVE, UserStatus.REJECTED),
    (UserStatus.PENDING, UserStatus.DISABLED), (UserStatus.DISABLED, UserStatus.REJECTED),
    (UserStatus.ACTIVE, UserStatus.ACTIVE), ("pending", "deleted"),
])
def test_illegal_account_transitions_are_refused(current: UserStatus | str, target: UserStatus | str) -> None:
    with pytest.raises(IllegalTransition):
        check_user_transition(current, target)


def test_a_refusal_says_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match="from pending it may become active, rejected"):
        check_user_transition("pending", "disabled")
    with pytest.raises(IllegalTransition, match="nothing"):
        check_user_transition("rejected", "active")


def test_organisation_transitions() -> None:
    assert check_org_transition("pending", "active") is OrgStatus.ACTIVE
    assert check_org_transition("pending", "rejected") is OrgStatus.REJECTED
    for current, target in [("active", "pending"), ("rejected", "active"), ("active", "rejected")]:
        with pytest.raises(IllegalTransition):
            check_org_transition(current, target)


def test_an_admin_never_disables_themselves_nor_the_last_admin() -> None:
    with pytest.raises(DomainError, match="your own account"):
        check_can_disable(7, 7, Role.ADMIN, active_admins=3)
    with pytest.raises(DomainError, match="last active administrator"):
        check_can_disable(7, 8, Role.ADMIN, active_admins=1)
    check_can_disable(7, 8, Role.ADMIN, active_admins=2)
    check_can_disable(7, 9, Role.AGGREGATOR, active_admins=1)


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
def test_a_reason_is_required_and_bounded(reason: str | None) -> None:
    with pytest.raises(InvalidAccount, match="reason"):
        clean_reason(reason)


def test_a_reason_is_stripped() -> None:
    assert clean_reason("  not an employee of this company ") == "not an employee of this company"


# --- organisation codes ------------------------------------------------------------------------------------

def test_code_from_name() -> None:
    assert organisation_code("Bright Grid Energy Inc.", []) == "BRIGHT-GRID-ENERGY-INC"
    assert organisation_code("Énergie Québec-Nord", []) == "ENERGIE-QUEBEC-NORD"
    assert organisation_code("!!!", []) == "ORG"


def test_code_is_unique_case_insensitively() -> None:
    assert organisation_code("Bright Grid", ["bright-grid"]) == "BRIGHT-GRID-2"
    assert organisation_code("Bright Grid", ["BRIGHT-GRID", "BRIGHT-GRID-2"]) == "BRIGHT-GRID-3"


def test_long_names_give_codes_within_the_column() -> None:
    name = "The Very Long Name of a Municipal Hydro Distribution Company of Northern Ontario"
    code = organisation_code(name, [])
    assert len(code) <= MAX_CODE and code.startswith("THE-VERY-LONG")
    taken = [code] + [f"{code}-{n}" for n in range(2, 120)]
    again = organisation_code(name, taken)
    assert len(again) <= MAX_CODE and again not in taken and again.endswith("-120")
    one_word = organisation_code("Supercalifragilisticexpialidocious" * 2, [])
    assert len(one_word) == MAX_CODE
    assert len(organisation_code("Supercalifragilisticexpialidocious" * 2, [one_word])) <= MAX_CODE
