"""Handles to the map's JavaScript functions in assets/js/map.js (dash-extensions Namespace)."""
from __future__ import annotations

from dash_extensions.javascript import Namespace

_ns = Namespace("tdMap", "layers")

BASEMAP_STYLE = _ns("basemapStyle")
STATION_MARKER = _ns("stationMarker")
FEEDER_STYLE = _ns("feederStyle")
AGGREGATE_MARKER = _ns("aggregateMarker")
DER_MARKER = _ns("derMarker")
DER_CLUSTER = _ns("derCluster")
AREA_STYLE = _ns("areaStyle")
