"""DER limits: the LDC queue with decisions, the requesters' form and list, the IESO's read-only view, exports."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import settings
from components.ids import Limits
from components.limit_form import request_form
from components.limit_views import VIEW_LABELS, approved_grid, decision_panel, detail_panel, request_grid
from data.access import Permission
from data.domain.market_time import format_market
from data.models.base import utcnow
from data.queries.limits import CutoffRule, available_views

dash.register_page(
    __name__, path="/limits", name="DER limits", title="DER limits · T-D Coordination",
    permission=Permission.VIEW_LIMITS, nav_order=30, icon="bi-sliders",
)


def _exports(default_date: str) -> html.Div:
    def button(component_id: str, icon: str, label: str) -> dbc.Button:
        return dbc.Button([html.I(className=f"bi {icon} me-1"), label], id=component_id, size="sm",
                          color="secondary", outline=True, className="ms-2")

    return html.Div(
        [
            html.Div(
                [html.Span("Approved limits in force", className="panel-title me-3"),
                 html.Div(dcc.DatePickerSingle(id=Limits.EXPORT_DATE, date=default_date, display_format="YYYY-MM-DD",
                                               first_day_of_week=1), style={"width": "11rem"}),
                 html.Span("trade date (EST)", className="small text-body-secondary ms-2 me-auto"),
                 button(Limits.EXPORT_CSV, "bi-filetype-csv", "CSV"),
                 button(Limits.EXPORT_EXCEL, "bi-file-earmark-excel", "Excel"),
                 button(Limits.EXPORT_OPENADR, "bi-braces", "OpenADR 3")],
                className="d-flex align-items-center flex-wrap mb-1",
            ),
            html.Div(id=Limits.EXPORT_MESSAGE),
            approved_grid(),
            dcc.Download(id=Limits.DOWNLOAD),
        ],
        className="panel p-2",
    )


@requires(Permission.VIEW_LIMITS)
def layout(request: str | None = None, **_query: str) -> html.Div:
    """`?request=<id>` (the link in notifications) opens with that request selected."""
    principal = principal_or_refuse()
    rule = CutoffRule.from_settings(settings())
    now = utcnow()
    trade_dates = rule.open_trade_dates(now)
    decider = principal.can(Permission.DECIDE_LIMITS)
    requester = principal.can(Permission.REQUEST_LIMITS)
    views = available_views(principal)
    role_panels = [decision_panel()] if decider else []
    detail = [html.Div([html.Div("Request", className="panel-title mb-1"),
                        html.Div(detail_panel(None, []), id=Limits.DETAIL)], className="panel p-2 mb-2")]
    if requester:
        role_panels.append(request_form(trade_dates))
        detail.append(html.Div(
            [dbc.Button([html.I(className="bi bi-arrow-counterclockwise me-1"), "Withdraw selected request"],
                        id=Limits.WITHDRAW, size="sm", color="secondary", outline=True),
             html.Div(id=Limits.WITHDRAW_MESSAGE, className="mt-2")], className="mb-2"))
    exports = _exports(trade_dates[0][0].isoformat() if trade_dates else now.date().isoformat())
    if role_panels:  # the role's panel beside the detail, the exports below
        body = [dbc.Row([dbc.Col(role_panels, lg=5), dbc.Col(detail, lg=7)], className="g-2"), exports]
    else:  # read-only: the detail beside the exports
        body = [dbc.Row([dbc.Col(detail, lg=5), dbc.Col(exports, lg=7)], className="g-2")]
    grid = request_grid(decider, show_requester=not requester, deadline_sort="asc" if decider else "desc")
    if isinstance(request, str) and request.isdigit() and len(request) < 10:
        grid.selectedRows = {"ids": [str(int(request))]}
    first_cutoff = format_market(trade_dates[0][1]) if trade_dates else "—"
    header = html.Div(
        [html.H1("DER limits", className="h4 mb-0 me-3"),
         dbc.RadioItems(id=Limits.VIEW, options=[{"label": VIEW_LABELS[v], "value": v.value} for v in views],
                        value=views[0].value, inline=True, className="small me-3",
                        style=None if len(views) > 1 else {"display": "none"}),
         html.Div(id=Limits.SUMMARY, className="me-auto"),
         html.Span(f"Next cut-off {first_cutoff} (DAM close {rule.close_hour_est}:00 EST − "
                   f"{rule.hours_before_close:g} h)", className="small text-body-secondary")],
        className="d-flex align-items-center flex-wrap mb-2",
    )
    return html.Div(
        [
            dcc.Interval(id=Limits.REFRESH, interval=30_000),
            dcc.Store(id=Limits.CHANGED),
            header,
            html.Div(grid, className="panel p-1 mb-2"),
            *body,
        ]
    )
