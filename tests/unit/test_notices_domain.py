"""Needs and standby notices, the pure part: lifecycle, validation, recurrence, areas, escalation, supply-chain
reach and the OpenADR 3 event (validated against the spec's own `event` schema)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from data.domain.enums import NoticeKind, NoticeStatus, Severity, StationKind
from data.domain.errors import IllegalTransition
from data.domain.notices import (
    ACTION_WITHIN,
    ALLOWED_TRANSITIONS,
    FINAL_STATES,
    MAX_SIZE_MW,
    OPENADR_PAYLOADS,
    Location,
    NoticeDraft,
    check_transition,
    escalation,
    location_reach,
    next_states,
    notice_event,
    parse_area,
    parse_recurrence,
    points_in_area,
    problem_field,
    publish_problems,
    validate_draft,
)
from data.domain.openadr import ALERT_PAYLOAD_TYPES, SIMPLE
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from tests.unit import test_openadr as oadr
from tests.unit.test_openadr import assert_definition_payloads, assert_valid

S = NoticeStatus
START = datetime(2026, 7, 15, 18, 0, tzinfo=UTC)  # 13:00 EST
SQUARE = {"type": "Polygon", "coordinates": [[[-79.5, 43.6], [-79.3, 43.6], [-79.3, 43.8], [-79.5, 43.8],
                                              [-79.5, 43.6]]]}


def draft(**changes) -> NoticeDraft:  # type: ignore[no-untyped-def]
    base = NoticeDraft(kind=NoticeKind.STANDBY, service_type="congestion_management", title="Evening peak standby",
                       location=Location(feeder_id=7), size_mw=2.5, start=START, end=START + timedelta(hours=4),
                       response_deadline=START - timedelta(hours=3), recurrence="weekdays")
    return replace(base, **changes)


def fields(problems: list[str]) -> set[str]:
    return {problem_field(p) for p in problems}


# --- lifecycle ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), [
    (S.DRAFT, S.PUBLISHED), (S.DRAFT, S.DRAFT), (S.DRAFT, S.CANCELLED), (S.PUBLISHED, S.AMENDED),
    (S.AMENDED, S.AMENDED), (S.PUBLISHED, S.CLOSED), (S.PUBLISHED, S.CANCELLED), (S.AMENDED, S.CLOSED),
    (S.AMENDED, S.CANCELLED),
])
def test_allowed_transitions(current, target) -> None:  # type: ignore[no-untyped-def]
    assert check_transition(current, target) is target
    assert check_transition(current.value, target.value) is target


@pytest.mark.parametrize(("current", "target"), [
    (S.DRAFT, S.AMENDED), (S.DRAFT, S.CLOSED), (S.PUBLISHED, S.DRAFT), (S.PUBLISHED, S.PUBLISHED),
    (S.AMENDED, S.PUBLISHED), (S.CLOSED, S.PUBLISHED), (S.CLOSED, S.AMENDED), (S.CANCELLED, S.PUBLISHED),
    (S.CANCELLED, S.CLOSED), (S.CLOSED, S.CANCELLED),
])
def test_every_other_transition_is_refused_with_a_message(current, target) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalTransition, match=f"cannot become {target.value}"):
        check_transition(current, target)


def test_the_table_covers_every_status_and_final_states_lead_nowhere() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(NoticeStatus)
    assert {S.CLOSED, S.CANCELLED} == FINAL_STATES
    assert next_states("closed") == frozenset() and next_states("nonsense") == frozenset()
    with pytest.raises(IllegalTransition, match="unknown"):
        check_transition("published", "archived")


# --- validation ---------------------------------------------------------------------------------------------


def test_a_complete_notice_is_valid() -> None:
    assert validate_draft(draft()) == []


@pytest.mark.parametrize(("size", "message"), [
    (0, "more than 0"), (-1.5, "more than 0"), (None, "required"), (float("nan"), "number"),
    (float("inf"), "number"), (True, "number"), ("3", "number"), (MAX_SIZE_MW + 1, "at most"),
])
def test_size_must_be_a_positive_number_of_mw(size, message) -> None:  # type: ignore[no-untyped-def]
    problems = validate_draft(draft(size_mw=size))
    assert fields(problems) == {"size"} and message in problems[0]


def test_start_must_be_before_end() -> None:
    assert fields(validate_draft(draft(end=START))) == {"end"}
    assert fields(validate_draft(draft(end=START - timedelta(minutes=5)))) == {"end"}
    assert fields(validate_draft(draft(end=START + timedelta(days=400)))) == {"end"}


def test_the_response_deadline_must_be_before_the_start() -> None:
    assert validate_draft(draft(response_deadline=START - timedelta(minutes=1))) == []
    assert fields(validate_draft(draft(response_deadline=START))) == {"response deadline"}
    assert fields(validate_draft(draft(response_deadline=START + timedelta(hours=1)))) == {"response deadline"}
    assert fields(validate_draft(draft(response_deadline=None))) == {"response deadline"}


def test_times_must_be_given_and_aware() -> None:
    assert fields(validate_draft(draft(start=None))) == {"start"}
    naive = validate_draft(draft(start=datetime(2026, 7, 15, 13, 0)))
    assert fields(naive) == {"start"} and "time zone" in naive[0]


@pytest.mark.parametrize("location", [
    Location(), Location(station_id=1, feeder_id=2), Location(zone="Atlantis"), Location(zone="Toronto", area=SQUARE),
    Location(area={"type": "Point", "coordinates": [-79.4, 43.7]}),
])
def test_exactly_one_valid_location(location) -> None:  # type: ignore[no-untyped-def]
    assert fields(validate_draft(draft(location=location))) in ({"location"}, {"area"})


@pytest.mark.parametrize("location", [Location(station_id=3), Location(feeder_id=4), Location(zone="Toronto"),
                                      Location(area=SQUARE)])
def test_each_kind_of_location_is_accepted(location) -> None:  # type: ignore[no-untyped-def]
    assert validate_draft(draft(location=location)) == []
    assert location.kind in {"station", "feeder", "zone", "area"}


def test_kind_service_type_and_title_are_checked() -> None:
    problems = validate_draft(draft(kind="urgent", service_type="magic", title="  "))
    assert fields(problems) == {"kind", "service type", "title"}
    assert fields(validate_draft(draft(title="x" * 201))) == {"title"}


def test_publish_problems_refuse_a_window_over_or_a_deadline_passed() -> None:
    assert publish_problems(draft(), START - timedelta(hours=4)) == []
    assert fields(publish_problems(draft(), START - timedelta(hours=2))) == {"response deadline"}
    assert fields(publish_problems(draft(), START + timedelta(hours=5))) == {"end", "response deadline"}


# --- recurrence ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "canonical"), [
    (None, "none"), ("", "none"), ("None", "none"), ("once", "none"), ("daily", "daily"), (" Every day ", "daily"),
    ("WEEKDAYS", "weekdays"), ("mon-fri", "weekdays"), ("weekends", "weekends"), ("weekly", "weekly"),
    ("mon, wed, fri", "mon,wed,fri"), ("Friday Monday", "mon,fri"), ("weekly on sat sun", "weekends"),
    ("mon tue wed thu fri", "weekdays"), ("mon,tue,wed,thu,fri,sat,sun", "daily"),
])
def test_recurrence_texts_are_understood(text, canonical) -> None:  # type: ignore[no-untyped-def]
    assert parse_recurrence(text) == canonical


@pytest.mark.parametrize("text", ["hourly", "mon,funday", "=cmd|' /C calc'!A0", "x" * 81, 42, ["daily"]])
def test_other_recurrences_are_refused_with_the_accepted_forms(text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="recurrence: .*daily"):
        parse_recurrence(text)
    assert fields(validate_draft(draft(recurrence=text))) == {"recurrence"}


# --- areas --------------------------------------------------------------------------------------------------


def test_an_area_can_be_pasted_as_text_feature_or_collection_and_comes_back_closed() -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[-79.5, 43.6], [-79.3, 43.6], [-79.3, 43.8]]]}
    parsed = parse_area(json.dumps({"type": "FeatureCollection",
                                    "features": [{"type": "Feature", "properties": {}, "geometry": open_ring}]}))
    assert parsed["type"] == "Polygon"
    ring = parsed["coordinates"][0]
    assert ring[0] == ring[-1] == [-79.5, 43.6] and len(ring) == 4
    assert parse_area(SQUARE) == SQUARE


@pytest.mark.parametrize(("value", "message"), [
    ("not json", "not valid JSON"), ("{}", "no \"type\""), ('{"type": "Point", "coordinates": [1, 2]}', "not an area"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1], [1, 0], [0, 0]]]}, "crosses itself"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, "cannot be read"),
    ({"type": "Polygon", "coordinates": [[[43.7, -79.4], [43.8, -79.4], [43.8, -100.0]]]}, "outside"),
    ({"type": "Polygon", "coordinates": [[["a", 0], [1, 1], [0, 1]]]}, "longitude, latitude"),
    ({"type": "Polygon", "coordinates": 5}, "nested lists"),
    ({"type": "FeatureCollection", "features": []}, "exactly one"),
    ("[" * 5000, "not valid JSON"),
])
def test_bad_areas_are_refused_with_a_reason(value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        parse_area(value)


def test_points_in_area_counts_the_edge_as_inside() -> None:
    points = [("in", -79.4, 43.7), ("edge", -79.5, 43.7), ("out", -79.6, 43.7), ("north", -79.4, 43.9)]
    assert points_in_area(SQUARE, points) == {"in", "edge"}


# --- escalation ---------------------------------------------------------------------------------------------


DEADLINE = datetime(2026, 7, 15, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("now", "acknowledged", "expected"), [
    (DEADLINE - timedelta(hours=5), False, None),
    (DEADLINE - ACTION_WITHIN - timedelta(seconds=1), False, None),
    (DEADLINE - ACTION_WITHIN, False, Severity.ACTION),
    (DEADLINE - timedelta(minutes=1), False, Severity.ACTION),
    (DEADLINE, False, Severity.ACTION),
    (DEADLINE + timedelta(seconds=1), False, Severity.ALARM),
    (DEADLINE + timedelta(days=2), False, Severity.ALARM),
    (DEADLINE - timedelta(hours=5), True, Severity.COMPLIANT),
    (DEADLINE + timedelta(hours=1), True, Severity.COMPLIANT),
])
def test_escalation(now, acknowledged, expected) -> None:  # type: ignore[no-untyped-def]
    assert escalation(now, DEADLINE, acknowledged) is expected


def test_escalation_parameters_are_explicit() -> None:
    now = DEADLINE - timedelta(hours=3)
    assert escalation(now, DEADLINE, False) is None
    assert escalation(now, DEADLINE, False, action_within=timedelta(hours=4)) is Severity.ACTION
    assert escalation(now, None, False) is None


# --- reach along the supply chain ---------------------------------------------------------------------------


def tree() -> SupplyTree:
    """TS 1 -> feeders 10, 11; embedded MS 2 supplied by feeder 11 -> feeder 20; DS 3 below TS 1 -> feeder 30;
    TS 4 -> feeder 40 (sideways)."""
    stations = [StationNode(1, StationKind.TS), StationNode(2, StationKind.MS, supply_feeder_id=11),
                StationNode(3, StationKind.DS, supply_station_id=1), StationNode(4, StationKind.TS)]
    feeders = [FeederNode(10, 1), FeederNode(11, 1), FeederNode(20, 2), FeederNode(30, 3), FeederNode(40, 4)]
    return SupplyTree(stations, feeders)


def test_a_station_reaches_its_feeders_and_everything_below_embedded_included() -> None:
    assert location_reach(Location(station_id=1), tree()) == ({1, 2, 3}, {10, 11, 20, 30})


def test_a_feeder_reaches_the_embedded_station_it_supplies_never_upward_or_sideways() -> None:
    assert location_reach(Location(feeder_id=11), tree()) == ({2}, {11, 20})
    assert location_reach(Location(feeder_id=10), tree()) == (set(), {10})
    assert location_reach(Location(station_id=2), tree()) == ({2}, {20})
    assert location_reach(Location(zone="Toronto"), tree()) == (set(), set())


# --- OpenADR 3 ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def event_schema():  # type: ignore[no-untyped-def]
    """The spec's `event` schema, read as tests/unit/test_openadr.py reads it (skips locally, fails in CI)."""
    try:
        import yaml
    except ImportError:
        oadr._unavailable("PyYAML is missing: pip install -r requirements-extra.txt")
    if not oadr.SPEC.exists():
        oadr._unavailable(f"OpenADR 3 spec not found at {oadr.SPEC} (set OPENADR3_SPEC)")
    return oadr._validator(yaml.safe_load(oadr.SPEC.read_text(encoding="utf-8")), "event")


