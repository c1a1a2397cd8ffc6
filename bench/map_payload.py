"""Map payload benchmark: what the home page sends for 5k and 100k DERs, against the naive map.

Naive baseline (STACK.md): every DER in scope as one GeoJSON FeatureCollection sent with the
page. Ours: stations + feeders + DERs summed per station (initial view), and individual DERs
only inside a zoomed-in viewport. Both are measured in the same run through the real HTTP
callback endpoint (Flask test client, JSON as sent, and gzip as flask-compress sends it).

    python bench/map_payload.py [--ders 5000 100000] [--backend sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from callbacks.context import EXTENSION_KEY, PlatformContext  # noqa: E402
from config.settings import load_settings  # noqa: E402
from data.db import Database  # noqa: E402
from data.demo.generator import load_demo  # noqa: E402
from data.models import Der  # noqa: E402
from tests.support import callback_payload, find_output_key, pg_create, pg_drop, sign_in, unique_name  # noqa: E402

ONTARIO_VIEW = {"home-map.zoom": 7, "home-map.bounds": [[41.5, -84.0], [47.0, -74.0]]}


def _post(client, app, fragment: str, values: dict) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    body = json.dumps(callback_payload(app, find_output_key(app, fragment), values))
    t0 = time.perf_counter()
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.status_code
    raw = r.get_data()
    return len(raw), len(gzip.compress(raw, 6)), elapsed


def _naive(db: Database) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    with db.session() as s:
        rows = s.execute(select(Der.id, Der.platform_id, Der.name, Der.technology, Der.capacity_kw, Der.status,
                                Der.lat, Der.lon)).all()
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
         "properties": {"id": r.id, "platform_id": r.platform_id, "name": r.name, "technology": r.technology,
                        "capacity_kw": r.capacity_kw, "status": r.status}} for r in rows]}
    raw = json.dumps(fc).encode()
    elapsed = time.perf_counter() - t0
    return len(raw), len(gzip.compress(raw, 6)), elapsed


def _zoomed_view(db: Database) -> dict:
    """A 0.06 x 0.08 degree window (about 6 x 6 km) around the densest feeder's DERs."""
    with db.session() as s:
        lat, lon = s.execute(select(Der.lat, Der.lon).order_by(Der.id).limit(1)).one()
    return {"home-map.zoom": 14, "home-map.bounds": [[lat - 0.03, lon - 0.04], [lat + 0.03, lon + 0.04]]}


def measure(app, db: Database, ders: int) -> list[tuple[str, int, int, float]]:  # type: ignore[no-untyped-def]
    server = app.server
    ctx = server.extensions[EXTENSION_KEY]
    server.extensions[EXTENSION_KEY] = PlatformContext(settings=dataclasses.replace(ctx.settings), db=db)
    client = server.test_client()
    sign_in(client, "ieso")
    rows = []
    for _ in range(2):  # the first call warms caches and connection pools; keep the second
        grid = _post(client, app, "home-stations.data", {})
        initial_ders = _post(client, app, "home-der-points.data", ONTARIO_VIEW)
        zoomed = _post(client, app, "home-der-points.data", _zoomed_view(db))
        naive = _naive(db)
    initial = (grid[0] + initial_ders[0], grid[1] + initial_ders[1], grid[2] + initial_ders[2])
    rows.append((f"{ders:,} DERs · initial map (ours: grid + DERs per station)", *initial))
    rows.append((f"{ders:,} DERs · zoomed-in view (ours: DERs in viewport)", *zoomed))
    rows.append((f"{ders:,} DERs · naive: all DERs as one GeoJSON", *naive))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ders", type=int, nargs="+", default=[5000, 100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-map-"))
    app = create_app(load_settings(env={}, database_url=f"sqlite:///{tmp / 'boot.db'}", instance_dir=tmp,
                                   demo=False, scheduler=False, secret_key="bench",
                                   login_rate_limit="1000 per minute"))
    app.server.test_client().get("/healthz")
    print(f"{'case':62} {'bytes':>12} {'gzip':>10} {'server s':>9}")
    for n in args.ders:
        if args.backend == "sqlite":
            db, name = Database.connect(f"sqlite:///{tmp / f'{n}.db'}"), None
        else:
            name = unique_name("tdp_bench_map")
            db = Database.connect(pg_create(name))
        try:
            db.migrate(tmp)
            t0 = time.perf_counter()
            load_demo(db, ders=n)
            print(f"# loaded {n:,} DERs on {args.backend} in {time.perf_counter() - t0:.1f} s")
            rows = measure(app, db, n)
            for label, raw, gz, secs in rows:
                print(f"{label:62} {raw:>12,} {gz:>10,} {secs:>9.3f}")
            ours, naive = rows[0], rows[2]
            print(f"# {n:,} DERs: initial map is {naive[1] / ours[1]:.1f}x fewer bytes than naive "
                  f"({naive[2] / ours[2]:.1f}x gzip), server time ratio naive/ours {naive[3] / ours[3]:.2f}")
        finally:
            db.engine.dispose()
            if name:
                pg_drop(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
