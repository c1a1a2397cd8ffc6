"""Account administration callbacks: the three lists, the selected row of each, and the decisions.

Every decision carries what the administrator saw (the status, the requested change); the service refuses it
when another administrator decided first, and the page says so.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import clipped_text, record_id
from components.account_views import (
    NOTHING_SELECTED_TEXT,
    account_details,
    application_row,
    change_row,
    change_text,
    message,
    organisation_options,
    role_label,
    user_grid_row,
)
from components.ids import Accounts
from data.access import AccessDenied, Permission
from data.domain.enums import UserStatus
from data.domain.errors import DomainError, InvalidEntry, StaleEdit
from data.queries.users import UserRow, list_users, pending_applications, pending_profile_changes, user_row
from data.queries.users import organisation_options as organisation_choices
from data.services.applications import (
    ProfileChange,
    approve_application,
    approve_profile_change,
    disable_user,
    enable_user,
    reject_application,
    reject_profile_change,
)

MAX_TEXT = 500



def first_selected_id(selected: Any) -> int | None:
    """The id of the first selected grid row (the browser may send anything)."""
    first = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else {}
    return record_id(first.get("id"))



def _target(store_id: str, stored: Any, selected: Any) -> int | None:
    """The account to show: the one just decided (its store triggered) or the first selected grid row."""
    if ctx.triggered_id == store_id:
        return record_id(stored.get("id")) if isinstance(stored, dict) else None
    return first_selected_id(selected)


def _decide(user_id: int, work: Callable[[Any], str]) -> tuple[Any, Any]:
    """Run one decision in a transaction: (message, store data to refresh the lists) or (refusal, no_update)."""
    try:
        with db().transaction() as s:
            done = work(s)
    except InvalidEntry as err:
        return message(err.problems), no_update
    except StaleEdit as err:  # another administrator was first: say so, and show the lists as they are now
        return message(str(err)), {"id": user_id, "stale": True}
    except (DomainError, AccessDenied) as err:
        return message(str(err)), no_update
    return message(done, ok=True), {"id": user_id}


def _selected_row(store_id: str, stored: Any, selected: Any) -> tuple[UserRow | None, html.Div]:
    """The account to show, or None with what to say instead (nothing selected, or not in view)."""
    user_id = _target(store_id, stored, selected)
    if user_id is None:
        if ctx.triggered_id is None:
            raise PreventUpdate
        return None, html.Div(NOTHING_SELECTED_TEXT, className="small text-body-secondary")
    with db().session() as s:
        row = user_row(s, principal_or_refuse(), user_id)
    return row, html.Div(f"Account #{user_id} is not in your view.", className="small")


def _badge(count: int, text: str, icon: str, alert: bool) -> html.Span:
    return html.Span([html.I(className=f"bi {icon} me-1"), f"{count} {text}"],
                     className=f"badge {'state-action' if alert and count else 'state-neutral'} me-2")


@callback(
    Output(Accounts.APP_GRID, "rowData"), Output(Accounts.CHANGE_GRID, "rowData"),
    Output(Accounts.USER_GRID, "rowData"), Output(Accounts.SUMMARY, "children"),
    Input(Accounts.REFRESH, "n_intervals"), Input(Accounts.APP_DECIDED, "data"), Input(Accounts.CHANGE_DECIDED, "data"),
    Input(Accounts.USER_ACTED, "data"),
)
@requires(Permission.MANAGE_USERS)
def refresh_lists(_tick, _decided, _changed, _acted):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        applications = pending_applications(s, principal)
        changes = pending_profile_changes(s, principal)
        users = list_users(s, principal)
    active = sum(u.status == UserStatus.ACTIVE for u in users)
    summary = [_badge(len(applications), "application(s) waiting", "bi-person-plus", True),
               _badge(len(changes), "profile change(s) waiting", "bi-arrow-left-right", True),
               html.Span(f"{len(users):,} accounts, {active:,} active", className="small text-body-secondary")]
    return ([application_row(r) for r in applications], [change_row(r) for r in changes],
            [user_grid_row(r) for r in users], summary)


# --- applications -------------------------------------------------------------------------------------------


@callback(
    Output(Accounts.APP_DETAIL, "children"), Output(Accounts.APP_SELECTED, "data"),
    Output(Accounts.APP_DISPLAY_NAME, "value"), Output(Accounts.APP_ROLE, "value"),
    Output(Accounts.APP_ORGANISATION, "options"), Output(Accounts.APP_ORGANISATION, "value"),
    Output(Accounts.APP_APPROVE, "disabled"), Output(Accounts.APP_REJECT, "disabled"),
    Input(Accounts.APP_GRID, "selectedRows"), Input(Accounts.APP_DECIDED, "data"),
)
@requires(Permission.MANAGE_USERS)
def show_application(selected, decided):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    row, instead = _selected_row(Accounts.APP_DECIDED, decided, selected)
    if row is None:
        return instead, None, None, None, [], None, True, True
    with db().session() as s:
        choices = organisation_choices(s, principal)
    pending = row.status == UserStatus.PENDING
    selected_data = {"id": row.id, "status": row.status} if pending else None
    return (account_details(row), selected_data, row.display_name, row.role, organisation_options(choices),
            row.organisation_id, not pending, not pending)


@callback(
    Output(Accounts.APP_MESSAGE, "children"), Output(Accounts.APP_DECIDED, "data"),
    Input(Accounts.APP_APPROVE, "n_clicks"), Input(Accounts.APP_REJECT, "n_clicks"),
    State(Accounts.APP_SELECTED, "data"), State(Accounts.APP_DISPLAY_NAME, "value"), State(Accounts.APP_ROLE, "value"),
    State(Accounts.APP_ORGANISATION, "value"), State(Accounts.APP_REASON, "value"),
    prevent_initial_call=True,
)
@requires(Permission.MANAGE_USERS)
def decide_application(_approve, _reject, selected, display_name, role, organisation, reason):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    selected = selected if isinstance(selected, dict) else {}
    user_id, expected = record_id(selected.get("id")), clipped_text(selected.get("status"), 20)
    if user_id is None or expected is None:
        return message("select an application in the list first"), no_update
    approving = ctx.triggered_id == Accounts.APP_APPROVE

    def work(s: Any) -> str:
        if approving:
            user = approve_application(s, principal, user_id, role=clipped_text(role, 20),
                                       organisation_id=record_id(organisation),
                                       display_name=clipped_text(display_name, 200), expected_status=expected)
            return f"{user.display_name} ({user.public_id}) approved as {role_label(user.role)}: they can sign in now."
        user = reject_application(s, principal, user_id, reason=clipped_text(reason, MAX_TEXT) or "",
                                  expected_status=expected)
        return f"The application of {user.display_name} ({user.public_id}) was rejected."

    return _decide(user_id, work)


# --- profile changes ----------------------------------------------------------------------------------------


@callback(
    Output(Accounts.CHANGE_DETAIL, "children"), Output(Accounts.CHANGE_SELECTED, "data"),
    Output(Accounts.CHANGE_APPROVE, "disabled"), Output(Accounts.CHANGE_REJECT, "disabled"),
    Input(Accounts.CHANGE_GRID, "selectedRows"), Input(Accounts.CHANGE_DECIDED, "data"),
)
@requires(Permission.MANAGE_USERS)
def show_change(selected, decided):  # type: ignore[no-untyped-def]
    row, instead = _selected_row(Accounts.CHANGE_DECIDED, decided, selected)
    if row is None:
        return instead, None, True, True
    if not row.has_pending_change:
        return account_details(row), None, True, True
    detail = html.Div([html.Div(["Asks for: ", html.Strong(change_text(row))], className="small mb-1"),
                       account_details(row)])
    return (detail, {"id": row.id, "role": row.requested_role, "organisation_id": row.requested_organisation_id},
            False, False)


@callback(
    Output(Accounts.CHANGE_MESSAGE, "children"), Output(Accounts.CHANGE_DECIDED, "data"),
    Input(Accounts.CHANGE_APPROVE, "n_clicks"), Input(Accounts.CHANGE_REJECT, "n_clicks"),
    State(Accounts.CHANGE_SELECTED, "data"), State(Accounts.CHANGE_REASON, "value"),
    prevent_initial_call=True,
)
@requires(Permission.MANAGE_USERS)
def decide_change(_approve, _reject, selected, reason):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    selected = selected if isinstance(selected, dict) else {}
    user_id = record_id(selected.get("id"))
    if user_id is None:
        return message("select a profile change in the list first"), no_update
    expected = ProfileChange(clipped_text(selected.get("role"), 20), record_id(selected.get("organisation_id")))
    approving = ctx.triggered_id == Accounts.CHANGE_APPROVE

    def work(s: Any) -> str:
        if approving:
            user = approve_profile_change(s, principal, user_id, expected=expected)
            return f"Applied: {user.display_name} is now {role_label(user.role)} at {user.organisation.name}."
        user = reject_profile_change(s, principal, user_id, expected=expected,
                                     reason=clipped_text(reason, MAX_TEXT) or "")
        return f"The change asked for by {user.display_name} was rejected."

    return _decide(user_id, work)


# --- all accounts -------------------------------------------------------------------------------------------


@callback(
    Output(Accounts.USER_DETAIL, "children"), Output(Accounts.USER_SELECTED, "data"),
    Output(Accounts.USER_DISABLE, "disabled"), Output(Accounts.USER_ENABLE, "disabled"),
    Input(Accounts.USER_GRID, "selectedRows"), Input(Accounts.USER_ACTED, "data"),
)
@requires(Permission.MANAGE_USERS)
def show_user(selected, acted):  # type: ignore[no-untyped-def]
    row, instead = _selected_row(Accounts.USER_ACTED, acted, selected)
    if row is None:
        return instead, None, True, True
    own = row.id == principal_or_refuse().user_id
    return (account_details(row), {"id": row.id, "status": row.status},
            own or row.status != UserStatus.ACTIVE, row.status != UserStatus.DISABLED)


@callback(
    Output(Accounts.USER_MESSAGE, "children"), Output(Accounts.USER_ACTED, "data"),
    Input(Accounts.USER_DISABLE, "n_clicks"), Input(Accounts.USER_ENABLE, "n_clicks"),
    State(Accounts.USER_SELECTED, "data"), State(Accounts.USER_REASON, "value"),
    prevent_initial_call=True,
)
@requires(Permission.MANAGE_USERS)
def act_on_user(_disable, _enable, selected, reason):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    selected = selected if isinstance(selected, dict) else {}
    user_id, expected = record_id(selected.get("id")), clipped_text(selected.get("status"), 20)
    if user_id is None or expected is None:
        return message("select an account in the list first"), no_update
    disabling = ctx.triggered_id == Accounts.USER_DISABLE

    def work(s: Any) -> str:
        if disabling:
            user = disable_user(s, principal, user_id, reason=clipped_text(reason, MAX_TEXT) or "",
                                expected_status=expected)
        else:
            user = enable_user(s, principal, user_id, expected_status=expected)
        return f"{user.display_name} ({user.username}) is now {user.status}."

    return _decide(user_id, work)
