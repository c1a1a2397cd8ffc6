"""Sign-in, the principal of a session, preferences and the first administrator."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.access import GUEST, AccessDenied
from data.db import Database
from data.domain.enums import OrgKind, Role, UserStatus
from data.models import AuditEntry, Organisation, User
from data.services.accounts import (
    authenticate,
    create_first_admin,
    load_principal,
    set_preferences,
)


def test_demo_user_signs_in_and_is_audited(database: Database) -> None:
    with database.transaction() as s:
        p = authenticate(s, "ldc", "demo")
    assert p is not None and p.role is Role.DSO_OPERATOR and p.organisation_kind is OrgKind.LDC
    with database.session() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in", AuditEntry.user_id == p.user_id))


@pytest.mark.parametrize(("username", "password"), [("ldc", "wrong"), ("nobody", "demo"), ("", ""), ("ldc", "")])
def test_bad_credentials_give_nothing(database: Database, username: str, password: str) -> None:
    with database.transaction() as s:
        assert authenticate(s, username, password) is None


def test_disabled_user_cannot_sign_in_and_loses_the_session(database: Database) -> None:
    with database.transaction() as s:
        user = s.scalar(select(User).where(User.username == "aggregator"))
        user.status = UserStatus.DISABLED
        uid = user.id
    with database.transaction() as s:
        assert authenticate(s, "aggregator", "demo") is None
        assert load_principal(s, uid) is None


def test_host_ldc_territory_includes_its_embedded_ldcs(database: Database) -> None:
    with database.transaction() as s:
        host = authenticate(s, "ldc", "demo")
        embedded = authenticate(s, "ldc-embedded", "demo")
        embedded_org = s.get(Organisation, embedded.organisation_id)
    assert embedded_org.host_ldc_id == host.organisation_id
    assert embedded.organisation_id in host.territory_ldc_ids
    assert embedded.territory_ldc_ids == (embedded.organisation_id,)


def test_preferences_are_saved_and_audited(database: Database) -> None:
    with database.transaction() as s:
        p = authenticate(s, "ieso", "demo")
        prefs = set_preferences(s, p, theme="dark", wall_mode=True)
    assert prefs.theme == "dark" and prefs.wall_mode
    with database.session() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "set_preferences"))


def test_preferences_refuse_unknown_theme_and_guests(database: Database) -> None:
    with database.transaction() as s:
        p = authenticate(s, "ieso", "demo")
        with pytest.raises(ValueError, match="unknown theme"):
            set_preferences(s, p, theme="<script>")
        with pytest.raises(AccessDenied):
            set_preferences(s, GUEST, theme="dark")


def test_first_admin_for_a_production_install(empty_database: Database) -> None:
    with empty_database.transaction() as s:
        user = create_first_admin(s, username="root-admin", password="a-long-passphrase", display_name="Admin")
        assert user.public_id == "ON-USR-000001"
    with empty_database.transaction() as s:
        assert authenticate(s, "root-admin", "a-long-passphrase").role is Role.ADMIN
        with pytest.raises(ValueError, match="already exists"):
            create_first_admin(s, username="second", password="another-long-pass", display_name="Two")


def test_first_admin_needs_a_long_password(empty_database: Database) -> None:
    with empty_database.transaction() as s, pytest.raises(ValueError, match="12 characters"):
        create_first_admin(s, username="root-admin", password="short", display_name="Admin")
