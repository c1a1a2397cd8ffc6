"""Shell callbacks: clocks and theme in the browser; the theme choice saved for signed-in users."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from components.ids import Shell
from data.access import Permission
from data.domain.freshness import freshness
from data.models.base import utcnow
from data.queries.freshness import newest_data_at
from data.services.accounts import THEMES, preferences, set_preferences

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


@callback(Output(Shell.DATA_AGE, "children"), Input(Shell.DATA_AGE_TICK, "n_intervals"))
@requires(Permission.VIEW_MAP)
def data_age(_tick):  # type: ignore[no-untyped-def]
    cfg = settings()
    with db().session() as s:
        f = freshness(newest_data_at(s), utcnow(), cfg.stale_warning_s, cfg.stale_alarm_s)
    state = f.severity.value if f.severity else "neutral"
    icon = "bi-broadcast" if f.severity is None else "bi-exclamation-triangle-fill"
    return html.Span([html.I(className=f"bi {icon} me-1"), f.text],
                     className=f"badge data-age state-{state}", title="Age of the newest data from any feed")


@callback(Output(Shell.REDIRECT, "href"), Input(Shell.WALL_TOGGLE, "n_clicks"), prevent_initial_call=True)
@requires(Permission.EDIT_PREFERENCES)
def toggle_wall_preference(n_clicks):  # type: ignore[no-untyped-def]
    if not n_clicks:
        raise PreventUpdate
    principal = principal_or_refuse()
    with db().transaction() as s:
        wall = not preferences(s, principal).wall_mode
        set_preferences(s, principal, wall_mode=wall)
    return "/?wall=1" if wall else "/?wall=0"
