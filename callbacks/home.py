"""Home page callbacks: layers by zoom tier, drill-down, search and the timeline."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db
from callbacks.inputs import int_list, parse_bounds, str_list
from components import drilldown
from components.ids import Home, Shell
from components.kpi import kpi
from components.timeline import timeline_figure
from data.access import Permission
from data.domain.enums import DerStatus, Technology
from data.domain.market_time import MARKET_TZ
from data.models.base import utcnow
from data.queries import drilldown as dq
from data.queries.conflicts import open_conflict_feeders
from data.queries.map import MapFilters, der_aggregates, feeders, stations
from data.queries.map import ders_in_view as query_ders_in_view
from data.queries.overlays import needs_areas, outage_areas
from data.queries.timeline import Focus, timeline_items
from layers.areas import area_features
from layers.ders import COLOUR_BY_STATUS, COLOUR_BY_TECHNOLOGY, aggregate_features, legend_entries, point_features
from layers.geojson import collection, fmt_mw
from layers.grid import LEGEND_STATES, feeder_features, station_features

# Zoom tiers: DERs summed per IESO zone, per station, per feeder, then individual DERs (when few enough).
STATION_TIER_ZOOM = 8
FEEDER_TIER_ZOOM = 11
DER_DETAIL_ZOOM = 13
MAX_DERS_IN_VIEW = 4000

FILTER_INPUTS = [
    Input(Home.FILTER_LDC, "value"), Input(Home.FILTER_ZONE, "value"), Input(Home.FILTER_TECHNOLOGY, "value"),
    Input(Home.FILTER_STATUS, "value"), Input(Home.FILTER_AGGREGATOR, "value"),
]


def _filters(ldc: Any, zone: Any, tech: Any, status: Any, aggregator: Any) -> MapFilters:
    return MapFilters(
        ldc_ids=int_list(ldc), zones=str_list(zone, max_len=20),
        technologies=tuple(t for t in str_list(tech) if t in set(Technology)),
        statuses=tuple(s for s in str_list(status) if s in set(DerStatus)),
        aggregator_ids=int_list(aggregator),
    )


@callback(
    Output(Home.STATIONS, "data"), Output(Home.FEEDERS, "data"), Output(Home.OUTAGE_AREAS, "data"),
    Output(Home.NEEDS_AREAS, "data"), Output(Home.KPIS, "children"),
    *FILTER_INPUTS, Input(Home.REFRESH, "n_intervals"),
)
@requires(Permission.VIEW_MAP)
def grid_layers(ldc, zone, tech, status, aggregator, _tick):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    filters = _filters(ldc, zone, tech, status, aggregator)
    with db().session() as s:
        st = stations(s, principal, filters)
        fd = feeders(s, principal, filters)
        outages = outage_areas(s, principal)
        needs = needs_areas(s, principal)
        conflicted = open_conflict_feeders(s, principal)
    der_count = sum(f.der_count for f in fd)
    der_kw = sum(f.der_capacity_kw for f in fd)
    kpis = [
        kpi("Stations", f"{len(st):,}", Home.KPIS + "-stations"),
        kpi("Feeders", f"{len(fd):,}", Home.KPIS + "-feeders"),
        kpi("DERs", f"{der_count:,}", Home.KPIS + "-ders"),
        kpi("DER capacity", fmt_mw(der_kw), Home.KPIS + "-capacity"),
    ]
    guest = principal.is_guest
    return (station_features(st, guest), feeder_features(fd, guest, highlight=conflicted), area_features(outages),
            area_features(needs), kpis)


@callback(
    Output(Home.DER_AGGREGATES, "data"), Output(Home.DER_POINTS, "data"), Output(Home.VIEW_STATUS, "children"),
    *FILTER_INPUTS, Input(Home.COLOUR_BY, "value"), Input(Home.MAP, "zoom"), Input(Home.MAP, "bounds"),
    Input(Home.REFRESH, "n_intervals"),
)
@requires(Permission.VIEW_MAP)
def der_layers(ldc, zone, tech, status, aggregator, colour_by, zoom, bounds, _tick):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    filters = _filters(ldc, zone, tech, status, aggregator)
    colour_by = colour_by if colour_by in (COLOUR_BY_TECHNOLOGY, COLOUR_BY_STATUS) else COLOUR_BY_TECHNOLOGY
    bbox = parse_bounds(bounds)
    zoom = zoom if isinstance(zoom, int | float) else 0
    with db().session() as s:
        if not principal.is_guest and bbox is not None and zoom >= DER_DETAIL_ZOOM:
            points, truncated = query_ders_in_view(s, principal, filters, bbox, MAX_DERS_IN_VIEW)
            if not truncated:
                status_text = f"{len(points):,} DERs in view"
                return collection([]), point_features(points, colour_by), status_text
        tier = "zone" if zoom < STATION_TIER_ZOOM else "station" if zoom < FEEDER_TIER_ZOOM else "feeder"
        aggs = der_aggregates(s, principal, filters, by=tier)
        names = _group_names(s, principal, filters, tier)
    if principal.is_guest:
        text = f"Public view: DER counts and capacity per {tier} (groups of 5 or more) · zoom in for more"
    elif zoom >= DER_DETAIL_ZOOM:
        text = f"More than {MAX_DERS_IN_VIEW:,} DERs in view: zoom in further for individual DERs"
    else:
        text = f"DERs summed per {tier} · zoom in for " + {"zone": "stations", "station": "feeders"}.get(
            tier, "individual DERs")
    return aggregate_features(aggs, names, tier), collection([]), text


def _group_names(s, principal, filters: MapFilters, tier: str) -> dict[int | str, str]:  # type: ignore[no-untyped-def]
    if tier == "zone":
        return {}  # a zone's name is its key
    if tier == "station":
        return {r.id: r.name for r in stations(s, principal, filters)}
    return {f.id: f"Feeder {f.code}" for f in feeders(s, principal, filters)}


@callback(Output(Home.LEGEND, "children"), Input(Home.COLOUR_BY, "value"))
@requires(Permission.VIEW_MAP)
def legend(colour_by):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    colour_by = colour_by if colour_by in (COLOUR_BY_TECHNOLOGY, COLOUR_BY_STATUS) else COLOUR_BY_TECHNOLOGY

    def row(colour: str, label: str, line: bool = False) -> html.Div:
        return html.Div([html.Span(className="legend-line" if line else "legend-swatch",
                                   style={"background": colour}), label], className="small")

    parts = [html.Div("Stations & feeders", className="small fw-semibold mt-1")]
    parts += [row(c, label, line=True) for c, label in LEGEND_STATES]
    if not principal.is_guest:
        parts.append(html.Div("Individual DERs", className="small fw-semibold mt-2"))
        parts += [row(c, label) for c, label in legend_entries(colour_by)]
    parts.append(html.Div("Numbered circles: DERs summed per zone, station or feeder as you zoom in",
                          className="small mt-2"))
    return parts


def _clicked_id(data: Any, key: str = "id") -> int | None:
    props = (data or {}).get("properties") if isinstance(data, dict) else None
    value = props.get(key) if isinstance(props, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@callback(
    Output(Home.PANEL, "children"), Output(Home.SELECTION, "data"),
    Input(Home.STATIONS, "clickData"), Input(Home.FEEDERS, "clickData"), Input(Home.DER_POINTS, "clickData"),
    Input(Home.DER_AGGREGATES, "clickData"),
    prevent_initial_call=True,
)
@requires(Permission.VIEW_MAP)
def select_element(station_click, feeder_click, der_click, aggregate_click):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    trigger = ctx.triggered_id
    with db().session() as s:
        if trigger == Home.STATIONS and (sid := _clicked_id(station_click)) is not None:
            d = dq.station_detail(s, principal, sid)
            return (drilldown.station_view(d), {"station_id": sid}) if d else (
                drilldown.not_found("That station is not in your view."), None)
        if trigger == Home.DER_AGGREGATES and (sid := _clicked_id(aggregate_click, "station_id")) is not None:
            d = dq.station_detail(s, principal, sid)
            return (drilldown.station_view(d), {"station_id": sid}) if d else (
                drilldown.not_found("That station is not in your view."), None)
        feeder_id = (_clicked_id(feeder_click) if trigger == Home.FEEDERS
                     else _clicked_id(aggregate_click, "feeder_id") if trigger == Home.DER_AGGREGATES else None)
        if feeder_id is not None:
            f = dq.feeder_detail(s, principal, feeder_id)
            return (drilldown.feeder_view(f), {"feeder_id": feeder_id}) if f else (
                drilldown.not_found("That feeder is not in your view."), None)
        if trigger == Home.DER_POINTS and (der_id := _clicked_id(der_click)) is not None:
            if not principal.can(Permission.VIEW_DER_DETAIL):
                raise PreventUpdate
            d = dq.der_detail(s, principal, der_id)
            return (drilldown.der_view(d), no_update) if d else (
                drilldown.not_found("That DER is not in your view."), None)
    raise PreventUpdate


@callback(
    Output(Home.MAP, "viewport"), Output(Home.PANEL, "children", allow_duplicate=True),
    Input(Home.SEARCH_BUTTON, "n_clicks"), Input(Home.SEARCH_TEXT, "n_submit"), State(Home.SEARCH_TEXT, "value"),
    prevent_initial_call=True,
)
@requires(Permission.VIEW_DER_DETAIL)
def search(_clicks, _submit, text):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    if not isinstance(text, str) or not text.strip():
        return no_update, drilldown.not_found("Type a platform ID (ON-DER-…) or a meter ID.")
    if len(text) > 40:
        return no_update, drilldown.not_found("That is too long for a platform or meter ID.")
    with db().session() as s:
        found = dq.find_der(s, principal, text)
        detail = dq.der_detail(s, principal, found.id) if found else None
    if found is None or detail is None:
        return no_update, drilldown.not_found(f"No DER {text.strip()!r} in your view.")
    viewport = {"center": [found.lat, found.lon], "zoom": 16, "transition": "flyTo"}
    return viewport, drilldown.der_view(detail)


# (look back, look ahead): operators want what just happened as well as what is coming.
RANGES = {"today": None, "24h": (timedelta(hours=6), timedelta(hours=18)), "7d": (timedelta(days=1), timedelta(days=6))}


def timeline_window(choice: str, now: datetime) -> tuple[datetime, datetime]:
    """'today' is the market day (EST); the others span a window around now."""
    if choice == "today":
        day = now.astimezone(MARKET_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        return day.astimezone(now.tzinfo), (day + timedelta(days=1)).astimezone(now.tzinfo)
    back, ahead = RANGES.get(choice) or RANGES["24h"]
    return now - back, now + ahead


@callback(
    Output(Home.TIMELINE, "figure"),
    Input(Home.TIMELINE_RANGE, "value"), Input(Home.SELECTION, "data"), Input(Home.REFRESH, "n_intervals"),
    Input(Shell.THEME_STORE, "data"), State(Home.WALL_FLAG, "data"),
)
@requires(Permission.VIEW_TIMELINE)
def timeline(choice, selection, _tick, theme, wall):  # type: ignore[no-untyped-def]
    principal = principal_or_refuse()
    now = utcnow()
    start, end = timeline_window(choice if choice in RANGES else "24h", now)
    selection = selection if isinstance(selection, dict) else {}
    focus = Focus(station_id=_int_or_none(selection.get("station_id")),
                  feeder_id=_int_or_none(selection.get("feeder_id")))
    with db().session() as s:
        items = timeline_items(s, principal, start, end, focus)
    return timeline_figure(items, start, end, now, dark=bool(wall) or theme == "dark", font_size=26 if wall else 12)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@callback(Output(Home.TIMELINE_DETAIL, "children"), Input(Home.TIMELINE, "clickData"), prevent_initial_call=True)
@requires(Permission.VIEW_TIMELINE)
def timeline_click(click):  # type: ignore[no-untyped-def]
    try:
        point = click["points"][0]
        kind, item_id = point["customdata"]
    except (KeyError, IndexError, TypeError, ValueError):
        raise PreventUpdate from None
    if not isinstance(kind, str) or not isinstance(item_id, int):
        raise PreventUpdate
    return f"Selected {kind} #{item_id}: {point.get('y', '')}"


clientside_callback(
    ClientsideFunction(namespace="platform", function_name="wall"),
    Output(Home.WALL_APPLIED, "children"), Input(Home.WALL_FLAG, "data"), State(Home.ROTATE, "data"),
)
