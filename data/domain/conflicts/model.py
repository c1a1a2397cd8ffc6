"""Inputs of the conflict engine (DOMAIN.md, "Conflict checks (per DER and 5-minute interval)").

Plain frozen dataclasses, validated when they are built, so bad data is refused at input with a clear
``ValueError`` (or ``TypeError`` for a wrong type) instead of producing a wrong conflict later:

- every time is timezone-aware and on a 5-minute market boundary (the IESO interval grid, counted from
  00:00 EST), and is normalised to UTC; spans are half-open ``[start, end)``;
- enum-like fields accept the enum or its value in any case ("IESO", "Timed Out", "timed-out");
- ``approved_at`` of a limit is an instant, not an interval edge: any aware time is accepted.

Units: every power is in **kW**, signed where it is a set point (+ export/injection, - import). Station DER
limits are kW too (the database keeps them in MW: multiply by 1,000 when building a ``Station``). Limits
(``export_kw``, ``import_kw``, station limits) are magnitudes (>= 0); ``None`` means "no limit on that side".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from data.domain.conflicts.result import Id
from data.domain.conflicts.validation import (
    aware,
    check_date,
    check_hour_ending,
    check_id,
    check_ids,
    check_span,
    enum_value,
    iso,
    number,
    require_aligned,
    set_field,
)
from data.domain.enums import DispatchState, Issuer, LimitStatus, OutageKind, OutageState, StationKind, TargetKind

__all__ = ["ConflictInputs", "DamBid", "Der", "DerLimit", "Feeder", "Id", "Instruction", "Outage", "Station"]


# --- the grid -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Station:
    """A station of the supply tree, with optional DER export/import limits in kW (magnitudes).

    ``kind`` may be left out: a station with no supply is a TS (a T/D connection point), one with a
    supply a DS. An embedded LDC's station is supplied by a host feeder (``supply_feeder_id``).
    """

    id: Id
    kind: StationKind | None = None
    supply_station_id: Id | None = None
    supply_feeder_id: Id | None = None
    der_export_limit_kw: float | None = None
    der_import_limit_kw: float | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "station id")
        if self.kind is None:
            no_supply = self.supply_station_id is None and self.supply_feeder_id is None
            set_field(self, "kind", StationKind.TS if no_supply else StationKind.DS)
        else:
            set_field(self, "kind", enum_value(StationKind, self.kind, f"station {self.id} kind"))
        for name in ("der_export_limit_kw", "der_import_limit_kw"):
            set_field(self, name, number(getattr(self, name), f"station {self.id} {name}", minimum=0, optional=True))

    @property
    def has_der_limit(self) -> bool:
        return self.der_export_limit_kw is not None or self.der_import_limit_kw is not None

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "kind": str(self.kind), "der_export_limit_kw": self.der_export_limit_kw,
                "der_import_limit_kw": self.der_import_limit_kw}


@dataclass(frozen=True)
class Feeder:
    id: Id
    station_id: Id

    def __post_init__(self) -> None:
        check_id(self.id, "feeder id")
        check_id(self.station_id, f"feeder {self.id} station_id")


@dataclass(frozen=True)
class Der:
    """A DER on one feeder; ``station_id`` None means "the feeder's station"; rated capacity in kW."""

    id: Id
    feeder_id: Id
    station_id: Id | None
    rated_kw: float
    resource_id: Id | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "DER id")
        check_id(self.feeder_id, f"DER {self.id} feeder_id")
        if self.station_id is not None:
            check_id(self.station_id, f"DER {self.id} station_id")
        if self.resource_id is not None:
            check_id(self.resource_id, f"DER {self.id} resource_id")
        set_field(self, "rated_kw", number(self.rated_kw, f"DER {self.id} rated_kw", minimum=0))

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "feeder_id": self.feeder_id, "station_id": self.station_id,
                "rated_kw": self.rated_kw, "resource_id": self.resource_id}


# --- what is checked ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """An IESO or DSO instruction: a signed set point (kW, + export) over ``[start, end)``.

    Targets: one DER, a resource (all its DERs; each DER takes a share of the set point pro rata to its
    rated capacity), a feeder or a station (every DER supplied through it, embedded LDCs included).
    """

    id: Id
    issuer: Issuer
    target_kind: TargetKind
    target_id: Id
    setpoint_kw: float
    start: datetime
    end: datetime
    state: DispatchState = DispatchState.ACCEPTED

    def __post_init__(self) -> None:
        check_id(self.id, "instruction id")
        set_field(self, "issuer", enum_value(Issuer, self.issuer, f"instruction {self.id} issuer"))
        set_field(self, "target_kind", enum_value(TargetKind, self.target_kind, f"instruction {self.id} target_kind"))
        check_id(self.target_id, f"instruction {self.id} target_id")
        set_field(self, "setpoint_kw", number(self.setpoint_kw, f"instruction {self.id} setpoint_kw"))
        set_field(self, "state", enum_value(DispatchState, self.state, f"instruction {self.id} state"))
        start, end = check_span(self, self.start, self.end)
        set_field(self, "start", start)
        set_field(self, "end", end)

    @property
    def evidence_id(self) -> str:
        return f"instruction:{self.id}"

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "issuer": str(self.issuer), "target_kind": str(self.target_kind),
                "target_id": self.target_id, "setpoint_kw": self.setpoint_kw, "start": iso(self.start),
                "end": iso(self.end), "state": str(self.state)}


@dataclass(frozen=True)
class DerLimit:
    """An LDC decision on a DER's export/import limit (kW magnitudes) for one trade date and hour-ending (EST).

    Several rows may share an ``id`` (one request, one row per hour). Only ``status == approved`` rows are
    limits; among them the one with the latest ``approved_at`` wins for its DER, date and hour
    (``approved_at`` None sorts first; ties go to the later row in the input).
    """

    id: Id
    der_id: Id
    trade_date: date
    hour_ending: int
    export_kw: float | None
    import_kw: float | None
    approved_at: datetime | None = None
    status: LimitStatus = LimitStatus.APPROVED

    def __post_init__(self) -> None:
        check_id(self.id, "limit id")
        check_id(self.der_id, f"limit {self.id} der_id")
        check_date(self.trade_date, f"limit {self.id} trade_date")
        check_hour_ending(self.hour_ending, f"limit {self.id} hour_ending")
        set_field(self, "export_kw", number(self.export_kw, f"limit {self.id} export_kw", minimum=0, optional=True))
        set_field(self, "import_kw", number(self.import_kw, f"limit {self.id} import_kw", minimum=0, optional=True))
        if self.approved_at is not None:
            set_field(self, "approved_at", aware(self.approved_at, f"limit {self.id} approved_at"))
        set_field(self, "status", enum_value(LimitStatus, self.status, f"limit {self.id} status"))

    @property
    def is_approved(self) -> bool:
        return self.status == LimitStatus.APPROVED

    @property
    def evidence_id(self) -> str:
        return f"limit:{self.id}"

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "der_id": self.der_id, "trade_date": self.trade_date.isoformat(),
                "hour_ending": self.hour_ending, "export_kw": self.export_kw, "import_kw": self.import_kw,
                "approved_at": iso(self.approved_at), "status": str(self.status)}


@dataclass(frozen=True)
class Outage:
    """An outage or constraint on stations and/or feeders (and so on every DER supplied through them).

    In force over ``[start, restored_at)`` when restored, else ``[start, end)``, else from ``start`` until
    restored (no end). Cancelled outages are ignored; planned and active ones count.
    """

    id: Id
    start: datetime
    end: datetime | None = None
    restored_at: datetime | None = None
    state: OutageState = OutageState.ACTIVE
    station_ids: tuple[Id, ...] = ()
    feeder_ids: tuple[Id, ...] = ()
    kind: OutageKind = OutageKind.FORCED
    derate_pct: float | None = None
    max_kw: float | None = None

    def __post_init__(self) -> None:
        check_id(self.id, "outage id")
        name = f"outage {self.id}"
        set_field(self, "start", require_aligned(self.start, f"{name} start"))
        if self.end is not None:
            set_field(self, "end", require_aligned(self.end, f"{name} end"))
            if self.end <= self.start:
                raise ValueError(f"{name} end {self.end.isoformat()} must be after start {self.start.isoformat()}")
        if self.restored_at is not None:
            set_field(self, "restored_at", require_aligned(self.restored_at, f"{name} restored_at"))
            if self.restored_at < self.start:
                raise ValueError(f"{name} restored_at {self.restored_at.isoformat()} is before its start")
        set_field(self, "state", enum_value(OutageState, self.state, f"{name} state"))
        set_field(self, "kind", enum_value(OutageKind, self.kind, f"{name} kind"))
        if self.state == OutageState.RESTORED and self.restored_at is None and self.end is None:
            raise ValueError(f"{name} is restored but has neither restored_at nor end")
        set_field(self, "station_ids", check_ids(self.station_ids, f"{name} station_ids"))
        set_field(self, "feeder_ids", check_ids(self.feeder_ids, f"{name} feeder_ids"))
        set_field(self, "derate_pct", number(self.derate_pct, f"{name} derate_pct", minimum=0, optional=True))
        if self.derate_pct is not None and self.derate_pct > 100:
            raise ValueError(f"{name} derate_pct must be in 0..100, got {self.derate_pct}")
        set_field(self, "max_kw", number(self.max_kw, f"{name} max_kw", minimum=0, optional=True))

    @property
    def ignored(self) -> bool:
        return self.state == OutageState.CANCELLED

    @property
    def effective_end(self) -> datetime | None:
        """End of the period in force: the restoration time wins; None = in force until restored."""
        return self.restored_at if self.restored_at is not None else self.end

    @property
    def evidence_id(self) -> str:
        return f"outage:{self.id}"

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "kind": str(self.kind), "state": str(self.state), "start": iso(self.start),
                "end": iso(self.end), "restored_at": iso(self.restored_at), "station_ids": list(self.station_ids),
                "feeder_ids": list(self.feeder_ids), "derate_pct": self.derate_pct, "max_kw": self.max_kw}


@dataclass(frozen=True)
class DamBid:
    """A Day-Ahead Market bid of a resource for some hours (hour-ending, EST) of a trade date.

    ``der_ids``: the contributor DERs; when empty, every DER whose ``resource_id`` is the bid's resource.
    """

    id: Id
    resource_id: Id | None
    trade_date: date
    hours: tuple[int, ...] = tuple(range(1, 25))
    der_ids: tuple[Id, ...] = ()

    def __post_init__(self) -> None:
        check_id(self.id, "bid id")
        if self.resource_id is not None:
            check_id(self.resource_id, f"bid {self.id} resource_id")
        check_date(self.trade_date, f"bid {self.id} trade_date")
        if isinstance(self.hours, int):
            raise TypeError(f"bid {self.id} hours must be a collection of hour-endings")
        hours = tuple(sorted({check_hour_ending(h, f"bid {self.id} hour") for h in self.hours}))
        if not hours:
            raise ValueError(f"bid {self.id} has no hours")
        set_field(self, "hours", hours)
        set_field(self, "der_ids", check_ids(self.der_ids, f"bid {self.id} der_ids"))
        if self.resource_id is None and not self.der_ids:
            raise ValueError(f"bid {self.id} names neither a resource nor DERs")

    @property
    def evidence_id(self) -> str:
        return f"bid:{self.id}"

    def evidence(self) -> dict[str, Any]:
        return {"id": self.id, "resource_id": self.resource_id, "trade_date": self.trade_date.isoformat(),
                "hours": list(self.hours), "der_ids": list(self.der_ids)}


def _unique(items: tuple[Any, ...], what: str) -> None:
    seen: set[Any] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} id {item.id!r} appears twice")
        seen.add(item.id)


def _typed(items: Iterable[Any], cls: type, name: str) -> tuple[Any, ...]:
    out = tuple(items)
    for item in out:
        if not isinstance(item, cls):
            raise TypeError(f"{name} must hold {cls.__name__} objects, got {type(item).__name__}")
    return out


@dataclass(frozen=True)
class ConflictInputs:
    """Everything one engine run looks at. Lists are accepted and stored as tuples."""

    stations: tuple[Station, ...] = ()
    feeders: tuple[Feeder, ...] = ()
    ders: tuple[Der, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    limits: tuple[DerLimit, ...] = ()
    outages: tuple[Outage, ...] = ()
    bids: tuple[DamBid, ...] = ()

    def __post_init__(self) -> None:
        for name, cls in (("stations", Station), ("feeders", Feeder), ("ders", Der), ("instructions", Instruction),
                          ("limits", DerLimit), ("outages", Outage), ("bids", DamBid)):
            set_field(self, name, _typed(getattr(self, name), cls, name))
        for name, what in (("stations", "station"), ("feeders", "feeder"), ("ders", "DER"),
                           ("instructions", "instruction"), ("outages", "outage"), ("bids", "bid")):
            _unique(getattr(self, name), what)