def event(kind: str, **changes):  # type: ignore[no-untyped-def]
    args = dict(notice_id=12, version=3, kind=kind, title="Evening peak", service_type="congestion_management",
                size_mw=2.5, start=START, end=START + timedelta(hours=4), response_deadline=START - timedelta(hours=3),
                location="Feeder LSH-F1 (Esplanade TS)", targets=["GRIDPULSE", "MAPLEDR"],
                issued_at=datetime(2026, 7, 14, 12, 0, tzinfo=UTC))
    args.update(changes)
    return notice_event(**args)


def test_a_standby_notice_is_a_simple_event_over_its_window(event_schema) -> None:  # type: ignore[no-untyped-def]
    e = event(NoticeKind.STANDBY)
    assert_valid(event_schema, e)
    assert_definition_payloads(e)
    assert e["id"] == "notice-12" and e["targets"] == ["GRIDPULSE", "MAPLEDR"]
    assert e["intervalPeriod"] == {"start": "2026-07-15T13:00:00-05:00", "duration": "PT4H"}
    assert e["intervals"][0]["payloads"] == [{"type": SIMPLE, "values": [1]}]
    assert e["payloadDescriptors"] == [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": SIMPLE}]
    assert "#12 v3" in e["eventName"]


@pytest.mark.parametrize("kind", [NoticeKind.REQUEST_FOR_SERVICE, NoticeKind.REQUIREMENT])
def test_requests_and_requirements_are_alert_events_with_a_text(event_schema, kind):  # type: ignore[no-untyped-def]
    e = event(kind)
    assert_valid(event_schema, e)
    assert_definition_payloads(e)
    [payload] = e["intervals"][0]["payloads"]
    assert payload["type"] == OPENADR_PAYLOADS[kind][0] and payload["type"] in ALERT_PAYLOAD_TYPES
    assert payload["values"][0].startswith("Congestion management: 2.5 MW at Feeder LSH-F1")


def test_the_request_for_service_is_a_flex_alert_with_top_priority() -> None:
    e = event(NoticeKind.REQUEST_FOR_SERVICE)
    assert e["intervals"][0]["payloads"][0]["type"] == "ALERT_FLEX_ALERT" and e["priority"] == 0


def test_without_recipients_the_location_is_the_target(event_schema) -> None:  # type: ignore[no-untyped-def]
    e = event(NoticeKind.STANDBY, targets=[], location="x" * 300)
    assert_valid(event_schema, e)
    assert e["targets"] == ["x" * 128]
