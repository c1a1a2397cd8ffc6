"""Applications for an account, administrator decisions, disabling, and profile changes, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied, Principal
from data.db import Database
from data.domain.accounts import InvalidAccount
from data.domain.enums import OrgKind, OrgStatus, Role, UserStatus
from data.domain.errors import DomainError, IllegalTransition, StaleEdit, problem_field
from data.models import AuditEntry, Notification, Organisation, User
from data.queries.users import (
    joinable_organisations,
    list_users,
    pending_applications,
    pending_profile_changes,
    user_row,
)
from data.services.accounts import authenticate, principal_for
from data.services.applications import (
    NOTIFICATION_KIND,
    ProfileChange,
    apply_for_account,
    approve_application,
    approve_profile_change,
    disable_user,
    enable_user,
    reject_application,
    reject_profile_change,
    request_profile_change,
    update_contact,
    withdraw_profile_change,
)

PASSWORD = "a-long-enough-passphrase"  # noqa: S105 - test data


def form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "username": "amira", "display_name": "Amira Haddad", "email": "amira@brightgrid.ca",
        "phone": "+1 416 555 0142", "password": PASSWORD, "requested_role": "aggregator",
        "new_organisation_name": "Bright Grid Energy Inc.", "new_organisation_kind": "aggregator",
    }
    values.update(overrides)
    return values


def who(database: Database, username: str) -> Principal:
    with database.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def apply(database: Database, **overrides: Any) -> int:
    with database.transaction() as s:
        return apply_for_account(s, **form(**overrides)).id


def counts(database: Database) -> tuple[int, int, int]:
    with database.session() as s:
        return (s.scalar(select(func.count()).select_from(User)),
                s.scalar(select(func.count()).select_from(Organisation)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def test_an_application_is_pending_with_a_new_id_an_audit_row_and_a_note_to_the_admins(database: Database) -> None:
    with database.session() as s:
        last = s.scalar(select(func.max(User.public_id)))
    user_id = apply(database)
    with database.session() as s:
        user = s.get(User, user_id)
        org = s.get(Organisation, user.organisation_id)
        assert user.status == UserStatus.PENDING and user.role == Role.AGGREGATOR
        assert user.public_id > last and user.public_id.startswith("ON-USR-")
        assert org.status == OrgStatus.PENDING and org.code == "BRIGHT-GRID-ENERGY-INC" and org.kind == "aggregator"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "apply_for_account",
                                                 AuditEntry.entity_id == str(user_id)))
        admin = s.scalar(select(User).where(User.username == "admin"))
        note = s.scalar(select(Notification).where(Notification.kind == NOTIFICATION_KIND))
        assert note.user_id == admin.id and note.organisation_id == admin.organisation_id
        assert user.public_id in note.text and note.link == "/accounts"
    with database.transaction() as s:
        assert authenticate(s, "amira", PASSWORD) is None  # pending: cannot sign in


def test_joining_a_listed_organisation_or_one_by_its_code(database: Database) -> None:
    with database.session() as s:
        gridpulse = s.scalar(select(Organisation).where(Organisation.code == "GRIDPULSE"))
        owner_org = s.scalar(select(Organisation).where(Organisation.code == "MVLP"))
        listed = {o.id for o in joinable_organisations(s)}
    assert gridpulse.id in listed and owner_org.id not in listed  # a DER owner's name is never listed publicly
    before = counts(database)[1]
    first = apply(database, organisation_id=gridpulse.id, new_organisation_name=None, new_organisation_kind=None)
    second = apply(database, username="greg2", email="greg2@mvlp.ca", requested_role="der_owner",
                   organisation_code=" mvlp ", new_organisation_name=None, new_organisation_kind=None)
    with database.session() as s:
        assert s.get(User, first).organisation_id == gridpulse.id
        assert s.get(User, second).organisation_id == owner_org.id
    assert counts(database)[1] == before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"username": "aggregator"}, "username"),  # a demo account's name
    ({"username": "AGGREGATOR"}, "username"),
    ({"email": "AISHA.MOHAMED@gridpulse.ca"}, "email"),
    ({"password": "short"}, "password"),
    ({"requested_role": "admin"}, "role"),
    ({"new_organisation_name": "GridPulse Energy"}, "new organisation name"),  # exists: pick it instead
    ({"organisation_id": 999_999, "new_organisation_name": None, "new_organisation_kind": None}, "organisation"),
    ({"organisation_code": "NOPE", "new_organisation_name": None, "new_organisation_kind": None},
     "organisation code"),
    ({"organisation_code": "IESO", "new_organisation_name": None, "new_organisation_kind": None},
     "organisation code"),  # an aggregator does not join the IESO
    ({"organisation_code": "TDCP", "new_organisation_name": None, "new_organisation_kind": None},
     "organisation code"),  # nobody applies into the platform operator
])
def test_a_bad_application_stores_nothing_and_names_the_field(database: Database, overrides: dict[str, Any],
                                                              field: str) -> None:
    with database.session() as s:
        aisha = s.scalar(select(User).where(User.username == "aggregator"))
        gridpulse = s.get(Organisation, aisha.organisation_id)
        if "AISHA" in str(overrides.get("email")):
            overrides["email"] = (aisha.email or "").upper()
        if overrides.get("new_organisation_name") == "GridPulse Energy":
            overrides["new_organisation_name"] = gridpulse.name.upper()
    before = counts(database)
    with pytest.raises(InvalidAccount) as err, database.transaction() as s:
        apply_for_account(s, **form(**overrides))
    assert {problem_field(p) for p in err.value.problems} == {field}, err.value.problems
    assert counts(database) == before


def test_approving_activates_the_user_and_the_new_organisation(database: Database) -> None:
    user_id = apply(database)
    admin = who(database, "admin")
    with database.transaction() as s:
        user = approve_application(s, admin, user_id, display_name="Amira H. Haddad")
        org_id = user.organisation_id
    with database.transaction() as s:
        p = authenticate(s, "amira", PASSWORD)
    assert p is not None and p.role is Role.AGGREGATOR and p.display_name == "Amira H. Haddad"
    with database.session() as s:
        assert s.get(Organisation, org_id).status == OrgStatus.ACTIVE
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "approve_application"))
        assert entry.before["status"] == "pending" and entry.after["status"] == "active"
        assert entry.after["display_name"] == "Amira H. Haddad" and entry.user_id == admin.user_id
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "approve_organisation",
                                                 AuditEntry.entity_id == str(org_id)))
        note = s.scalar(select(Notification).where(Notification.organisation_id == org_id))
        assert note is not None and "approved" in note.text and note.user_id == user_id


def test_approving_with_another_role_and_organisation_rejects_the_orphaned_new_one(database: Database) -> None:
    user_id = apply(database)
    admin = who(database, "admin")
    with database.session() as s:
        pending_org = s.get(User, user_id).organisation_id
        ldc = s.scalar(select(Organisation).where(Organisation.code == "LSH"))
    with database.transaction() as s, pytest.raises(InvalidAccount, match="organisation"):  # needs an LDC
        approve_application(s, admin, user_id, role="dso_operator")
    with database.transaction() as s:
        approve_application(s, admin, user_id, role="dso_operator", organisation_id=ldc.id)
    with database.session() as s:
        user = s.get(User, user_id)
        assert (user.role, user.organisation_id, user.status) == ("dso_operator", ldc.id, "active")
        assert s.get(Organisation, pending_org).status == OrgStatus.REJECTED


def test_the_second_decision_on_an_application_is_told_it_was_already_decided(database: Database) -> None:
    user_id = apply(database)
    admin = who(database, "admin")
    with database.transaction() as s:
        approve_application(s, admin, user_id)
    with database.transaction() as s, pytest.raises(StaleEdit, match="already decided"):
        reject_application(s, admin, user_id, reason="duplicate")
    with database.transaction() as s, pytest.raises(StaleEdit, match="already decided"):
        approve_application(s, admin, user_id, role="manager")
    with database.session() as s:
        assert s.get(User, user_id).role == "aggregator"


def test_two_admins_deciding_at_the_same_moment_one_wins(database: Database) -> None:
    """Both read 'pending'; the compare-and-set lets exactly one decision through (a real race on PostgreSQL)."""
    user_id = apply(database)
    admin = who(database, "admin")
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def decide(action: str) -> None:
        try:
            with database.transaction() as s:
                assert s.get(User, user_id).status == "pending"
                barrier.wait()
                if action == "approve":
                    approve_application(s, admin, user_id)
                else:
                    reject_application(s, admin, user_id, reason="not known to us")
            outcomes.append(action)
        except StaleEdit:
            outcomes.append("stale")
        except Exception as exc:  # SQLite: the second writer may find the database locked
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("approve", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    decided = [o for o in outcomes if o in ("approve", "reject")]
    assert len(decided) == 1, outcomes
    with database.session() as s:
        status = s.get(User, user_id).status
        assert status == {"approve": "active", "reject": "rejected"}[decided[0]]
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("approve_application", "reject_application")))) == 1


def test_rejecting_needs_a_reason_and_is_final(database: Database) -> None:
    user_id = apply(database)
    admin = who(database, "admin")
    with database.transaction() as s, pytest.raises(InvalidAccount, match="reason"):
        reject_application(s, admin, user_id, reason="  ")
    with database.transaction() as s:
        reject_application(s, admin, user_id, reason="We could not confirm you work for Bright Grid.")
    with database.session() as s:
        user = s.get(User, user_id)
        assert user.status == "rejected" and "confirm" in user.status_reason
        assert s.get(Organisation, user.organisation_id).status == OrgStatus.REJECTED
    with database.transaction() as s, pytest.raises(IllegalTransition):
        approve_application(s, admin, user_id, expected_status="rejected")
    with database.transaction() as s:
        assert authenticate(s, "amira", PASSWORD) is None


@pytest.mark.parametrize("username", ["aggregator", "ldc", "ieso", "owner", "manager"])
def test_only_an_administrator_decides(database: Database, username: str) -> None:
    user_id = apply(database)
    p = who(database, username)
    with database.transaction() as s:
        for call in (lambda: approve_application(s, p, user_id), lambda: reject_application(s, p, user_id, reason="x"),
                     lambda: disable_user(s, p, user_id, reason="x"), lambda: enable_user(s, p, user_id)):
            with pytest.raises(AccessDenied):
                call()
    with database.session() as s:
        assert s.get(User, user_id).status == "pending"


def test_disable_and_enable_end_and_restore_sign_in(database: Database) -> None:
    admin = who(database, "admin")
    target = who(database, "owner")
    with database.transaction() as s, pytest.raises(InvalidAccount, match="reason"):
        disable_user(s, admin, target.user_id, reason="")
    with database.transaction() as s:
        disable_user(s, admin, target.user_id, reason="left the company")
    with database.transaction() as s:
        assert authenticate(s, "owner", "demo") is None
    with database.transaction() as s, pytest.raises(StaleEdit):
        disable_user(s, admin, target.user_id, reason="again")
    with database.transaction() as s:
        enable_user(s, admin, target.user_id)
    with database.transaction() as s:
        assert authenticate(s, "owner", "demo") is not None
    with database.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "user",
                                                            AuditEntry.entity_id == str(target.user_id))).all()
        assert "disable_user" in actions and "enable_user" in actions
        assert s.get(User, target.user_id).status_reason is None


def test_an_admin_cannot_disable_themselves_or_the_last_admin(database: Database) -> None:
    admin = who(database, "admin")
    with database.transaction() as s, pytest.raises(DomainError, match="your own account"):
        disable_user(s, admin, admin.user_id, reason="testing")
    # a second administrator, approved through an application moved to the platform organisation
    user_id = apply(database)
    with database.session() as s:
        platform = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.PLATFORM))
    with database.transaction() as s:
        approve_application(s, admin, user_id, role="admin", organisation_id=platform)
    second = who(database, "amira")
    with database.transaction() as s:
        disable_user(s, second, admin.user_id, reason="rotating duty")
    with database.transaction() as s, pytest.raises(DomainError, match="last active administrator"):
        disable_user(s, dataclasses.replace(admin, user_id=-1), second.user_id, reason="x")


def test_contact_details_change_at_once_and_are_audited(database: Database) -> None:
    me = who(database, "aggregator")
    with database.transaction() as s, pytest.raises(InvalidAccount) as err:
        update_contact(s, me, display_name="A", email="nope", phone="12")
    assert {problem_field(p) for p in err.value.problems} == {"display name", "email", "phone"}
    with database.session() as s:
        other_email = s.scalar(select(User.email).where(User.username == "ldc"))
    with database.transaction() as s, pytest.raises(InvalidAccount, match="another account"):
        update_contact(s, me, display_name="Aisha M.", email=other_email.upper(), phone="416 555 0100")
    with database.transaction() as s:
        update_contact(s, me, display_name="Aisha M.", email="Aisha@GridPulse.ca", phone="416 555 0100")
    with database.session() as s:
        user = s.get(User, me.user_id)
        assert (user.display_name, user.email, user.phone) == ("Aisha M.", "aisha@gridpulse.ca", "416 555 0100")
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "update_contact"))
        assert entry.after["display_name"] == "Aisha M." and "role" not in entry.after


def test_a_profile_change_waits_for_an_admin_then_applies(database: Database) -> None:
    me, admin = who(database, "manager"), who(database, "admin")
    with database.session() as s:
        ieso = s.scalar(select(Organisation.id).where(Organisation.code == "IESO"))
    with database.transaction() as s, pytest.raises(InvalidAccount, match="different"):
        request_profile_change(s, me)
    with database.transaction() as s, pytest.raises(InvalidAccount, match="role"):
        request_profile_change(s, me, role="admin")
    with database.transaction() as s:
        request_profile_change(s, me, organisation_id=ieso)
    with database.session() as s:
        user = s.get(User, me.user_id)
        assert user.organisation_id != ieso and user.requested_organisation_id == ieso
        assert [r.id for r in pending_profile_changes(s, admin)] == [me.user_id]
        assert s.scalar(select(Notification).where(Notification.kind == NOTIFICATION_KIND,
                                                   Notification.text.contains("profile change")))
    with database.transaction() as s, pytest.raises(StaleEdit):  # the admin saw another request
        approve_profile_change(s, admin, me.user_id, expected=ProfileChange("tso_operator", ieso))
    with database.transaction() as s:
        approve_profile_change(s, admin, me.user_id, expected=ProfileChange(None, ieso))
    with database.session() as s:
        user = s.get(User, me.user_id)
        assert (user.organisation_id, user.requested_organisation_id, user.role) == (ieso, None, "manager")
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "approve_profile_change"))
        assert entry.before["organisation_id"] != ieso and entry.after["organisation_id"] == ieso
    with database.transaction() as s, pytest.raises(StaleEdit, match="already decided"):
        approve_profile_change(s, admin, me.user_id, expected=ProfileChange(None, ieso))


def test_a_role_change_must_fit_the_organisation(database: Database) -> None:
    me = who(database, "aggregator")
    with database.transaction() as s, pytest.raises(InvalidAccount, match="organisation"):
        request_profile_change(s, me, role="dso_operator")  # GridPulse is no LDC
    with database.transaction() as s:
        request_profile_change(s, me, role="manager")


def test_a_request_can_be_withdrawn_or_rejected(database: Database) -> None:
    me, admin = who(database, "aggregator"), who(database, "admin")
    with database.transaction() as s, pytest.raises(DomainError, match="no pending change"):
        withdraw_profile_change(s, me)
    with database.transaction() as s:
        request_profile_change(s, me, role="manager")
    with database.transaction() as s:
        withdraw_profile_change(s, me)
    with database.transaction() as s, pytest.raises(StaleEdit):  # withdrawn meanwhile
        approve_profile_change(s, admin, me.user_id, expected=ProfileChange("manager", None))
    with database.transaction() as s:
        request_profile_change(s, me, role="manager")
    with database.transaction() as s, pytest.raises(InvalidAccount, match="reason"):
        reject_profile_change(s, admin, me.user_id, expected=ProfileChange("manager", None), reason="")
    with database.transaction() as s:
        reject_profile_change(s, admin, me.user_id, expected=ProfileChange("manager", None), reason="not needed")
    with database.session() as s:
        user = s.get(User, me.user_id)
        assert (user.role, user.requested_role) == ("aggregator", None)
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "reject_profile_change"))
        assert entry.after["reason"] == "not needed"


def test_an_admin_does_not_approve_their_own_change(database: Database) -> None:
    admin = who(database, "admin")
    with database.transaction() as s:
        request_profile_change(s, admin, role="manager")
    with database.transaction() as s, pytest.raises(DomainError, match="another administrator"):
        approve_profile_change(s, admin, admin.user_id, expected=ProfileChange("manager", None))


def test_a_guest_has_no_profile(database: Database) -> None:
    from data.access import GUEST

    with database.transaction() as s, pytest.raises(AccessDenied):
        update_contact(s, GUEST, display_name="Guest", email="g@example.ca", phone="4165550100")


def test_users_are_scoped_an_aggregator_reads_only_its_own_organisation(database: Database) -> None:
    apply(database)
    aggregator, admin = who(database, "aggregator"), who(database, "admin")
    with database.session() as s:
        mine = list_users(s, aggregator)
        everyone = list_users(s, admin)
        ldc_user = s.scalar(select(User.id).where(User.username == "ldc"))
        assert {r.organisation_id for r in mine} == {aggregator.organisation_id}
        assert len(everyone) > len(mine) and any(r.username == "amira" for r in everyone)
        assert user_row(s, aggregator, ldc_user) is None and user_row(s, admin, ldc_user) is not None
        assert pending_applications(s, aggregator) == []
        assert "amira" in [r.username for r in pending_applications(s, admin)]
