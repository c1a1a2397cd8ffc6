"""How fast a 100,000-row contributor DER upload is checked and applied on PostgreSQL, against a naive baseline.

    python bench/upload.py [--rows 100000] [--ders 5000] [--baseline-rows 2000] [--pg-server URL]

A scratch database is created on the PostgreSQL server (--pg-server, else DATABASE_URL when it is PostgreSQL,
else the local test server), migrated and loaded with the demo grid (untimed), and dropped at the end. One
aggregator's upload of N new DERs is generated along the demo feeders (unique meters, a mix of technologies,
half of them enrolled in a program), then timed through the real service:
- `preview_upload`: parse the CSV, check every cell, load the registry once, find each row's feeder (one
  STRtree query), duplicates against the registry and within the file, plan, store the upload;
- `apply_upload`: the same check again against the registry as it is now, then bulk inserts of DERs (with
  RETURNING ids), meters and enrolments, notifications, audit, in one transaction.
The naive baseline, in a second scratch database, does what a first version would: per row, a query for the
meter, a query for a DER nearby with the same technology and capacity, the nearest feeder by looping over
every feeder vertex, then ORM objects (DER flushed for its id, meter, enrolment), one commit at the end. It
runs on --baseline-rows rows and is **extrapolated** linearly to N (it would take too long on all of them).
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere


def _server_from_args(argv: list[str] | None) -> None:
    """tests.support reads TEST_POSTGRES_URL when imported: point it at the chosen server first."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--pg-server")
    known, _ = parser.parse_known_args(argv)
    url = known.pg_server or os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        os.environ["TEST_POSTGRES_URL"] = url


_server_from_args(sys.argv[1:])

from sqlalchemy import func, select  # noqa: E402

from bench.ingest import fresh_database as scratch_database  # noqa: E402 - the same scratch demo database
from data.access import Principal  # noqa: E402
from data.db import Database  # noqa: E402
from data.domain.contributor_upload import COLUMN_NAMES, parse_upload  # noqa: E402
from data.domain.enums import DerStatus, EnrolmentStatus, MeterStatus, UploadStatus  # noqa: E402
from data.domain.registration import distance_m  # noqa: E402
from data.models import Der, Enrolment, Feeder, Meter, Program, User  # noqa: E402
from data.services import contributor_upload as service  # noqa: E402
from data.services.accounts import principal_for  # noqa: E402
from data.services.contributor_upload import apply_upload, preview_upload  # noqa: E402

AS_OF = date(2026, 11, 30)
TODAY = AS_OF
TECHNOLOGIES = (("solar_pv", 0.55, 3, 15), ("battery", 0.2, 3, 10), ("ev_charger", 0.15, 7, 19),
                ("flexible_load", 0.1, 5, 50))


def aggregator(db: Database) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalars(select(User).where(User.username == "aggregator")).one())


def generate(db: Database, rows: int, seed: int = 9) -> bytes:
    """N new DERs a few tens of metres off random points along the demo feeders, as an aggregator's CSV."""
    rng = random.Random(seed)
    with db.session() as s:
        lines = [f.geometry for f in s.scalars(select(Feeder).order_by(Feeder.id)) if len(f.geometry) >= 2]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMN_NAMES)
    weights = [t[1] for t in TECHNOLOGIES]
    taken: set[tuple[int, int]] = set()  # ~7 m cells: no two generated sites closer than that (real duplicates)
    for i in range(rows):
        while True:
            line = rng.choice(lines)
            k = rng.randrange(len(line) - 1)
            t = rng.random()
            lon = line[k][0] + t * (line[k + 1][0] - line[k][0]) + rng.uniform(-4e-4, 4e-4)
            lat = line[k][1] + t * (line[k + 1][1] - line[k][1]) + rng.uniform(-3e-4, 3e-4)
            cell = (round(lat / 6e-5), round(lon / 9e-5))
            if not any((cell[0] + a, cell[1] + b) in taken for a in (-1, 0, 1) for b in (-1, 0, 1)):
                taken.add(cell)
                break
        tech, _, low, high = rng.choices(TECHNOLOGIES, weights)[0]
        capacity = round(rng.uniform(low, high), 2)
        energy = round(capacity * 2.2, 1) if tech == "battery" else ""
        start = AS_OF + timedelta(days=rng.randint(1, 90))
        program = "IESO-HDR" if rng.random() < 0.5 else ""
        values = {
            "platform_id": "", "name": f"Bench site {i}", "technology": tech, "capacity_kw": capacity,
            "energy_kwh": energy, "ramp_up_kw_min": round(capacity / 2, 2), "ramp_down_kw_min": round(capacity / 2, 2),
            "address": f"{i % 9000 + 1} Bench Road, Ontario", "lat": round(lat, 6), "lon": round(lon, 6),
            "meter_id": f"BENCH-{i:07d}", "service_tag": "both", "program_code": program,
            "activation_date": start.isoformat(), "deactivation_date": "", "connection_assessment_ref": f"CIA-{i}",
            "connection_assessment_date": "2026-01-15", "connection_assessment_class": "under_10mw",
            "resource_code": "",
        }
        writer.writerow([values[c] for c in COLUMN_NAMES])
    return out.getvalue().encode()


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0 for t in (Der, Meter, Enrolment)}


PHASES: dict[str, float] = {}


def _timed(name: str, fn):  # type: ignore[no-untyped-def]
    """Wrap a service step so the bench can say where the time goes."""
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started
    return wrapper


