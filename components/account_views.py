"""Account views shared by /accounts and /profile: grid columns and rows, status badges, detail tables."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from data.domain.accounts import ORG_KIND_LABELS
from data.domain.enums import ROLE_LABELS, OrgKind, Role, UserStatus
from data.domain.market_time import format_local
from data.queries.users import OrgChoice, UserRow

NOTHING_SELECTED_TEXT = "Select a row in the list."
STATUS_CELL_RULES = {
    "state-cell-action": {"function": "params.value === 'pending'"},
    "state-cell-compliant": {"function": "params.value === 'active'"},
}
STATUS_BADGE = {UserStatus.PENDING: ("state-action", "bi-hourglass-split"),
                UserStatus.ACTIVE: ("state-compliant", "bi-check-circle"),
                UserStatus.DISABLED: ("state-neutral", "bi-slash-circle"),
                UserStatus.REJECTED: ("state-neutral", "bi-x-circle")}

APPLICATION_COLUMNS = [
    {"field": "applied", "headerName": "Applied (Toronto)", "minWidth": 185, "sort": "asc"},
    {"field": "public_id", "headerName": "Reference", "minWidth": 145},
    {"field": "display_name", "headerName": "Name", "minWidth": 130, "tooltipField": "display_name"},
    {"field": "username", "headerName": "Username", "minWidth": 110},
    {"field": "role", "headerName": "Role asked for", "minWidth": 130},
    {"field": "organisation", "headerName": "Organisation", "minWidth": 230, "tooltipField": "organisation"},
]
CHANGE_COLUMNS = [
    {"field": "display_name", "headerName": "Name", "minWidth": 150},
    {"field": "username", "headerName": "Username", "minWidth": 110},
    {"field": "change", "headerName": "Asks for", "minWidth": 280, "tooltipField": "change"},
    {"field": "organisation", "headerName": "Now at", "minWidth": 200, "tooltipField": "organisation"},
]
USER_COLUMNS = [
    {"field": "status", "headerName": "Status", "minWidth": 100, "maxWidth": 115, "cellClassRules": STATUS_CELL_RULES},
    {"field": "public_id", "headerName": "Public ID", "minWidth": 145},
    {"field": "display_name", "headerName": "Name", "minWidth": 140, "tooltipField": "display_name"},
    {"field": "username", "headerName": "Username", "minWidth": 110},
    {"field": "role", "headerName": "Role", "minWidth": 140, "tooltipField": "role"},
    {"field": "organisation", "headerName": "Organisation", "minWidth": 230, "tooltipField": "organisation"},
    {"field": "last_login", "headerName": "Last sign-in (Toronto)", "minWidth": 190},
]

def when(ts: datetime | None, missing: str = "never") -> str:
    return format_local(ts) if ts else missing


def role_label(role: str | None) -> str:
    try:
        return ROLE_LABELS[Role(role)] if role else "—"
    except ValueError:
        return str(role)


def kind_label(kind: str) -> str:
    try:
        return ORG_KIND_LABELS[OrgKind(kind)]
    except ValueError:
        return kind


def organisation_text(row: UserRow) -> str:
    pending = " · new, pending" if row.organisation_status != "active" else ""
    return f"{row.organisation_name} ({row.organisation_code}{pending})"


def change_text(row: UserRow) -> str:
    parts = []
    if row.requested_role:
        parts.append(f"role {role_label(row.requested_role)} (now {role_label(row.role)})")
    if row.requested_organisation_id:
        parts.append(f"organisation {row.requested_organisation_name or row.requested_organisation_id}")
    return " and ".join(parts)


def application_row(row: UserRow) -> dict[str, Any]:
    return {"key": str(row.id), "id": row.id, "applied": when(row.created_at), "public_id": row.public_id,
            "display_name": row.display_name, "username": row.username, "role": role_label(row.role),
            "organisation": organisation_text(row), "status": row.status}


def change_row(row: UserRow) -> dict[str, Any]:
    return {"key": str(row.id), "id": row.id, "display_name": row.display_name, "username": row.username,
            "change": change_text(row), "organisation": row.organisation_name,
            "requested_role": row.requested_role, "requested_organisation_id": row.requested_organisation_id}


def user_grid_row(row: UserRow) -> dict[str, Any]:
    return {"key": str(row.id), "id": row.id, "status": row.status, "public_id": row.public_id,
            "display_name": row.display_name, "username": row.username, "role": role_label(row.role),
            "organisation": organisation_text(row), "last_login": when(row.last_login_at)}


def status_badge(status: str) -> html.Span:
    css, icon = STATUS_BADGE.get(UserStatus(status), ("state-neutral", "bi-circle")) if status in set(UserStatus) else (
        "state-neutral", "bi-circle")
    return html.Span([html.I(className=f"bi {icon} me-1"), status], className=f"badge {css}")


def _pairs(items: list[tuple[str, Any]]) -> dbc.Table:
    return dbc.Table(html.Tbody([html.Tr([html.Th(k, className="text-body-secondary fw-normal pe-3"), html.Td(v)])
                                 for k, v in items]), size="sm", borderless=True, className="mb-2 small")


def account_details(row: UserRow, *, with_contact: bool = True) -> dbc.Table:
    items: list[tuple[str, Any]] = [
        ("Status", status_badge(row.status)),
        ("Public ID", html.Code(row.public_id)),
        ("Username", row.username),
        ("Name", row.display_name),
        ("Role", role_label(row.role)),
        ("Organisation", f"{organisation_text(row)} · {kind_label(row.organisation_kind)}"),
    ]
    if with_contact:
        items += [("Email", row.email or "—"), ("Phone", row.phone or "—")]
    items += [("Account since", when(row.created_at)), ("Last sign-in", when(row.last_login_at))]
    if row.status_reason:
        items.append(("Reason", row.status_reason))
    if row.has_pending_change:
        items.append(("Pending change", change_text(row)))
    return _pairs(items)


def organisation_options(choices: list[OrgChoice]) -> list[dict[str, Any]]:
    return [{"label": f"{c.name} · {kind_label(c.kind)}" + (" (pending)" if c.status != "active" else ""),
             "value": c.id} for c in choices]


def role_options(roles: tuple[Role, ...]) -> list[dict[str, str]]:
    return [{"label": ROLE_LABELS[r], "value": r.value} for r in roles]


def message(text: str | list[str], ok: bool = False) -> dbc.Alert:
    """A result under a form: what was done, or (nothing changed) every problem."""
    items = [text] if isinstance(text, str) else text
    if ok:
        return dbc.Alert(items, color="success", className="small py-2 mb-0")
    return dbc.Alert([html.Div("Nothing was changed:", className="fw-semibold"),
                      html.Ul([html.Li(p) for p in items], className="mb-0")],
                     color="danger", className="small py-2 mb-0")
