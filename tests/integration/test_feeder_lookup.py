"""nearest_feeders: the feeder, station and LDC suggested for a location, on both databases."""
from __future__ import annotations

import math
import random

from sqlalchemy import select

from data.db import Database
from data.demo.geo import distance_km
from data.models import Feeder
from data.queries.feeder_lookup import FeederMatch, nearest_feeders


def _feeders(db: Database) -> list[Feeder]:
    with db.session() as s:
        return list(s.scalars(select(Feeder).order_by(Feeder.id)))


def test_a_point_on_a_feeder_matches_that_feeder(database: Database) -> None:
    feeders = _feeders(database)
    target = next(f for f in feeders if len(f.geometry) >= 3)
    lon, lat = target.geometry[len(target.geometry) // 2]
    with database.session() as s:
        (match,) = nearest_feeders(s, [(lat, lon)])
    assert isinstance(match, FeederMatch)
    assert match.distance_m < 1.0
    on_it = [f for f in feeders if [lon, lat] in f.geometry]
    assert match.feeder_id in {f.id for f in on_it}
    chosen = next(f for f in feeders if f.id == match.feeder_id)
    assert (match.station_id, match.ldc_id) == (chosen.station_id, chosen.ldc_id)
    assert match.station_name and match.feeder_name == chosen.name


def test_far_away_and_invalid_points_have_no_feeder(database: Database) -> None:
    with database.session() as s:
        assert nearest_feeders(s, []) == []
        far, nan = nearest_feeders(s, [(55.5, -88.0), (math.nan, -79.0)])
    assert far is None and nan is None


def test_restricting_to_an_ldc_only_returns_its_feeders(database: Database) -> None:
    feeders = _feeders(database)
    ldcs = sorted({f.ldc_id for f in feeders})
    assert len(ldcs) >= 2
    other = next(f for f in feeders if f.ldc_id != ldcs[0])
    lon, lat = other.geometry[len(other.geometry) // 2]
    with database.session() as s:
        (match,) = nearest_feeders(s, [(lat, lon)], ldc_ids=[ldcs[0]])
        (none,) = nearest_feeders(s, [(lat, lon)], ldc_ids=[])
    assert none is None
    assert match is None or match.ldc_id == ldcs[0]


def test_matches_agree_with_a_brute_force_search(database: Database) -> None:
    feeders = _feeders(database)
    rng = random.Random(9)
    points = []
    for _ in range(300):
        f = rng.choice(feeders)
        lon, lat = rng.choice(f.geometry)
        points.append((lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01)))
    with database.session() as s:
        matches = nearest_feeders(s, points)
    for (lat, lon), match in zip(points, matches, strict=True):
        nearest_vertex_m = min(distance_km(lat, lon, c[1], c[0]) for f in feeders for c in f.geometry) * 1000
        assert match is not None
        # the nearest line is never further than the nearest vertex (0.2 % projection tolerance)
        assert match.distance_m <= nearest_vertex_m * 1.002 + 0.5
        # and the matched line passes within that distance
        own = next(f for f in feeders if f.id == match.feeder_id)
        own_vertex_m = min(distance_km(lat, lon, c[1], c[0]) for c in own.geometry) * 1000
        assert match.distance_m <= own_vertex_m * 1.002 + 0.5