def timed_service(db: Database, content: bytes, rows: int) -> tuple[float, float, dict[str, int]]:
    service.check = _timed("check", service.check)
    service._write = _timed("write", service._write)  # noqa: SLF001 - measuring the private write step
    who = aggregator(db)
    before = counts(db)
    started = time.perf_counter()
    with db.transaction() as s:
        upload = preview_upload(s, who, "bench.csv", content, today=TODAY)
        upload_id, status, problems = upload.id, upload.status, upload.problems
    preview_s = time.perf_counter() - started
    PHASES["preview check"] = PHASES.pop("check")
    assert status == UploadStatus.PREVIEWED.value, problems[:5]
    started = time.perf_counter()
    with db.transaction() as s:
        applied = apply_upload(s, who, upload_id, today=TODAY)
        assert applied.status == UploadStatus.APPLIED.value, applied.problems[:5]
    apply_s = time.perf_counter() - started
    after = counts(db)
    added = {k: after[k] - before[k] for k in after}
    assert added["der"] == rows and added["meter"] == rows, added
    return preview_s, apply_s, added


def naive(db: Database, content: bytes, sample: int) -> float:
    """Row by row: two duplicate queries, a Python nearest-feeder loop, ORM inserts; one commit."""
    who = aggregator(db)
    assert who.organisation_id is not None
    parsed = parse_upload("bench.csv", content)
    started = time.perf_counter()
    with db.session() as s:
        feeders = [(f.id, f.station_id, f.ldc_id, f.geometry) for f in s.scalars(select(Feeder))]
        programs = {p.code: p.id for p in s.scalars(select(Program))}
        for number, cells in parsed.rows[:sample]:
            lat, lon, cap = float(cells["lat"]), float(cells["lon"]), float(cells["capacity_kw"])
            if s.scalar(select(Der.id).where(Der.meter_id == cells["meter_id"])) is not None:
                raise AssertionError(f"row {number}: meter registered")
            box = 5 / 111_000
            near = s.scalars(select(Der).where(Der.technology == cells["technology"],
                                               Der.lat.between(lat - box, lat + box),
                                               Der.lon.between(lon - 2 * box, lon + 2 * box))).all()
            if any(abs(d.capacity_kw - cap) <= 0.05 and distance_m(lat, lon, d.lat, d.lon) <= 5 for d in near):
                raise AssertionError(f"row {number}: duplicate")
            best = min(((min(distance_m(lat, lon, c[1], c[0]) for c in geometry), fid, sid, ldc)
                        for fid, sid, ldc, geometry in feeders))
            if best[0] > 5000 or not math.isfinite(best[0]):
                raise AssertionError(f"row {number}: no feeder")
            activation = date.fromisoformat(cells["activation_date"])
            der = Der(name=cells["name"], technology=cells["technology"], capacity_kw=cap, lat=lat, lon=lon,
                      station_id=best[2], feeder_id=best[1], ldc_id=best[3], owner_org_id=who.organisation_id,
                      aggregator_org_id=who.organisation_id, meter_id=cells["meter_id"], service_tag="both",
                      status=DerStatus.PENDING.value, activation_date=activation,
                      registered_by_org_id=who.organisation_id)
            s.add(der)
            s.flush()
            s.add(Meter(der_id=der.id, meter_code=cells["meter_id"], status=MeterStatus.SUBMITTED.value,
                        valid_from=activation, submitted_by_org_id=who.organisation_id))
            if cells["program_code"]:
                s.add(Enrolment(der_id=der.id, program_id=programs[cells["program_code"]],
                                aggregator_org_id=who.organisation_id, start_date=activation,
                                status=EnrolmentStatus.ACTIVE.value))
        s.commit()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ders", type=int, default=5000, help="DERs already registered (the demo grid)")
    parser.add_argument("--baseline-rows", type=int, default=2000)
    parser.add_argument("--pg-server", help="PostgreSQL URL of the server to create the scratch databases on")
    args = parser.parse_args(argv)

    with scratch_database(args.ders) as db:
        content = generate(db, args.rows)
        print(f"upload: {args.rows:,} new DERs, {len(content) / 1_048_576:.1f} MB CSV; registry: {args.ders:,} "
              "demo DERs")
        preview_s, apply_s, added = timed_service(db, content, args.rows)
    print(f"{'step':<62}{'seconds':>9}{'rows/s':>11}")
    print(f"{'preview_upload (parse, validate, feeders, duplicates, plan, store)':<62}{preview_s:>9.2f}"
          f"{args.rows / preview_s:>11,.0f}")
    print(f"{'apply_upload (check again + bulk writes, one transaction)':<62}{apply_s:>9.2f}"
          f"{args.rows / apply_s:>11,.0f}")
    total = preview_s + apply_s
    print(f"{'validate + preview + apply':<62}{total:>9.2f}{args.rows / total:>11,.0f}")
    check, write = PHASES["check"], PHASES["write"]
    print(f"  preview: check {PHASES['preview check']:.2f} s, storing the upload "
          f"{preview_s - PHASES['preview check']:.2f} s; apply: check again {check:.2f} s, writes {write:.2f} s, "
          f"commit and the rest {apply_s - check - write:.2f} s")
    print(f"written: {added['der']:,} DERs, {added['meter']:,} meters, {added['enrolment']:,} enrolments")
    sys.stdout.flush()

    with scratch_database(args.ders) as db:
        content = generate(db, args.rows)
        sample = min(args.baseline_rows, args.rows)
        seconds = naive(db, content, sample)
    extrapolated = seconds * args.rows / sample
    print(f"baseline: naive row by row on {sample:,} rows: {seconds:.2f} s ({sample / seconds:,.0f} rows/s); "
          f"EXTRAPOLATED to {args.rows:,} rows: {extrapolated:,.0f} s")
    print(f"ratio, extrapolated naive vs preview + apply: {extrapolated / total:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
