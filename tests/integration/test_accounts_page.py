"""Applying at /register, deciding at /accounts and editing /profile through the real HTTP interface, as each role:
refusals (403 through the raw callback endpoint), field-by-field messages, the already-decided race, scope."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from components.ids import Accounts, Profile
from data.domain.enums import UserStatus
from data.models import AuditEntry, Notification, Organisation, User
from tests.support import post_callback, sign_in

PASSWORD = "a-long-enough-passphrase"  # noqa: S105 - test data
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
APP_MESSAGE = f"{Accounts.APP_MESSAGE}.children"
APPROVE = f"{Accounts.APP_APPROVE}.n_clicks"
REJECT = f"{Accounts.APP_REJECT}.n_clicks"


def register(client, **overrides: Any):  # type: ignore[no-untyped-def]
    token = _CSRF.search(client.get("/register").get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "username": "amira", "display_name": "Amira Haddad", "email": "amira@brightgrid.ca",
            "phone": "+1 416 555 0142", "password": PASSWORD, "password_confirm": PASSWORD,
            "requested_role": "aggregator", "organisation": "new", "organisation_code": "",
            "new_organisation_name": "Bright Grid Energy Inc.", "new_organisation_kind": "aggregator"}
    data.update(overrides)
    return client.post("/register", data=data)


def user_by_name(database, username: str) -> User | None:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(User).where(User.username == username))


def user_count(database) -> int:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(User))


def decide(client, app, user_id: int, trigger: str, **states: Any):  # type: ignore[no-untyped-def]
    values = {f"{Accounts.APP_SELECTED}.data": {"id": user_id, "status": "pending"}, trigger: 1}
    values.update({f"{k}.value" if "." not in k else k: v for k, v in states.items()})
    return post_callback(client, app, APP_MESSAGE, values, triggered=trigger)


# --- /register ----------------------------------------------------------------------------------------------


def test_the_application_form_is_public_and_linked_from_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/register"' in login and f'id="{Accounts.LOGIN_LINK}"' in login
    page = client.get("/register")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in text
    for name in ("username", "display_name", "email", "phone", "password", "password_confirm", "requested_role",
                 "organisation", "organisation_code", "new_organisation_name", "new_organisation_kind"):
        assert f'name="{name}"' in text
    assert "GridPulse" in text  # aggregators are listed
    assert "<script" not in text and "http://" not in text and "https://" not in text  # no JS, no CDN


def test_an_application_is_stored_pending_and_confirmed_with_its_reference(client, database) -> None:  # type: ignore[no-untyped-def]
    r = register(client)
    text = r.get_data(as_text=True)
    user = user_by_name(database, "amira")
    assert r.status_code == 201 and user is not None and user.status == UserStatus.PENDING
    assert user.public_id in text and "administrator will review" in text
    with database.session() as s:
        assert s.get(Organisation, user.organisation_id).status == "pending"
        assert s.scalar(select(Notification).where(Notification.kind == "account", Notification.text.contains("amira")))
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "apply_for_account"))
    # pending: the sign-in answer is the same as for a wrong password (nothing about the account leaks)
    refused = sign_in(client, "amira", PASSWORD)
    assert refused.status_code == 401 and "Unknown username or wrong password." in refused.get_data(as_text=True)


def test_a_bad_application_names_each_field_keeps_the_entries_and_stores_nothing(client, database) -> None:  # type: ignore[no-untyped-def]
    before = user_count(database)
    r = register(client, username="aggregator", email="not-an-email", password="short", password_confirm="other",
                 new_organisation_kind="ldc", display_name="Amira <b>Haddad</b>")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and user_count(database) == before
    for name in ("username", "email", "password", "password_confirm", "new_organisation_kind"):
        assert f'id="{name}-problem"' in text, name
    assert f'id="{Accounts.REGISTER_ERRORS}"' in text
    assert "Already taken" in text and "Amira &lt;b&gt;Haddad&lt;/b&gt;" in text  # kept, escaped
    assert 'value="aggregator"' in text and "short" not in text  # the password is never sent back


def test_the_organisation_choice_is_checked(client, database) -> None:  # type: ignore[no-untyped-def]
    with database.session() as s:
        ieso = s.scalar(select(Organisation.id).where(Organisation.code == "IESO"))
    r = register(client, organisation=str(ieso))  # an aggregator does not work for the IESO
    assert r.status_code == 200 and 'id="organisation-problem"' in r.get_data(as_text=True)
    r = register(client, organisation="code", organisation_code="")
    assert r.status_code == 200 and 'id="organisation_code-problem"' in r.get_data(as_text=True)
    r = register(client, organisation="code", organisation_code="NO-SUCH-ORG")
    assert r.status_code == 200 and 'id="organisation_code-problem"' in r.get_data(as_text=True)
    r = register(client, organisation="'; DROP TABLE app_user; --")
    assert r.status_code == 200 and 'id="organisation-problem"' in r.get_data(as_text=True)
    owner = register(client, username="greg2", email="g2@mvlp.ca", requested_role="der_owner", organisation="code",
                     organisation_code="mvlp")
    assert owner.status_code == 201
    with database.session() as s:
        org = s.scalar(select(Organisation.code).join(User, User.organisation_id == Organisation.id)
                       .where(User.username == "greg2"))
    assert org == "MVLP"


def test_an_application_without_csrf_is_refused(client, database) -> None:  # type: ignore[no-untyped-def]
    before = user_count(database)
    r = client.post("/register", data={"username": "amira", "password": PASSWORD})
    assert r.status_code == 400 and user_count(database) == before


def test_applications_are_rate_limited(client, app) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from callbacks.context import EXTENSION_KEY
    from callbacks.session_routes import limiter

    ctx = app.server.extensions[EXTENSION_KEY]
    app.server.extensions[EXTENSION_KEY] = dataclasses.replace(
        ctx, settings=dataclasses.replace(ctx.settings, login_rate_limit="3 per minute"))
    limiter.reset()
    try:
        codes = [register(client, username=f"x{i}", email="bad").status_code for i in range(5)]
    finally:
        limiter.reset()
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


# --- /accounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["aggregator", "ldc", "ieso", "owner", "manager"])
def test_only_an_administrator_opens_accounts_or_decides(client, app, database, username) -> None:  # type: ignore[no-untyped-def]
    register(client)
    pending = user_by_name(database, "amira")
    other = user_by_name(database, "ldc")
    sign_in(client, username)
    assert client.get("/accounts").status_code == 403
    assert decide(client, app, pending.id, APPROVE).status_code == 403
    assert decide(client, app, pending.id, REJECT, **{Accounts.APP_REASON: "x"}).status_code == 403
    assert post_callback(client, app, "accounts-app-grid.rowData").status_code == 403
    # nobody but an administrator reads another organisation's accounts through these callbacks
    shown = post_callback(client, app, f"{Accounts.USER_DETAIL}.children",
                          {f"{Accounts.USER_GRID}.selectedRows": [{"id": other.id}]},
                          triggered=f"{Accounts.USER_GRID}.selectedRows")
    assert shown.status_code == 403
    disabled = post_callback(client, app, f"{Accounts.USER_MESSAGE}.children",
                             {f"{Accounts.USER_SELECTED}.data": {"id": other.id, "status": "active"},
                              f"{Accounts.USER_REASON}.value": "x", f"{Accounts.USER_DISABLE}.n_clicks": 1},
                             triggered=f"{Accounts.USER_DISABLE}.n_clicks")
    assert disabled.status_code == 403
    assert user_by_name(database, "amira").status == "pending"
    assert user_by_name(database, "ldc").status == "active"


def test_a_guest_is_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/accounts").status_code == 403
    assert client.get("/profile").status_code == 403
    assert post_callback(client, app, f"{Profile.DETAILS}.children").status_code == 403


def test_the_admin_sees_the_queue_approves_and_the_new_user_signs_in(client, app, database) -> None:  # type: ignore[no-untyped-def]
    register(client)
    amira = user_by_name(database, "amira")
    sign_in(client, "admin")
    assert client.get("/accounts").status_code == 200
    lists = post_callback(client, app, "accounts-app-grid.rowData").json["response"]
    assert "amira" in [r["username"] for r in lists[Accounts.APP_GRID]["rowData"]]
    assert any(r["username"] == "ldc" for r in lists[Accounts.USER_GRID]["rowData"])

    shown = post_callback(client, app, f"{Accounts.APP_DETAIL}.children",
                          {f"{Accounts.APP_GRID}.selectedRows": [{"id": amira.id}]},
                          triggered=f"{Accounts.APP_GRID}.selectedRows").json["response"]
    assert shown[Accounts.APP_SELECTED]["data"] == {"id": amira.id, "status": "pending"}
    assert shown[Accounts.APP_APPROVE]["disabled"] is False
    options = shown[Accounts.APP_ORGANISATION]["options"]
    assert any("(pending)" in o["label"] for o in options)

    r = decide(client, app, amira.id, APPROVE, **{Accounts.APP_DISPLAY_NAME: "Amira Haddad",
                                                   Accounts.APP_ROLE: "aggregator",
                                                   Accounts.APP_ORGANISATION: amira.organisation_id})
    assert r.status_code == 200 and "approved" in r.get_data(as_text=True)
    assert user_by_name(database, "amira").status == "active"

    again = decide(client, app, amira.id, APPROVE)
    assert again.status_code == 200 and "already decided" in again.get_data(as_text=True)
    rejected = decide(client, app, amira.id, REJECT, **{Accounts.APP_REASON: "duplicate"})
    assert "already decided" in rejected.get_data(as_text=True)
    assert user_by_name(database, "amira").status == "active"

    client.get("/logout")
    assert sign_in(client, "amira", PASSWORD).status_code == 302
    assert client.get("/profile").status_code == 200


def test_rejecting_needs_a_reason(client, app, database) -> None:  # type: ignore[no-untyped-def]
    register(client)
    amira = user_by_name(database, "amira")
    sign_in(client, "admin")
    r = decide(client, app, amira.id, REJECT, **{Accounts.APP_REASON: "   "})
    assert "reason: required" in r.get_data(as_text=True) and user_by_name(database, "amira").status == "pending"
    r = decide(client, app, amira.id, REJECT, **{Accounts.APP_REASON: "Unknown company"})
    assert "rejected" in r.get_data(as_text=True) and user_by_name(database, "amira").status == "rejected"


def test_an_admin_cannot_disable_themselves_but_disables_others_with_a_reason(client, app, database) -> None:  # type: ignore[no-untyped-def]
    admin, owner = user_by_name(database, "admin"), user_by_name(database, "owner")
    sign_in(client, "admin")

    def act(user_id: int, trigger: str, status: str, reason: str | None = None):  # type: ignore[no-untyped-def]
        return post_callback(client, app, f"{Accounts.USER_MESSAGE}.children",
                             {f"{Accounts.USER_SELECTED}.data": {"id": user_id, "status": status},
                              f"{Accounts.USER_REASON}.value": reason, trigger: 1}, triggered=trigger)

    own = post_callback(client, app, f"{Accounts.USER_DETAIL}.children",
                        {f"{Accounts.USER_GRID}.selectedRows": [{"id": admin.id}]},
                        triggered=f"{Accounts.USER_GRID}.selectedRows").json["response"]
    assert own[Accounts.USER_DISABLE]["disabled"] is True
    disable = f"{Accounts.USER_DISABLE}.n_clicks"
    assert "your own account" in act(admin.id, disable, "active", "x").get_data(as_text=True)
    assert "reason" in act(owner.id, disable, "active", "").get_data(as_text=True)
    assert "is now disabled" in act(owner.id, disable, "active", "left the company").get_data(as_text=True)
    assert user_by_name(database, "owner").status == "disabled"
    assert "is now active" in act(owner.id, f"{Accounts.USER_ENABLE}.n_clicks", "disabled").get_data(as_text=True)


@pytest.mark.parametrize("selected", [None, "x", {"id": "1; DROP TABLE app_user"}, {"id": -3, "status": "pending"},
                                      {"id": 10**12, "status": "pending"}, [1, 2], {"id": 1, "status": ["pending"]}])
def test_hostile_selections_get_a_message_not_a_500(client, app, selected) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "admin")
    r = post_callback(client, app, APP_MESSAGE, {f"{Accounts.APP_SELECTED}.data": selected, APPROVE: 1},
                      triggered=APPROVE)
    assert r.status_code == 200 and "select an application" in r.get_data(as_text=True)
    shown = post_callback(client, app, f"{Accounts.APP_DETAIL}.children",
                          {f"{Accounts.APP_GRID}.selectedRows": selected},
                          triggered=f"{Accounts.APP_GRID}.selectedRows")
    assert shown.status_code in (200, 204)


# --- /profile -----------------------------------------------------------------------------------------------


def test_profile_contact_change_and_a_role_request_the_admin_approves(client, app, database) -> None:  # type: ignore[no-untyped-def]
    me = user_by_name(database, "aggregator")
    sign_in(client, "aggregator")
    page = client.get("/_dash-layout").get_data(as_text=True)
    assert Profile.MENU_ITEM in page  # the user menu links to the profile
    assert client.get("/profile").status_code == 200
    details = post_callback(client, app, f"{Profile.DETAILS}.children").get_data(as_text=True)
    assert me.public_id in details

    save = f"{Profile.SAVE}.n_clicks"
    bad = post_callback(client, app, f"{Profile.SAVE_MESSAGE}.children",
                        {save: 1, f"{Profile.DISPLAY_NAME}.value": "", f"{Profile.EMAIL}.value": "nope",
                         f"{Profile.PHONE}.value": "416 555 0100"}, triggered=save).get_data(as_text=True)
    assert "display name: required" in bad and "email:" in bad
    ok = post_callback(client, app, f"{Profile.SAVE_MESSAGE}.children",
                       {save: 1, f"{Profile.DISPLAY_NAME}.value": "Aisha M.", f"{Profile.EMAIL}.value": "a@gp.ca",
                        f"{Profile.PHONE}.value": "416 555 0100"}, triggered=save)
    assert "saved" in ok.get_data(as_text=True) and user_by_name(database, "aggregator").display_name == "Aisha M."

    ask = f"{Profile.REQUEST}.n_clicks"
    r = post_callback(client, app, f"{Profile.REQUEST_MESSAGE}.children",
                      {ask: 1, f"{Profile.ROLE}.value": "manager", f"{Profile.ORGANISATION}.value": me.organisation_id},
                      triggered=ask)
    assert "waits for an administrator" in r.get_data(as_text=True)
    pending = post_callback(client, app, f"{Profile.DETAILS}.children").json["response"]
    assert "Pending approval" in str(pending[Profile.PENDING]["children"])
    assert pending[Profile.WITHDRAW]["disabled"] is False
    assert user_by_name(database, "aggregator").role == "aggregator"

    client.get("/logout")
    sign_in(client, "admin")
    changes = post_callback(client, app, "accounts-app-grid.rowData").json["response"][Accounts.CHANGE_GRID]["rowData"]
    assert [c["username"] for c in changes] == ["aggregator"]
    shown = post_callback(client, app, f"{Accounts.CHANGE_DETAIL}.children",
                          {f"{Accounts.CHANGE_GRID}.selectedRows": [{"id": me.id}]},
                          triggered=f"{Accounts.CHANGE_GRID}.selectedRows").json["response"]
    selected = shown[Accounts.CHANGE_SELECTED]["data"]
    assert selected == {"id": me.id, "role": "manager", "organisation_id": None}
    approve = f"{Accounts.CHANGE_APPROVE}.n_clicks"
    r = post_callback(client, app, f"{Accounts.CHANGE_MESSAGE}.children",
                      {approve: 1, f"{Accounts.CHANGE_SELECTED}.data": selected}, triggered=approve)
    assert "Applied" in r.get_data(as_text=True) and user_by_name(database, "aggregator").role == "manager"


def test_a_non_admin_cannot_approve_a_profile_change(client, app, database) -> None:  # type: ignore[no-untyped-def]
    me = user_by_name(database, "aggregator")
    sign_in(client, "aggregator")
    ask = f"{Profile.REQUEST}.n_clicks"
    post_callback(client, app, f"{Profile.REQUEST_MESSAGE}.children",
                  {ask: 1, f"{Profile.ROLE}.value": "manager", f"{Profile.ORGANISATION}.value": me.organisation_id},
                  triggered=ask)
    approve = f"{Accounts.CHANGE_APPROVE}.n_clicks"
    r = post_callback(client, app, f"{Accounts.CHANGE_MESSAGE}.children",
                      {approve: 1, f"{Accounts.CHANGE_SELECTED}.data": {"id": me.id, "role": "manager"}},
                      triggered=approve)
    assert r.status_code == 403 and user_by_name(database, "aggregator").role == "aggregator"
    withdraw = f"{Profile.WITHDRAW}.n_clicks"
    r = post_callback(client, app, f"{Profile.REQUEST_MESSAGE}.children", {withdraw: 1}, triggered=withdraw)
    assert "withdrawn" in r.get_data(as_text=True)
    assert user_by_name(database, "aggregator").requested_role is None
