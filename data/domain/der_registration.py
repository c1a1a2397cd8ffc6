"""A single DER registration as typed by its owner or aggregator: every field checked, every problem named.

Pure Python: the values arrive as the browser sent them (any type, any size) and come out as a clean `DerEntry`,
or `InvalidEntry` lists each problem as "Field: what is wrong", so the form can mark the field. Limits are
parameters with defaults (DOMAIN.md: keep what is unconfirmed configurable).

Duplicate registrations are found by `data.domain.registration.find_collisions`; `collision_problems` words
them for the registrant, naming the colliding registration only by its platform ID (or "a pending registration"):
never another party's name, owner or address.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from data.domain.connection_assessment import OVER_10MW_KW
from data.domain.enums import AssessmentClass, ServiceTag, Technology
from data.domain.errors import InvalidEntry
from data.domain.registration import Collision, CollisionReason, DerFingerprint

__all__ = [
    "EARLIEST_ASSESSMENT",
    "FIELD_LABELS",
    "MAX_CAPACITY_KW",
    "MAX_ENERGY_KWH",
    "METER_ID_PATTERN",
    "METER_ID_RULE",
    "ONTARIO_BOUNDS",
    "OVER_10MW_KW",
    "PENDING_LABEL",
    "DerEntry",
    "RegistrationLimits",
    "collision_problems",
    "normal_meter_id",
    "parse_date",
    "validate_der_entry",
    "validate_meter_id",
]

# South, west, north, east: Ontario's extent (Point Pelee to Hudson Bay, Lake of the Woods to the Ottawa River).
ONTARIO_BOUNDS = (41.6, -95.2, 56.9, -74.3)
MAX_CAPACITY_KW = 100_000.0  # 100 MW: above it, not a distribution-connected DER
MAX_ENERGY_KWH = 1_000_000.0
EARLIEST_ASSESSMENT = date(1990, 1, 1)
PENDING_LABEL = "a pending registration"

FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "address": "Address",
    "technology": "Technology",
    "capacity_kw": "Capacity",
    "energy_kwh": "Energy",
    "ramp_up_kw_min": "Ramp up",
    "ramp_down_kw_min": "Ramp down",
    "meter_id": "Meter ID",
    "lat": "Latitude",
    "lon": "Longitude",
    "service_tag": "Service",
    "assessment_ref": "Assessment reference",
    "assessment_date": "Assessment date",
    "assessment_class": "Assessment class",
}
_L = FIELD_LABELS
METER_ID_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{2,39}$")  # after normal_meter_id
METER_ID_RULE = "3 to 40 letters, digits, '-', '_', '.' or '/' (no spaces inside)"
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{1,39}$")
STORAGE = frozenset({Technology.BATTERY, Technology.EV_CHARGER})  # may state an energy capacity
NEEDS_ENERGY = frozenset({Technology.BATTERY})


@dataclass(frozen=True)
class RegistrationLimits:
    """The bounds a registration is checked against (every one can be passed explicitly)."""

    bounds: tuple[float, float, float, float] = ONTARIO_BOUNDS
    max_capacity_kw: float = MAX_CAPACITY_KW
    over_10mw_kw: float = OVER_10MW_KW
    max_energy_kwh: float = MAX_ENERGY_KWH
    earliest_assessment: date = EARLIEST_ASSESSMENT


@dataclass(frozen=True)
class DerEntry:
    """A registration with every value checked and normalised (meter ID upper-case, texts stripped)."""

    name: str
    address: str
    technology: Technology
    capacity_kw: float
    lat: float
    lon: float
    service_tag: ServiceTag
    energy_kwh: float | None = None
    ramp_up_kw_min: float | None = None
    ramp_down_kw_min: float | None = None
    meter_id: str | None = None
    assessment_ref: str | None = None
    assessment_date: date | None = None
    assessment_class: AssessmentClass | None = None

    def fingerprint(self, key: str) -> DerFingerprint:
        return DerFingerprint(key=key, meter_id=self.meter_id, lat=self.lat, lon=self.lon,
                              technology=self.technology.value, capacity_kw=self.capacity_kw)


# --- reading one value --------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, label: str, problems: list[str], unit: str) -> float | None:
    """A finite number from a number or a text ("1,250.5"); None for blank; else a problem."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        problems.append(f"{label}: enter a number of {unit}")
        return None
    try:
        number = float(value.strip().replace(",", "").replace("_", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        problems.append(f"{label}: {str(value)[:20]!r} is not a number of {unit}")
        return None
    if not math.isfinite(number):
        problems.append(f"{label}: enter a finite number of {unit}")
        return None
    return number


def _text(value: Any, label: str, problems: list[str], max_len: int, required: bool) -> str | None:
    if _blank(value):
        if required:
            problems.append(f"{label}: required")
        return None
    if not isinstance(value, str):
        problems.append(f"{label}: enter text")
        return None
    text = " ".join(value.split())
    if len(text) > max_len:
        problems.append(f"{label}: at most {max_len} characters (got {len(text)})")
        return None
    if any(ord(c) < 32 for c in text):
        problems.append(f"{label}: control characters are not allowed")
        return None
    return text


def _choice(value: Any, label: str, problems: list[str], enum: type, required: bool = True) -> Any:
    if _blank(value):
        if required:
            problems.append(f"{label}: choose one")
        return None
    try:
        return enum(value)
    except (ValueError, TypeError):
        problems.append(f"{label}: choose one of {', '.join(e.value for e in enum)}")
        return None


def parse_date(value: Any) -> date | None:
    """A calendar date from a date or an ISO text ("2025-03-01", "2025-03-01T00:00:00"); None if not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and 8 <= len(value.strip()) <= 32:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def normal_meter_id(value: Any) -> str | None:
    """Meter IDs compare and are stored without case or surrounding spaces (as `find_collisions` compares them)."""
    if not isinstance(value, str):
        return None
    return value.strip().upper() or None


def validate_meter_id(value: Any, problems: list[str], *, required: bool = False) -> str | None:
    label = _L["meter_id"]
    if _blank(value):
        if required:
            problems.append(f"{label}: required")
        return None
    meter = normal_meter_id(value)
    if meter is None or not METER_ID_PATTERN.match(meter):
        problems.append(f"{label}: {METER_ID_RULE}")
        return None
    return meter


# --- the whole registration ---------------------------------------------------------------------------------


def _location(raw: Mapping[str, Any], limits: RegistrationLimits, problems: list[str]) -> tuple[float, float] | None:
    south, west, north, east = limits.bounds
    lat = _number(raw.get("lat"), _L["lat"], problems, "degrees")
    lon = _number(raw.get("lon"), _L["lon"], problems, "degrees")
    if lat is None and not any(p.startswith(_L["lat"]) for p in problems):
        problems.append(f"{_L['lat']}: required (click the map or type it)")
    if lon is None and not any(p.startswith(_L["lon"]) for p in problems):
        problems.append(f"{_L['lon']}: required (click the map or type it)")
    if lat is not None and not south <= lat <= north:
        problems.append(f"{_L['lat']}: {lat:.5f} is outside Ontario ({south}° to {north}° N)")
        lat = None
    if lon is not None and not west <= lon <= east:
        problems.append(f"{_L['lon']}: {lon:.5f} is outside Ontario ({west}° to {east}° E)")
        lon = None
    return (lat, lon) if lat is not None and lon is not None else None


def _capacity(raw: Mapping[str, Any], limits: RegistrationLimits, problems: list[str]) -> float | None:
    label = _L["capacity_kw"]
    capacity = _number(raw.get("capacity_kw"), label, problems, "kW")
    if capacity is None:
        if not any(p.startswith(label) for p in problems):
            problems.append(f"{label}: required (kW)")
        return None
    if capacity <= 0:
        problems.append(f"{label}: must be more than 0 kW")
        return None
    if capacity > limits.max_capacity_kw:
        problems.append(f"{label}: {capacity:,.0f} kW is above the {limits.max_capacity_kw:,.0f} kW a "
                        "distribution-connected DER can have")
        return None
    return capacity


def _energy(raw: Mapping[str, Any], technology: Technology | None, limits: RegistrationLimits,
            problems: list[str]) -> float | None:
    label = _L["energy_kwh"]
    energy = _number(raw.get("energy_kwh"), label, problems, "kWh")
    if energy is None:
        if technology in NEEDS_ENERGY and not any(p.startswith(label) for p in problems):
            problems.append(f"{label}: required for {technology.label.lower()} (kWh)")
        return None
    if technology is not None and technology not in STORAGE:
        problems.append(f"{label}: only for storage (battery or EV charging), not {technology.label.lower()}")
        return None
    if energy <= 0 or energy > limits.max_energy_kwh:
        problems.append(f"{label}: between 0 and {limits.max_energy_kwh:,.0f} kWh")
        return None
    return energy


def _ramp(raw: Mapping[str, Any], key: str, limits: RegistrationLimits, problems: list[str]) -> float | None:
    label = _L[key]
    ramp = _number(raw.get(key), label, problems, "kW/min")
    if ramp is None:
        return None
    if ramp < 0:
        problems.append(f"{label}: must be 0 kW/min or more")
        return None
    if ramp > limits.max_capacity_kw:
        problems.append(f"{label}: at most {limits.max_capacity_kw:,.0f} kW/min")
        return None
    return ramp


def _assessment(raw: Mapping[str, Any], capacity: float | None, today: date, limits: RegistrationLimits,
                problems: list[str]) -> tuple[str | None, date | None, AssessmentClass | None]:
    """Reference, date and class: all three or none; over 10 MW needs an over-10-MW assessment."""
    ref_label, date_label, class_label = _L["assessment_ref"], _L["assessment_date"], _L["assessment_class"]
    raw_ref, raw_date, raw_class = raw.get("assessment_ref"), raw.get("assessment_date"), raw.get("assessment_class")
    ref = None
    if not _blank(raw_ref):
        ref = _text(raw_ref, ref_label, problems, 40, required=False)
        if ref is not None and not _REFERENCE.match(ref):
            problems.append(f"{ref_label}: letters, digits, spaces, '-', '_', '.' or '/' (2 to 40)")
            ref = None
    assessed = None
    if not _blank(raw_date):
        assessed = parse_date(raw_date)
        if assessed is None:
            problems.append(f"{date_label}: {str(raw_date)[:20]!r} is not a date (YYYY-MM-DD)")
        elif assessed > today:
            problems.append(f"{date_label}: {assessed} is in the future")
            assessed = None
        elif assessed < limits.earliest_assessment:
            problems.append(f"{date_label}: {assessed} is before {limits.earliest_assessment}")
            assessed = None
    klass = _choice(raw_class, class_label, problems, AssessmentClass, required=False)
    given = [not _blank(v) for v in (raw_ref, raw_date, raw_class)]
    if any(given) and not all(given):
        for present, label in zip(given, (ref_label, date_label, class_label), strict=True):
            if not present:
                problems.append(f"{label}: required with the rest of the connection assessment")
    over = capacity is not None and capacity > limits.over_10mw_kw
    if over and not any(given):
        problems.append(f"{class_label}: a DER above {limits.over_10mw_kw / 1000:g} MW needs an over-10-MW "
                        "connection assessment (reference, date and class)")
    elif over and klass is AssessmentClass.UNDER_10MW:
        problems.append(f"{class_label}: {capacity / 1000:,.1f} MW is above {limits.over_10mw_kw / 1000:g} MW: "
                        "an under-10-MW assessment does not cover it")
    return ref, assessed, klass


def validate_der_entry(raw: Mapping[str, Any], *, today: date,
                       limits: RegistrationLimits = RegistrationLimits()) -> DerEntry:
    """The registration as typed, checked field by field; `InvalidEntry` lists every problem at once."""
    if not isinstance(raw, Mapping):
        raise InvalidEntry(["Registration: no values"])
    problems: list[str] = []
    name = _text(raw.get("name"), _L["name"], problems, 200, required=True)
    address = _text(raw.get("address"), _L["address"], problems, 300, required=True)
    technology = _choice(raw.get("technology"), _L["technology"], problems, Technology)
    service = _choice(raw.get("service_tag"), _L["service_tag"], problems, ServiceTag)
    capacity = _capacity(raw, limits, problems)
    energy = _energy(raw, technology, limits, problems)
    ramp_up = _ramp(raw, "ramp_up_kw_min", limits, problems)
    ramp_down = _ramp(raw, "ramp_down_kw_min", limits, problems)
    meter = validate_meter_id(raw.get("meter_id"), problems)
    place = _location(raw, limits, problems)
    ref, assessed, klass = _assessment(raw, capacity, today, limits, problems)
    if problems:
        raise InvalidEntry(problems)
    assert name and address and technology and service and capacity is not None and place is not None
    return DerEntry(name=name, address=address, technology=technology, capacity_kw=capacity, lat=place[0],
                    lon=place[1], service_tag=service, energy_kwh=energy, ramp_up_kw_min=ramp_up,
                    ramp_down_kw_min=ramp_down, meter_id=meter, assessment_ref=ref, assessment_date=assessed,
                    assessment_class=klass)


def collision_problems(collisions: Sequence[Collision], labels: Mapping[str, str | None]) -> list[str]:
    """The registrant's messages: each colliding registration named by its platform ID, or "a pending
    registration" when it has none yet (`labels` maps a fingerprint key to the platform ID)."""
    out = []
    for c in collisions:
        named = Collision(c.candidate, labels.get(c.existing) or PENDING_LABEL, c.reason, c.metres)
        field_label = _L["meter_id"] if c.reason is CollisionReason.METER else "Location"
        out.append(f"{field_label}: {named.text}")
    return out
