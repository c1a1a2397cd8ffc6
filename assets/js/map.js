/* Map drawing functions, referenced from layers/js.py. Colours arrive in feature properties
   (components/palette.py is the one palette); the basemap is styled by CSS classes so it
   follows the light/dark theme. */
window.tdMap = Object.assign({}, window.tdMap, {
  layers: {
    basemapStyle: function (feature) {
      const p = feature.properties || {};
      const cls = p.kind === "lake" ? "bm-lake" : (p.id === "ON" ? "bm-ontario" : "bm-land");
      return { className: cls, weight: p.kind === "lake" ? 0.5 : 0.8, fillOpacity: 1, opacity: 1 };
    },
    stationMarker: function (feature, latlng) {
      const p = feature.properties;
      return L.circleMarker(latlng, {
        radius: p.radius, color: p.state === "normal" ? "#2a2f34" : p.colour, weight: p.connection_point ? 3 : 1.5,
        fillColor: p.colour, fillOpacity: 0.9, className: "station-marker station-" + p.state,
      });
    },
    feederStyle: function (feature) {
      const p = feature.properties;
      return { color: p.colour, weight: p.weight, opacity: 0.9, className: "feeder-line feeder-" + p.state };
    },
    aggregateMarker: function (feature, latlng) {
      const p = feature.properties;
      const s = p.size;
      // Per-station badges sit up and to the right of the station circle, never on top of it.
      const anchor = p.tier === "station" ? L.point(-4, s + 4) : L.point(s / 2, s / 2);
      return L.marker(latlng, {
        icon: L.divIcon({
          html: "<div><span>" + p.label + "</span></div>",
          className: "der-aggregate der-tier-" + p.tier, iconSize: L.point(s, s), iconAnchor: anchor,
        }),
        keyboard: false,
      });
    },
    derMarker: function (feature, latlng) {
      const p = feature.properties;
      return L.circleMarker(latlng, {
        radius: p.radius, color: "#1b1f23", weight: 0.6, fillColor: p.colour, fillOpacity: 0.95,
        className: "der-point",
      });
    },
    derCluster: function (feature, latlng, index, context) {
      const n = feature.properties.point_count;
      const s = n < 100 ? 26 : (n < 1000 ? 32 : 40);
      return L.marker(latlng, {
        icon: L.divIcon({
          html: "<div><span>" + feature.properties.point_count_abbreviated + "</span></div>",
          className: "der-aggregate der-cluster", iconSize: L.point(s, s),
        }),
      });
    },
    areaStyle: function (feature) {
      const p = feature.properties;
      return { color: p.colour, weight: 2, dashArray: "6 4", fillColor: p.colour, fillOpacity: 0.18 };
    },
  },
});
