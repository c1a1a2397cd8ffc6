"""Map layers: query rows in, GeoJSON and dash-leaflet components out, styled from the palette."""
