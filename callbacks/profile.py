"""My profile callbacks: the account details, saving contact details, asking for and withdrawing a change."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html, no_update

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import clipped_text, record_id
from components.account_views import account_details, change_text, message
from components.ids import Profile
from data.access import AccessDenied, Permission
from data.domain.errors import DomainError, InvalidEntry
from data.queries.users import organisation_by_code, own_account
from data.services.applications import request_profile_change, update_contact, withdraw_profile_change

MAX_TEXT = 200




@callback(
    Output(Profile.DETAILS, "children"), Output(Profile.PENDING, "children"), Output(Profile.WITHDRAW, "disabled"),
    Input(Profile.SAVED, "data"), Input(Profile.CHANGED, "data"),
)
@requires(Permission.EDIT_PROFILE)
def show_profile(_saved, _changed):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        me = own_account(s, principal)
    if me is None:
        return html.Div("This session has no account.", className="small"), None, True
    if not me.has_pending_change:
        return account_details(me), None, True
    pending = dbc.Alert([html.I(className="bi bi-hourglass-split me-1"), "Pending approval: ",
                         html.Strong(change_text(me)), ". An administrator decides; you are told in a notification."],
                        color="warning", className="small py-2 mb-0")
    return account_details(me), pending, False


@callback(
    Output(Profile.SAVE_MESSAGE, "children"), Output(Profile.SAVED, "data"),
    Input(Profile.SAVE, "n_clicks"),
    State(Profile.DISPLAY_NAME, "value"), State(Profile.EMAIL, "value"), State(Profile.PHONE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.EDIT_PROFILE)
def save_contact(n_clicks, display_name, email, phone):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    try:
        with db().transaction() as s:
            update_contact(s, principal, display_name=clipped_text(display_name, MAX_TEXT) or "",
                           email=clipped_text(email, MAX_TEXT) or "", phone=clipped_text(phone, 40) or "")
    except InvalidEntry as err:
        return message(err.problems), no_update
    except (DomainError, AccessDenied) as err:
        return message(str(err)), no_update
    return message("Contact details saved.", ok=True), n_clicks


@callback(
    Output(Profile.REQUEST_MESSAGE, "children"), Output(Profile.CHANGED, "data"),
    Input(Profile.REQUEST, "n_clicks"), Input(Profile.WITHDRAW, "n_clicks"),
    State(Profile.ROLE, "value"), State(Profile.ORGANISATION, "value"), State(Profile.ORGANISATION_CODE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.EDIT_PROFILE)
def ask_or_withdraw(n_request, n_withdraw, role, organisation, code):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    try:
        with db().transaction() as s:
            if ctx.triggered_id == Profile.WITHDRAW:
                withdraw_profile_change(s, principal)
                done = "Your request was withdrawn."
            else:
                organisation_id = record_id(organisation)
                if (clipped_text(code, 32) or "").strip():
                    found = organisation_by_code(s, clipped_text(code, 32) or "")
                    if found is None:
                        raise InvalidEntry(["organisation code: no active organisation has this code"])
                    organisation_id = found.id
                request_profile_change(s, principal, role=clipped_text(role, 20) or None,
                                       organisation_id=organisation_id)
                done = "Your request was sent: it waits for an administrator's approval."
    except InvalidEntry as err:
        return message(err.problems), no_update
    except (DomainError, AccessDenied) as err:
        return message(str(err)), no_update
    return message(done, ok=True), {"request": n_request, "withdraw": n_withdraw}
