"""Needs & notices callbacks: the list, the combined timeline, the selected notice and its acknowledgements, the
DSO's form and actions, the aggregator's acknowledgement, and the CSV / OpenADR exports. Browser values are parsed
defensively; refusals and bad input become messages in the page, nothing is saved."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import parse_number, record_id, str_list
from components.ids import Notices, Shell
from components.notice_form import LOCATION_KINDS, location_hidden
from components.notice_views import (
    acks_view,
    attention_view,
    detail_view,
    grid_row,
    needs_timeline_figure,
    severity_badge,
)
from data.access import AccessDenied, Permission
from data.domain.enums import IesoZone, NoticeStatus, Severity
from data.domain.errors import DomainError
from data.domain.market_time import MARKET_TZ
from data.domain.notices import (
    LIVE_STATES,
    InvalidNotice,
    Location,
    NoticeDraft,
    next_states,
    notice_event,
    parse_area,
    problem_field,
    validate_draft,
)
from data.domain.outages import parse_market_time
from data.models.base import utcnow
from data.queries.notices import (
    acknowledgements,
    feeder_options,
    notice_history,
    notice_row,
    notice_targets,
    notices,
    pending_acknowledgements,
    unacknowledged_escalations,
    wholesale_needs,
)
from data.services.notices import (
    acknowledge,
    amend_notice,
    cancel_notice,
    close_notice,
    create_draft,
    publish_notice,
)

MAX_TEXT = 1000
WINDOWS = {"1d": (timedelta(hours=12), timedelta(days=1)), "2d": (timedelta(hours=12), timedelta(days=2)),
           "7d": (timedelta(days=1), timedelta(days=6))}
CHANGES = [Input(Notices.SAVED, "data"), Input(Notices.ACTED, "data"), Input(Notices.ACKED, "data"),
           Input(Notices.REFRESH, "n_intervals")]



def _selected(value: Any) -> tuple[int | None, int | None]:
    value = value if isinstance(value, dict) else {}
    return record_id(value.get("id")), record_id(value.get("version"))


def _changed(notice_id: int, version: int, status: str) -> dict[str, Any]:
    """What a store carries after a change: the notice, and a stamp so the same notice twice still fires."""
    return {"id": notice_id, "version": version, "status": status, "at": time.time()}


def _message(problems: list[str], head: str = "Nothing was saved:") -> dbc.Alert:
    return dbc.Alert([html.Div(head, className="fw-semibold"), html.Ul([html.Li(p) for p in problems],
                                                                          className="mb-0")],
                     color="danger", className="small py-2 mb-0")


def _done(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="success", className="small py-2 mb-0")


# --- the list, the timeline, the attention panel -----------------------------------------------------------


@callback(Output(Notices.GRID, "rowData"), Output(Notices.SUMMARY, "children"),
          Input(Notices.FILTER_STATUS, "value"), *CHANGES)
@requires(Permission.VIEW_NOTICES)
def refresh_list(statuses, _saved, _acted, _acked, _tick):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    wanted = [s for s in str_list(statuses, max_len=12) if s in set(NoticeStatus)]
    now = utcnow()
    with db().session() as s:
        rows = notices(s, principal, statuses=wanted)
    as_recipient = principal.can(Permission.ACKNOWLEDGE_DISPATCH)
    data = [grid_row(r, now, as_recipient) for r in rows]
    live = sum(r.live for r in rows)
    severities = [Severity(d["escalation_severity"]) for d in data if d["escalation_severity"]]
    late = severities.count(Severity.ALARM)
    soon = severities.count(Severity.ACTION)
    summary = [
        html.Span([html.I(className="bi bi-megaphone me-1"), f"{live} live"],
                  className=f"badge {'state-information' if live else 'state-neutral'} me-2"),
        severity_badge(Severity.ALARM if late else None, f"{late} overdue"), " ",
        severity_badge(Severity.ACTION if soon else None, f"{soon} due soon"), " ",
        html.Span(f"{len(rows):,} shown", className="small text-body-secondary ms-1"),
    ]
    return data, summary


def timeline_window(choice: Any, now: datetime) -> tuple[datetime, datetime]:
    back, ahead = WINDOWS.get(choice if isinstance(choice, str) else "", WINDOWS["2d"])
    hour = now.replace(minute=0, second=0, microsecond=0)
    return hour - back, hour + ahead


@callback(Output(Notices.TIMELINE, "figure"), Input(Notices.TIMELINE_WINDOW, "value"),
          Input(Notices.TIMELINE_ZONE, "value"), *CHANGES, Input(Shell.THEME_STORE, "data"))
@requires(Permission.VIEW_NOTICES)
def timeline(choice, zone, _saved, _acted, _acked, _tick, theme):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    now = utcnow()
    start, end = timeline_window(choice, now)
    zone = zone if isinstance(zone, str) and zone in set(IesoZone) else None
    with db().session() as s:
        rows = notices(s, principal, statuses=[st.value for st in NoticeStatus if st != NoticeStatus.CANCELLED])
        needs = wholesale_needs(s, principal, start, end)
    as_recipient = principal.can(Permission.ACKNOWLEDGE_DISPATCH)
    return needs_timeline_figure(rows, needs, now, zone=zone, as_recipient=as_recipient, dark=theme == "dark")


@callback(Output(Notices.ATTENTION, "children"), *CHANGES)
@requires(Permission.VIEW_NOTICES)
def attention(_saved, _acted, _acked, _tick):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    now = utcnow()
    as_recipient = principal.can(Permission.ACKNOWLEDGE_DISPATCH)
    with db().session() as s:
        items = (pending_acknowledgements(s, principal, now) if as_recipient
                 else unacknowledged_escalations(s, principal, now))
    return attention_view(items, as_recipient)


@callback(Output(Notices.GRID, "exportDataAsCsv"), Input(Notices.EXPORT_CSV, "n_clicks"), prevent_initial_call=True)
@requires(Permission.VIEW_NOTICES)
def export_csv(_n):  # type: ignore[no-untyped-def]
    return True


# --- the selected notice -----------------------------------------------------------------------------------


@callback(
    Output(Notices.DETAIL, "children"), Output(Notices.ACKS, "children"), Output(Notices.SELECTED, "data"),
    Output(Notices.PUBLISH, "disabled"), Output(Notices.LOAD, "disabled"), Output(Notices.CLOSE, "disabled"),
    Output(Notices.CANCEL, "disabled"), Output(Notices.AMEND, "disabled"), Output(Notices.ACK, "disabled"),
    Output(Notices.EXPORT_OPENADR, "disabled"), Output(Notices.ACK_PANEL, "hidden"),
    Input(Notices.GRID, "selectedRows"), Input(Notices.SAVED, "data"), Input(Notices.ACTED, "data"),
    Input(Notices.ACKED, "data"), State(Notices.FOCUS, "data"), State(Notices.SELECTED, "data"),
)
@requires(Permission.VIEW_NOTICES)
def show_detail(selected_rows, saved, acted, acked, focus, current):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    trigger = ctx.triggered_id
    if trigger in (Notices.SAVED, Notices.ACTED, Notices.ACKED):
        notice_id = _selected({Notices.SAVED: saved, Notices.ACTED: acted, Notices.ACKED: acked}[trigger])[0]
        notice_id = notice_id or _selected(current)[0]
    elif trigger == Notices.GRID:
        first = (selected_rows[0] if isinstance(selected_rows, list) and selected_rows
                 and isinstance(selected_rows[0], dict) else {})
        notice_id = record_id(first.get("id"))
    else:
        notice_id = record_id(focus)
    nothing = (html.Div("Select a notice in the list.", className="small text-body-secondary"), html.Div(), None,
               True, True, True, True, True, True, True, True)
    if notice_id is None:
        if trigger is None:
            raise PreventUpdate
        return nothing
    now = utcnow()
    with db().session() as s:
        row = notice_row(s, principal, notice_id)
        if row is None:
            return (html.Div(f"Notice #{notice_id} is not in your view.", className="small"), *nothing[1:])
        acks = acknowledgements(s, principal, notice_id, now)
        history = notice_history(s, principal, notice_id)
    allowed = next_states(row.status) if principal.can(Permission.PUBLISH_NOTICES) and row.own else frozenset()
    can_ack = (principal.can(Permission.ACKNOWLEDGE_DISPATCH) and row.live and row.mine_alerted
               and row.mine_acknowledged_at is None)
    return (detail_view(row, history, now), acks_view(row, acks), {"id": row.id, "version": row.version},
            NoticeStatus.PUBLISHED not in allowed, not allowed, NoticeStatus.CLOSED not in allowed,
            NoticeStatus.CANCELLED not in allowed,
            not ({NoticeStatus.AMENDED, NoticeStatus.DRAFT} & allowed), not can_ack, False, not can_ack)


# --- the form ----------------------------------------------------------------------------------------------


@callback(Output(Notices.FORM_STATION_FIELD, "style"), Output(Notices.FORM_FEEDER_FIELD, "style"),
          Output(Notices.FORM_ZONE_FIELD, "style"), Output(Notices.FORM_AREA_FIELD, "style"),
          Input(Notices.FORM_LOCATION_KIND, "value"), prevent_initial_call=True)
@requires(Permission.PUBLISH_NOTICES)
def location_fields(kind):  # type: ignore[no-untyped-def]
    return tuple({"display": "none"} if hidden else {} for hidden in location_hidden(kind))


@callback(Output(Notices.FORM_FEEDER, "options"), Output(Notices.FORM_FEEDER, "value"),
          Input(Notices.FORM_STATION, "value"), State(Notices.FORM_FEEDER, "value"), prevent_initial_call=True)
@requires(Permission.PUBLISH_NOTICES)
def station_feeders(station, feeder):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    station_id = record_id(station)
    if station_id is None:
        return [], None
    with db().session() as s:
        options = [{"label": label, "value": i} for i, label in feeder_options(s, principal, station_id)]
    keep = feeder if any(o["value"] == feeder for o in options) else None
    return options, keep


def _time(value: Any, label: str, problems: list[str]) -> datetime | None:
    try:
        return parse_market_time(value, label)
    except ValueError as err:
        problems.append(str(err))
        return None


def _text(value: Any, label: str, problems: list[str], limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{label}: must be text")
        return None
    if len(value) > limit:
        problems.append(f"{label}: longer than {limit:,} characters")
        return None
    return value


def _location(kind: Any, station: Any, feeder: Any, zone: Any, area: Any, problems: list[str]) -> Location:
    kind = kind if isinstance(kind, str) and kind in LOCATION_KINDS else "feeder"
    if kind == "station":
        return Location(station_id=record_id(station))
    if kind == "feeder":
        return Location(feeder_id=record_id(feeder))
    if kind == "zone":
        return Location(zone=zone if isinstance(zone, str) and len(zone) <= 20 else None)
    if not isinstance(area, str) or not area.strip():
        return Location()
    try:
        return Location(area=parse_area(area))
    except ValueError as err:
        problems.append(str(err))
        return Location()


FORM_STATES = [State(Notices.FORM_KIND, "value"), State(Notices.FORM_SERVICE, "value"),
               State(Notices.FORM_TITLE, "value"), State(Notices.FORM_LOCATION_KIND, "value"),
               State(Notices.FORM_STATION, "value"), State(Notices.FORM_FEEDER, "value"),
               State(Notices.FORM_ZONE, "value"), State(Notices.FORM_AREA, "value"), State(Notices.FORM_SIZE, "value"),
               State(Notices.FORM_START, "value"), State(Notices.FORM_END, "value"),
               State(Notices.FORM_DEADLINE, "value"), State(Notices.FORM_RECURRENCE, "value")]


def read_form(kind, service, title, location_kind, station, feeder, zone, area, size, start, end, deadline,  # type: ignore[no-untyped-def]
              recurrence) -> tuple[NoticeDraft, list[str]]:
    """The form's values -> a draft and every problem found (what cannot be read, then the domain's rules)."""
    problems: list[str] = []
    location = _location(location_kind, station, feeder, zone, area, problems)
    draft = NoticeDraft(
        kind=kind if isinstance(kind, str) and len(kind) < 40 else "",
        service_type=service if isinstance(service, str) and len(service) <= 40 else "",
        title=_text(title, "title", problems, 1000) or "", location=location,
        size_mw=parse_number(size, "size", problems), start=_time(start, "start", problems),
        end=_time(end, "end", problems), response_deadline=_time(deadline, "response deadline", problems),
        recurrence=_text(recurrence, "recurrence", problems, 80))
    unreadable = {problem_field(p) for p in problems}
    problems += [p for p in validate_draft(draft) if problem_field(p) not in unreadable
                 and not (problem_field(p) == "location" and "area" in unreadable)]
    return draft, problems


FORM_BUTTONS = {Notices.SAVE_DRAFT: "draft", Notices.PUBLISH_NOW: "publish", Notices.AMEND: "amend"}


@callback(
    Output(Notices.FORM_MESSAGE, "children"), Output(Notices.SAVED, "data"),
    Input(Notices.SAVE_DRAFT, "n_clicks"), Input(Notices.PUBLISH_NOW, "n_clicks"), Input(Notices.AMEND, "n_clicks"),
    *FORM_STATES, State(Notices.SELECTED, "data"), State(Notices.NOTE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.PUBLISH_NOTICES)
def submit(_d, _p, _a, *values):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    action = FORM_BUTTONS.get(ctx.triggered_id)
    *form, selected, note = values
    if action is None:
        raise PreventUpdate
    draft, problems = read_form(*form)
    notice_id, version = _selected(selected)
    if action == "amend" and (notice_id is None or version is None):
        problems.insert(0, "select the notice to amend in the list first")
    if problems:
        return _message(problems), no_update
    try:
        with db().transaction() as s:
            if action == "amend":
                result = amend_notice(s, principal, notice_id, version, draft,  # type: ignore[arg-type]
                                      note=note if isinstance(note, str) else None)
            else:
                result = create_draft(s, principal, draft)
                if action == "publish":
                    result = publish_notice(s, principal, result.notice_id, result.version)
    except InvalidNotice as err:
        return _message(err.problems), no_update
    except (DomainError, AccessDenied) as err:
        return _message([str(err)]), no_update
    if result.status == NoticeStatus.DRAFT:
        text = f"Notice #{result.notice_id} saved as a draft: nobody is alerted until it is published."
    else:
        verb = "published" if action == "publish" else "amended"
        text = (f"Notice #{result.notice_id} {verb} (version {result.version}): {len(result.recipient_org_ids)} "
                f"aggregator(s) with {result.ders_reached:,} DER(s) there alerted; they must acknowledge.")
    return _done(text), _changed(result.notice_id, result.version, result.status.value)


def _est_text(ts: datetime | None) -> str:
    return f"{ts.astimezone(MARKET_TZ):%Y-%m-%d %H:%M}" if ts else ""


@callback(
    Output(Notices.FORM_KIND, "value"), Output(Notices.FORM_SERVICE, "value"), Output(Notices.FORM_TITLE, "value"),
    Output(Notices.FORM_LOCATION_KIND, "value"), Output(Notices.FORM_STATION, "value"),
    Output(Notices.FORM_FEEDER, "value", allow_duplicate=True), Output(Notices.FORM_ZONE, "value"),
    Output(Notices.FORM_AREA, "value"), Output(Notices.FORM_SIZE, "value"), Output(Notices.FORM_START, "value"),
    Output(Notices.FORM_END, "value"), Output(Notices.FORM_DEADLINE, "value"),
    Output(Notices.FORM_RECURRENCE, "value"), Output(Notices.FORM_MESSAGE, "children", allow_duplicate=True),
    Input(Notices.LOAD, "n_clicks"), State(Notices.SELECTED, "data"), prevent_initial_call=True,
)
@requires(Permission.PUBLISH_NOTICES)
def load_into_form(_n, selected):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    notice_id, _ = _selected(selected)
    if notice_id is None:
        raise PreventUpdate
    with db().session() as s:
        row = notice_row(s, principal, notice_id)
    if row is None or not row.own:
        raise PreventUpdate
    station = row.station_id if row.station_id is not None else row.feeder_station_id
    hint = dbc.Alert(f"Notice #{row.id} loaded: change what is needed, then “Amend selected notice”"
                     f"{' (a draft is edited in place)' if row.status == NoticeStatus.DRAFT else ''}.",
                     color="info", className="small py-2 mb-0")
    return (row.kind, row.service_type, row.title, row.location_kind, station, row.feeder_id, row.zone,
            json.dumps(row.area) if row.area else None, row.size_mw, _est_text(row.start_at), _est_text(row.end_at),
            _est_text(row.response_deadline), row.recurrence, hint)


# --- actions on the selected notice ------------------------------------------------------------------------

ACTIONS = {Notices.PUBLISH: "publish", Notices.CLOSE: "close", Notices.CANCEL: "cancel"}


@callback(
    Output(Notices.ACTION_MESSAGE, "children"), Output(Notices.ACTED, "data"),
    Input(Notices.PUBLISH, "n_clicks"), Input(Notices.CLOSE, "n_clicks"), Input(Notices.CANCEL, "n_clicks"),
    State(Notices.SELECTED, "data"), State(Notices.NOTE, "value"), prevent_initial_call=True,
)
@requires(Permission.PUBLISH_NOTICES)
def act(_p, _c, _x, selected, note):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    action = ACTIONS.get(ctx.triggered_id)
    notice_id, version = _selected(selected)
    if action is None or notice_id is None or version is None:
        return _message(["select a notice in the list first"], "Nothing was done:"), no_update
    problems: list[str] = []
    note = _text(note, "note", problems)
    if problems:
        return _message(problems, "Nothing was done:"), no_update
    try:
        with db().transaction() as s:
            if action == "publish":
                result = publish_notice(s, principal, notice_id, version)
            elif action == "close":
                result = close_notice(s, principal, notice_id, version, note=note)
            else:
                result = cancel_notice(s, principal, notice_id, version, note=note)
    except InvalidNotice as err:
        return _message(err.problems, "Nothing was done:"), no_update
    except (DomainError, AccessDenied) as err:
        return _message([str(err)], "Nothing was done:"), no_update
    told = f"; {len(result.notified_org_ids)} aggregator(s) alerted" if result.notified_org_ids else ""
    return (_done(f"Notice #{notice_id} is now {result.status.value}{told}."),
            _changed(notice_id, result.version, result.status.value))


@callback(
    Output(Notices.ACK_MESSAGE, "children"), Output(Notices.ACKED, "data"),
    Input(Notices.ACK, "n_clicks"), State(Notices.SELECTED, "data"), State(Notices.ACK_RESPONSE, "value"),
    prevent_initial_call=True,
)
@requires(Permission.ACKNOWLEDGE_DISPATCH)
def acknowledge_notice(_n, selected, response):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    notice_id, version = _selected(selected)
    if notice_id is None:
        return _message(["select a notice in the list first"], "Not acknowledged:"), no_update
    problems: list[str] = []
    response = _text(response, "response", problems)
    if problems:
        return _message(problems, "Not acknowledged:"), no_update
    try:
        with db().transaction() as s:
            result = acknowledge(s, principal, notice_id, response=response)
    except InvalidNotice as err:
        return _message(err.problems, "Not acknowledged:"), no_update
    except (DomainError, AccessDenied) as err:
        return _message([str(err)], "Not acknowledged:"), no_update
    return (_done(f"Notice #{notice_id} acknowledged for {principal.organisation_name}."),
            _changed(notice_id, result.version, result.status.value))


# --- OpenADR 3 export --------------------------------------------------------------------------------------


@callback(Output(Notices.DOWNLOAD, "data"), Output(Notices.EXPORT_MESSAGE, "children"),
          Input(Notices.EXPORT_OPENADR, "n_clicks"), State(Notices.SELECTED, "data"), prevent_initial_call=True)
@requires(Permission.VIEW_NOTICES)
def export_openadr(_n, selected):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    notice_id, _ = _selected(selected)
    if notice_id is None:
        return no_update, "Select a notice first."
    with db().session() as s:
        row = notice_row(s, principal, notice_id)
        targets = notice_targets(s, notice_id) if row is not None and (row.own or principal.sees_everything) else []
    if row is None:
        return no_update, f"Notice #{notice_id} is not in your view."
    if row.mine_alerted and not targets:
        targets = [principal.organisation_name[:128]]
    now = utcnow()
    try:
        event = notice_event(notice_id=row.id, version=row.version, kind=row.kind, title=row.title,
                             service_type=row.service_type, size_mw=row.size_mw, start=row.start_at, end=row.end_at,
                             response_deadline=row.response_deadline, location=row.location, targets=targets,
                             issued_at=now)
    except ValueError as err:
        return no_update, f"Not exported: {err}"
    kind = event["intervals"][0]["payloads"][0]["type"]
    live = "" if row.status in LIVE_STATES else f" (the notice is {row.status})"
    return (dcc.send_string(json.dumps(event, indent=2), f"notice-{row.id}-v{row.version}-openadr3.json"),
            f"OpenADR 3 event with a {kind} payload exported{live}.")
