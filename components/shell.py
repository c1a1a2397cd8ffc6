"""The app shell: navbar (only the pages the role may open), clocks, user menu, page container."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.conflict_badge import conflict_badge
from components.ids import Profile, Shell, nav_link
from components.login_page import PRODUCT_NAME, PRODUCT_SHORT_NAME
from data.access import Permission, Principal


def nav_pages(principal: Principal) -> list[dict]:
    """Registered pages this principal may open, in navigation order."""
    pages = [
        p for p in dash.page_registry.values()
        if p.get("nav_order") is not None and p.get("permission") is not None and principal.can(p["permission"])
    ]
    return sorted(pages, key=lambda p: p["nav_order"])


def _nav_link(page: dict) -> dbc.NavItem:
    return dbc.NavItem(
        dbc.NavLink(
            [html.I(className=f"bi {page.get('icon', 'bi-square')} me-1", title=page["name"]),
             html.Span(page["name"], className="nav-label")],
            href=page["relative_path"], active="exact",
            id=nav_link(page["module"].split(".")[-1]),
        )
    )


def _clock() -> html.Div:
    return html.Div(
        [
            html.Div([html.Span("--", id=Shell.CLOCK_MARKET), html.Span("EST market", className="zone")]),
            html.Div([html.Span("--", id=Shell.CLOCK_LOCAL), html.Span("", className="zone", id=Shell.CLOCK_ZONE)]),
        ],
        className="shell-clock me-3",
        title="Market time is EST all year (UTC-5); local time is Eastern Prevailing Time",
    )


def _user_menu(principal: Principal, wall_mode: bool) -> dbc.DropdownMenu:
    role = principal.role.label
    header = html.Div(
        [html.Div(principal.display_name, className="fw-semibold"),
         html.Div(f"{role} · {principal.organisation_name or 'public view'}", className="org")],
        className="shell-user text-end",
    )
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(f"{principal.display_name} · {role}", header=True),
            *([dbc.DropdownMenuItem([html.I(className="bi bi-person-circle me-2"), "My profile"], href="/profile",
                                    id=Profile.MENU_ITEM)] if principal.can(Permission.EDIT_PROFILE) else []),
            dbc.DropdownMenuItem(
                [html.I(className="bi bi-display me-2"),
                 "Stop opening in wall mode" if wall_mode else "Open in wall mode by default"],
                id=Shell.WALL_TOGGLE, disabled=principal.is_guest,
            ),
            dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem([html.I(className="bi bi-box-arrow-right me-2"), "Sign out"],
                                 href="/logout", external_link=True, id=Shell.LOGOUT),
        ],
        label=header, align_end=True, nav=True, in_navbar=True, id=Shell.USER_MENU,
        toggle_class_name="d-flex align-items-center",
    )


def navbar(principal: Principal, wall_mode: bool) -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([html.I(className="bi bi-lightning-charge-fill me-2 text-warning"),
                                 html.Span(PRODUCT_NAME, className="brand-text"),
                                 html.Span(PRODUCT_SHORT_NAME, className="brand-short", title=PRODUCT_NAME)],
                                href="/", className="me-4"),
                dbc.Nav([_nav_link(p) for p in nav_pages(principal)], navbar=True, className="me-auto"),
                conflict_badge(principal),
                html.Div(id=Shell.DATA_AGE, className="me-3"),
                _clock(),
                dbc.Button(html.I(id=Shell.THEME_ICON, className="bi bi-moon-stars"),
                           id=Shell.THEME_TOGGLE, color="link", className="text-light me-2",
                           title="Switch light / dark theme"),
                dbc.Nav([_user_menu(principal, wall_mode)], navbar=True),
            ],
            fluid=True,
        ),
        className="shell-navbar", dark=True, id=Shell.NAVBAR,
    )


def shell(principal: Principal, theme: str, wall_mode: bool = False) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=Shell.THEME_STORE, data=theme),
            html.Div(id=Shell.THEME_SAVED, hidden=True),
            dcc.Interval(id=Shell.CLOCK_TICK, interval=1000),
            dcc.Interval(id=Shell.DATA_AGE_TICK, interval=15_000),
            dcc.Location(id=Shell.REDIRECT, refresh=True),
            navbar(principal, wall_mode),
            html.Main(dash.page_container, className="shell-content"),
        ]
    )
