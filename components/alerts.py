"""The notification list a page shows beside its work (outage alerts, bid notifications), and market-time stamps."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from dash import dcc, html

from components.palette import severity_class
from data.domain.market_time import format_market
from data.queries.notifications import AlertRow


def when(ts: datetime | None, missing: str = "—") -> str:
    return format_market(ts) if ts else missing


def alert_list(alerts: Sequence[AlertRow], empty: str, badge: Callable[[AlertRow], str], *, links: bool = True,
               item_class: str = "") -> html.Div | html.Ul:
    """Newest first: a badge (coloured by severity, with its text), the time in EST, the text (a link if any)."""
    if not alerts:
        return html.Div(empty, className="small text-body-secondary")
    items = []
    for a in alerts:
        text = (dcc.Link(a.text, href=a.link, className="link-body-emphasis link-underline-opacity-25")
                if links and a.link else a.text)
        items.append(html.Li([
            html.Div([html.Span(badge(a), className=f"badge {severity_class(a.severity)} me-2"),
                      html.Span(when(a.at), className="text-body-secondary")]),
            html.Div(text),
        ], className=f"small mb-2 {item_class}".rstrip()))
    return html.Ul(items, className="list-unstyled mb-0")
