"""Dispatch instructions: IESO and DSO side by side, the DSO's form, acknowledgements, the 10:00 EPT checklist."""
from __future__ import annotations

import dash
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from components.dispatch_views import INSTRUCTION_COLUMNS, ack_bar, checklist_panel, issue_form
from components.grid import data_grid
from components.ids import Dispatch
from data.access import Permission
from data.domain.enums import Role
from data.models.base import utcnow

dash.register_page(
    __name__, path="/dispatch", name="Dispatch", title="Dispatch · T-D Coordination",
    permission=Permission.VIEW_DISPATCH, nav_order=45, icon="bi-send",
)


@requires(Permission.VIEW_DISPATCH)
def layout(**_query: str) -> html.Div:
    principal = principal_or_refuse()
    issuer = principal.can(Permission.ISSUE_DISPATCH)
    acknowledger = principal.can(Permission.ACKNOWLEDGE_DISPATCH)
    checklist = principal.sees_everything or principal.acts_as is Role.DSO_OPERATOR
    return html.Div(
        [
            dcc.Interval(id=Dispatch.REFRESH, interval=15_000),
            html.Div([html.H1("Dispatch instructions", className="h4 mb-0 me-3"),
                      html.Div(id=Dispatch.SUMMARY, className="me-auto"),
                      html.Span("IESO and DSO instructions side by side; + is export / load reduction",
                                className="small text-muted")],
                     className="d-flex align-items-center mb-2"),
            issue_form(utcnow()) if issuer else None,
            html.Div(id=Dispatch.FORM_MESSAGE, className="small mb-2", role="status"),
            ack_bar() if acknowledger else None,
            html.Div(id=Dispatch.ACK_MESSAGE, className="small mb-2", role="status"),
            html.Div(data_grid(Dispatch.GRID, INSTRUCTION_COLUMNS, height="420px", row_id="id"),
                     className="panel p-1 mb-3"),
            checklist_panel(issuer) if checklist else None,
            html.Div(id=Dispatch.SEND_MESSAGE, className="small", role="status"),
        ]
    )
