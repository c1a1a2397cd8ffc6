"""Accounts (administrators): applications to decide, profile changes to decide, and every account."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import requires
from components.account_views import (
    APPLICATION_COLUMNS,
    CHANGE_COLUMNS,
    NOTHING_SELECTED_TEXT,
    USER_COLUMNS,
    role_options,
)
from components.grid import data_grid
from components.ids import Accounts
from data.access import Permission
from data.domain.accounts import APPROVABLE_ROLES, MAX_REASON

dash.register_page(
    __name__, path="/accounts", name="Accounts", title="Accounts · T-D Coordination",
    permission=Permission.MANAGE_USERS, nav_order=80, icon="bi-people",
)

def _panel(title: str, *children) -> html.Div:  # type: ignore[no-untyped-def]
    return html.Div([html.Div(title, className="panel-title mb-1"), *children], className="panel p-2 mb-2")


def _applications() -> dbc.Row:
    decide = html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Display name", className="small mb-0", html_for=Accounts.APP_DISPLAY_NAME),
                     dbc.Input(id=Accounts.APP_DISPLAY_NAME, size="sm", maxlength=200)], md=12, className="mb-2"),
            dbc.Col([dbc.Label("Role", className="small mb-0", html_for=Accounts.APP_ROLE),
                     dcc.Dropdown(id=Accounts.APP_ROLE, options=role_options(APPROVABLE_ROLES), clearable=False,
                                  className="small")], md=5, className="mb-2"),
            dbc.Col([dbc.Label("Organisation", className="small mb-0", html_for=Accounts.APP_ORGANISATION),
                     dcc.Dropdown(id=Accounts.APP_ORGANISATION, options=[], clearable=False, className="small",
                                  optionHeight=40)], md=7, className="mb-2"),
        ], className="g-2"),
        dbc.Button([html.I(className="bi bi-check2-circle me-1"), "Approve"], id=Accounts.APP_APPROVE, size="sm",
                   color="primary", disabled=True, className="mb-2"),
        dbc.Textarea(id=Accounts.APP_REASON, placeholder="Reason for rejecting (required to reject; the applicant "
                     "reads it)", maxlength=MAX_REASON, rows=2, className="small mb-1"),
        dbc.Button([html.I(className="bi bi-x-circle me-1"), "Reject"], id=Accounts.APP_REJECT, size="sm",
                   color="secondary", outline=True, disabled=True),
        html.Div(id=Accounts.APP_MESSAGE, className="mt-2"),
    ])
    return dbc.Row([
        dbc.Col(_panel("Applications waiting for a decision (oldest first)",
                       data_grid(Accounts.APP_GRID, APPLICATION_COLUMNS, height="440px", row_id="key",
                                 tooltipShowDelay=200)), lg=7),
        dbc.Col(_panel("Selected application", html.Div(NOTHING_SELECTED_TEXT, id=Accounts.APP_DETAIL,
                                                          className="small text-body-secondary"), decide), lg=5),
    ], className="g-2")


def _changes() -> dbc.Row:
    decide = html.Div([
        dbc.Button([html.I(className="bi bi-check2-circle me-1"), "Approve change"], id=Accounts.CHANGE_APPROVE,
                   size="sm", color="primary", disabled=True, className="mb-2"),
        dbc.Textarea(id=Accounts.CHANGE_REASON, placeholder="Reason for rejecting (required to reject)",
                     maxlength=MAX_REASON, rows=2, className="small mb-1"),
        dbc.Button([html.I(className="bi bi-x-circle me-1"), "Reject change"], id=Accounts.CHANGE_REJECT, size="sm",
                   color="secondary", outline=True, disabled=True),
        html.Div(id=Accounts.CHANGE_MESSAGE, className="mt-2"),
    ])
    return dbc.Row([
        dbc.Col(_panel("Profile changes waiting for a decision (organisation, role)",
                       data_grid(Accounts.CHANGE_GRID, CHANGE_COLUMNS, height="180px", row_id="key",
                                 tooltipShowDelay=200)), lg=7),
        dbc.Col(_panel("Selected change", html.Div(NOTHING_SELECTED_TEXT, id=Accounts.CHANGE_DETAIL,
                                                     className="small text-body-secondary"), decide), lg=5),
    ], className="g-2")


def _users() -> dbc.Row:
    act = html.Div([
        dbc.Textarea(id=Accounts.USER_REASON, placeholder="Reason for disabling (required; the person reads it)",
                     maxlength=MAX_REASON, rows=2, className="small mb-1"),
        dbc.ButtonGroup([
            dbc.Button([html.I(className="bi bi-slash-circle me-1"), "Disable"], id=Accounts.USER_DISABLE, size="sm",
                       color="secondary", outline=True, disabled=True),
            dbc.Button([html.I(className="bi bi-arrow-counterclockwise me-1"), "Enable again"],
                       id=Accounts.USER_ENABLE, size="sm", color="secondary", outline=True, disabled=True),
        ], size="sm"),
        html.Div(id=Accounts.USER_MESSAGE, className="mt-2"),
    ])
    return dbc.Row([
        dbc.Col(_panel("All accounts", data_grid(Accounts.USER_GRID, USER_COLUMNS, height="420px", row_id="key",
                                                 tooltipShowDelay=200)), lg=7),
        dbc.Col(_panel("Selected account", html.Div(NOTHING_SELECTED_TEXT, id=Accounts.USER_DETAIL,
                                                      className="small text-body-secondary"), act), lg=5),
    ], className="g-2")


@requires(Permission.MANAGE_USERS)
def layout(**_query: str) -> html.Div:
    return html.Div([
        dcc.Interval(id=Accounts.REFRESH, interval=60_000),
        dcc.Store(id=Accounts.APP_SELECTED), dcc.Store(id=Accounts.APP_DECIDED),
        dcc.Store(id=Accounts.CHANGE_SELECTED), dcc.Store(id=Accounts.CHANGE_DECIDED),
        dcc.Store(id=Accounts.USER_SELECTED), dcc.Store(id=Accounts.USER_ACTED),
        html.Div([html.H1("Accounts", className="h4 mb-0 me-3"), html.Div(id=Accounts.SUMMARY, className="me-auto")],
                 className="d-flex align-items-center mb-2"),
        _applications(), _changes(), _users(),
    ])
