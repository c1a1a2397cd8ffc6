"""My profile: the account's details and public ID, contact details (changed at once), and organisation / role
changes (asked for here, decided by an administrator). Reached from the user menu, not the navbar."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.account_views import organisation_options, role_options
from components.ids import Profile
from data.access import Permission
from data.domain.accounts import APPLICABLE_ROLES, MAX_EMAIL, MAX_NAME, MAX_PHONE
from data.domain.enums import Role
from data.queries.users import OrgChoice, joinable_organisations, own_account

# No nav_order: the navbar leaves it out; the user menu links to it.
dash.register_page(
    __name__, path="/profile", name="My profile", title="My profile · T-D Coordination",
    permission=Permission.EDIT_PROFILE, icon="bi-person-circle",
)


def _field(label: str, control, hint: str | None = None, md: int = 6) -> dbc.Col:  # type: ignore[no-untyped-def]
    parts = [dbc.Label(label, className="small mb-0", html_for=control.id), control]
    if hint:
        parts.append(dbc.FormText(hint, className="small"))
    return dbc.Col(parts, md=md, className="mb-2")


@requires(Permission.EDIT_PROFILE)
def layout(**_query: str) -> html.Div:
    principal = principal_or_refuse()
    with db().session() as s:
        me = own_account(s, principal)
        choices = joinable_organisations(s)
    if me is None:
        return html.Div("This session has no account.", className="p-3")
    if me.organisation_id not in {c.id for c in choices}:
        choices = [OrgChoice(me.organisation_id, me.organisation_name, me.organisation_kind, me.organisation_status,
                             me.organisation_code), *choices]
    roles = APPLICABLE_ROLES if Role(me.role) in APPLICABLE_ROLES else (Role(me.role), *APPLICABLE_ROLES)
    contact = html.Div([
        html.Div("Contact details", className="panel-title mb-1"),
        html.Div("Changes apply at once.", className="small text-body-secondary mb-2"),
        dbc.Row([
            _field("Full name", dbc.Input(id=Profile.DISPLAY_NAME, value=me.display_name, maxlength=MAX_NAME,
                                          size="sm"), md=12),
            _field("Work email", dbc.Input(id=Profile.EMAIL, value=me.email or "", maxlength=MAX_EMAIL, size="sm",
                                           type="email")),
            _field("Phone", dbc.Input(id=Profile.PHONE, value=me.phone or "", maxlength=MAX_PHONE, size="sm",
                                      type="tel"), "e.g. +1 416 555 0100 ext. 12"),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-save me-1"), "Save contact details"], id=Profile.SAVE, size="sm",
                   color="primary"),
        html.Div(id=Profile.SAVE_MESSAGE, className="mt-2"),
    ], className="panel p-2 mb-2")
    change = html.Div([
        html.Div("Organisation and role", className="panel-title mb-1"),
        html.Div("Other parties rely on these: a change waits for a platform administrator's approval.",
                 className="small text-body-secondary mb-2"),
        dbc.Row([
            _field("Role", dcc.Dropdown(id=Profile.ROLE, options=role_options(roles), value=me.role,
                                        clearable=False, className="small"), md=5),
            _field("Organisation", dcc.Dropdown(id=Profile.ORGANISATION, options=organisation_options(choices),
                                                value=me.organisation_id, clearable=False, className="small"), md=7),
            _field("or an organisation's code", dbc.Input(id=Profile.ORGANISATION_CODE, maxlength=32, size="sm",
                                                          placeholder="e.g. MVLP"),
                   "For organisations not listed (DER owners): the code overrides the list", md=5),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-send me-1"), "Ask for this change"], id=Profile.REQUEST, size="sm",
                   color="primary"),
        html.Div(id=Profile.PENDING, className="mt-2"),
        dbc.Button([html.I(className="bi bi-x-circle me-1"), "Withdraw my request"], id=Profile.WITHDRAW, size="sm",
                   color="secondary", outline=True, className="mt-1", disabled=True),
        html.Div(id=Profile.REQUEST_MESSAGE, className="mt-2"),
    ], className="panel p-2 mb-2")
    return html.Div([
        dcc.Store(id=Profile.SAVED), dcc.Store(id=Profile.CHANGED),
        html.H1("My profile", className="h4 mb-2"),
        dbc.Row([
            dbc.Col(html.Div([html.Div("Account", className="panel-title mb-1"), html.Div(id=Profile.DETAILS)],
                             className="panel p-2 mb-2"), lg=5),
            dbc.Col([contact, change], lg=7),
        ], className="g-2"),
    ])
