"""IESO XML report envelopes, matched by namespace URI (never by prefix).

Two envelopes are live:

* current: ``{http://www.ieso.ca/schema}Document[@docID]/DocHeader{DocTitle, CreatedAt, ...}/DocBody``
* older:   ``{http://www.theIMO.com/schema}IMODocument/IMODocHeader/IMODocBody``

Files re-serialised by other tools carry the same URIs under other prefixes (``ns0:``); ElementTree
resolves prefixes to URIs, so both read the same. Inside the body, elements are looked up by local name,
case-insensitively (``DELIVERYHOUR`` and ``DeliveryHour`` both occur), and unknown elements are ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import NamedTuple

from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import parse_est_datetime, parse_int, parse_market_date

__all__ = [
    "IESO_NAMESPACE",
    "IMO_NAMESPACE",
    "Envelope",
    "child",
    "child_text",
    "children",
    "delivery_day_and_hour",
    "descendants",
    "local_name",
    "namespace_of",
    "parse_xml",
    "read_envelope",
]

IESO_NAMESPACE = "http://www.ieso.ca/schema"
IMO_NAMESPACE = "http://www.theIMO.com/schema"
_KNOWN_NAMESPACES = {IESO_NAMESPACE.lower(): IESO_NAMESPACE, IMO_NAMESPACE.lower(): IMO_NAMESPACE}
# root local name -> (header, body) local names
_ENVELOPES = {"document": ("DocHeader", "DocBody"), "imodocument": ("IMODocHeader", "IMODocBody")}
_XSD_NAME = re.compile(r"([A-Za-z0-9]+?)(?:_r\d+)?\.xsd\b")
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


class Envelope(NamedTuple):
    """The parts of an IESO report envelope that parsers need."""

    doc_id: str | None  # Document/@docID, else the schema name from xsi:schemaLocation (older envelope)
    title: str | None  # DocHeader/DocTitle
    created_at_utc: datetime | None  # DocHeader/CreatedAt (EST in the file), aware UTC
    body: ET.Element  # DocBody / IMODocBody
    namespace: str  # IESO_NAMESPACE or IMO_NAMESPACE
    warnings: list[str]


# --- element helpers (namespace-agnostic, case-insensitive local names) -------------------------


def local_name(tag: object) -> str:
    """``{uri}Name`` -> ``Name``; comments and processing instructions -> ""."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: object) -> str:
    """``{uri}Name`` -> ``uri``; "" when the element has no namespace."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    """Direct children whose local name equals ``name`` case-insensitively (any namespace)."""
    wanted = name.lower()
    return [c for c in elem if local_name(c.tag).lower() == wanted]


def child(elem: ET.Element, *names: str) -> ET.Element | None:
    """First direct child matching any of ``names`` (in order of ``names``), or None."""
    for name in names:
        found = children(elem, name)
        if found:
            return found[0]
    return None


def child_text(elem: ET.Element, *names: str) -> str | None:
    """Stripped text of the first matching child; None when absent or empty."""
    node = child(elem, *names)
    if node is None or node.text is None:
        return None
    text = node.text.strip()
    return text or None


def descendants(elem: ET.Element, name: str) -> list[ET.Element]:
    """All descendants (not ``elem`` itself) with local name ``name``, case-insensitively, document order."""
    wanted = name.lower()
    return [e for e in elem.iter() if e is not elem and local_name(e.tag).lower() == wanted]


def delivery_day_and_hour(body: ET.Element, source: str) -> tuple[date, int]:
    """DeliveryDate/DeliveryHour of a body, any case (``DELIVERYDATE``), or the older ``Date``/``Hour``.

    ReportFormatError when absent or malformed.
    """
    day_text = child_text(body, "DeliveryDate", "Date")
    hour_text = child_text(body, "DeliveryHour", "Hour")
    try:
        day = parse_market_date(day_text)
        hour = parse_int(hour_text, 1, 24, "DeliveryHour")
    except ValueError as exc:
        raise ReportFormatError(str(exc), source=source, element="DeliveryDate/DeliveryHour") from None
    if day is None:
        raise ReportFormatError("no delivery date in the body", source=source, element="DeliveryDate")
    if hour is None:
        raise ReportFormatError("no delivery hour in the body", source=source, element="DeliveryHour")
    return day, hour


# --- parsing --------------------------------------------------------------------------------------


def parse_xml(content: bytes, source: str) -> ET.Element:
    """Parse bytes into a root element, turning every XML failure into a ReportFormatError."""
    if not content or not content.strip():
        raise ReportFormatError("the file is empty (0 bytes of XML)", source=source)
    try:
        return ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        hint = "truncated or malformed XML"
        if reason.startswith(("no element found", "unclosed token")):
            hint = "truncated XML (the document ends before its root element is closed)"
        raise ReportFormatError(f"{hint} at column {column}: {reason}", source=source, line=line) from None


def _doc_id(root: ET.Element) -> str | None:
    for key, value in root.attrib.items():
        if local_name(key).lower() == "docid" and value.strip():
            return value.strip()
    location = root.attrib.get(f"{{{_XSI}}}schemaLocation", "")
    for token in location.split():
        match = _XSD_NAME.search(token.rsplit("/", 1)[-1])
        if match:
            return match.group(1)
    return None


def read_envelope(content: bytes | ET.Element, source: str) -> Envelope:
    """Check the envelope and return its doc id, title, creation time and body.

    Raises ReportFormatError for malformed/truncated XML, an unknown root element or namespace ("wrong
    envelope"), or a missing body. A missing header or an unreadable ``CreatedAt`` is only a warning.
    """
    root = parse_xml(content, source) if isinstance(content, bytes) else content
    uri = namespace_of(root.tag)
    name = local_name(root.tag)
    namespace = _KNOWN_NAMESPACES.get(uri.rstrip("/").lower())
    parts = _ENVELOPES.get(name.lower())
    if namespace is None or parts is None:
        shown = f"{{{uri}}}{name}" if uri else f"{name} (no namespace)"
        raise ReportFormatError(
            f"wrong envelope: root element is {shown}; expected {{{IESO_NAMESPACE}}}Document or "
            f"{{{IMO_NAMESPACE}}}IMODocument",
            source=source,
            element=name,
        )
    header_name, body_name = parts
    warnings: list[str] = []
    body = child(root, body_name, "DocBody", "IMODocBody")
    if body is None:
        raise ReportFormatError(
            f"the envelope has no <{body_name}> (the report body is missing)", source=source, element=name
        )
    header = child(root, header_name, "DocHeader", "IMODocHeader")
    title: str | None = None
    created_at: datetime | None = None
    if header is None:
        warnings.append(f"{source}: no <{header_name}>; creation time unknown")
    else:
        title = child_text(header, "DocTitle")
        created_text = child_text(header, "CreatedAt")
        try:
            created_at = parse_est_datetime(created_text)
        except ValueError as exc:
            warnings.append(f"{source}: <CreatedAt> ignored: {exc}")
    return Envelope(_doc_id(root), title, created_at, body, namespace, warnings)
