"""Needs, standby notices and published requirements: lifecycle, what a valid notice is, escalation, OpenADR.

Pure functions over plain data (no framework). DOMAIN.md, needs communication: a DSO publishes requests for
service, standby notices and requirements with a service type, a location (a station, a feeder, an IESO zone
or an area drawn as a GeoJSON polygon), a size in MW, a time window, a recurrence and a response deadline; the
aggregators with DERs in the location must acknowledge.

State machine (explicit, nothing else is allowed):
    draft -> draft (edited), draft -> published, draft -> cancelled (a draft withdrawn)
    published -> amended, amended -> amended (every amendment is a new version)
    published | amended -> closed | cancelled
closed and cancelled are final.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from shapely import force_2d
from shapely.errors import GEOSException
from shapely.geometry import Point, mapping, shape
from shapely.prepared import prep

from data.domain.enums import IesoZone, NoticeKind, NoticeStatus, Severity
from data.domain.errors import InvalidEntry, problem_field
from data.domain.openadr import SIMPLE, notice_to_openadr_event, object_id, rfc3339
from data.domain.outages import Element, elements_below
from data.domain.supply_chain import SupplyTree
from data.domain.transitions import Transitions

__all__ = [
    "ACTION_WITHIN",
    "ALERT_KIND",
    "ALLOWED_TRANSITIONS",
    "FINAL_STATES",
    "KIND_LABELS",
    "LIVE_STATES",
    "MAX_RESPONSE",
    "MAX_SIZE_MW",
    "MAX_TITLE",
    "OPENADR_PAYLOADS",
    "OPENADR_PROGRAM_ID",
    "RECURRENCES",
    "RECURRENCE_HELP",
    "SERVICE_TYPES",
    "InvalidNotice",
    "Location",
    "NoticeDraft",
    "area_bounds",
    "check_transition",
    "escalation",
    "location_problems",
    "location_reach",
    "next_states",
    "notice_event",
    "parse_area",
    "parse_recurrence",
    "points_in_area",
    "problem_field",
    "publish_problems",
    "validate_draft",
]

S = NoticeStatus
ALLOWED_TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    S.DRAFT: frozenset({S.DRAFT, S.PUBLISHED, S.CANCELLED}),
    S.PUBLISHED: frozenset({S.AMENDED, S.CLOSED, S.CANCELLED}),
    S.AMENDED: frozenset({S.AMENDED, S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATES: frozenset[NoticeStatus] = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if not targets)
# In force for the aggregators: they were alerted and are expected to acknowledge.
LIVE_STATES: frozenset[NoticeStatus] = frozenset({S.PUBLISHED, S.AMENDED})

KIND_LABELS: dict[str, str] = {
    NoticeKind.REQUEST_FOR_SERVICE: "Request for service",
    NoticeKind.STANDBY: "Standby notice",
    NoticeKind.REQUIREMENT: "Published requirement",
}
# value -> label (value stored in notice.service_type, at most 40 characters)
SERVICE_TYPES: dict[str, str] = {
    "congestion_management": "Congestion management",
    "voltage_control": "Voltage control",
    "peak_reduction": "Peak load reduction",
    "capacity_reserve": "Capacity reserve (standby)",
    "reverse_flow": "Reverse-flow management",
    "restoration_support": "Outage restoration support",
    "other": "Other",
}
ALERT_KIND = "notice"  # Notification.kind of the alerts sent to aggregators

MAX_SIZE_MW = 10_000.0  # far above any distribution need: a larger figure is a typing error
MAX_TITLE = 200
MAX_RESPONSE = 1000
MAX_WINDOW = timedelta(days=366)
ACTION_WITHIN = timedelta(hours=2)  # escalation: an unacknowledged notice this close to its deadline needs action

# --- lifecycle --------------------------------------------------------------------------------------------


class InvalidNotice(InvalidEntry):
    """A notice with problems; ``problems`` lists each one ("field: what is wrong") for the person who typed it."""


_LIFECYCLE = Transitions(NoticeStatus, ALLOWED_TRANSITIONS, "a notice")
check_transition = _LIFECYCLE.check
next_states = _LIFECYCLE.next



# --- recurrence -------------------------------------------------------------------------------------------

RECURRENCES = ("none", "daily", "weekdays", "weekends", "weekly")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: abbr for abbr, name in zip(_DAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                                                         "saturday", "sunday"), strict=True)}
_ALIASES = {"": "none", "once": "none", "no": "none", "one-off": "none", "every day": "daily",
            "weekday": "weekdays", "mon-fri": "weekdays", "weekend": "weekends", "sat-sun": "weekends",
            "every week": "weekly"}
_SEPARATORS = re.compile(r"[\s,;/]+")
RECURRENCE_HELP = "none, daily, weekdays, weekends, weekly, or days such as mon,wed,fri"


def parse_recurrence(text: object) -> str:
    """The canonical recurrence of a typed text: ``none`` (one window), ``daily``, ``weekdays`` (Mon-Fri),
    ``weekends``, ``weekly`` or a day list in week order (``mon,wed,fri``); None and blank mean ``none``.
    ValueError says what is accepted."""
    if text is None:
        return "none"
    if not isinstance(text, str) or len(text) > 80:
        raise ValueError(f"recurrence: use {RECURRENCE_HELP}")
    raw = " ".join(text.strip().lower().split())
    raw = _ALIASES.get(raw, raw)
    if raw in RECURRENCES:
        return raw
    words = [w for w in _SEPARATORS.split(raw.removeprefix("weekly on ").removeprefix("every ")) if w]
    days = {_DAY_NAMES.get(w, w) for w in words}
    if not words or not days <= set(_DAYS):
        raise ValueError(f"recurrence: {text.strip()[:40]!r} is not understood; use {RECURRENCE_HELP}")
    if days == set(_DAYS):
        return "daily"
    if days == set(_DAYS[:5]):
        return "weekdays"
    if days == set(_DAYS[5:]):
        return "weekends"
    return ",".join(d for d in _DAYS if d in days)


# --- location ---------------------------------------------------------------------------------------------

MAX_AREA_TEXT = 100_000
MAX_AREA_VERTICES = 5_000
_LON, _LAT = (-180.0, 180.0), (-90.0, 90.0)


def _polygon_geometry(obj: Any) -> dict[str, Any]:
    """The Polygon/MultiPolygon geometry of a geometry, a Feature or a FeatureCollection of one feature."""
    if not isinstance(obj, dict):
        raise ValueError("area: paste a GeoJSON Polygon (a geometry, a Feature or a FeatureCollection of one)")
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValueError("area: a FeatureCollection must hold exactly one polygon feature")
        return _polygon_geometry(features[0])
    if kind == "Feature":
        return _polygon_geometry(obj.get("geometry"))
    if kind is None:
        raise ValueError('area: not GeoJSON (it has no "type"); paste a GeoJSON Polygon')
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"area: a {str(kind)[:30]!r} is not an area; draw or paste a Polygon")
    return {"type": kind, "coordinates": obj.get("coordinates")}


def _vertices(coordinates: Any, depth: int) -> Iterable[Any]:
    if depth == 0:
        yield coordinates
        return
    if not isinstance(coordinates, list):
        raise ValueError("area: the coordinates are not nested lists as GeoJSON requires")
    for part in coordinates:
        yield from _vertices(part, depth - 1)


def parse_area(value: object) -> dict[str, Any]:
    """A GeoJSON polygon area (text or dict) -> a valid Polygon/MultiPolygon geometry dict ([lon, lat] order).

    ValueError names the problem: not JSON, not a polygon, too many vertices, coordinates out of range, a
    self-intersecting or empty ring."""
    if isinstance(value, str):
        if len(value) > MAX_AREA_TEXT:
            raise ValueError(f"area: longer than {MAX_AREA_TEXT:,} characters; simplify the polygon")
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError("area: not valid JSON; paste a GeoJSON Polygon") from None
    geometry = _polygon_geometry(value)
    depth = 3 if geometry["type"] == "Polygon" else 4
    for count, vertex in enumerate(_vertices(geometry["coordinates"], depth - 1), 1):
        if count > MAX_AREA_VERTICES:
            raise ValueError(f"area: more than {MAX_AREA_VERTICES:,} vertices; simplify the polygon")
        if (not isinstance(vertex, list) or len(vertex) not in (2, 3)
                or any(isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c)
                       for c in vertex)):
            raise ValueError("area: every vertex must be [longitude, latitude] in degrees")
        lon, lat = vertex[0], vertex[1]
        if not (_LON[0] <= lon <= _LON[1] and _LAT[0] <= lat <= _LAT[1]):
            raise ValueError("area: a vertex is outside longitude -180..180 / latitude -90..90 "
                             "(GeoJSON is [longitude, latitude])")
    try:
        polygon = force_2d(shape(geometry))
    except (GEOSException, ValueError, TypeError, AttributeError, IndexError):
        raise ValueError("area: the polygon cannot be read (each ring needs 4 or more [lon, lat] points)") from None
    if polygon.is_empty:
        raise ValueError("area: the polygon encloses no area")
    if not polygon.is_valid:
        raise ValueError("area: the polygon crosses itself or its rings overlap; redraw it")
    if polygon.area <= 0:
        raise ValueError("area: the polygon encloses no area")
    return json.loads(json.dumps(mapping(polygon)))  # closed rings, [lon, lat] lists, plain JSON


def area_bounds(area: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a parsed area: a cheap pre-filter before `points_in_area`."""
    return tuple(shape(area).bounds)  # type: ignore[return-value]


