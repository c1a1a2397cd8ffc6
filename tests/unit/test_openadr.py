"""OpenADR 3.1.1 exports validate against the spec's own `event` schema (../shared/specs/openadr3/openadr3.yaml).

The spec is read where the project keeps it (its README asks not to copy it into the project); set OPENADR3_SPEC
to point elsewhere. Without the spec or the validator packages (requirements-extra.txt) these schema tests skip
locally and fail in CI, so an export is never shipped unvalidated.
"""
from __future__ import annotations

import copy
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from data.domain.enums import LimitType
from data.domain.limits.values import HourlyLimit, LimitSchedule
from data.domain.market_time import MARKET_TZ
from data.domain.openadr import (
    ALERT_PAYLOAD_TYPES,
    DISPATCH_SETPOINT,
    EXPORT_CAPACITY_LIMIT,
    IMPORT_CAPACITY_LIMIT,
    SIMPLE,
    dispatch_to_openadr_event,
    iso_duration,
    limit_event_id,
    limits_to_openadr_events,
    notice_to_openadr_event,
    object_id,
    rfc3339,
)

SPEC = Path(os.environ.get(
    "OPENADR3_SPEC", Path(__file__).resolve().parents[3] / "shared" / "specs" / "openadr3" / "openadr3.yaml"
))
PROGRAM = "ieso-der-limits"
ISSUED = datetime(2026, 3, 8, 11, 45, tzinfo=UTC)
DER = "ON-DER-0001234"
DAY = date(2026, 7, 15)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    try:
        import yaml
    except ImportError:
        _unavailable("PyYAML is missing: pip install -r requirements-extra.txt")
    if not SPEC.exists():
        _unavailable(f"OpenADR 3 spec not found at {SPEC} (set OPENADR3_SPEC)")
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _validator(spec: dict[str, Any], schema_name: str):
    try:
        from openapi_schema_validator import OAS30Validator, oas30_format_checker
    except ImportError:
        _unavailable("openapi-schema-validator is missing: pip install -r requirements-extra.txt")
    # The $refs are "#/components/schemas/...": resolve them against a root that carries the components.
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS30Validator(root, format_checker=oas30_format_checker)


@pytest.fixture(scope="module")
def event_schema(spec):
    return _validator(spec, "event")


def errors_of(validator, obj: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def assert_valid(validator, obj: dict[str, Any]) -> None:
    assert errors_of(validator, obj) == []
    json.dumps(obj)  # plain JSON, nothing Python-only inside


def assert_definition_payloads(event: dict[str, Any]) -> None:
    """The Definition enumerations for these payload types: exactly one value, a number >= 0 (alerts: a text)."""
    for interval in event["intervals"]:
        for payload in interval["payloads"]:
            assert len(payload["values"]) == 1, payload
            value = payload["values"][0]
            if payload["type"] in ALERT_PAYLOAD_TYPES:
                assert isinstance(value, str) and 1 <= len(value) <= 128
            elif payload["type"] == SIMPLE:
                assert isinstance(value, int) and 0 <= value <= 3
            else:
                assert isinstance(value, float) and value >= 0


def limits_events(*limits: LimitSchedule, **kwargs) -> list[dict[str, Any]]:
    kwargs.setdefault("issued_at", ISSUED)
    return limits_to_openadr_events(PROGRAM, limits, **kwargs)


# --- the spec itself ------------------------------------------------------------------------------


def test_spec_is_the_3_1_style_with_string_targets(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["target"]["type"] == "string"
    assert schemas["eventPayloadDescriptor"]["required"] == ["objectType", "payloadType"]


# --- DER limits -----------------------------------------------------------------------------------


def test_peak_limit_event_validates_and_has_the_expected_shape(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, DAY, [14, 15, 16], 300, 50))
    assert_valid(event_schema, event)
    assert_definition_payloads(event)
    assert event["id"] == "limits-ON-DER-0001234-20260715"
    assert event["objectType"] == "EVENT"
    assert event["programID"] == PROGRAM
    assert event["priority"] == 0
    assert event["targets"] == [DER]
    assert event["createdDateTime"] == event["modificationDateTime"] == "2026-03-08T11:45:00Z"
    assert event["payloadDescriptors"] == [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": EXPORT_CAPACITY_LIMIT, "units": "KW"},
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": IMPORT_CAPACITY_LIMIT, "units": "KW"},
    ]
    assert event["intervalPeriod"] == {"start": "2026-07-15T13:00:00-05:00", "duration": "PT1H"}
    assert event["intervals"][0] == {
        "id": 0,
        "intervalPeriod": {"start": "2026-07-15T13:00:00-05:00", "duration": "PT1H"},
        "payloads": [
            {"type": EXPORT_CAPACITY_LIMIT, "values": [300.0]},
            {"type": IMPORT_CAPACITY_LIMIT, "values": [50.0]},
        ],
    }
    assert [i["id"] for i in event["intervals"]] == [0, 1, 2]
    assert [i["intervalPeriod"]["start"] for i in event["intervals"]] == [
        "2026-07-15T13:00:00-05:00", "2026-07-15T14:00:00-05:00", "2026-07-15T15:00:00-05:00",
    ]


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 9)])
def test_dst_days_have_24_est_hours(event_schema, day):
    curve = tuple(HourlyLimit(he, export_kw=10.0 * he, import_kw=5.0) for he in range(1, 25))
    [event] = limits_events(LimitSchedule(DER, day, LimitType.DYNAMIC, curve))
    assert_valid(event_schema, event)
    starts = [datetime.fromisoformat(i["intervalPeriod"]["start"]) for i in event["intervals"]]
    assert len(starts) == 24
    assert all(b - a == timedelta(hours=1) for a, b in zip(starts, starts[1:], strict=False))
    assert all(s.utcoffset() == timedelta(hours=-5) for s in starts)
    assert event["intervals"][0]["intervalPeriod"]["start"] == f"{day.isoformat()}T00:00:00-05:00"
    assert event["intervals"][-1]["intervalPeriod"]["start"] == f"{day.isoformat()}T23:00:00-05:00"
    assert [i["payloads"][0]["values"][0] for i in event["intervals"]] == [10.0 * he for he in range(1, 25)]


