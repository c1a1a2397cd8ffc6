"""Outage log callbacks: the filtered log and timeline, the selected outage, alerts, the entry form, state
changes and the CSV / Excel exports. Browser values are parsed defensively; refusals become messages."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import int_list, is_blank, parse_day, parse_number, record_id, str_list
from components.ids import Outages, Shell
from components.outage_export import outage_workbook
from components.outage_views import alerts_view, detail_view, timeline_figure, when
from data.access import AccessDenied, Permission
from data.domain.enums import OutageKind, OutageState
from data.domain.errors import DomainError
from data.domain.market_time import market_day_bounds_utc
from data.domain.outages import (
    Element,
    InvalidOutage,
    OutageDraft,
    limit_text,
    next_states,
    parse_market_time,
    problem_field,
    validate_draft,
)
from data.models.base import utcnow
from data.queries.outages import (
    OutageFilters,
    OutageRow,
    feeder_choices,
    outage_alerts,
    outage_history,
    outage_impact,
    outage_log,
    outage_row,
)
from data.services.outages import change_state, log_outage

MAX_TEXT = 100

FILTER_STATES = [State(Outages.FILTER_STATE, "value"), State(Outages.FILTER_KIND, "value"),
                 State(Outages.FILTER_LDC, "value"), State(Outages.FILTER_DATES, "start_date"),
                 State(Outages.FILTER_DATES, "end_date"), State(Outages.FILTER_TEXT, "value")]


def parse_filters(states: Any, kinds: Any, ldcs: Any, first: Any, last: Any, text: Any) -> OutageFilters:
    """Filter values from the browser -> OutageFilters; anything unrecognised is ignored."""
    first_day, last_day = parse_day(first), parse_day(last)
    return OutageFilters(
        states=tuple(s for s in str_list(states) if s in set(OutageState)),
        kinds=tuple(k for k in str_list(kinds) if k in set(OutageKind)),
        ldc_ids=int_list(ldcs),
        start=market_day_bounds_utc(first_day)[0] if first_day else None,
        end=market_day_bounds_utc(last_day)[1] if last_day else None,
        text=text.strip()[:MAX_TEXT] if isinstance(text, str) else "",
    )


def grid_row(row: OutageRow) -> dict[str, Any]:
    return {"key": str(row.id), "id": row.id, "state": row.state, "kind": row.kind,
            "elements": "; ".join(row.elements), "start": when(row.start_at),
            "estimated": when(row.estimated_restoration_at, "until restored"), "restored": when(row.restored_at, ""),
            "limit": limit_text(row.derate_pct, row.max_kw), "reporter": row.reporter,
            "description": row.description, "version": row.version}


@callback(
    Output(Outages.GRID, "rowData"), Output(Outages.SUMMARY, "children"), Output(Outages.TIMELINE, "figure"),
    Input(Outages.FILTER_STATE, "value"), Input(Outages.FILTER_KIND, "value"), Input(Outages.FILTER_LDC, "value"),
    Input(Outages.FILTER_DATES, "start_date"), Input(Outages.FILTER_DATES, "end_date"),
    Input(Outages.FILTER_TEXT, "value"), Input(Outages.LOGGED, "data"), Input(Outages.ACTED, "data"),
    Input(Outages.REFRESH, "n_intervals"), Input(Shell.THEME_STORE, "data"),
)
@requires(Permission.VIEW_OUTAGES)
def refresh_log(states, kinds, ldcs, first, last, text, _logged, _acted, _tick, theme):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        rows = outage_log(s, principal, parse_filters(states, kinds, ldcs, first, last, text))
    active = sum(r.state == OutageState.ACTIVE for r in rows)
    planned = sum(r.state == OutageState.PLANNED for r in rows)
    summary = [
        html.Span([html.I(className="bi bi-exclamation-octagon me-1"), f"{active} active"],
                  className=f"badge {'state-alarm' if active else 'state-neutral'} me-2"),
        html.Span([html.I(className="bi bi-calendar-event me-1"), f"{planned} planned"],
                  className=f"badge {'state-action' if planned else 'state-neutral'} me-2"),
        html.Span(f"{len(rows):,} shown", className="small text-body-secondary"),
    ]
    return [grid_row(r) for r in rows], summary, timeline_figure(rows, utcnow(), dark=theme == "dark")



@callback(
    Output(Outages.DETAIL, "children"), Output(Outages.SELECTED, "data"), Output(Outages.ACTIVATE, "disabled"),
    Output(Outages.RESTORE, "disabled"), Output(Outages.CANCEL, "disabled"),
    Input(Outages.GRID, "selectedRows"), Input(Outages.LOGGED, "data"), Input(Outages.ACTED, "data"),
    State(Outages.FOCUS, "data"),
)
@requires(Permission.VIEW_OUTAGES)
def show_detail(selected, logged, acted, focus):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    trigger = ctx.triggered_id
    if trigger == Outages.LOGGED:
        outage_id = record_id((logged or {}).get("id") if isinstance(logged, dict) else None)
    elif trigger == Outages.ACTED:
        outage_id = record_id((acted or {}).get("id") if isinstance(acted, dict) else None)
    elif trigger == Outages.GRID:
        first = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else {}
        outage_id = record_id(first.get("id"))
    else:
        outage_id = record_id(focus)
    if outage_id is None:
        if trigger is None:
            raise PreventUpdate
        return html.Div("Select an outage in the log.", className="small text-body-secondary"), None, True, True, True
    with db().session() as s:
        row = outage_row(s, principal, outage_id)
        if row is None:
            return html.Div(f"Outage #{outage_id} is not in your view.", className="small"), None, True, True, True
        impact = outage_impact(s, principal, outage_id)
        history = outage_history(s, principal, [outage_id])
    allowed = next_states(row.state) if principal.can(Permission.LOG_OUTAGES) and not row.read_only else set()
    return (detail_view(row, impact, history), {"id": row.id, "version": row.version},
            OutageState.ACTIVE not in allowed, OutageState.RESTORED not in allowed,
            OutageState.CANCELLED not in allowed)


@callback(Output(Outages.ALERTS, "children"), Input(Outages.REFRESH, "n_intervals"),
          Input(Outages.LOGGED, "data"), Input(Outages.ACTED, "data"))
@requires(Permission.VIEW_OUTAGES)
def alerts(_tick, _logged, _acted):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        return alerts_view(outage_alerts(s, principal))


@callback(Output(Outages.FORM_FEEDERS, "options"), Output(Outages.FORM_FEEDERS, "value"),
          Input(Outages.FORM_STATION, "value"), prevent_initial_call=True)
@requires(Permission.LOG_OUTAGES)
def feeder_options(station):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    station_id = record_id(station)
    if station_id is None:
        return [], []
    with db().session() as s:
        return [{"label": label, "value": i} for i, label in feeder_choices(s, principal, station_id)], []


def _time(value: Any, label: str, problems: list[str]) -> datetime | None:
    try:
        return parse_market_time(value, label)
    except ValueError as err:
        problems.append(str(err))
        return None


def _message(problems: list[str]) -> dbc.Alert:
    return dbc.Alert([html.Div("Nothing was saved:", className="fw-semibold"),
                      html.Ul([html.Li(p) for p in problems], className="mb-0")],
                     color="danger", className="small py-2 mb-0")


@callback(
    Output(Outages.FORM_MESSAGE, "children"), Output(Outages.LOGGED, "data"),
    Input(Outages.FORM_SUBMIT, "n_clicks"),
    State(Outages.FORM_KIND, "value"), State(Outages.FORM_STATION, "value"), State(Outages.FORM_FEEDERS, "value"),
    State(Outages.FORM_START, "value"), State(Outages.FORM_END, "value"), State(Outages.FORM_DERATE, "value"),
    State(Outages.FORM_MAX_KW, "value"), State(Outages.FORM_DESCRIPTION, "value"),
    prevent_initial_call=True,
)
@requires(Permission.LOG_OUTAGES)
def submit_outage(_n, kind, station, feeders, start, end, derate, max_kw, description):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    problems: list[str] = []  # what cannot even be read; then every rule of the domain, field by field
    feeder_ids = int_list(feeders)
    station_ids = () if feeder_ids else int_list(station)
    start_at = _time(start, "start", problems)
    end_at = _time(end, "estimated restoration", problems) if not is_blank(end) else None
    derate_pct = parse_number(derate, "de-rate", problems)
    max_value = parse_number(max_kw, "maximum kW", problems)
    if description is not None and not isinstance(description, str):
        problems.append("description: must be text")
        description = None
    kind = kind if isinstance(kind, str) else ""
    draft = OutageDraft(kind=kind, elements=tuple(Element(station_id=i) for i in station_ids) + tuple(
        Element(feeder_id=i) for i in feeder_ids), start=start_at, estimated_restoration=end_at,
        derate_pct=derate_pct, max_kw=max_value, description=description)
    unreadable = {problem_field(p) for p in problems}
    problems += [p for p in validate_draft(draft) if problem_field(p) not in unreadable]
    if problems or start_at is None:
        return _message(problems), no_update
    try:
        with db().transaction() as s:
            result = log_outage(s, principal, kind=kind, start=start_at, station_ids=station_ids,
                                feeder_ids=feeder_ids, estimated_restoration=end_at, derate_pct=derate_pct,
                                max_kw=max_value, description=description)
    except InvalidOutage as err:
        return _message(err.problems), no_update
    except (DomainError, AccessDenied) as err:
        return _message([str(err)]), no_update
    flagged = result.flagged
    text = [html.Span(f"Outage #{result.outage_id} logged ({result.state}). ", className="fw-semibold"),
            f"{len(result.affected_der_ids):,} DER(s) affected; alert sent to "
            f"{len(result.affected_by_aggregator)} aggregator(s)."]
    if flagged.any:
        text.append(f" Flagged for the IESO: {len(flagged.limit_ids)} limit(s), {len(flagged.bid_ids)} bid(s), "
                    f"{len(flagged.dispatch_ids)} dispatch instruction(s).")
    return (dbc.Alert(text, color="success", className="small py-2 mb-0"),
            {"id": result.outage_id, "version": result.version})


ACTION_TARGETS = {Outages.ACTIVATE: OutageState.ACTIVE, Outages.RESTORE: OutageState.RESTORED,
                  Outages.CANCEL: OutageState.CANCELLED}


@callback(
    Output(Outages.ACTION_MESSAGE, "children"), Output(Outages.ACTED, "data"),
    Input(Outages.ACTIVATE, "n_clicks"), Input(Outages.RESTORE, "n_clicks"), Input(Outages.CANCEL, "n_clicks"),
    State(Outages.SELECTED, "data"), State(Outages.NOTE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.LOG_OUTAGES)
def act(_a, _r, _c, selected, note):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    target = ACTION_TARGETS.get(ctx.triggered_id)
    selected = selected if isinstance(selected, dict) else {}
    outage_id, version = record_id(selected.get("id")), record_id(selected.get("version"))
    if target is None or outage_id is None or version is None:
        return _message(["select an outage in the log first"]), no_update
    if note is not None and not isinstance(note, str):
        return _message(["note: must be text"]), no_update
    try:
        with db().transaction() as s:
            result = change_state(s, principal, outage_id, target, version, note=note)
    except InvalidOutage as err:
        return _message(err.problems), no_update
    except (DomainError, AccessDenied) as err:
        return _message([str(err)]), no_update
    done = dbc.Alert(f"Outage #{outage_id} is now {result.state}; {len(result.notified_org_ids)} organisation(s) "
                     f"alerted.", color="success", className="small py-2 mb-0")
    return done, {"id": outage_id, "version": result.version, "state": result.state.value}


@callback(Output(Outages.GRID, "exportDataAsCsv"), Input(Outages.EXPORT_CSV, "n_clicks"), prevent_initial_call=True)
@requires(Permission.VIEW_OUTAGES)
def export_csv(_n):  # type: ignore[no-untyped-def]
    return True


@callback(Output(Outages.DOWNLOAD, "data"), Input(Outages.EXPORT_XLSX, "n_clicks"), *FILTER_STATES,
          prevent_initial_call=True)
@requires(Permission.VIEW_OUTAGES)
def export_excel(_n, states, kinds, ldcs, first, last, text):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    with db().session() as s:
        rows = outage_log(s, principal, parse_filters(states, kinds, ldcs, first, last, text))
        history = outage_history(s, principal, [r.id for r in rows])
    stamp = f"{utcnow():%Y%m%d-%H%M}"
    return dcc.send_bytes(outage_workbook(rows, history), f"outages-{stamp}Z.xlsx")
