"""A single DER registration: every field checked and named, and duplicates found the way the registrant is told."""
from __future__ import annotations

from datetime import date

import pytest

from data.domain.der_registration import (
    PENDING_LABEL,
    RegistrationLimits,
    collision_problems,
    normal_meter_id,
    parse_date,
    validate_der_entry,
    validate_meter_id,
)
from data.domain.enums import AssessmentClass, ServiceTag, Technology
from data.domain.errors import InvalidEntry, problem_field
from data.domain.registration import CollisionReason, DerFingerprint, find_collisions

TODAY = date(2026, 11, 30)
LAT, LON = 43.6532, -79.3832  # Toronto city hall
METRES_PER_DEG_LAT = 111_195.0


def raw(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "name": "Rooftop PV – 12 King St", "address": "12 King St W, Toronto", "technology": "solar_pv",
        "capacity_kw": "250", "lat": LAT, "lon": LON, "service_tag": "both", "meter_id": " mtr-0001 ",
        "ramp_up_kw_min": "25", "ramp_down_kw_min": 0, "assessment_ref": "CIA-TH-2026-00012",
        "assessment_date": "2026-10-01", "assessment_class": "under_10mw",
    }
    values.update(overrides)
    return values


def problems_of(**overrides) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidEntry) as caught:
        validate_der_entry(raw(**overrides), today=TODAY)
    return caught.value.problems


def fields_of(**overrides) -> set[str]:  # type: ignore[no-untyped-def]
    return {problem_field(p) for p in problems_of(**overrides)}


def test_a_good_registration_comes_out_clean_and_normalised() -> None:
    entry = validate_der_entry(raw(name="  Rooftop   PV  "), today=TODAY)
    assert entry.name == "Rooftop PV"
    assert entry.technology is Technology.SOLAR_PV and entry.service_tag is ServiceTag.BOTH
    assert entry.capacity_kw == 250.0 and entry.ramp_up_kw_min == 25.0 and entry.ramp_down_kw_min == 0.0
    assert entry.meter_id == "MTR-0001"
    assert entry.assessment_date == date(2026, 10, 1) and entry.assessment_class is AssessmentClass.UNDER_10MW
    assert entry.energy_kwh is None


@pytest.mark.parametrize("capacity", ["0", "-5", 0, "abc", "nan", "inf", True, "", None, "100001"])
def test_capacity_must_be_positive_finite_and_sane(capacity) -> None:  # type: ignore[no-untyped-def]
    assert fields_of(capacity_kw=capacity) == {"Capacity"}


def test_capacity_accepts_thousands_separators_and_the_bound_is_a_parameter() -> None:
    assert validate_der_entry(raw(capacity_kw="1,250.5"), today=TODAY).capacity_kw == 1250.5
    with pytest.raises(InvalidEntry, match="Capacity"):
        validate_der_entry(raw(capacity_kw="600"), today=TODAY, limits=RegistrationLimits(max_capacity_kw=500))


@pytest.mark.parametrize(("lat", "lon", "bad"), [
    (40.9, LON, {"Latitude"}),  # Lake Erie's US shore
    (57.5, LON, {"Latitude"}),
    (LAT, -73.0, {"Longitude"}),  # Montreal
    (LAT, -96.0, {"Longitude"}),  # Manitoba
    (None, None, {"Latitude", "Longitude"}),
    ("north", LON, {"Latitude"}),
])
def test_location_must_be_inside_ontario(lat, lon, bad) -> None:  # type: ignore[no-untyped-def]
    assert fields_of(lat=lat, lon=lon) == bad


def test_location_edges_of_the_box_are_inside() -> None:
    south, west, north, east = RegistrationLimits().bounds
    entry = validate_der_entry(raw(lat=south, lon=west, assessment_ref=None, assessment_date=None,
                                   assessment_class=None), today=TODAY)
    assert (entry.lat, entry.lon) == (south, west)
    assert validate_der_entry(raw(lat=str(north), lon=str(east)), today=TODAY).lat == north


@pytest.mark.parametrize("field", ["ramp_up_kw_min", "ramp_down_kw_min"])
def test_ramps_are_zero_or_more(field: str) -> None:
    assert fields_of(**{field: "-1"}) == {"Ramp up" if field == "ramp_up_kw_min" else "Ramp down"}
    assert getattr(validate_der_entry(raw(**{field: None}), today=TODAY), field) is None


def test_energy_is_required_for_a_battery_and_refused_for_solar() -> None:
    assert fields_of(technology="battery") == {"Energy"}
    assert validate_der_entry(raw(technology="battery", energy_kwh="500"), today=TODAY).energy_kwh == 500.0
    assert fields_of(energy_kwh="100") == {"Energy"}
    assert fields_of(technology="battery", energy_kwh="0") == {"Energy"}


def test_required_texts_and_choices() -> None:
    assert fields_of(name="   ", address=None, technology="nuclear", service_tag="retail") == {
        "Name", "Address", "Technology", "Service"}
    assert fields_of(name="x" * 201) == {"Name"}
    assert fields_of(name="bad\x07bell") == {"Name"}
    assert fields_of(name=["a list"]) == {"Name"}


