"""Feed health page callbacks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Input, Output, State, callback, html
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from components.ids import Health
from data.access import Permission
from data.domain.errors import DomainError
from data.domain.feed_health import FeedStatus
from data.domain.freshness import age_text
from data.domain.market_time import format_market
from data.pollers.sources import build_sources
from data.queries.feed_health import feed_health, recent_runs
from data.services.simulator_control import paused_feeds, set_feed_paused

_CADENCE = {300: "5 min", 3600: "1 h", 86400: "1 day"}


def _when(ts: datetime | None) -> str:
    return format_market(ts) if ts else "—"


@callback(Output(Health.GRID, "rowData"), Output(Health.SUMMARY, "children"), Input(Health.REFRESH, "n_intervals"))
@requires(Permission.VIEW_FEED_HEALTH)
def feeds(_tick: Any) -> tuple[list[dict[str, Any]], list]:
    with db().session() as s:
        rows = feed_health(s, build_sources(settings()))
    paused = paused_feeds(settings().feed_dir) if settings().simulator else frozenset()
    data = [
        {"name": f.name, "label": f.label + (" (simulation paused)" if f.name in paused else ""),
         "status": f.status.value,
         "age": "never" if f.age_s is None else age_text(f.age_s), "last_success": _when(f.last_success_at),
         "rows": f.last_rows, "cadence": _CADENCE.get(f.cadence_s, f"{f.cadence_s} s"),
         "source_timestamp": _when(f.source_timestamp), "last_error": f.last_error or ""}
        for f in rows
    ]
    healthy = sum(f.status is FeedStatus.OK for f in rows)
    state = "compliant" if healthy == len(rows) else "alarm"
    summary = [html.Span(f"{healthy} of {len(rows)} feeds healthy", className=f"badge state-{state} me-2")]
    return data, summary


@callback(Output(Health.RUNS, "rowData"), Output(Health.RUNS_TITLE, "children"),
          Input(Health.GRID, "selectedRows"), prevent_initial_call=True)
@requires(Permission.VIEW_FEED_HEALTH)
def runs(selected: Any) -> tuple[list[dict[str, Any]], str]:
    if not isinstance(selected, list) or not selected or not isinstance(selected[0], dict):
        raise PreventUpdate
    name = selected[0].get("name")
    known = {src.name: src.label for src in build_sources(settings())}
    if name not in known:
        raise PreventUpdate
    with db().session() as s:
        history = recent_runs(s, name)
    data = [
        {"status": r.status, "started": _when(r.started_at),
         "duration": round((r.ended_at - r.started_at).total_seconds(), 2) if r.ended_at else None,
         "rows": r.rows, "file": (r.file_name or "").split("|")[0], "error": r.error or ""}
        for r in history
    ]
    return data, f"Recent runs of {known[name]}"


@callback(Output(Health.GRID, "exportDataAsCsv"), Input(Health.EXPORT, "n_clicks"), prevent_initial_call=True)
@requires(Permission.VIEW_FEED_HEALTH)
def export(_n: Any) -> bool:
    return True


@callback(Output(Health.PAUSE_MESSAGE, "children"), Input(Health.PAUSE, "n_clicks"),
          State(Health.GRID, "selectedRows"), prevent_initial_call=True)
@requires(Permission.OPERATE_SIMULATOR)
def pause_feed(_n: Any, selected: Any) -> str:
    principal = principal_or_refuse()
    if not isinstance(selected, list) or not selected or not isinstance(selected[0], dict):
        return "Select a feed first."
    name = selected[0].get("name")
    cfg = settings()
    known = {src.name for src in build_sources(cfg)}
    try:
        with db().transaction() as s:
            paused = set_feed_paused(s, principal, cfg.feed_dir, str(name), known,
                                     paused=name not in paused_feeds(cfg.feed_dir))
    except DomainError as exc:
        return str(exc)
    return f"Simulation of {name} {'paused' if name in paused else 'resumed'}."
