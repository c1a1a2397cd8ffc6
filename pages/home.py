"""Home: the map and timeline of DERs by station and feeder; `?wall=1` for wall displays."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from callbacks.auth import principal_or_refuse, requires
from callbacks.context import db, settings
from components.ids import Home
from data.access import Permission, Principal
from data.domain.enums import DerStatus, Technology
from data.queries.grid_extent import station_bounds
from data.queries.map import FilterOptions, filter_options
from data.services.accounts import preferences
from layers.basemap import BASEMAP_BOUNDS, basemap_layers
from layers.ders import COLOUR_BY_STATUS, COLOUR_BY_TECHNOLOGY
from layers.js import AGGREGATE_MARKER, AREA_STYLE, DER_CLUSTER, DER_MARKER, FEEDER_STYLE, STATION_MARKER

dash.register_page(
    __name__, path="/", name="Map", title="Map · T-D Coordination", permission=Permission.VIEW_MAP,
    nav_order=0, icon="bi-geo-alt",
)

TIMELINE_RANGES = [("today", "Market day"), ("24h", "24 h"), ("7d", "7 days")]


def _dropdown(component_id: str, placeholder: str, options: list) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, options=options, multi=True, placeholder=placeholder, className="small")


def _filters(principal: Principal, options: FilterOptions) -> html.Div:
    tech = [{"label": t.label, "value": t.value} for t in Technology]
    controls = [
        _dropdown(Home.FILTER_LDC, "All LDCs", [{"label": n, "value": i} for i, n in options.ldcs]),
        _dropdown(Home.FILTER_ZONE, "All zones", [{"label": z, "value": z} for z in options.zones]),
        _dropdown(Home.FILTER_TECHNOLOGY, "All technologies", tech),
    ]
    if not principal.is_guest:
        controls += [
            _dropdown(Home.FILTER_STATUS, "All statuses", [{"label": s.label, "value": s.value}
                                                           for s in DerStatus]),
            _dropdown(Home.FILTER_AGGREGATOR, "All aggregators",
                      [{"label": n, "value": i} for i, n in options.aggregators]),
            dbc.InputGroup([
                dbc.Input(id=Home.SEARCH_TEXT, placeholder="Platform or meter ID", debounce=True,
                          maxlength=40, size="sm"),
                dbc.Button(html.I(className="bi bi-search"), id=Home.SEARCH_BUTTON, size="sm", color="secondary",
                           title="Find and fly to the DER"),
            ], size="sm"),
        ]
    else:  # hidden placeholders keep the callbacks' inputs present for every role
        controls.append(html.Div([dcc.Dropdown(id=Home.FILTER_STATUS, multi=True),
                                  dcc.Dropdown(id=Home.FILTER_AGGREGATOR, multi=True),
                                  dcc.Input(id=Home.SEARCH_TEXT), html.Button(id=Home.SEARCH_BUTTON)], hidden=True))
    return html.Div(controls, className="filter-bar", id=Home.CONTROLS)


def _map(principal: Principal) -> html.Div:
    s = settings()
    with db().session() as session:
        bounds = station_bounds(session, principal)
    overlays = [
        dl.Overlay(dl.GeoJSON(id=Home.OUTAGE_AREAS, style=AREA_STYLE), name="Outage & constraint areas",
                   checked=True),
        dl.Overlay(dl.GeoJSON(id=Home.NEEDS_AREAS, style=AREA_STYLE), name="Needs areas", checked=True),
        dl.Overlay(dl.GeoJSON(id=Home.FEEDERS, style=FEEDER_STYLE), name="Feeders", checked=True),
        dl.Overlay(dl.GeoJSON(id=Home.DER_AGGREGATES, pointToLayer=AGGREGATE_MARKER), name="DERs per feeder",
                   checked=True),
        dl.Overlay(dl.GeoJSON(id=Home.DER_POINTS, pointToLayer=DER_MARKER, cluster=True,
                              clusterToLayer=DER_CLUSTER, superClusterOptions={"radius": 60, "maxZoom": 16}),
                   name="Individual DERs", checked=True),
        # Stations in their own pane above the DER badges, so a station is never hidden.
        dl.Overlay(dl.Pane(dl.GeoJSON(id=Home.STATIONS, pointToLayer=STATION_MARKER), name="stations"),
                   name="Stations", checked=True),
    ]
    return html.Div(
        [
            dl.Map(
                [*basemap_layers(s.tile_url, s.tile_attribution), dl.LayersControl(overlays, position="topright"),
                 dl.ScaleControl(position="bottomleft", imperial=False)],
                id=Home.MAP, bounds=[list(bounds[0]), list(bounds[1])], minZoom=5, maxZoom=18, zoom=7,
                maxBounds=[list(BASEMAP_BOUNDS[0]), list(BASEMAP_BOUNDS[1])], maxBoundsViscosity=1.0,
                center=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                viewport={"bounds": [list(bounds[0]), list(bounds[1])], "transition": "fitBounds"},
                style={"height": "100%", "width": "100%"}, preferCanvas=False,
            ),
            html.Div(id=Home.VIEW_STATUS, className="map-status"),
        ],
        className="map-wrap",
    )


def _timeline(wall: bool) -> html.Div:
    return html.Div(
        [
            html.Div(
                [html.Span("Timeline", className="panel-title me-3"),
                 dbc.RadioItems(id=Home.TIMELINE_RANGE, options=[{"label": lbl, "value": v}
                                                                 for v, lbl in TIMELINE_RANGES],
                                value="24h", inline=True, className="small d-inline-block",
                                style={"display": "none"} if wall else None),
                 html.Span(id=Home.TIMELINE_DETAIL, className="small ms-3 text-body-secondary")],
                className="d-flex align-items-center",
            ),
            dcc.Graph(id=Home.TIMELINE, config={"displayModeBar": False, "responsive": True},
                      style={"height": "190px"}),
        ],
        className="timeline-wrap panel",
    )


@requires(Permission.VIEW_MAP)
def layout(wall: str | None = None, **_query: str) -> html.Div:
    principal = principal_or_refuse()
    with db().session() as session:
        options = filter_options(session, principal)
        wall_mode = wall == "1" or (wall is None and preferences(session, principal).wall_mode)
    s = settings()
    left = [_map(principal)]
    if not wall_mode:
        left.insert(0, _filters(principal, options))
    else:
        left.insert(0, html.Div(_filters(principal, options), hidden=True))
    if principal.can(Permission.VIEW_TIMELINE):
        left.append(_timeline(wall_mode))
    colour_by = dbc.RadioItems(
        id=Home.COLOUR_BY, value=COLOUR_BY_TECHNOLOGY, inline=True, className="small",
        options=[{"label": "by technology", "value": COLOUR_BY_TECHNOLOGY},
                 {"label": "by status", "value": COLOUR_BY_STATUS}],
        style={"display": "none"} if wall_mode or principal.is_guest else None,
    )
    side = [
        html.Div(id=Home.KPIS, className="d-grid gap-2", style={"gridTemplateColumns": "1fr 1fr"}),
        html.Div(
            [html.Div("Selection", className="panel-title mb-1"),
             html.Div(id=Home.PANEL, children=html.Div("Click a station, feeder or DER on the map.",
                                                        className="text-body-secondary small"))],
            className="panel p-2",
        ),
        html.Div([html.Div("Legend", className="panel-title mb-1"), colour_by, html.Div(id=Home.LEGEND)],
                 className="panel p-2"),
    ]
    return html.Div(
        [
            dcc.Store(id=Home.SELECTION),
            dcc.Store(id=Home.WALL_FLAG, data=wall_mode),
            dcc.Store(id=Home.ROTATE, data={"pages": list(s.wall_rotation_pages), "seconds": s.wall_rotation_s}),
            html.Div(id=Home.WALL_APPLIED, hidden=True),
            dcc.Interval(id=Home.REFRESH, interval=1000 * (s.wall_refresh_s if wall_mode else 60)),
            dbc.Row(
                [dbc.Col(html.Div(left, className="map-panel"), lg=9),
                 dbc.Col(html.Div(side, className="side-panel"), lg=3)],
                className="g-2",
            ),
        ],
        className="wall-mode" if wall_mode else "",
    )
