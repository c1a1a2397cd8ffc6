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
from components.login_page import (
    NEW_ORG_CHOICE,
    ORG_CODE_CHOICE,
    RegisterForm,
    render_login,
    render_register,
    render_registered,
)
from data.access import GUEST
from data.domain.accounts import APPLICABLE_ROLES, FIELD_LABELS, NEW_ORGANISATION_KINDS, ORG_KIND_LABELS
from data.domain.enums import ROLE_LABELS, OrgStatus
from data.domain.errors import DomainError, InvalidEntry, problem_field
from data.queries.users import joinable_organisations, user_roles
from data.services.accounts import authenticate
from data.services.applications import apply_for_account

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


# --- applying for an account ---------------------------------------------------------------------------------

REGISTER_FIELDS = ("username", "display_name", "email", "phone", "requested_role", "organisation",
                   "organisation_code", "new_organisation_name", "new_organisation_kind")
_FIELD_OF_LABEL = {label: name for name, label in FIELD_LABELS.items()}
_MAX_FIELD = 200


def _register_page(status: int = 200, values: dict[str, str] | None = None, problems: list[str] | None = None
                   ) -> Response:
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems or []:
        name = _FIELD_OF_LABEL.get(problem_field(problem))
        if name is None:
            general.append(problem)
        else:
            text = problem.split(": ", 1)[-1]
            by_field.setdefault(name, []).append(text[:1].upper() + text[1:])
    with db().session() as s:
        organisations = [(o.id, o.name, o.kind) for o in joinable_organisations(s)]
    form = RegisterForm(
        values=values or {}, problems=by_field, general=general,
        roles=[(r.value, ROLE_LABELS[r]) for r in APPLICABLE_ROLES], organisations=organisations,
        new_kinds=[(k.value, ORG_KIND_LABELS[k]) for k in NEW_ORGANISATION_KINDS],
    )
    return Response(render_register(csrf=generate_csrf(), form=form), status=status, mimetype="text/html")


@bp.get("/register")
def register() -> Response:
    return _register_page()


def _register_key() -> str:
    return f"register|{get_remote_address()}"


@bp.post("/register")
@limiter.limit(lambda: settings().login_rate_limit, key_func=_register_key)
def register_post() -> Response:
    values = {name: request.form.get(name, "")[:_MAX_FIELD] for name in REGISTER_FIELDS}
    password = request.form.get("password", "")[:_MAX_FIELD + 1]
    confirm = request.form.get("password_confirm", "")[:_MAX_FIELD + 1]
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except (ValidationError, CSRFError):
        return _register_page(400, values, ["The form expired: please send it again (your entries are kept)."])
    choice = values["organisation"].strip()
    organisation_id = int(choice) if choice.isdigit() and len(choice) < 10 else None
    new_org = choice in (NEW_ORG_CHOICE, "")
    by_code = choice == ORG_CODE_CHOICE or (choice == "" and bool(values["organisation_code"].strip()))
    # what the organisation list itself says is wrong; the service reports every other field at the same time
    problems: list[str] = []
    if choice == ORG_CODE_CHOICE and not values["organisation_code"].strip():
        problems.append("organisation code: enter the code of your organisation")
    elif choice and organisation_id is None and choice not in (NEW_ORG_CHOICE, ORG_CODE_CHOICE):
        problems.append("organisation: pick one from the list")
    try:
        with db().transaction() as s:
            user = apply_for_account(
                s, username=values["username"], display_name=values["display_name"], email=values["email"],
                phone=values["phone"], password=password, password_confirm=confirm,
                requested_role=values["requested_role"], organisation_id=organisation_id,
                organisation_code=values["organisation_code"] if by_code else None,
                new_organisation_name=values["new_organisation_name"] if new_org and not by_code else None,
                new_organisation_kind=values["new_organisation_kind"] if new_org and not by_code else None,
            )
            if problems:
                raise InvalidEntry([])  # never stored: roll back
            reference, username = user.public_id, user.username
            organisation, pending = user.organisation.name, user.organisation.status == OrgStatus.PENDING
    except InvalidEntry as err:
        about_org = {"organisation", "organisation code"} if problems else set()
        # 200, not 422: the answer is the form again with its messages (a browser logs a 4xx page as an error)
        return _register_page(200, values, [p for p in err.problems if problem_field(p) not in about_org] + problems)
    except DomainError as err:
        return _register_page(409, values, [str(err)])
    log.info("application for an account %s (%s) from %s", reference, username, request.remote_addr)
    html = render_registered(reference=reference, username=username, organisation=organisation,
                             pending_organisation=pending)
    return Response(html, status=201, mimetype="text/html")
