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


def _button(label: str, icon: str, button_id: str, primary: bool = False) -> dbc.Button:
    return dbc.Button([html.I(className=f"bi {icon} me-1"), label], id=button_id, size="sm", disabled=True,
                      color="primary" if primary else "secondary", outline=not primary)


def _reason(reason_id: str, placeholder: str) -> dbc.Textarea:
    return dbc.Textarea(id=reason_id, placeholder=placeholder, maxlength=MAX_REASON, rows=2, className="small mb-1")


def _queue(title: str, grid_id: str, columns: list[dict], height: str, detail_title: str, detail_id: str,
           actions: html.Div) -> dbc.Row:
    """A list on the left, the selected row and what may be done with it on the right."""
    return dbc.Row([
        dbc.Col(_panel(title, data_grid(grid_id, columns, height=height, row_id="key", tooltipShowDelay=200)), lg=7),
        dbc.Col(_panel(detail_title, html.Div(NOTHING_SELECTED_TEXT, id=detail_id,
                                              className="small text-body-secondary"), actions), lg=5),
    ], className="g-2")


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
        html.Div(_button("Approve", "bi-check2-circle", Accounts.APP_APPROVE, primary=True), className="mb-2"),
        _reason(Accounts.APP_REASON, "Reason for rejecting (required to reject; the applicant reads it)"),
        _button("Reject", "bi-x-circle", Accounts.APP_REJECT),
        html.Div(id=Accounts.APP_MESSAGE, className="mt-2"),
    ])
    return _queue("Applications waiting for a decision (oldest first)", Accounts.APP_GRID, APPLICATION_COLUMNS,
                  "440px", "Selected application", Accounts.APP_DETAIL, decide)


def _changes() -> dbc.Row:
    decide = html.Div([
        html.Div(_button("Approve change", "bi-check2-circle", Accounts.CHANGE_APPROVE, primary=True),
                 className="mb-2"),
        _reason(Accounts.CHANGE_REASON, "Reason for rejecting (required to reject)"),
        _button("Reject change", "bi-x-circle", Accounts.CHANGE_REJECT),
        html.Div(id=Accounts.CHANGE_MESSAGE, className="mt-2"),
    ])
    return _queue("Profile changes waiting for a decision (organisation, role)", Accounts.CHANGE_GRID,
                  CHANGE_COLUMNS, "180px", "Selected change", Accounts.CHANGE_DETAIL, decide)


def _users() -> dbc.Row:
    act = html.Div([
        _reason(Accounts.USER_REASON, "Reason for disabling (required; the person reads it)"),
        dbc.ButtonGroup([_button("Disable", "bi-slash-circle", Accounts.USER_DISABLE),
                         _button("Enable again", "bi-arrow-counterclockwise", Accounts.USER_ENABLE)], size="sm"),
        html.Div(id=Accounts.USER_MESSAGE, className="mt-2"),
    ])
    return _queue("All accounts", Accounts.USER_GRID, USER_COLUMNS, "420px", "Selected account",
                  Accounts.USER_DETAIL, act)


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