def test_assessment_date_cannot_be_in_the_future_or_garbage() -> None:
    assert fields_of(assessment_date="2026-12-01") == {"Assessment date"}
    assert fields_of(assessment_date="30/11/2026") == {"Assessment date"}
    assert fields_of(assessment_date="1985-01-01") == {"Assessment date"}
    assert validate_der_entry(raw(assessment_date=TODAY.isoformat()), today=TODAY).assessment_date == TODAY


def test_an_assessment_is_all_three_parts_or_none() -> None:
    none = validate_der_entry(raw(assessment_ref="", assessment_date=None, assessment_class=None), today=TODAY)
    assert none.assessment_ref is None and none.assessment_class is None
    assert fields_of(assessment_date=None) == {"Assessment date"}
    assert fields_of(assessment_ref=None, assessment_class=None) == {"Assessment reference", "Assessment class"}
    assert fields_of(assessment_class="huge") == {"Assessment class"}


def test_over_10_mw_needs_an_over_10_mw_assessment() -> None:
    assert fields_of(capacity_kw="12000") == {"Assessment class"}
    assert fields_of(capacity_kw="12000", assessment_ref=None, assessment_date=None,
                     assessment_class=None) == {"Assessment class"}
    big = validate_der_entry(raw(capacity_kw="12000", assessment_class="over_10mw"), today=TODAY)
    assert big.assessment_class is AssessmentClass.OVER_10MW
    # exactly 10 MW is not over 10 MW
    assert validate_der_entry(raw(capacity_kw="10000"), today=TODAY).capacity_kw == 10_000


def test_every_problem_is_reported_at_once() -> None:
    found = problems_of(name="", capacity_kw="-1", lat=80, meter_id="a b", ramp_up_kw_min="-2")
    assert {problem_field(p) for p in found} == {"Name", "Capacity", "Latitude", "Meter ID", "Ramp up"}


def test_no_values_at_all() -> None:
    with pytest.raises(InvalidEntry):
        validate_der_entry(None, today=TODAY)  # type: ignore[arg-type]


def test_meter_ids() -> None:
    assert normal_meter_id("  mtr-9 ") == "MTR-9" and normal_meter_id("   ") is None and normal_meter_id(5) is None
    problems: list[str] = []
    assert validate_meter_id(" ab-123/4 ", problems) == "AB-123/4" and problems == []
    for bad in ("ab", "ab cd", "<script>", "=1+1", "x" * 41):
        problems = []
        assert validate_meter_id(bad, problems) is None and problem_field(problems[0]) == "Meter ID"
    problems = []
    assert validate_meter_id("", problems, required=True) is None and problems == ["Meter ID: required"]


def test_parse_date() -> None:
    assert parse_date("2026-01-02T00:00:00") == date(2026, 1, 2)
    assert parse_date(date(2026, 1, 2)) == date(2026, 1, 2)
    assert parse_date("2026-02-30") is None and parse_date(20260102) is None and parse_date("x" * 100) is None


# --- duplicate detection, as the registrant is told -------------------------------------------------------


def fp(key: str, *, meter: str | None = None, north_m: float = 0.0, tech: str = "solar_pv",
       kw: float = 250.0) -> DerFingerprint:
    return DerFingerprint(key, meter, LAT + north_m / METRES_PER_DEG_LAT, LON, tech, kw)


def told(candidate: DerFingerprint, existing: list[DerFingerprint], labels: dict[str, str | None]) -> list[str]:
    return collision_problems(find_collisions([candidate], existing), labels)


def test_same_meter_with_different_case_and_spaces_collides() -> None:
    messages = told(fp("new", meter=" mtr-0001 ", north_m=900), [fp("7", meter="MTR-0001")], {"7": "ON-DER-0000007"})
    assert messages == ["Meter ID: meter ID already registered to ON-DER-0000007"]


def test_three_metres_apart_is_the_same_der_eight_metres_is_not() -> None:
    existing = [fp("7")]
    near = told(fp("new", north_m=3.0), existing, {"7": "ON-DER-0000007"})
    assert len(near) == 1 and near[0].startswith("Location: same technology and capacity 3.0 m from ON-DER-0000007")
    assert told(fp("new", north_m=8.0), existing, {"7": "ON-DER-0000007"}) == []


def test_same_place_different_technology_or_capacity_is_another_der() -> None:
    existing = [fp("7")]
    assert told(fp("new", tech="battery"), existing, {"7": "ON-DER-0000007"}) == []
    assert told(fp("new", kw=260.0), existing, {"7": "ON-DER-0000007"}) == []
    assert told(fp("new", kw=250.04), existing, {"7": "ON-DER-0000007"}) != []  # spreadsheet rounding


def test_a_pending_registration_is_named_without_its_details() -> None:
    messages = told(fp("new", meter="M-1", north_m=1.0), [fp("9", meter="m-1")], {"9": None})
    assert messages == [f"Meter ID: meter ID already registered to {PENDING_LABEL}",
                        f"Location: same technology and capacity 1.0 m from {PENDING_LABEL}: the same physical DER "
                        "cannot be registered twice"]
    assert all("9" not in m for m in messages)


def test_collision_text_carries_only_the_label() -> None:
    collision = find_collisions([fp("new", meter="A-1")], [fp("3", meter="A-1", north_m=500)])[0]
    assert collision.reason is CollisionReason.METER
    assert collision_problems([collision], {}) == [f"Meter ID: meter ID already registered to {PENDING_LABEL}"]
