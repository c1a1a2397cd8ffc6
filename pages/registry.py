"""DER registry: registrations, the registration form with its map, resources, the LDC's approval queue, meters and
connection-assessment checks; each tab shown to the roles that use it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from components import registry_views as views
from components.ids import Registry
from data.access import Permission, Principal
from data.domain.enums import Role
from data.domain.market_time import trade_date_of
from data.models.base import utcnow
from data.queries.registry import territory_feeders

dash.register_page(
    __name__, path="/registry", name="DER registry", title="DER registry · T-D Coordination",
    permission=Permission.VIEW_REGISTRY, nav_order=55, icon="bi-card-checklist",
)


def _registrant_note(principal: Principal) -> str:
    if principal.acts_as is Role.AGGREGATOR:
        return (f"Registered by {principal.organisation_name} as aggregator (and owner of record for your customer). "
                "The LDC approves it; the platform ID is assigned on approval.")
    return (f"Registered by {principal.organisation_name} as owner. The LDC approves it; the platform ID is assigned "
            "on approval.")


def _registrations_tab(principal: Principal) -> dbc.Tab:
    label = "My registrations" if principal.can(Permission.REGISTER_ASSETS) else "Registrations"
    body = html.Div([
        html.Div(id=Registry.REGISTRATIONS_SUMMARY, className="small mb-1"),
        html.Div(views.registrations_grid(), className="panel p-1"),
    ], className="pt-2")
    return dbc.Tab(body, label=label, tab_id="registrations")


def _register_tab(principal: Principal, today: str) -> dbc.Tab:
    body = dbc.Row([
        dbc.Col(views.registration_form(_registrant_note(principal), today), lg=6),
        dbc.Col(views.registration_map_panel(), lg=6),
    ], className="g-2 pt-2")
    return dbc.Tab(body, label="Register a DER", tab_id="register")


def _resources_tab(principal: Principal) -> dbc.Tab:
    side = []
    if principal.acts_as is Role.AGGREGATOR and principal.can(Permission.REGISTER_ASSETS):
        side.append(views.resource_form())
    if principal.can(Permission.MANAGE_RESOURCES):
        side.append(views.resource_admin_panel())
    grid = html.Div(views.resources_grid(), className="panel p-1")
    body = dbc.Row([dbc.Col(grid, lg=8), dbc.Col(side, lg=4)], className="g-2 pt-2") if side else html.Div(
        grid, className="pt-2")
    return dbc.Tab(body, label="Resources", tab_id="resources")


def _queue_tab(principal: Principal) -> dbc.Tab:
    with db().session() as session:
        feeders = territory_feeders(session, principal)
    body = html.Div([
        html.Div(id=Registry.QUEUE_SUMMARY, className="small mb-1"),
        dbc.Row([dbc.Col(html.Div(views.queue_grid(), className="panel p-1"), lg=9),
                 dbc.Col(views.queue_panel(feeders), lg=3)], className="g-2"),
    ], className="pt-2")
    return dbc.Tab(body, label="Approval queue", tab_id="queue")


def _meters_tab(principal: Principal, today: str) -> dbc.Tab:
    side = []
    if principal.can(Permission.REGISTER_ASSETS):
        side.append(views.meter_form(today))
    if principal.can(Permission.APPROVE_ASSETS):
        side.append(views.meter_decision_panel())
    side.append(html.Div([
        html.Div("Select a meter to see its DER's meter history.", id=Registry.METER_HISTORY_TITLE,
                 className="panel-title mb-1"),
        views.meter_history_grid(),
    ], className="panel p-2"))
    body = dbc.Row([dbc.Col(html.Div(views.meter_grid(), className="panel p-1"), lg=7), dbc.Col(side, lg=5)],
                   className="g-2 pt-2")
    return dbc.Tab(body, label="Meters", tab_id="meters")


def _assessment_tab() -> dbc.Tab:
    body = html.Div([
        html.Div(id=Registry.ASSESS_SUMMARY, className="small mb-1"),
        html.Div(views.assessment_grid(), className="panel p-1"),
    ], className="pt-2")
    return dbc.Tab(body, label="Assessment checks", tab_id="assessment", id=Registry.TAB_ASSESSMENT)


@requires(Permission.VIEW_REGISTRY)
def layout(tab: str | None = None, **_query: str) -> html.Div:
    """`?tab=queue` (the link of an LDC's notification) opens that tab when the role has it."""
    principal = principal_or_refuse()
    today = trade_date_of(utcnow()).isoformat()
    tabs = [_registrations_tab(principal)]
    if principal.can(Permission.REGISTER_ASSETS):
        tabs.append(_register_tab(principal, today))
    if principal.can(Permission.APPROVE_ASSETS):
        tabs.append(_queue_tab(principal))
    tabs += [_resources_tab(principal), _meters_tab(principal, today), _assessment_tab()]
    ids = [t.tab_id for t in tabs]
    active = tab if tab in ids else ("queue" if "queue" in ids else ids[0])
    header = html.Div(
        [html.H1("DER registry", className="h4 mb-0 me-3"), html.Div(id=Registry.SUMMARY, className="me-auto")],
        className="d-flex align-items-center flex-wrap mb-2",
    )
    return html.Div([
        dcc.Interval(id=Registry.REFRESH, interval=60_000),
        dcc.Store(id=Registry.CHANGED),
        header,
        dbc.Tabs(tabs, id=Registry.TABS, active_tab=active),
    ])
