"""Parsers for IESO public reports and SPEC-155 dispatch messages.

``parse_report(name, content)`` picks the parser from the file name (``PUB_<DocId>[_...].<xml|csv>``) or,
for XML, from the envelope's ``docID`` / schema name / ``DocTitle``; JSON, and XML outside the IESO
report envelopes that carries dispatch instructions, go to the dispatch reader. Everything returns a
``ParsedReport``; every bad input raises ``ReportFormatError`` with a message naming the file and the
place. Standard library only, no framework imports.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from data.pollers.parsers.demand_csv import parse_demand_csv, sniff_demand_header
from data.pollers.parsers.dispatch import (
    looks_like_dispatch_xml,
    parse_dispatch,
    parse_dispatch_json,
    parse_dispatch_xml,
)
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.prices import (
    da_zonal_price_from_envelope,
    parse_da_zonal_price,
    parse_realtime_zonal_prices,
    realtime_zonal_prices_from_envelope,
)
from data.pollers.parsers.realtime_totals import parse_realtime_totals, realtime_totals_from_envelope
from data.pollers.parsers.records import (
    DispatchRecord,
    Observation,
    OutageEquipment,
    ParsedReport,
    TxOutage,
)
from data.pollers.parsers.tx_outages import parse_tx_outages, tx_outages_from_envelope
from data.pollers.parsers.vg_forecast import parse_vg_forecast, vg_forecast_from_envelope
from data.pollers.parsers.xml_envelope import (
    IESO_NAMESPACE,
    IMO_NAMESPACE,
    Envelope,
    namespace_of,
    parse_xml,
    read_envelope,
)

__all__ = [
    "CSV_REPORTS",
    "XML_REPORTS",
    "DispatchRecord",
    "Observation",
    "OutageEquipment",
    "ParsedReport",
    "ReportFormatError",
    "TxOutage",
    "doc_id_from_name",
    "parse_da_zonal_price",
    "parse_demand_csv",
    "parse_dispatch",
    "parse_dispatch_json",
    "parse_dispatch_xml",
    "parse_realtime_totals",
    "parse_realtime_zonal_prices",
    "parse_report",
    "parse_tx_outages",
    "parse_vg_forecast",
]

CSV_REPORTS: tuple[str, ...] = ("Demand", "DemandZonal", "RealtimeDemandZonal")
_XmlParser = Callable[[Envelope, str], ParsedReport]
XML_REPORTS: dict[str, _XmlParser] = {
    "RealtimeTotals": realtime_totals_from_envelope,
    "VGForecastSummary": vg_forecast_from_envelope,
    "DAHourlyOntarioZonalPrice": da_zonal_price_from_envelope,
    "RealtimeZonalEnergyPrices": realtime_zonal_prices_from_envelope,
    "TxOutagesTodayAll": lambda env, src: tx_outages_from_envelope(env, src, "TxOutagesTodayAll"),
    "TxOutages1to30DaysPlanned": lambda env, src: tx_outages_from_envelope(
        env, src, "TxOutages1to30DaysPlanned"
    ),
}
# DocTitle -> DocId, compared without case, spaces or punctuation. The first three are from real files;
# the others from secondary sources. A title that is the DocId plus " Report" also matches.
_TITLES = {
    "realtimetotalsreport": "RealtimeTotals",
    "variablegenerationforecastsummaryreport": "VGForecastSummary",
    "dayaheadhourlyontariozonalenergypricereport": "DAHourlyOntarioZonalPrice",
    "realtime5minvirtualzonalenergypricesreport": "RealtimeZonalEnergyPrices",
    "alltransmissionoutagesoccurringtoday": "TxOutagesTodayAll",
}
_NAME = re.compile(r"^PUB_([A-Za-z0-9]+)", re.IGNORECASE)
_COMPACT = re.compile(r"[^a-z0-9]")
_KNOWN = {name.lower(): name for name in (*CSV_REPORTS, *XML_REPORTS)}


def _basename(name: str) -> str:
    return name.replace("\\", "/").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _canonical(doc_id: str | None) -> str | None:
    """Known DocId spelling for ``doc_id`` (case-insensitive); other transmission-outage DocIds as given."""
    if not doc_id:
        return None
    known = _KNOWN.get(doc_id.lower())
    if known:
        return known
    if doc_id.lower().startswith("txoutages"):
        return doc_id
    return None


def doc_id_from_name(name: str) -> str | None:
    """``.../PUB_RealtimeTotals_2026092808_v12.xml`` -> ``RealtimeTotals``; None when not a PUB_ name."""
    match = _NAME.match(_basename(name))
    return match.group(1) if match else None


def _doc_id_from_title(title: str | None) -> str | None:
    if not title:
        return None
    compact = _COMPACT.sub("", title.lower())
    if compact in _TITLES:
        return _TITLES[compact]
    return _canonical(compact.removesuffix("report"))


def _parse_xml_report(name_doc: str | None, content: bytes, source: str) -> ParsedReport:
    root = parse_xml(content, source)
    report_namespaces = (IESO_NAMESPACE.lower(), IMO_NAMESPACE.lower())
    outside_envelopes = namespace_of(root.tag).rstrip("/").lower() not in report_namespaces
    if outside_envelopes and name_doc is None and looks_like_dispatch_xml(root):
        return parse_dispatch_xml(root, source)
    envelope = read_envelope(root, source)  # raises "wrong envelope" for anything else
    content_doc = _canonical(envelope.doc_id) or _doc_id_from_title(envelope.title)
    named = _canonical(name_doc)
    chosen = content_doc or named
    warnings: list[str] = []
    if content_doc and named and content_doc != named:
        warnings.append(
            f"{source}: the file name says {named} but the document is {content_doc}; read as {content_doc}"
        )
    if chosen is None:
        shown = envelope.doc_id or envelope.title or name_doc or "?"
        raise ReportFormatError(
            f"unknown report {shown!r}: no parser for it (known: {', '.join(sorted(XML_REPORTS))})",
            source=source,
        )
    if chosen in CSV_REPORTS:
        raise ReportFormatError(f"{chosen} is a CSV report but the file is XML", source=source)
    parser = XML_REPORTS.get(chosen) or (lambda env, src: tx_outages_from_envelope(env, src, chosen))
    parsed = parser(envelope, source)
    if warnings:
        parsed = dataclasses.replace(parsed, warnings=[*warnings, *parsed.warnings])
    return parsed


def parse_report(name: str, content: bytes) -> ParsedReport:
    """Parse one downloaded file. ``name`` is its file name or URL (only the last path part is used)."""
    source = _basename(name) or "<report>"
    if not isinstance(content, bytes | bytearray):
        raise TypeError(f"content must be bytes, got {type(content).__name__}")
    content = bytes(content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise ReportFormatError("the file is empty", source=source)
    name_doc = doc_id_from_name(source)
    named = _canonical(name_doc)
    if head == b"<":
        return _parse_xml_report(name_doc, content, source)
    if head in (b"[", b"{"):
        if name_doc is not None:
            raise ReportFormatError(f"{name_doc} is an IESO report, but the file is JSON", source=source)
        return parse_dispatch_json(content, source)
    if named in CSV_REPORTS:
        return parse_demand_csv(content, source, report=named)
    if named is not None:
        raise ReportFormatError(f"{named} is an XML report, but the file is not XML", source=source)
    if name_doc is not None:
        raise ReportFormatError(
            f"unknown report {name_doc!r}: no parser for it (known: "
            f"{', '.join(sorted((*CSV_REPORTS, *XML_REPORTS)))})",
            source=source,
        )
    if sniff_demand_header(content):
        return parse_demand_csv(content, source)
    raise ReportFormatError(
        "cannot tell which report this is: the name is not PUB_<DocId>... and the content is not a known "
        "IESO XML document, dispatch JSON/XML or demand CSV",
        source=source,
    )
