"""Shell callbacks: clocks and theme in the browser; the theme choice saved for signed-in users."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components.ids import Shell
from data.access import Permission
from data.services.accounts import THEMES, set_preferences

clientside_callback(
    ClientsideFunction(namespace="platform", function_name="clock"),
    Output(Shell.CLOCK_MARKET, "children"),
    Output(Shell.CLOCK_LOCAL, "children"),
    Output(Shell.CLOCK_ZONE, "children"),
    Input(Shell.CLOCK_TICK, "n_intervals"),
)

clientside_callback(
    ClientsideFunction(namespace="platform", function_name="applyTheme"),
    Output(Shell.THEME_ICON, "className"),
    Input(Shell.THEME_STORE, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="platform", function_name="toggleTheme"),
    Output(Shell.THEME_STORE, "data"),
    Input(Shell.THEME_TOGGLE, "n_clicks"),
    State(Shell.THEME_STORE, "data"),
    prevent_initial_call=True,
)


@callback(Output(Shell.THEME_SAVED, "children"), Input(Shell.THEME_STORE, "data"), prevent_initial_call=True)
@requires(Permission.VIEW_MAP)
def save_theme(theme: str | None) -> str:
    principal = principal_or_refuse()
    # A guest's choice lives in the browser only: there is no account to keep it in.
    if theme not in THEMES or not principal.can(Permission.EDIT_PREFERENCES):
        raise PreventUpdate
    with db().transaction() as s:
        set_preferences(s, principal, theme=theme)
    return theme