def test_utc_output_on_request(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, date(2026, 3, 8), [3], 100, None), tz=UTC)
    assert_valid(event_schema, event)
    assert event["intervals"][0]["intervalPeriod"]["start"] == "2026-03-08T07:00:00Z"  # HE 3 = 02:00 EST


def test_hours_with_gaps_keep_their_own_starts(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, DAY, [14, 15, 17, 24], 300, None))
    assert_valid(event_schema, event)
    assert [i["intervalPeriod"]["start"][11:16] for i in event["intervals"]] == ["13:00", "14:00", "16:00", "23:00"]


def test_export_only_limit_declares_only_export(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, DAY, [14], 300, None))
    assert_valid(event_schema, event)
    assert [d["payloadType"] for d in event["payloadDescriptors"]] == [EXPORT_CAPACITY_LIMIT]
    assert event["intervals"][0]["payloads"] == [{"type": EXPORT_CAPACITY_LIMIT, "values": [300.0]}]


def test_mixed_curve_declares_what_any_hour_uses(event_schema):
    curve = (HourlyLimit(1, export_kw=5), HourlyLimit(2, import_kw=7))
    [event] = limits_events(LimitSchedule(DER, DAY, LimitType.DYNAMIC, curve))
    assert_valid(event_schema, event)
    assert [d["payloadType"] for d in event["payloadDescriptors"]] == [EXPORT_CAPACITY_LIMIT, IMPORT_CAPACITY_LIMIT]
    assert [[p["type"] for p in i["payloads"]] for i in event["intervals"]] == [
        [EXPORT_CAPACITY_LIMIT], [IMPORT_CAPACITY_LIMIT],
    ]


def test_zero_limit_is_exported_as_zero(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, DAY, [14], 0, 0))
    assert_valid(event_schema, event)
    assert [p["values"] for p in event["intervals"][0]["payloads"]] == [[0.0], [0.0]]


def test_one_event_per_target_and_trade_date_sorted(event_schema):
    other, d2 = "ON-RES-00042", date(2026, 7, 16)
    events = limits_events(
        LimitSchedule.peak(other, d2, [1], 1, None),
        LimitSchedule.peak(DER, d2, [1], 1, None),
        LimitSchedule.peak(other, DAY, [1], 1, None),
        LimitSchedule.peak(DER, DAY, [1], 1, None),
    )
    assert [(e["targets"][0], e["intervalPeriod"]["start"][:10]) for e in events] == [
        (DER, "2026-07-15"), (other, "2026-07-15"), (DER, "2026-07-16"), (other, "2026-07-16"),
    ]
    assert len({e["id"] for e in events}) == 4
    for event in events:
        assert_valid(event_schema, event)


def test_competing_approvals_merge_into_one_event_latest_wins(event_schema):
    first = LimitSchedule.peak(DER, DAY, [14, 15], 500, None, approved_at=ISSUED - timedelta(hours=2), request_id=1)
    revised = LimitSchedule.peak(DER, DAY, [15, 16], 200, None, approved_at=ISSUED - timedelta(hours=1), request_id=2)
    [event] = limits_events(revised, first)
    assert_valid(event_schema, event)
    assert [i["payloads"][0]["values"][0] for i in event["intervals"]] == [500.0, 200.0, 200.0]


