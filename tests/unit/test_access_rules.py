"""The role/permission matrix and principal behaviour (pure)."""
from __future__ import annotations

import pytest

from data.access import GUEST, ROLE_PERMISSIONS, AccessDenied, Permission, Principal
from data.domain.enums import OrgKind, Role


def test_every_role_has_an_entry() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_guest_may_only_view_the_map() -> None:
    assert ROLE_PERMISSIONS[Role.GUEST] == {Permission.VIEW_MAP}
    assert GUEST.is_guest and not GUEST.can(Permission.VIEW_DER_DETAIL)


@pytest.mark.parametrize("role", [Role.AGGREGATOR, Role.DER_OWNER, Role.TSO_OPERATOR, Role.MANAGER, Role.GUEST])
def test_only_ldc_operators_decide_limits(role: Role) -> None:
    assert not Principal(role=role).can(Permission.DECIDE_LIMITS)


def test_ldc_operator_decides_limits_and_logs_outages() -> None:
    p = Principal(role=Role.DSO_OPERATOR)
    assert p.can(Permission.DECIDE_LIMITS) and p.can(Permission.LOG_OUTAGES)


def test_manager_is_read_only() -> None:
    writes = {Permission.REQUEST_LIMITS, Permission.DECIDE_LIMITS, Permission.PUBLISH_NOTICES,
              Permission.ISSUE_DISPATCH, Permission.ACKNOWLEDGE_DISPATCH, Permission.WORK_CONFLICTS,
              Permission.LOG_OUTAGES, Permission.MANAGE_USERS}
    assert not (ROLE_PERMISSIONS[Role.MANAGER] & writes)


def test_require_raises_access_denied_with_the_reason() -> None:
    with pytest.raises(AccessDenied, match="guest may not decide limits"):
        GUEST.require(Permission.DECIDE_LIMITS)


@pytest.mark.parametrize(
    ("kind", "acts_as"),
    [(OrgKind.LDC, Role.DSO_OPERATOR), (OrgKind.AGGREGATOR, Role.AGGREGATOR), (OrgKind.DER_OWNER, Role.DER_OWNER),
     (OrgKind.ISO, Role.TSO_OPERATOR)],
)
def test_manager_sees_what_its_organisation_sees(kind: OrgKind, acts_as: Role) -> None:
    assert Principal(role=Role.MANAGER, organisation_kind=kind).acts_as is acts_as


def test_only_iso_and_admin_see_everything() -> None:
    assert Principal(role=Role.TSO_OPERATOR).sees_everything
    assert Principal(role=Role.ADMIN).sees_everything
    assert not Principal(role=Role.DSO_OPERATOR).sees_everything
    assert not Principal(role=Role.MANAGER, organisation_kind=OrgKind.AGGREGATOR).sees_everything
