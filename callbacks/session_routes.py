"""Sign-in, guest access and sign-out: plain Flask routes in front of the Dash app."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from callbacks.auth import GUEST_SESSION_ID, SessionUser
from callbacks.context import db, settings
from components.login_page import render_login
from data.access import GUEST
from data.domain.enums import ROLE_LABELS
from data.queries.users import user_roles
from data.services.accounts import authenticate

log = logging.getLogger("td_platform.security")
bp = Blueprint("auth", __name__)


def _login_key() -> str:
    """Per address and account: guessing one account is slowed without locking out a whole office."""
    return f"{get_remote_address()}|{request.form.get('username', '')[:80].strip().lower()}"


limiter = Limiter(key_func=_login_key, default_limits=[])


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _demo_users() -> list[tuple[str, str]] | None:
    if not settings().demo:
        return None
    from data.demo.generator import DEMO_USERNAMES  # only when the demo is on

    with db().session() as s:
        roles = user_roles(s, DEMO_USERNAMES)
    return [(name, ROLE_LABELS[roles[name]]) for name in DEMO_USERNAMES if name in roles]


def _page(status: int = 200, **kwargs: object) -> Response:
    html = render_login(
        csrf=generate_csrf(), demo_users=_demo_users(), demo_password=settings().demo_password, **kwargs
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/login")
def login() -> Response:
    return _page(next_url=_safe_next(request.args.get("next")))


@bp.post("/login")
@limiter.limit(lambda: settings().login_rate_limit)
def login_post() -> Response:
    username = request.form.get("username", "")[:80]
    password = request.form.get("password", "")[:200]
    next_url = _safe_next(request.form.get("next"))
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except (ValidationError, CSRFError):
        return _page(400, next_url=next_url, username=username, error="The form expired. Please sign in again.")
    with db().transaction() as s:
        principal = authenticate(s, username, password)
    if principal is None:
        log.warning("failed sign-in for %r from %s", username, request.remote_addr)
        return _page(401, next_url=next_url, username=username, error="Unknown username or wrong password.")
    login_user(SessionUser(str(principal.user_id), principal))
    return redirect(next_url)


@bp.get("/guest")
def guest() -> Response:
    login_user(SessionUser(GUEST_SESSION_ID, GUEST))
    return redirect("/")


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    logout_user()
    return redirect("/login")