def test_priority_and_tz_options(event_schema):
    [event] = limits_events(LimitSchedule.peak(DER, DAY, [1], 1, None), priority=3, tz=MARKET_TZ)
    assert_valid(event_schema, event)
    assert event["priority"] == 3


def test_nothing_to_export():
    assert limits_events() == []


def test_event_id_is_stable_and_url_safe(event_schema):
    assert limit_event_id(DER, DAY) == limit_event_id(DER, DAY) == "limits-ON-DER-0001234-20260715"
    odd = "DER #7 / Main St."
    [event] = limits_events(LimitSchedule.peak(odd, DAY, [1], 1, None))
    assert_valid(event_schema, event)
    assert event["id"] == "limits-DER__7___Main_St_-20260715"
    assert event["targets"] == [odd]


@pytest.mark.parametrize("program_id", ["", "has space", "a/b", "x" * 129])
def test_bad_program_id_refused(program_id):
    with pytest.raises(ValueError, match="programID"):
        limits_to_openadr_events(program_id, [], issued_at=ISSUED)


@pytest.mark.parametrize("priority", [-1, True, 1.5])
def test_bad_priority_refused(priority):
    with pytest.raises(ValueError, match="priority"):
        limits_to_openadr_events(PROGRAM, [], issued_at=ISSUED, priority=priority)


def test_naive_issue_time_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        limits_events(LimitSchedule.peak(DER, DAY, [1], 1, None), issued_at=datetime(2026, 3, 8, 11))
    with pytest.raises(ValueError, match="timezone-aware"):
        limits_events(issued_at=datetime(2026, 3, 8, 11))  # refused even with nothing to export


def test_target_longer_than_the_spec_allows_is_refused():
    with pytest.raises(ValueError, match="target"):
        limits_events(LimitSchedule.peak("D" * 129, DAY, [1], 1, None))


# --- the validator bites (so a pass above means something) ----------------------------------------


@pytest.fixture
def good_event():
    return limits_events(LimitSchedule.peak(DER, DAY, [14], 300, 50))[0]


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda e: e.update(targets=[{"type": "RESOURCE_NAME", "values": [DER]}]), "targets/0"),  # 3.0 shape
        (lambda e: e["intervalPeriod"].update(start="2026-07-15T13:00:00"), "intervalPeriod/start"),  # no offset
        (lambda e: e["intervalPeriod"].update(duration="1H"), "intervalPeriod/duration"),
        (lambda e: e.pop("programID"), ""),
        (lambda e: e.update(priority=-1), "priority"),
        (lambda e: e.update(objectType="EVENTS"), "objectType"),
        (lambda e: e.update(id="has space"), "id"),
        (lambda e: e["payloadDescriptors"][0].pop("objectType"), "payloadDescriptors/0"),
        (lambda e: e["intervals"][0].pop("payloads"), "intervals/0"),
        (lambda e: e["intervals"][0].update(id="zero"), "intervals/0/id"),
        (lambda e: e["intervals"][0]["payloads"][0].update(values=300.0), "intervals/0/payloads/0/values"),
    ],
)
def test_schema_rejects_broken_events(event_schema, good_event, mutate, where):
    broken = copy.deepcopy(good_event)
    mutate(broken)
    errors = errors_of(event_schema, broken)
    assert errors, "the schema accepted a broken event"
    assert any(e.startswith(where) for e in errors), errors


# --- dispatch and notices -------------------------------------------------------------------------

START = datetime(2026, 7, 15, 18, 0, tzinfo=UTC)


def test_dispatch_event_validates(event_schema):
    event = dispatch_to_openadr_event(
        "ieso-dispatch", event_id="dispatch-20260715-1", target=DER, start=START,
        setpoints_kw=[100, 120.5, 0], issued_at=ISSUED,
    )
    assert_valid(event_schema, event)
    assert_definition_payloads(event)
    assert event["payloadDescriptors"] == [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": DISPATCH_SETPOINT, "units": "KW"}
    ]
    assert [i["intervalPeriod"] for i in event["intervals"]] == [
        {"start": "2026-07-15T13:00:00-05:00", "duration": "PT5M"},
        {"start": "2026-07-15T13:05:00-05:00", "duration": "PT5M"},
        {"start": "2026-07-15T13:10:00-05:00", "duration": "PT5M"},
    ]
    assert [i["payloads"][0]["values"] for i in event["intervals"]] == [[100.0], [120.5], [0.0]]
    assert event["eventName"] == f"Dispatch {DER} 2026-07-15T13:00:00-05:00"


