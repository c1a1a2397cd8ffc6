"""Duplicate registrations: the same meter, or the same physical DER (place, technology, capacity)."""
from __future__ import annotations

import random

import pytest

from data.domain.registration import (
    DUPLICATE_DISTANCE_M,
    CollisionReason,
    DerFingerprint,
    distance_m,
    find_collisions,
)

# About 1 m of latitude in degrees (1 degree is 111.2 km).
ONE_METRE_LAT = 1 / 111_195.0
TORONTO = (43.6532, -79.3832)


def der(key: str, *, meter: str | None = None, north_m: float = 0.0, technology: str = "solar_pv",
        capacity: float = 7.6, at: tuple[float, float] = TORONTO) -> DerFingerprint:
    return DerFingerprint(key, meter, at[0] + north_m * ONE_METRE_LAT, at[1], technology, capacity)


def test_empty_inputs_collide_with_nothing() -> None:
    assert find_collisions([], []) == []
    assert find_collisions([der("row 2")], []) == []
    assert find_collisions([], [der("ON-DER-0000001")]) == []


def test_same_meter_collides_whatever_the_case_and_spaces() -> None:
    existing = [der("ON-DER-0000001", meter="MTR-77", at=(45.0, -76.0))]
    (hit,) = find_collisions([der("row 2", meter="  mtr-77 ")], existing)
    assert (hit.candidate, hit.existing, hit.reason) == ("row 2", "ON-DER-0000001", CollisionReason.METER)
    assert "ON-DER-0000001" in hit.text


def test_blank_meters_never_collide() -> None:
    existing = [der("ON-DER-0000001", meter="", at=(45.0, -76.0))]
    assert find_collisions([der("row 2", meter="  ")], existing) == []


@pytest.mark.parametrize(("metres", "collides"), [(0.0, True), (3.0, True), (4.9, True), (5.2, False), (8.0, False)])
def test_same_place_technology_and_capacity_within_five_metres(metres: float, collides: bool) -> None:
    hits = find_collisions([der("row 2", north_m=metres)], [der("ON-DER-0000001")])
    assert bool(hits) is collides
    if collides:
        assert hits[0].reason is CollisionReason.LOCATION
        assert hits[0].metres == pytest.approx(metres, abs=0.05)


def test_same_place_but_other_technology_or_capacity_is_another_der() -> None:
    existing = [der("ON-DER-0000001")]
    assert find_collisions([der("row 2", technology="battery")], existing) == []
    assert find_collisions([der("row 3", capacity=10.0)], existing) == []
    assert find_collisions([der("row 4", capacity=7.62)], existing)  # spreadsheet rounding


def test_a_file_listing_one_der_twice_is_caught_within_the_file() -> None:
    hits = find_collisions([der("row 2", meter="A"), der("row 3", meter="a", north_m=40)], [])
    assert [(h.candidate, h.existing, h.reason) for h in hits] == [("row 3", "row 2", CollisionReason.METER)]


def test_an_existing_der_listed_under_its_own_key_is_an_update_not_a_duplicate() -> None:
    existing = [der("ON-DER-0000001", meter="M1")]
    assert find_collisions([der("ON-DER-0000001", meter="M1")], existing) == []


def test_the_existing_registration_is_reported_before_a_nearer_row_of_the_file() -> None:
    hits = find_collisions([der("row 2", north_m=3.0), der("row 3", north_m=3.5)], [der("ON-DER-0000001")])
    assert [h.existing for h in hits] == ["ON-DER-0000001", "ON-DER-0000001"]


def test_far_north_cells_still_find_neighbours_east_and_west() -> None:
    """Longitude degrees shrink with latitude: the grid must still find a DER 4 m east at 56.5 N."""
    north = (56.5, -88.0)
    east_4m = 4.0 / (111_195.0 * 0.5519)  # cos(56.5 deg) = 0.5519
    existing = [der("ON-DER-0000001", at=north)]
    assert find_collisions([der("row 2", at=(north[0], north[1] + east_4m))], existing)


def test_the_grid_agrees_with_checking_every_pair() -> None:
    rng = random.Random(7)
    box = 0.0004  # about 40 m: dense enough for many collisions
    existing = [der(f"E{i}", at=(43 + rng.random() * box, -79 + rng.random() * box)) for i in range(150)]
    candidates = [der(f"row {i}", at=(43 + rng.random() * box, -79 + rng.random() * box)) for i in range(150)]
    expected = {c.key for c in candidates
                if any(distance_m(c.lat, c.lon, e.lat, e.lon) <= DUPLICATE_DISTANCE_M for e in existing)}
    found = {h.candidate for h in find_collisions(candidates, existing) if h.existing.startswith("E")}
    assert found == expected


def test_distance_is_symmetric_and_zero_at_the_same_point() -> None:
    assert distance_m(*TORONTO, *TORONTO) == 0.0
    a, b = (43.0, -79.0), (43.001, -79.002)
    assert distance_m(*a, *b) == pytest.approx(distance_m(*b, *a))
