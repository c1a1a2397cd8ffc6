"""The navbar's conflict badge: open alerts in scope, a mute toggle and the audible alert's state."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Conflicts
from data.access import Permission, Principal


def conflict_badge(principal: Principal) -> html.Div:
    """Empty for roles that may not see conflicts (a guest sees none)."""
    if not principal.can(Permission.VIEW_CONFLICTS):
        return html.Div()
    return html.Div(
        [
            html.A(id=Conflicts.BADGE, href="/conflicts", className="text-decoration-none"),
            dbc.Button(html.I(id=Conflicts.MUTE_ICON, className="bi bi-volume-up"), id=Conflicts.MUTE, color="link",
                       size="sm", className="text-light px-1", title="Mute / unmute the audible conflict alert"),
            dcc.Store(id=Conflicts.ALARM_COUNT, data=None),
            html.Div(id=Conflicts.BEEPED, hidden=True),
        ],
        className="d-flex align-items-center me-2",
    )
