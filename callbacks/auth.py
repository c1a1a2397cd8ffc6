"""Server-side guards: sign-in sessions, the request gate, and per-callback/page permissions.

Hiding a link is not access control: every layout, dependency and callback request passes
`gate()`, and every callback and page layout is wrapped by `requires()`, which refuses
(401/403, logged) before any data is read.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import dash
from flask import Flask, redirect, request, url_for
from flask_login import LoginManager, UserMixin
from werkzeug.exceptions import Forbidden, Unauthorized

from callbacks.context import current_principal, db
from data.access import GUEST, Permission, Principal
from data.services.accounts import load_principal

log = logging.getLogger("td_platform.security")

P = ParamSpec("P")
R = TypeVar("R")

GUEST_SESSION_ID = "guest"
# Reachable without a session: the sign-in pages, health, and public static files.
PUBLIC_PREFIXES = ("/login", "/guest", "/healthz", "/assets/", "/_favicon.ico", "/favicon.ico")
# Reachable without a session, matched exactly: applying for an account.
PUBLIC_PATHS = frozenset({"/register"})
# Dash's machinery: refused with 401 (not a redirect) without a session.
DASH_API_PREFIXES = ("/_dash-", "/_reload-hash")


class SessionUser(UserMixin):
    """flask-login's user object: a thin carrier of the principal, re-read every request."""

    def __init__(self, session_id: str, principal: Principal) -> None:
        self.id = session_id
        self.principal = principal


def load_session_user(session_id: str) -> SessionUser | None:
    if session_id == GUEST_SESSION_ID:
        return SessionUser(GUEST_SESSION_ID, GUEST)
    if not session_id.isdigit():
        return None
    with db().session() as s:
        principal = load_principal(s, int(session_id))
    return SessionUser(session_id, principal) if principal else None


def refuse(status: int, why: str) -> None:
    p = current_principal()
    log.warning("refused %s %s for %s: %s", request.method, request.path, p.username if p else "anonymous", why)
    raise (Unauthorized if status == 401 else Forbidden)(why)


def page_permission(path: str) -> Permission | None:
    """The permission a registered Dash page needs, or None when `path` is no page."""
    wanted = path.rstrip("/") or "/"
    for page in dash.page_registry.values():
        if (page.get("path", "").rstrip("/") or "/") == wanted:
            return page.get("permission")
    return None


def gate() -> Any:
    """before_request: who may reach which URL at all."""
    path = request.path
    if path.startswith(PUBLIC_PREFIXES) or path in PUBLIC_PATHS:
        return None
    principal = current_principal()
    if path.startswith(DASH_API_PREFIXES):
        if principal is None:
            refuse(401, "sign in first")
        return None
    if principal is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    needed = page_permission(path)
    if needed is not None and not principal.can(needed):
        refuse(403, f"this page needs {needed.value}")
    return None


def requires(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a callback or a page layout: refuse unless the signed-in principal holds `permission`."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = current_principal()
            if principal is None:
                refuse(401, "sign in first")
            elif not principal.can(permission):
                refuse(403, f"needs {permission.value}")
            return fn(*args, **kwargs)

        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded

    return decorate


def principal_or_refuse() -> Principal:
    """For code already behind `requires`: the principal, typed as present."""
    principal = current_principal()
    if principal is None:
        refuse(401, "sign in first")
    assert principal is not None
    return principal


def init_login(server: Flask) -> LoginManager:
    manager = LoginManager(server)
    manager.login_view = "auth.login"
    manager.session_protection = "strong"
    manager.user_loader(load_session_user)
    server.before_request(gate)
    return manager