K = TypeVar("K", bound=Hashable)


def points_in_area(area: dict[str, Any], points: Iterable[tuple[K, float, float]]) -> set[K]:
    """Keys of the (key, lon, lat) points inside the area or on its edge."""
    prepared = prep(shape(area))
    return {key for key, lon, lat in points if prepared.covers(Point(lon, lat))}


@dataclass(frozen=True)
class Location:
    """Where a need is: exactly one of a station, a feeder, an IESO zone or a drawn area (GeoJSON geometry)."""

    station_id: int | None = None
    feeder_id: int | None = None
    zone: str | None = None
    area: dict[str, Any] | None = None

    @property
    def kind(self) -> str | None:
        given = [k for k, v in (("station", self.station_id), ("feeder", self.feeder_id), ("zone", self.zone),
                                ("area", self.area)) if v is not None]
        return given[0] if len(given) == 1 else None


def location_problems(location: Location) -> list[str]:
    given = sum(v is not None for v in (location.station_id, location.feeder_id, location.zone, location.area))
    if given == 0:
        return ["location: pick a station, a feeder, a zone or paste an area"]
    if given > 1:
        return ["location: give one location only (a station, a feeder, a zone or an area)"]
    if location.zone is not None and location.zone not in set(IesoZone):
        return [f"location: {str(location.zone)[:30]!r} is not an IESO zone"]
    if location.area is not None:
        try:
            parse_area(location.area)
        except ValueError as err:
            return [str(err)]
    return []


