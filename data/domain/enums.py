"""The platform's vocabulary: every kind, role and state, defined once.

Stored as plain strings in the database (portable between SQLite and PostgreSQL,
no enum migrations); these enums are the only place the values are spelt.
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GUEST = "guest"
    DER_OWNER = "der_owner"
    AGGREGATOR = "aggregator"
    DSO_OPERATOR = "dso_operator"
    TSO_OPERATOR = "tso_operator"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.GUEST: "Guest (view only)",
    Role.DER_OWNER: "DER owner",
    Role.AGGREGATOR: "Aggregator",
    Role.DSO_OPERATOR: "LDC / DSO operator",
    Role.TSO_OPERATOR: "IESO operator",
    Role.MANAGER: "Manager",
    Role.ADMIN: "Platform administrator",
}


class OrgKind(StrEnum):
    ISO = "iso"
    LDC = "ldc"
    TRANSMITTER = "transmitter"
    AGGREGATOR = "aggregator"
    DER_OWNER = "der_owner"
    PLATFORM = "platform"


class OrgStatus(StrEnum):
    PENDING = "pending"  # named in an application for an account, awaiting an administrator
    ACTIVE = "active"
    REJECTED = "rejected"


class UserStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DISABLED = "disabled"
    REJECTED = "rejected"  # an application turned down (kept, with its reason)


class StationKind(StrEnum):
    TS = "TS"  # transformer station: a T/D connection point
    DS = "DS"  # distribution station
    MS = "MS"  # municipal station


class Technology(StrEnum):
    SOLAR_PV = "solar_pv"
    BATTERY = "battery"
    EV_CHARGER = "ev_charger"
    FLEXIBLE_LOAD = "flexible_load"
    WIND = "wind"
    GAS_CHP = "gas_chp"
    HYDRO = "hydro"

    @property
    def label(self) -> str:
        return TECHNOLOGY_LABELS[self]


TECHNOLOGY_LABELS: dict[Technology, str] = {
    Technology.SOLAR_PV: "Solar PV",
    Technology.BATTERY: "Battery storage",
    Technology.EV_CHARGER: "EV charging",
    Technology.FLEXIBLE_LOAD: "Flexible load",
    Technology.WIND: "Wind",
    Technology.GAS_CHP: "Gas CHP",
    Technology.HYDRO: "Small hydro",
}


class ServiceTag(StrEnum):
    WHOLESALE = "wholesale"
    DISTRIBUTION = "distribution"
    BOTH = "both"


class DerStatus(StrEnum):
    PENDING = "pending"  # registered, awaiting LDC approval (no platform ID yet)
    EMBEDDED_APPROVED = "embedded_ok"  # the embedded LDC approved; the host LDC gives the final approval
    ACTIVE = "active"
    INACTIVE = "inactive"  # connected but not available (maintenance)
    REJECTED = "rejected"
    DEACTIVATED = "deactivated"

    @property
    def label(self) -> str:
        return DER_STATUS_LABELS[self]


DER_STATUS_LABELS: dict[DerStatus, str] = {
    DerStatus.PENDING: "Pending",
    DerStatus.EMBEDDED_APPROVED: "Embedded LDC approved",
    DerStatus.ACTIVE: "Active",
    DerStatus.INACTIVE: "Inactive",
    DerStatus.REJECTED: "Rejected",
    DerStatus.DEACTIVATED: "Deactivated",
}


class IesoZone(StrEnum):
    """The 10 IESO demand zones (DOMAIN.md)."""

    NORTHWEST = "Northwest"
    NORTHEAST = "Northeast"
    OTTAWA = "Ottawa"
    EAST = "East"
    TORONTO = "Toronto"
    ESSA = "Essa"
    BRUCE = "Bruce"
    SOUTHWEST = "Southwest"
    NIAGARA = "Niagara"
    WEST = "West"


class LimitType(StrEnum):
    PEAK = "peak"  # one export/import pair over the requested hours
    DYNAMIC = "dynamic"  # an hourly curve


class LimitStatus(StrEnum):
    SUBMITTED = "submitted"
    FLAGGED = "flagged"  # automation asked for a human decision
    EMBEDDED_APPROVED = "embedded_approved"  # first level of the tri-level chain done
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class NoticeKind(StrEnum):
    REQUEST_FOR_SERVICE = "request_for_service"
    STANDBY = "standby"
    REQUIREMENT = "requirement"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    AMENDED = "amended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Issuer(StrEnum):
    IESO = "ieso"
    DSO = "dso"


class DispatchState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


class TargetKind(StrEnum):
    DER = "der"
    RESOURCE = "resource"
    FEEDER = "feeder"
    STATION = "station"


class OutageKind(StrEnum):
    PLANNED = "planned"
    FORCED = "forced"
    CONSTRAINT = "constraint"  # de-rate
    TRANSMISSION = "transmission"  # IESO transmission outage, read-only


class OutageState(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    RESTORED = "restored"
    CANCELLED = "cancelled"


class BidStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"
    BLOCKED = "blocked"


class Market(StrEnum):
    DAM = "dam"
    REAL_TIME = "real_time"
    DISTRIBUTION = "distribution"


class AlertState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """OperatorFabric / ISA-101 severity scale, most severe first."""

    ALARM = "alarm"
    ACTION = "action"
    COMPLIANT = "compliant"
    INFORMATION = "information"


class MeterStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class AssessmentClass(StrEnum):
    """A connection impact assessment is under or over 10 MW (different LDC / IESO processes)."""

    UNDER_10MW = "under_10mw"
    OVER_10MW = "over_10mw"


class UploadStatus(StrEnum):
    PREVIEWED = "previewed"  # valid, shown to the aggregator, not applied yet
    REFUSED = "refused"  # at least one row invalid: nothing applied
    APPLIED = "applied"
    SUPERSEDED = "superseded"  # a later upload was previewed before this one was applied


class BidChangeKind(StrEnum):
    SUBMITTED = "submitted"
    AMENDED = "amended"
    WITHDRAWN = "withdrawn"
    BLOCKED = "blocked"  # refused or stopped by an outage or a distribution constraint
    UNBLOCKED = "unblocked"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    ACKNOWLEDGED = "acknowledged"
    FLOOR_AUTOMATIC = "floor_automatic"  # a floor-price quantity changed by an outage starting or ending
    FLOOR_OVERRIDE = "floor_override"  # the distributor set the floor-price quantity by hand


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


class SeriesKind(StrEnum):
    DER_OUTPUT = "der_output"  # kW, + export
    FEEDER_LOAD = "feeder_load"  # MW
    STATION_LOAD = "station_load"  # MW
    RESOURCE_METER = "resource_meter"  # kW interval reads (MDM)
    ZONE_DEMAND = "zone_demand"  # MW
    ONTARIO_DEMAND = "ontario_demand"  # MW
    MARKET_DEMAND = "market_demand"  # MW
    ZONAL_PRICE = "zonal_price"  # $/MWh
    VG_FORECAST = "vg_forecast"  # MW
    RT_TOTAL = "rt_total"  # MW, a RealtimeTotals market quantity
    FEEDER_DER_OUTPUT = "feeder_der_output"  # MW, ADMS estimate of DER output below a feeder
    STATION_DER_OUTPUT = "station_der_output"  # MW, ADMS estimate of DER output below a station


class FeedKind(StrEnum):
    """How a poller source is read (docs/FEEDS.md): which parser, which ingest function."""

    IESO_REPORT = "ieso_report"
    DISPATCH = "dispatch"
    ADMS = "adms"
    MDM = "mdm"
    TELEMETRY = "telemetry"
    GIS = "gis"
