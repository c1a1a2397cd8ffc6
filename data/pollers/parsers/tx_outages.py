"""Transmission outage reports: ``TxOutagesTodayAll``, ``TxOutages1to30DaysPlanned`` (and siblings).

``DocBody{..., OutageRequest{OutageID, PlannedStart, PlannedEnd, Priority, Recurrence,
EquipmentRecallTime, OutageRequestStatus, EquipmentRequested{EquipmentName, EquipmentType,
EquipmentVoltage, ConstraintType}*, ...}*}`` [secondary source]. Planned times are EST text without offset
and become aware UTC. Other simple fields of a request are kept in ``TxOutage.extra``; nested unknown
elements and body-level elements (``OutageRangeStart`` ...) are ignored. A request without ``OutageID``
cannot be upserted: it is skipped with a warning. A malformed time is an error (never a guessed time).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import OutageEquipment, ParsedReport, TxOutage, parse_est_datetime
from data.pollers.parsers.xml_envelope import (
    Envelope,
    child_text,
    children,
    descendants,
    local_name,
    read_envelope,
)

__all__ = ["parse_tx_outages", "tx_outages_from_envelope"]

_KNOWN = frozenset(
    {
        "outageid",
        "plannedstart",
        "plannedend",
        "priority",
        "outagerequeststatus",
        "recurrence",
        "equipmentrecalltime",
        "equipmentrequested",
    }
)


def parse_tx_outages(
    content: bytes, source: str = "<TxOutages>", report: str = "TxOutagesTodayAll"
) -> ParsedReport:
    envelope = read_envelope(content, source)
    return tx_outages_from_envelope(envelope, source, envelope.doc_id or report)


def _time(request: ET.Element, name: str, outage_id: str, source: str) -> datetime | None:
    try:
        return parse_est_datetime(child_text(request, name))
    except ValueError as exc:
        raise ReportFormatError(f"outage {outage_id}: {exc}", source=source, element=name) from None


def tx_outages_from_envelope(
    envelope: Envelope, source: str, report: str = "TxOutagesTodayAll"
) -> ParsedReport:
    warnings = list(envelope.warnings)
    outages: list[TxOutage] = []
    for position, request in enumerate(descendants(envelope.body, "OutageRequest"), start=1):
        outage_id = child_text(request, "OutageID")
        if outage_id is None:
            warnings.append(f"{source}: OutageRequest #{position} has no OutageID and was skipped")
            continue
        equipment = [
            OutageEquipment(
                name=child_text(item, "EquipmentName"),
                type=child_text(item, "EquipmentType"),
                voltage=child_text(item, "EquipmentVoltage"),
                constraint_type=child_text(item, "ConstraintType"),
            )
            for item in children(request, "EquipmentRequested")
        ]
        extra = {
            local_name(item.tag): item.text.strip()
            for item in request
            if len(item) == 0
            and local_name(item.tag)
            and local_name(item.tag).lower() not in _KNOWN
            and item.text
            and item.text.strip()
        }
        start = _time(request, "PlannedStart", outage_id, source)
        end = _time(request, "PlannedEnd", outage_id, source)
        if start is not None and end is not None and end < start:
            warnings.append(f"{source}: outage {outage_id}: PlannedEnd is before PlannedStart")
        outages.append(
            TxOutage(
                outage_id=outage_id,
                planned_start_utc=start,
                planned_end_utc=end,
                priority=child_text(request, "Priority"),
                status=child_text(request, "OutageRequestStatus"),
                equipment=equipment,
                recurrence=child_text(request, "Recurrence"),
                recall_time=child_text(request, "EquipmentRecallTime"),
                extra=extra,
            )
        )
    return ParsedReport(
        report=report, created_at_utc=envelope.created_at_utc, outages=outages, warnings=warnings
    )