def location_reach(location: Location, tree: SupplyTree) -> tuple[set[int], set[int]]:
    """(stations, feeders) whose DERs a station or feeder location reaches along the supply chain: a station
    with its feeders and every station below (embedded LDCs' included); a feeder with the stations it supplies
    and everything below those. Zones and areas are not grid nodes: (empty, empty)."""
    if location.station_id is not None:
        return elements_below([Element(station_id=location.station_id)], tree)
    if location.feeder_id is not None:
        return elements_below([Element(feeder_id=location.feeder_id)], tree)
    return set(), set()


# --- the notice -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeDraft:
    kind: NoticeKind | str
    service_type: str
    title: str
    location: Location
    size_mw: float | None
    start: datetime | None  # None: not given (or not readable)
    end: datetime | None
    response_deadline: datetime | None
    recurrence: str | None = "none"


def _aware(ts: datetime | None, label: str) -> str | None:
    if ts is not None and (ts.tzinfo is None or ts.utcoffset() is None):
        return f"{label}: has no time zone"
    return None


def validate_draft(draft: NoticeDraft) -> list[str]:
    """Every problem of a notice, field by field ("field: what is wrong"); an empty list means it may be saved.

    Rules: a known kind and service type; a title of 1-200 characters; one valid location; size > 0 MW (and
    below MAX_SIZE_MW); start < end (a window of at most a year); a response deadline strictly before the
    start; a recurrence `parse_recurrence` understands."""
    problems: list[str] = []
    if draft.kind not in set(NoticeKind):
        problems.append(f"kind: must be one of {', '.join(NoticeKind)}")
    if draft.service_type not in SERVICE_TYPES:
        problems.append("service type: pick one from the list")
    title = draft.title.strip() if isinstance(draft.title, str) else ""
    if not title:
        problems.append("title: required")
    elif len(title) > MAX_TITLE:
        problems.append(f"title: longer than {MAX_TITLE} characters")
    problems += location_problems(draft.location)
    size = draft.size_mw
    if size is None:
        problems.append("size: required (MW)")
    elif isinstance(size, bool) or not isinstance(size, int | float) or not math.isfinite(size):
        problems.append("size: must be a number of MW")
    elif size <= 0:
        problems.append("size: must be more than 0 MW")
    elif size > MAX_SIZE_MW:
        problems.append(f"size: at most {MAX_SIZE_MW:,.0f} MW")
    zone_problems = [p for p in (_aware(draft.start, "start"), _aware(draft.end, "end"),
                                 _aware(draft.response_deadline, "response deadline")) if p]
    problems += zone_problems
    if draft.start is None:
        problems.append("start: required")
    if draft.end is None:
        problems.append("end: required")
    if draft.response_deadline is None:
        problems.append("response deadline: required")
    if not zone_problems and draft.start is not None:
        if draft.end is not None:
            if draft.end <= draft.start:
                problems.append("end: must be after the start")
            elif draft.end - draft.start > MAX_WINDOW:
                problems.append("end: a window of at most a year; use the recurrence for repeated needs")
        if draft.response_deadline is not None and draft.response_deadline >= draft.start:
            problems.append("response deadline: must be before the start")
    try:
        parse_recurrence(draft.recurrence)
    except ValueError as err:
        problems.append(str(err))
    return problems


