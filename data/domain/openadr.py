"""OpenADR 3.1.1 events built from platform objects (pure): approved DER limits, dispatches, notices.

The objects are the VTN's representation of an ``event`` (components.schemas.event of the OpenADR 3.1.1
OpenAPI file): object metadata (id, createdDateTime, modificationDateTime, objectType) plus the event request
(programID, eventName, priority, targets, payloadDescriptors, intervalPeriod, intervals). Since 3.1.0 a target
is a plain string (no more type/values maps), here the DER platform ID or the resource code. Times are RFC 3339
with their offset, in market time (EST, -05:00) unless told otherwise; one interval per delivery hour for
limits, each carrying its own intervalPeriod so hours need not be contiguous.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from data.domain.limits.values import HourlyLimit, LimitSchedule, latest_per_hour
from data.domain.market_time import MARKET_TZ, _require_aware, hour_ending_start_utc

EXPORT_CAPACITY_LIMIT = "EXPORT_CAPACITY_LIMIT"
IMPORT_CAPACITY_LIMIT = "IMPORT_CAPACITY_LIMIT"
DISPATCH_SETPOINT = "DISPATCH_SETPOINT"
SIMPLE = "SIMPLE"
ALERT_PAYLOAD_TYPES = frozenset({
    "ALERT_GRID_EMERGENCY", "ALERT_BLACK_START", "ALERT_POSSIBLE_OUTAGE", "ALERT_FLEX_ALERT", "ALERT_FIRE",
    "ALERT_FREEZING", "ALERT_WIND", "ALERT_TSUNAMI", "ALERT_AIR_QUALITY", "ALERT_OTHER",
})
UNITS_KW = "KW"
ONE_HOUR = timedelta(hours=1)

_OBJECT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_NOT_ID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_TEXT = 128  # target strings and alert texts


# --- small builders -------------------------------------------------------------------------------


def iso_duration(span: timedelta) -> str:
    """ISO 8601 duration as OpenADR writes it: "PT1H", "PT5M", "PT1H30M", "P1DT2H", "PT0S"."""
    if span < timedelta(0):
        raise ValueError(f"a duration must not be negative, got {span}")
    if span.microseconds:
        raise ValueError(f"a duration must be whole seconds, got {span}")
    days = span.days
    hours, rest = divmod(span.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time_part}" if time_part else "")
    return "PT0S" if text == "P" else text


def rfc3339(ts: datetime, tz: tzinfo = UTC) -> str:
    """An aware instant as RFC 3339 in ``tz``, whole seconds: "2026-03-09T00:00:00-05:00", UTC as "...Z"."""
    _require_aware(ts, "timestamp")
    text = ts.astimezone(tz).isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def object_id(text: str) -> str:
    """A URL-safe OpenADR object ID (letters, digits, ``_``, ``-``; at most 128), other characters as ``_``."""
    cleaned = _NOT_ID_CHARS.sub("_", text)[:128]
    if not cleaned:
        raise ValueError("an object ID cannot be empty")
    return cleaned


def limit_event_id(target: str, trade_date: date) -> str:
    """Stable ID of the limits event of one target and trade date, so a re-export updates the same event."""
    return object_id(f"limits-{target}-{trade_date:%Y%m%d}")


def _require_program_id(program_id: str) -> None:
    if not isinstance(program_id, str) or not _OBJECT_ID.match(program_id):
        raise ValueError(f"programID must be 1-128 letters, digits, '_' or '-', got {program_id!r}")


def _require_priority(priority: int) -> None:
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
        raise ValueError(f"priority must be an int >= 0 (0 is the highest), got {priority!r}")


def _require_target(target: str) -> None:
    if not isinstance(target, str) or not 1 <= len(target) <= _MAX_TEXT:
        raise ValueError(f"a target must be a string of 1-{_MAX_TEXT} characters, got {target!r}")


def _event(
    program_id: str,
    *,
    event_id: str,
    event_name: str,
    priority: int,
    targets: Sequence[str],
    descriptors: Sequence[tuple[str, str | None]],
    start: datetime,
    interval_duration: timedelta,
    intervals: list[dict[str, Any]],
    issued_at: datetime,
    tz: tzinfo,
) -> dict[str, Any]:
    """The common envelope: metadata, request fields and the event-level default intervalPeriod."""
    _require_program_id(program_id)
    _require_priority(priority)
    for target in targets:
        _require_target(target)
    if not _OBJECT_ID.match(event_id):
        raise ValueError(f"event id must be 1-128 letters, digits, '_' or '-', got {event_id!r}")
    stamp = rfc3339(issued_at)
    payload_descriptors = []
    for payload_type, units in descriptors:
        descriptor: dict[str, Any] = {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": payload_type}
        if units is not None:
            descriptor["units"] = units
        payload_descriptors.append(descriptor)
    return {
        "id": event_id,
        "createdDateTime": stamp,
        "modificationDateTime": stamp,
        "objectType": "EVENT",
        "programID": program_id,
        "eventName": event_name,
        "priority": priority,
        "targets": list(targets),
        "payloadDescriptors": payload_descriptors,
        "intervalPeriod": {"start": rfc3339(start, tz), "duration": iso_duration(interval_duration)},
        "intervals": intervals,
    }


def _interval(index: int, start: datetime, duration: timedelta, payloads: list[dict[str, Any]], tz: tzinfo
              ) -> dict[str, Any]:
    return {
        "id": index,
        "intervalPeriod": {"start": rfc3339(start, tz), "duration": iso_duration(duration)},
        "payloads": payloads,
    }


# --- DER limits -----------------------------------------------------------------------------------


def _limit_payloads(hour: HourlyLimit) -> list[dict[str, Any]]:
    payloads = []
    if hour.export_kw is not None:
        payloads.append({"type": EXPORT_CAPACITY_LIMIT, "values": [float(hour.export_kw)]})
    if hour.import_kw is not None:
        payloads.append({"type": IMPORT_CAPACITY_LIMIT, "values": [float(hour.import_kw)]})
    return payloads


def limits_to_openadr_events(
    program_id: str,
    limits: Iterable[LimitSchedule],
    *,
    issued_at: datetime,
    priority: int = 0,
    tz: tzinfo = MARKET_TZ,
) -> list[dict[str, Any]]:
    """One OpenADR event per target and trade date carrying its approved limits, hour by hour.

    ``limits`` are approved limits; where several cover the same target, date and hour, the most recently
    approved one is exported (as everywhere else). Each hour becomes one interval (duration PT1H) with an
    ``EXPORT_CAPACITY_LIMIT`` and/or ``IMPORT_CAPACITY_LIMIT`` payload in kW (positive magnitudes); the event
    declares a KW payload descriptor for each type it uses. Events come sorted by trade date then target.
    """
    _require_program_id(program_id)
    _require_priority(priority)
    _require_aware(issued_at, "issued_at")
    events = []
    for (target, trade_date), hours in latest_per_hour(limits).items():
        intervals = [
            _interval(index, hour_ending_start_utc(trade_date, he), ONE_HOUR, _limit_payloads(limit), tz)
            for index, (he, limit) in enumerate(hours.items())
        ]
        used = {payload["type"] for interval in intervals for payload in interval["payloads"]}
        descriptors = [(t, UNITS_KW) for t in (EXPORT_CAPACITY_LIMIT, IMPORT_CAPACITY_LIMIT) if t in used]
        first_he = next(iter(hours))
        events.append(_event(
            program_id,
            event_id=limit_event_id(target, trade_date),
            event_name=f"DER limits {target} {trade_date.isoformat()} (hour-ending, EST)",
            priority=priority,
            targets=[target],
            descriptors=descriptors,
            start=hour_ending_start_utc(trade_date, first_he),
            interval_duration=ONE_HOUR,
            intervals=intervals,
            issued_at=issued_at,
            tz=tz,
        ))
    return events


# --- dispatch and notices (generic, for the dispatch and notices pages) ---------------------------


def dispatch_to_openadr_event(
    program_id: str,
    *,
    event_id: str,
    target: str,
    start: datetime,
    setpoints_kw: Sequence[float],
    issued_at: datetime,
    interval: timedelta = timedelta(minutes=5),
    priority: int = 0,
    event_name: str | None = None,
    tz: tzinfo = MARKET_TZ,
) -> dict[str, Any]:
    """A dispatch as consecutive intervals of ``DISPATCH_SETPOINT`` (kW) from ``start``, one per set point.

    OpenADR's DISPATCH_SETPOINT is a non-negative amount; what it means for the resource (consumption or
    output) is set by the program, so negative set points are refused here rather than sent.
    """
    _require_aware(start, "start")
    if not setpoints_kw:
        raise ValueError("a dispatch needs at least one set point")
    if interval <= timedelta(0):
        raise ValueError(f"interval must be positive, got {interval}")
    for i, kw in enumerate(setpoints_kw):
        if isinstance(kw, bool) or not isinstance(kw, int | float) or not math.isfinite(kw) or kw < 0:
            raise ValueError(f"set point {i} must be a finite number >= 0 kW, got {kw!r}")
    intervals = [
        _interval(i, start + i * interval, interval, [{"type": DISPATCH_SETPOINT, "values": [float(kw)]}], tz)
        for i, kw in enumerate(setpoints_kw)
    ]
    return _event(
        program_id,
        event_id=event_id,
        event_name=event_name or f"Dispatch {target} {rfc3339(start, tz)}",
        priority=priority,
        targets=[target],
        descriptors=[(DISPATCH_SETPOINT, UNITS_KW)],
        start=start,
        interval_duration=interval,
        intervals=intervals,
        issued_at=issued_at,
        tz=tz,
    )


def notice_to_openadr_event(
    program_id: str,
    *,
    event_id: str,
    targets: Sequence[str],
    start: datetime,
    duration: timedelta,
    issued_at: datetime,
    payload_type: str = SIMPLE,
    value: int | str = 1,
    priority: int = 0,
    event_name: str | None = None,
    tz: tzinfo = MARKET_TZ,
) -> dict[str, Any]:
    """A notice (standby, request for service) as one interval: ``SIMPLE`` level 0-3 or an ``ALERT_*`` text."""
    _require_aware(start, "start")
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, got {duration}")
    if not targets:
        raise ValueError("a notice needs at least one target")
    if payload_type == SIMPLE:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
            raise ValueError(f"a SIMPLE level is an int 0-3, got {value!r}")
    elif payload_type in ALERT_PAYLOAD_TYPES:
        if not isinstance(value, str) or not 1 <= len(value) <= _MAX_TEXT:
            raise ValueError(f"an {payload_type} value is a text of 1-{_MAX_TEXT} characters, got {value!r}")
    else:
        raise ValueError(f"payload_type must be SIMPLE or one of {sorted(ALERT_PAYLOAD_TYPES)}, got {payload_type!r}")
    return _event(
        program_id,
        event_id=event_id,
        event_name=event_name or f"{payload_type} notice {rfc3339(start, tz)}",
        priority=priority,
        targets=list(targets),
        descriptors=[(payload_type, None)],
        start=start,
        interval_duration=duration,
        intervals=[_interval(0, start, duration, [{"type": payload_type, "values": [value]}], tz)],
        issued_at=issued_at,
        tz=tz,
    )
