"""SPEC-155 dispatch instructions (IESO Dispatch Notification Service), from JSON or XML.

No real message is public, so this reader is deliberately tolerant about the container and strict about
values:

* JSON: a list of objects, ``{"DispatchInstructions": [...]}`` (or ``DispatchInstruction``), or one object.
* XML: any document, any namespace (a SOAP ``newDispatches`` envelope included): every element named
  ``DispatchInstruction``, or having a ``MESSAGE_ID`` child, is one instruction whose child elements (and
  attributes) are the fields.
* Field names match case- and separator-insensitively: ``MESSAGE_ID``, ``MessageId`` and ``messageId``
  are the same field. Unknown fields go to ``DispatchRecord.extra``.
* Times are EST without offset (an explicit offset is honoured); a time-of-day alone is taken on the
  ``DELIVERY_DATE``. ``DELIVERY_START_TIME`` absent -> start of (date, hour, interval or 1).
* ``STATE`` must be New / Timed Out / Accepted / Rejected, ``DISPATCH_TYPE`` one of ENG ORA ORD RESV RGR
  RGS START EXTEND DECOM, ``LIMIT_TYPE`` one of FIX MAX MIN OTD: anything else is kept and warned about.
* ``MESSAGE_ID`` is required, and a malformed number, date, time or flag is a ReportFormatError naming
  the instruction and the field: a dispatch is never acted on with a guessed value.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from data.domain.market_time import MARKET_TZ, interval_start_utc
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import (
    DISPATCH_STATES,
    DISPATCH_TYPES,
    LIMIT_TYPES,
    DispatchRecord,
    ParsedReport,
    is_blank,
    parse_est_datetime,
    parse_int,
    parse_market_date,
    parse_number,
)
from data.pollers.parsers.xml_envelope import local_name, parse_xml

__all__ = ["REPORT", "looks_like_dispatch_xml", "parse_dispatch", "parse_dispatch_json", "parse_dispatch_xml"]

REPORT = "DispatchInstructions"
_KEY = re.compile(r"[^A-Z0-9]")
# normalised field name -> SPEC-155 spelling (for messages) and DispatchRecord attribute
_FIELDS: dict[str, tuple[str, str]] = {
    _KEY.sub("", spec): (spec, spec.lower())
    for spec in (
        "MESSAGE_ID",
        "PARTICIPANT_NAME",
        "DATE_SENT",
        "DISPATCH_TYPE",
        "STATE",
        "ACTIVE",
        "RESOURCE_ID",
        "DELIVERY_DATE",
        "DELIVERY_HOUR",
        "DELIVERY_INTERVAL",
        "DELIVERY_START_TIME",
        "DELIVERY_STOP_TIME",
        "AMOUNT",
        "LIMIT_TYPE",
        "EXPIRES_AT",
        "EFFECTIVE_TIME",
        "LAST_UPDATED",
        "VG_OI",
        "RESERVE_CLASS",
        "REGULATION_RANGE",
        "RESPONDER",
        "MLP_TIME",
        "SYNC_TIME",
        "ALT_SYNC_TIME",
    )
}
_STATES = {_KEY.sub("", s.upper()): s for s in DISPATCH_STATES}
_TRUE = frozenset({"Y", "YES", "TRUE", "T", "1"})
_FALSE = frozenset({"N", "NO", "FALSE", "F", "0"})
_TIME_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CONTAINERS = frozenset({"DISPATCHINSTRUCTIONS", "DISPATCHINSTRUCTION"})

RawRecord = dict[str, str | None]  # normalised field name -> text


def _norm(key: str) -> str:
    return _KEY.sub("", key.upper())


# --- containers -----------------------------------------------------------------------------------


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _json_records(data: Any, source: str) -> list[tuple[dict[str, str | None], dict[str, str]]]:
    if isinstance(data, dict):
        container = next((v for k, v in data.items() if _norm(k) in _CONTAINERS), None)
        if container is not None:
            data = container if isinstance(container, list) else [container]
        elif any(_norm(k) == "MESSAGEID" for k in data):
            data = [data]
        else:
            raise ReportFormatError(
                "JSON object has no 'DispatchInstructions' list and is not itself an instruction "
                f"(keys: {', '.join(sorted(data)) or 'none'})",
                source=source,
            )
    if not isinstance(data, list):
        raise ReportFormatError(
            f"JSON must be a list of instructions or an object, got {type(data).__name__}", source=source
        )
    records = []
    for position, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReportFormatError(
                f"dispatch instruction #{position} is a {type(item).__name__}, not an object", source=source
            )
        records.append(({_norm(k): _json_text(v) for k, v in item.items()}, {_norm(k): k for k in item}))
    return records


def looks_like_dispatch_xml(root: ET.Element) -> bool:
    """True when an XML tree contains at least one dispatch instruction."""
    return bool(_xml_instruction_elements(root))


def _xml_instruction_elements(root: ET.Element) -> list[ET.Element]:
    found: list[ET.Element] = []
    for elem in root.iter():
        name = _norm(local_name(elem.tag))
        if not name:
            continue
        is_instruction = name == "DISPATCHINSTRUCTION" and (len(elem) > 0 or bool(elem.attrib))
        if is_instruction or any(_norm(local_name(c.tag)) == "MESSAGEID" for c in elem):
            found.append(elem)
    return found


def _xml_records(root: ET.Element) -> list[tuple[dict[str, str | None], dict[str, str]]]:
    records = []
    for elem in _xml_instruction_elements(root):
        values: dict[str, str | None] = {}
        names: dict[str, str] = {}
        for key, value in elem.attrib.items():
            if key.startswith("{"):
                continue  # namespaced attributes (xsi:type ...) are XML plumbing, not fields
            values[_norm(key)] = value.strip() or None
            names[_norm(key)] = key
        for item in elem:
            name = local_name(item.tag)
            if not name:
                continue
            text = (item.text or "").strip() if len(item) == 0 else ET.tostring(item, encoding="unicode")
            values[_norm(name)] = text or None
            names[_norm(name)] = name
        records.append((values, names))
    return records


# --- values -----------------------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    if is_blank(text):
        return None
    assert text is not None
    raw = text.strip()
    if len(raw) > 10 and raw[10] in "T ":
        raw = raw[:10]  # an xs:dateTime sent for a date
    return parse_market_date(raw)


def _time(text: str | None, delivery_date: date | None) -> datetime | None:
    if is_blank(text):
        return None
    assert text is not None
    match = _TIME_ONLY.match(text.strip())
    if match is None:
        return parse_est_datetime(text)
    if delivery_date is None:
        raise ValueError(f"time of day {text.strip()!r} without a DELIVERY_DATE")
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    day = delivery_date
    if (hours, minutes, seconds) == (24, 0, 0):
        hours, day = 0, delivery_date + timedelta(days=1)
    local = datetime.combine(day, time(hours, minutes, seconds), tzinfo=MARKET_TZ)
    return local.astimezone(UTC)


def _flag(text: str | None) -> bool | None:
    if is_blank(text):
        return None
    assert text is not None
    key = text.strip().upper()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"{text.strip()!r} is not a yes/no flag")


def _record(
    values: RawRecord, names: dict[str, str], position: int, source: str, warnings: list[str]
) -> DispatchRecord:
    message_id = values.get("MESSAGEID")
    if is_blank(message_id):
        raise ReportFormatError(f"dispatch instruction #{position} has no MESSAGE_ID", source=source)
    assert message_id is not None
    message_id = message_id.strip()
    label = f"dispatch {message_id}"

    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None or is_blank(value):
            return None
        return value.strip()

    def convert(key: str, parse: Any) -> Any:
        try:
            return parse(values.get(key))
        except ValueError as exc:
            raise ReportFormatError(f"{label}, field {_FIELDS[key][0]}: {exc}", source=source) from None

    delivery_date = convert("DELIVERYDATE", _date)
    delivery_hour = convert("DELIVERYHOUR", lambda t: parse_int(t, 1, 24, "DELIVERY_HOUR"))
    delivery_interval = convert("DELIVERYINTERVAL", lambda t: parse_int(t, 1, 12, "DELIVERY_INTERVAL"))
    start = convert("DELIVERYSTARTTIME", lambda t: _time(t, delivery_date))
    stop = convert("DELIVERYSTOPTIME", lambda t: _time(t, delivery_date))
    computed = None
    if delivery_date is not None and delivery_hour is not None:
        computed = interval_start_utc(delivery_date, delivery_hour, delivery_interval or 1)
    elif delivery_interval is not None or delivery_hour is not None:
        warnings.append(f"{source}: {label}: DELIVERY_HOUR/INTERVAL without DELIVERY_DATE")
    if start is None:
        start = computed
    elif computed is not None and computed != start:
        warnings.append(
            f"{source}: {label}: DELIVERY_START_TIME {start.isoformat()} differs from the start of its "
            f"delivery date/hour/interval {computed.isoformat()}; DELIVERY_START_TIME is used"
        )
    if start is not None and stop is not None and stop <= start:
        warnings.append(f"{source}: {label}: DELIVERY_STOP_TIME is not after the start")

    state = text("STATE")
    if state is not None:
        canonical = _STATES.get(_norm(state))
        if canonical is None:
            warnings.append(
                f"{source}: {label}: unknown STATE {state!r} (expected {', '.join(DISPATCH_STATES)})"
            )
        else:
            state = canonical
    dispatch_type = text("DISPATCHTYPE")
    if dispatch_type is not None:
        dispatch_type = dispatch_type.upper()
        if dispatch_type not in DISPATCH_TYPES:
            warnings.append(f"{source}: {label}: unknown DISPATCH_TYPE {dispatch_type!r}")
    limit_type = text("LIMITTYPE")
    if limit_type is not None:
        limit_type = limit_type.upper()
        if limit_type not in LIMIT_TYPES:
            warnings.append(f"{source}: {label}: unknown LIMIT_TYPE {limit_type!r}")

    extra = {names[key]: value for key, value in values.items() if key not in _FIELDS and value is not None}
    return DispatchRecord(
        message_id=message_id,
        participant_name=text("PARTICIPANTNAME"),
        date_sent=convert("DATESENT", parse_est_datetime),
        dispatch_type=dispatch_type,
        state=state,
        active=convert("ACTIVE", _flag),
        resource_id=text("RESOURCEID"),
        delivery_date=delivery_date,
        delivery_hour=delivery_hour,
        delivery_interval=delivery_interval,
        delivery_start_utc=start,
        delivery_stop_utc=stop,
        amount=convert("AMOUNT", parse_number),
        limit_type=limit_type,
        expires_at=convert("EXPIRESAT", lambda t: _time(t, delivery_date)),
        effective_time=convert("EFFECTIVETIME", lambda t: _time(t, delivery_date)),
        last_updated=convert("LASTUPDATED", parse_est_datetime),
        vg_oi=text("VGOI"),
        reserve_class=text("RESERVECLASS"),
        regulation_range=text("REGULATIONRANGE"),
        responder=text("RESPONDER"),
        mlp_time=text("MLPTIME"),
        sync_time=text("SYNCTIME"),
        alt_sync_time=text("ALTSYNCTIME"),
        extra=extra,
    )


def _build(records: Iterable[tuple[RawRecord, dict[str, str]]], source: str) -> ParsedReport:
    warnings: list[str] = []
    dispatches: list[DispatchRecord] = []
    seen: set[str] = set()
    for position, (values, names) in enumerate(records, start=1):
        record = _record(values, names, position, source, warnings)
        if record.message_id in seen:
            warnings.append(f"{source}: MESSAGE_ID {record.message_id!r} appears more than once")
        seen.add(record.message_id)
        dispatches.append(record)
    if not dispatches:
        warnings.append(f"{source}: no dispatch instructions")
    return ParsedReport(report=REPORT, created_at_utc=None, dispatches=dispatches, warnings=warnings)


# --- entry points -----------------------------------------------------------------------------------


def parse_dispatch_json(content: bytes, source: str = "<dispatch json>") -> ParsedReport:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReportFormatError(f"not UTF-8 text: {exc}", source=source) from None
    except json.JSONDecodeError as exc:
        raise ReportFormatError(
            f"invalid or truncated JSON at column {exc.colno}: {exc.msg}", source=source, line=exc.lineno
        ) from None
    return _build(_json_records(data, source), source)


def parse_dispatch_xml(content: bytes | ET.Element, source: str = "<dispatch xml>") -> ParsedReport:
    root = parse_xml(content, source) if isinstance(content, bytes) else content
    return _build(_xml_records(root), source)


def parse_dispatch(content: bytes, source: str = "<dispatch>") -> ParsedReport:
    """JSON or XML, decided by the first non-blank character."""
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise ReportFormatError("the file is empty", source=source)
    if head in (b"[", b"{"):
        return parse_dispatch_json(content, source)
    if head == b"<":
        return parse_dispatch_xml(content, source)
    raise ReportFormatError("neither JSON nor XML (expected '[', '{' or '<' first)", source=source)