def publish_problems(draft: NoticeDraft, now: datetime) -> list[str]:
    """What stops a valid notice being published (or amended) at ``now``: a window already over, or a response
    deadline already passed (the aggregators could not answer in time)."""
    problems = []
    if draft.end is not None and draft.end <= now:
        problems.append("end: the window is already over")
    if draft.response_deadline is not None and draft.response_deadline <= now:
        problems.append("response deadline: already passed; give the aggregators time to answer")
    return problems


# --- escalation -------------------------------------------------------------------------------------------


def escalation(now: datetime, deadline: datetime | None, acknowledged: bool,
               action_within: timedelta = ACTION_WITHIN) -> Severity | None:
    """The severity of one recipient's acknowledgement: COMPLIANT once acknowledged (late or not); ALARM when the
    deadline has passed (``now > deadline``) unacknowledged; ACTION when it falls within ``action_within``
    (inclusive, the deadline instant itself included); None (grey, nothing to do yet) before that or without a
    deadline."""
    if acknowledged:
        return Severity.COMPLIANT
    if deadline is None:
        return None
    if now > deadline:
        return Severity.ALARM
    if deadline - now <= action_within:
        return Severity.ACTION
    return None


# --- OpenADR 3 --------------------------------------------------------------------------------------------

OPENADR_PROGRAM_ID = "dso-needs-notices"
# Payload per kind (OpenADR 3.1 Definitions, event payload types): a standby notice is a SIMPLE level 1
# ("moderate": be ready); a request for service asks DERs to shift or shed for the event, which is what
# ALERT_FLEX_ALERT means ("power supply will be scarce during the event ... devices that can shed should do
# so"); ALERT_GRID_EMERGENCY is kept for an imminent risk of losing supply, not for planned needs. A published
# requirement is information: ALERT_OTHER with its text.
OPENADR_PAYLOADS: dict[str, tuple[str, int | None]] = {
    NoticeKind.STANDBY: (SIMPLE, 1),
    NoticeKind.REQUEST_FOR_SERVICE: ("ALERT_FLEX_ALERT", None),
    NoticeKind.REQUIREMENT: ("ALERT_OTHER", None),
}
_ALERT_TEXT = 128


def notice_event(*, notice_id: int, version: int, kind: str, title: str, service_type: str, size_mw: float,
                 start: datetime, end: datetime, response_deadline: datetime | None, location: str,
                 targets: Sequence[str], issued_at: datetime, program_id: str = OPENADR_PROGRAM_ID,
                 priority: int | None = None) -> dict[str, Any]:
    """One OpenADR 3.1 event for a notice: one interval over its window with the payload of its kind
    (`OPENADR_PAYLOADS`); ``targets`` are the recipients' codes (the location when nobody is alerted yet). The
    event id is stable per notice (``notice-<id>``) so an amendment updates the same event."""
    payload_type, level = OPENADR_PAYLOADS[NoticeKind(kind)]
    service = SERVICE_TYPES.get(service_type, service_type)
    by = f"; respond by {rfc3339(response_deadline)}" if response_deadline else ""
    text = f"{service}: {size_mw:g} MW at {location}{by}"
    value: int | str = level if level is not None else text[:_ALERT_TEXT]
    if priority is None:
        priority = 0 if kind == NoticeKind.REQUEST_FOR_SERVICE else 1
    return notice_to_openadr_event(
        program_id, event_id=object_id(f"notice-{notice_id}"), targets=list(targets) or [location[:_ALERT_TEXT]],
        start=start, duration=end - start, issued_at=issued_at, payload_type=payload_type, value=value,
        priority=priority, event_name=f"{KIND_LABELS.get(kind, kind)} #{notice_id} v{version}: {title}"[:200],
    )
