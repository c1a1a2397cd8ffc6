"""Shell callbacks through the real endpoint: preferences are saved for users, refused for guests."""
from __future__ import annotations

from sqlalchemy import select

from data.models import User
from tests.support import post_callback as _post
from tests.support import sign_in


def _wall_mode(database, username: str) -> bool:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(User.wall_mode).where(User.username == username))


def test_wall_preference_toggles_and_redirects(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    r = _post(client, app, "shell-redirect.href", {"shell-wall-toggle.n_clicks": 1}, "shell-wall-toggle.n_clicks")
    assert r.status_code == 200 and r.json["response"]["shell-redirect"]["href"] == "/?wall=1"
    assert _wall_mode(database, "ieso") is True
    r = _post(client, app, "shell-redirect.href", {"shell-wall-toggle.n_clicks": 2}, "shell-wall-toggle.n_clicks")
    assert r.json["response"]["shell-redirect"]["href"] == "/?wall=0"
    assert _wall_mode(database, "ieso") is False


def test_guest_cannot_save_preferences(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    r = _post(client, app, "shell-redirect.href", {"shell-wall-toggle.n_clicks": 1}, "shell-wall-toggle.n_clicks")
    assert r.status_code == 403


def test_theme_is_saved_for_a_user(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "manager")
    r = _post(client, app, "shell-theme-saved.children", {"shell-theme-store.data": "dark"}, "shell-theme-store.data")
    assert r.status_code == 200
    with database.session() as s:
        assert s.scalar(select(User.theme).where(User.username == "manager")) == "dark"


def test_hostile_theme_value_changes_nothing(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "manager")
    r = _post(client, app, "shell-theme-saved.children", {"shell-theme-store.data": "<script>x</script>"},
              "shell-theme-store.data")
    assert r.status_code == 204  # PreventUpdate: nothing to change
    with database.session() as s:
        assert s.scalar(select(User.theme).where(User.username == "manager")) == "light"


def test_data_age_badge_for_every_role(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    r = _post(client, app, "shell-data-age.children", {"shell-data-age-tick.n_intervals": 1}, None)
    assert r.status_code == 200 and "No live data yet" in r.get_data(as_text=True)
