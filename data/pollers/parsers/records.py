"""What the IESO report parsers return, and the value vocabulary they share.

Every parser returns one ``ParsedReport``. Times are aware UTC; interval times are interval *starts*
(computed with ``data.domain.market_time``), never hour-ending labels. A blank in a report is "no value"
(``None``), never zero. ``zone=None`` on an observation means "Ontario as a whole".

The helpers at the bottom (numbers, dates, EST times, zone names) are the single place where report text
becomes Python values, so every parser treats blanks, zones and times the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from data.domain.market_time import parse_ieso_created_at

__all__ = [
    "DISPATCH_STATES",
    "DISPATCH_TYPES",
    "LIMIT_TYPES",
    "ONTARIO_ZONES",
    "DispatchRecord",
    "Observation",
    "OutageEquipment",
    "ParsedReport",
    "TxOutage",
    "canonical_zone",
    "is_blank",
    "parse_est_datetime",
    "parse_int",
    "parse_market_date",
    "parse_number",
]

# IESO demand zones in the spelling the public CSV reports use (Title Case). Price zones are the same
# less Bruce. Matching is case-insensitive, so XML reports' "NORTHEAST" maps to "Northeast".
ONTARIO_ZONES: tuple[str, ...] = (
    "Northwest",
    "Northeast",
    "Ottawa",
    "East",
    "Toronto",
    "Essa",
    "Bruce",
    "Southwest",
    "Niagara",
    "West",
)
# SPEC-155 vocabularies (DOMAIN.md). Unknown values are kept and reported as warnings, never dropped.
DISPATCH_STATES: tuple[str, ...] = ("New", "Timed Out", "Accepted", "Rejected")
DISPATCH_TYPES: tuple[str, ...] = ("ENG", "ORA", "ORD", "RESV", "RGR", "RGS", "START", "EXTEND", "DECOM")
LIMIT_TYPES: tuple[str, ...] = ("FIX", "MAX", "MIN", "OTD")


def _require_utc(value: datetime | None, name: str) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
        raise ValueError(f"{name} must be an aware UTC datetime, got {value!r}")


@dataclass(frozen=True, slots=True)
class Observation:
    """One value of one quantity for one interval.

    ``ts_utc`` is the interval start (aware UTC); ``resolution_s`` its length (3600 hourly, 300 for 5-minute
    intervals). ``zone`` is a canonical zone name (``ONTARIO_ZONES``), another name as given by the IESO,
    or ``None`` for all of Ontario. ``value`` is ``None`` when the report left it blank.
    """

    quantity: str
    zone: str | None
    ts_utc: datetime
    resolution_s: int
    value: float | None
    unit: str

    def __post_init__(self) -> None:
        _require_utc(self.ts_utc, "ts_utc")


class OutageEquipment(NamedTuple):
    """One ``EquipmentRequested`` of a transmission outage request (texts as published)."""

    name: str | None
    type: str | None
    voltage: str | None
    constraint_type: str | None


@dataclass(frozen=True, slots=True)
class TxOutage:
    """One IESO transmission ``OutageRequest``. Planned times are EST in the report, UTC here.

    ``extra`` keeps the other simple fields of the request (e.g. ``EquipmentRecallTime``, implementation
    status) by element name, so new fields are visible without a parser change.
    """

    outage_id: str
    planned_start_utc: datetime | None
    planned_end_utc: datetime | None
    priority: str | None
    status: str | None
    equipment: list[OutageEquipment] = field(default_factory=list)
    recurrence: str | None = None
    recall_time: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_utc(self.planned_start_utc, "planned_start_utc")
        _require_utc(self.planned_end_utc, "planned_end_utc")


@dataclass(frozen=True, slots=True)
class DispatchRecord:
    """One SPEC-155 ``DispatchInstruction``. Every field but ``message_id`` may be absent.

    All datetimes are aware UTC (the messages carry EST). ``delivery_start_utc`` is the message's
    ``DELIVERY_START_TIME`` or, when absent, the start of (delivery_date, delivery_hour, delivery_interval).
    ``state`` is canonicalised to ``DISPATCH_STATES`` spelling when recognised; unknown types, states and
    limit types are kept as given (the parser adds a warning). Fields whose format SPEC-155 does not pin
    down publicly (VG_OI, RESERVE_CLASS, REGULATION_RANGE, RESPONDER, MLP/SYNC times) are kept as text.
    """

    message_id: str
    participant_name: str | None = None
    date_sent: datetime | None = None
    dispatch_type: str | None = None
    state: str | None = None
    active: bool | None = None
    resource_id: str | None = None
    delivery_date: date | None = None
    delivery_hour: int | None = None
    delivery_interval: int | None = None
    delivery_start_utc: datetime | None = None
    delivery_stop_utc: datetime | None = None
    amount: float | None = None
    limit_type: str | None = None
    expires_at: datetime | None = None
    effective_time: datetime | None = None
    last_updated: datetime | None = None
    vg_oi: str | None = None
    reserve_class: str | None = None
    regulation_range: str | None = None
    responder: str | None = None
    mlp_time: str | None = None
    sync_time: str | None = None
    alt_sync_time: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (
            "date_sent",
            "delivery_start_utc",
            "delivery_stop_utc",
            "expires_at",
            "effective_time",
            "last_updated",
        ):
            _require_utc(getattr(self, name), name)


@dataclass(frozen=True, slots=True)
class ParsedReport:
    """Everything read from one report file.

    ``report`` is the IESO DocId (e.g. ``"Demand"``, ``"RealtimeTotals"``) or ``"DispatchInstructions"``.
    ``created_at_utc`` comes from the file's ``CreatedAt`` / ``\\Created at`` line when present.
    ``warnings`` lists tolerated oddities (unknown columns, zones or vocabulary, skipped records).
    """

    report: str
    created_at_utc: datetime | None
    observations: list[Observation] = field(default_factory=list)
    outages: list[TxOutage] = field(default_factory=list)
    dispatches: list[DispatchRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _require_utc(self.created_at_utc, "created_at_utc")


# --- value vocabulary ---------------------------------------------------------------------------

# Spellings of "no value" seen in public energy reports. Anything else that is not a number is an error.
_NULL_TOKENS = frozenset({"", "n/a", "na", "null", "none", "-", "--"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ZONE_KEY = re.compile(r"[\s_\-]+")
_ONTARIO_KEYS = frozenset({"ontario", "ontariototal", "total", "ont"})
_ZONES_BY_KEY = {z.lower(): z for z in ONTARIO_ZONES}


def is_blank(text: str | None) -> bool:
    """True for a missing value: None, empty/whitespace, or a null token such as "N/A"."""
    return text is None or text.strip().lower() in _NULL_TOKENS


def parse_number(text: str | None) -> float | None:
    """A report number as float; blank -> None. Raises ValueError for anything else non-numeric.

    Tolerates surrounding spaces and thousands separators ("17,091"); refuses NaN and infinities, which
    ``float()`` would otherwise accept silently.
    """
    if is_blank(text):
        return None
    assert text is not None
    raw = text.strip()
    if _THOUSANDS.match(raw):
        raw = raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def parse_int(text: str | None, low: int, high: int, what: str) -> int | None:
    """An integer field in ``low..high`` ("8", "08", "8.0"); blank -> None; anything else ValueError."""
    value = parse_number(text)
    if value is None:
        return None
    if not value.is_integer():
        raise ValueError(f"{what} {text!r} is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{what} {number} is outside {low}..{high}")
    return number


def parse_market_date(text: str | None) -> date | None:
    """An IESO date "YYYY-MM-DD" (also "YYYY/MM/DD" or "YYYYMMDD"); blank -> None; else ValueError."""
    if is_blank(text):
        return None
    assert text is not None
    raw = text.strip()
    candidate = raw.replace("/", "-")
    if len(candidate) == 8 and candidate.isdigit():
        candidate = f"{candidate[:4]}-{candidate[4:6]}-{candidate[6:]}"
    try:
        if len(candidate) != 10:
            raise ValueError
        return date.fromisoformat(candidate)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (expected YYYY-MM-DD)") from None


def parse_est_datetime(text: str | None) -> datetime | None:
    """An IESO timestamp without offset (meaning EST) as aware UTC; blank -> None; else ValueError.

    Accepts "YYYY-MM-DDTHH:MM[:SS]", "YYYY-MM-DD HH:MM:SS" and "YYYY/MM/DD HH:MM:SS"; an explicit offset
    is honoured (delegates to ``market_time.parse_ieso_created_at``).
    """
    if is_blank(text):
        return None
    assert text is not None
    try:
        return parse_ieso_created_at(text)
    except ValueError:
        raise ValueError(
            f"{text.strip()!r} is not a date-time (expected YYYY-MM-DD[T ]HH:MM[:SS], EST)"
        ) from None


def canonical_zone(raw: str | None) -> str | None:
    """Canonical zone name for a zone label in any report.

    "NORTHEAST", "northeast", "EAST:HUB" -> "Northeast" / "East"; "OntarioTotal", "Ontario" -> None (all of
    Ontario); an unknown label is returned stripped, as given (check with ``raw in ONTARIO_ZONES``).
    """
    if raw is None:
        return None
    label = raw.strip()
    key = _ZONE_KEY.sub("", label).lower()
    if key in _ONTARIO_KEYS:
        return None
    if key in _ZONES_BY_KEY:
        return _ZONES_BY_KEY[key]
    head = key.split(":", 1)[0]
    if ":" in key and head in _ZONES_BY_KEY:
        return _ZONES_BY_KEY[head]
    return label or None
