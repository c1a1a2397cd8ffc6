"""Server-side access control through the real HTTP interface (Flask test client)."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from callbacks.context import EXTENSION_KEY
from data.domain.enums import OrgKind
from data.models import Der, Organisation
from tests.support import post_callback, sign_in

DASH_API = ["/_dash-layout", "/_dash-dependencies"]




def test_anonymous_is_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", DASH_API)
def test_anonymous_dash_api_is_refused(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 401


def test_anonymous_callback_is_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    assert post_callback(client, app, "home-stations.data").status_code == 401


def test_healthz_reports_the_database(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["database"]["status"] == "ok" and r.json["status"] == "ok"


def test_login_page_is_public_and_carries_a_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/login")
    assert r.status_code == 200 and 'name="csrf_token"' in r.get_data(as_text=True)


def test_login_without_csrf_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/login", data={"username": "ldc", "password": "demo"})
    assert r.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_wrong_password_is_refused_with_a_message(client) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(client, "ldc", "nope")
    assert r.status_code == 401 and "wrong password" in r.get_data(as_text=True)


def test_sign_in_sets_a_safe_session_cookie(client) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(client, "ldc")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/_dash-layout").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_no_open_redirect_after_sign_in(client, target: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": "ldc", "password": "demo", "csrf_token": token, "next": target})
    assert r.headers["Location"] == "/"


def test_failed_sign_ins_are_rate_limited(client, app) -> None:  # type: ignore[no-untyped-def]
    ctx = app.server.extensions[EXTENSION_KEY]
    app.server.extensions[EXTENSION_KEY] = dataclasses.replace(
        ctx, settings=dataclasses.replace(ctx.settings, login_rate_limit="3 per minute"))
    from callbacks.session_routes import limiter

    limiter.reset()  # the session app's in-memory counters are shared by every test
    codes = [sign_in(client, "owner", "bad").status_code for _ in range(5)]
    limiter.reset()
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429


def test_logout_ends_the_session(client) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    client.get("/logout")
    assert client.get("/_dash-layout").status_code == 401


def test_every_server_callback_declares_its_permission(app) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for key, spec in app.callback_map.items():
        if "_pages_" in key:
            continue  # Dash's router: it calls page layouts, each of which is wrapped by `requires`
        fn = spec.get("callback")
        if fn is None:
            continue  # clientside: runs in the browser and reads nothing from the server
        while not hasattr(fn, "required_permission") and hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        checked += 1
        assert hasattr(fn, "required_permission"), f"callback {key} has no permission check"
    assert checked >= 5


def test_guest_cannot_search_ders(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    r = post_callback(client, app, "home-map.viewport", {"home-search-text.value": "ON-DER-0000001"},
                      triggered="home-search-button.n_clicks")
    assert r.status_code == 403


def _owner_names(database) -> list[str]:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return list(s.scalars(select(Organisation.name).where(Organisation.kind == OrgKind.DER_OWNER)))


def test_guest_receives_no_der_level_data(client, app, database) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    zoomed = {"home-map.zoom": 16, "home-map.bounds": [[41.0, -96.0], [57.0, -73.0]]}
    sent = [post_callback(client, app, "home-der-points.data", zoomed),
            post_callback(client, app, "home-stations.data"),
            client.get("/_dash-layout")]
    with database.session() as s:
        meters = [m for m in s.scalars(select(Der.meter_id).limit(50)) if m]
        addresses = [a for a in s.scalars(select(Der.address).limit(50)) if a]
    for r in sent:
        assert r.status_code == 200
        text = r.get_data(as_text=True)
        assert "ON-DER-" not in text
        assert not any(m in text for m in meters)
        assert not any(a in text for a in addresses)
        assert not any(name in text for name in _owner_names(database))


def test_guest_aggregates_hold_five_or_more_ders(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    r = post_callback(client, app, "home-der-points.data", {"home-map.zoom": 7})
    data = r.json["response"]["home-der-aggregates"]["data"]
    assert data["features"], "the guest map shows DER aggregates"
    assert all(f["properties"]["count"] >= 5 for f in data["features"])


def test_aggregator_cannot_open_another_aggregators_der(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    with database.session() as s:
        mine = s.scalar(select(Organisation.id).join(Der, Der.aggregator_org_id == Organisation.id)
                        .where(Organisation.kind == OrgKind.AGGREGATOR).limit(1))
        from data.models import User
        own_org = s.scalar(select(User.organisation_id).where(User.username == "aggregator"))
        other = s.scalar(select(Der.id).where(Der.aggregator_org_id != own_org, Der.aggregator_org_id.is_not(None)))
    assert mine is not None and other is not None
    click = {"type": "Feature", "properties": {"id": other}}
    r = post_callback(client, app, "home-selection.data", {"home-der-points.clickData": click},
                      triggered="home-der-points.clickData")
    assert r.status_code == 200
    assert "not in your view" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "values",
    [
        {"home-filter-ldc.value": ["'; DROP TABLE der; --"], "home-filter-zone.value": "<script>alert(1)</script>"},
        {"home-filter-technology.value": ["=cmd|' /C calc'!A0"], "home-filter-status.value": [None, 5, {}]},
        {"home-filter-aggregator.value": "9" * 5000},
    ],
)
def test_hostile_filter_values_get_an_answer_not_a_500(client, app, values) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    r = post_callback(client, app, "home-stations.data", values)
    assert r.status_code == 200


@pytest.mark.parametrize("text", ["", " ", "x" * 5000, "<b>ON-DER</b>", "' OR 1=1 --", None, 12])
def test_hostile_search_text(client, app, text) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    r = post_callback(client, app, "home-map.viewport", {"home-search-text.value": text},
                      triggered="home-search-button.n_clicks")
    assert r.status_code == 200