def test_dispatch_with_hourly_intervals(event_schema):
    event = dispatch_to_openadr_event("p", event_id="d1", target=DER, start=START, setpoints_kw=[1, 2],
                                      issued_at=ISSUED, interval=timedelta(hours=1), event_name="Evening peak")
    assert_valid(event_schema, event)
    assert event["intervalPeriod"]["duration"] == "PT1H"
    assert event["eventName"] == "Evening peak"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"setpoints_kw": []}, "at least one set point"),
        ({"setpoints_kw": [10, -5]}, "set point 1"),
        ({"setpoints_kw": [float("nan")]}, "set point 0"),
        ({"interval": timedelta(0)}, "interval must be positive"),
        ({"event_id": "bad id"}, "event id"),
        ({"start": datetime(2026, 7, 15, 13)}, "timezone-aware"),
    ],
)
def test_dispatch_refuses_bad_input(kwargs, match):
    args = {"event_id": "d1", "target": DER, "start": START, "setpoints_kw": [1.0], "issued_at": ISSUED} | kwargs
    with pytest.raises(ValueError, match=match):
        dispatch_to_openadr_event("p", **args)


def test_simple_notice_validates(event_schema):
    event = notice_to_openadr_event(
        "standby", event_id="notice-7", targets=[DER, "ON-RES-00042"], start=START,
        duration=timedelta(hours=4), issued_at=ISSUED, value=2,
    )
    assert_valid(event_schema, event)
    assert_definition_payloads(event)
    assert event["payloadDescriptors"] == [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": SIMPLE}]
    assert event["intervals"] == [{
        "id": 0,
        "intervalPeriod": {"start": "2026-07-15T13:00:00-05:00", "duration": "PT4H"},
        "payloads": [{"type": SIMPLE, "values": [2]}],
    }]
    assert event["targets"] == [DER, "ON-RES-00042"]


def test_alert_notice_validates(event_schema):
    event = notice_to_openadr_event(
        "standby", event_id="notice-8", targets=[DER], start=START, duration=timedelta(minutes=90),
        issued_at=ISSUED, payload_type="ALERT_GRID_EMERGENCY", value="Leaside TS at its limit: stand by.",
    )
    assert_valid(event_schema, event)
    assert_definition_payloads(event)
    assert event["intervalPeriod"]["duration"] == "PT1H30M"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"value": 4}, "SIMPLE level"),
        ({"value": True}, "SIMPLE level"),
        ({"value": "high"}, "SIMPLE level"),
        ({"payload_type": "ALERT_FIRE", "value": ""}, "ALERT_FIRE value"),
        ({"payload_type": "ALERT_FIRE", "value": "x" * 129}, "ALERT_FIRE value"),
        ({"payload_type": "ALERT_FIRE", "value": 1}, "ALERT_FIRE value"),
        ({"payload_type": "PRICE", "value": 1}, "payload_type"),
        ({"targets": []}, "at least one target"),
        ({"targets": [""]}, "target"),
        ({"duration": timedelta(0)}, "duration must be positive"),
    ],
)
def test_notice_refuses_bad_input(kwargs, match):
    args = {"event_id": "n1", "targets": [DER], "start": START, "duration": timedelta(hours=1),
            "issued_at": ISSUED} | kwargs
    with pytest.raises(ValueError, match=match):
        notice_to_openadr_event("p", **args)


# --- small builders -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=1), "PT1H"),
        (timedelta(minutes=5), "PT5M"),
        (timedelta(hours=1, minutes=30), "PT1H30M"),
        (timedelta(seconds=45), "PT45S"),
        (timedelta(days=1), "P1D"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(hours=24), "P1D"),
        (timedelta(0), "PT0S"),
    ],
)
def test_iso_duration(span, text, spec):
    assert iso_duration(span) == text
    import re

    assert re.match(spec["components"]["schemas"]["duration"]["pattern"], text)


@pytest.mark.parametrize("span", [timedelta(seconds=-1), timedelta(milliseconds=500)])
def test_iso_duration_refuses(span):
    with pytest.raises(ValueError):
        iso_duration(span)


def test_rfc3339():
    assert rfc3339(START) == "2026-07-15T18:00:00Z"
    assert rfc3339(START, MARKET_TZ) == "2026-07-15T13:00:00-05:00"
    assert rfc3339(START.replace(microsecond=123456)) == "2026-07-15T18:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        rfc3339(datetime(2026, 7, 15, 18))


def test_object_id():
    assert object_id("ON-DER-0001234") == "ON-DER-0001234"
    assert object_id("a b/c") == "a_b_c"
    assert len(object_id("x" * 300)) == 128
    with pytest.raises(ValueError):
        object_id("")
