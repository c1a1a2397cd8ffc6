"""Writes what the feeds bring: readings, IESO transmission outages and dispatches, GIS grid updates.

The only code that writes feed data. Every function works in the caller's Session (the poller runner opens
one transaction per file), is idempotent (the same file twice changes nothing) and returns the number of
rows inserted or changed. Codes the platform does not know are never a crash: they become warnings,
appended to ``warnings`` when the caller passes a list, else logged.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from data.domain.enums import DispatchState, Issuer, OutageKind, OutageState, SeriesKind, TargetKind
from data.models import Der, DispatchInstruction, Feeder, Outage, OutageElement, Reading, Resource, Series, Station
from data.models.base import utcnow
from data.pollers.parsers.ldc_records import GridElementUpdate, Measurement
from data.pollers.parsers.records import DispatchRecord, Observation, TxOutage
from data.services import audit, bid_rechecks

__all__ = ["COPY_THRESHOLD", "apply_grid_updates", "measurement_kind", "observation_kind", "upsert_dispatches",
           "upsert_measurements", "upsert_observations", "upsert_readings", "upsert_tx_outages"]

log = logging.getLogger("td_platform.ingest")

BATCH_ROWS = 1000  # rows per INSERT statement: far below SQLite's and PostgreSQL's parameter limits
COPY_THRESHOLD = 5000  # from this many readings on PostgreSQL, COPY into a temp table beats INSERT batches
CODE_CHUNK = 500
_LISTED = 10  # unknown codes named in one warning

_MEASUREMENT_KINDS = {
    ("station", "load_mw"): SeriesKind.STATION_LOAD,
    ("feeder", "load_mw"): SeriesKind.FEEDER_LOAD,
    ("station", "der_output_mw"): SeriesKind.STATION_DER_OUTPUT,
    ("feeder", "der_output_mw"): SeriesKind.FEEDER_DER_OUTPUT,
}
# SPEC-155 STATE (New / Timed Out / Accepted / Rejected), lower-cased -> ours
_DISPATCH_STATES = {s.value.replace("_", " "): s for s in DispatchState if s != DispatchState.CANCELLED}
_CANCELLED = re.compile(r"CANCEL|WITHDRAW|REJECT|REVOK|DENIED")
_COMPLETED = re.compile(r"COMPLETE|FINISH|CLOSED|RETURNED TO SERVICE")


def _warn(warnings: list[str] | None, message: str) -> None:
    if warnings is None:
        log.warning(message)
    else:
        warnings.append(message)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- readings ----------------------------------------------------------------------------------------


def observation_kind(quantity: str) -> SeriesKind:
    """Series kind of an IESO report quantity (names as the parsers publish them)."""
    name = quantity.upper()
    if name == "ONTARIO DEMAND":
        return SeriesKind.ONTARIO_DEMAND
    if name == "MARKET DEMAND":
        return SeriesKind.MARKET_DEMAND
    if name in ("ZONAL DEMAND", "ZONE TOTAL", "ZONE DIFF"):
        return SeriesKind.ZONE_DEMAND
    if "PRICE" in name:
        return SeriesKind.ZONAL_PRICE
    if name.endswith("FORECAST"):
        return SeriesKind.VG_FORECAST
    return SeriesKind.RT_TOTAL  # RealtimeTotals quantities, including those the IESO adds later


def measurement_kind(measurement: Measurement) -> SeriesKind | None:
    """Series kind of an LDC/aggregator measurement; None for a combination no feed defines."""
    if measurement.subject_kind == "der":
        return SeriesKind.DER_OUTPUT
    if measurement.subject_kind == "resource":
        return SeriesKind.RESOURCE_METER
    return _MEASUREMENT_KINDS.get((measurement.subject_kind, measurement.quantity))


class _SeriesKey(NamedTuple):
    kind: str
    der_id: int | None
    resource_id: int | None
    feeder_id: int | None
    station_id: int | None
    zone: str | None
    quantity: str


def _series_ids(
    session: Session, source: str, wanted: dict[_SeriesKey, tuple[str, int]], warnings: list[str] | None
) -> dict[_SeriesKey, int]:
    """Find or create the series of ``wanted`` (key -> unit, resolution): one query, then one flush."""
    columns = [getattr(Series, name) for name in _SeriesKey._fields]
    found: dict[_SeriesKey, int] = {}
    resolutions: dict[_SeriesKey, int] = {}
    kinds = sorted({key.kind for key in wanted})
    query = select(Series.id, Series.resolution_s, *columns).where(Series.source == source, Series.kind.in_(kinds))
    for row in session.execute(query):
        key = _SeriesKey(*row[2:])
        found[key], resolutions[key] = row.id, row.resolution_s
    created: dict[_SeriesKey, Series] = {}
    for key, (unit, resolution) in wanted.items():
        if key not in found:
            created[key] = Series(**key._asdict(), unit=unit, resolution_s=resolution, source=source)
        elif resolutions[key] != resolution:
            _warn(warnings, f"{source}: {key.quantity} arrives at {resolution} s but its series is "
                            f"{resolutions[key]} s; stored as it comes")
    if created:
        session.add_all(created.values())
        session.flush()
        found.update({key: series.id for key, series in created.items()})
    return found


def upsert_observations(
    session: Session,
    observations: Iterable[Observation],
    source: str,
    *,
    received_at: datetime | None = None,
    warnings: list[str] | None = None,
) -> int:
    """Store IESO report values (one series per quantity, zone and source); rows inserted or changed."""
    items = list(observations)
    if not items:
        return 0
    wanted = {_SeriesKey(observation_kind(o.quantity), None, None, None, None, o.zone, o.quantity):
              (o.unit, o.resolution_s) for o in items}
    ids = _series_ids(session, source, wanted, warnings)
    rows: dict[tuple[int, datetime], float | None] = {}
    for o in items:  # a later value for the same interval wins, as on restatement
        key = _SeriesKey(observation_kind(o.quantity), None, None, None, None, o.zone, o.quantity)
        rows[(ids[key], o.ts_utc)] = o.value
    return upsert_readings(session, rows, received_at or utcnow())


def _ids_by_code(session: Session, code: InstrumentedAttribute[Any], codes: set[str]) -> dict[str, int]:
    model_id = code.class_.id
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(codes), CODE_CHUNK):
        found.update({c: i for c, i in session.execute(select(code, model_id).where(code.in_(chunk)))})
    return found


_SUBJECT_CODES: dict[str, InstrumentedAttribute[Any]] = {
    "station": Station.code, "feeder": Feeder.code, "der": Der.platform_id, "resource": Resource.resource_code,
}


def _measurement_key(m: Measurement, subject_id: int | None) -> _SeriesKey | None:
    kind = measurement_kind(m)
    if kind is None or subject_id is None:
        return None
    subject = {m.subject_kind: subject_id}
    return _SeriesKey(kind, subject.get("der"), subject.get("resource"), subject.get("feeder"),
                      subject.get("station"), None, m.quantity)


def upsert_measurements(
    session: Session,
    measurements: Iterable[Measurement],
    source: str,
    *,
    received_at: datetime | None = None,
    warnings: list[str] | None = None,
) -> int:
    """Store LDC/aggregator values against the platform's stations, feeders, DERs and resources.

    Unknown codes are counted and named in one warning per subject kind; their values are not stored.
    """
    items = list(measurements)
    if not items:
        return 0
    codes: dict[str, set[str]] = defaultdict(set)
    for m in items:
        codes[m.subject_kind].add(m.subject_code)
    ids = {kind: _ids_by_code(session, _SUBJECT_CODES[kind], wanted)
           for kind, wanted in codes.items() if kind in _SUBJECT_CODES}
    unknown: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    keys: dict[tuple[str, str, str], _SeriesKey | None] = {}  # one key per series, not per value
    keyed: list[tuple[_SeriesKey, Measurement]] = []
    wanted: dict[_SeriesKey, tuple[str, int]] = {}
    for m in items:
        ident = (m.subject_kind, m.subject_code, m.quantity)
        if ident not in keys:
            keys[ident] = _measurement_key(m, ids.get(m.subject_kind, {}).get(m.subject_code))
        key = keys[ident]
        if key is None:
            known_kind = measurement_kind(m) is not None
            unknown[m.subject_kind if known_kind else f"{m.subject_kind} {m.quantity}"][m.subject_code] += 1
            continue
        wanted.setdefault(key, (m.unit, m.resolution_s))
        keyed.append((key, m))
    for subject, counts in unknown.items():
        names = ", ".join(sorted(counts)[:_LISTED]) + (" ..." if len(counts) > _LISTED else "")
        _warn(warnings, f"{source}: {sum(counts.values())} value(s) for {len(counts)} unknown {subject} "
                        f"code(s) not stored: {names}")
    series = _series_ids(session, source, wanted, warnings)
    rows = {(series[key], m.ts_utc): m.value for key, m in keyed}
    return upsert_readings(session, rows, received_at or utcnow())


def upsert_readings(session: Session, rows: dict[tuple[int, datetime], float | None], received_at: datetime) -> int:
    """Idempotent bulk upsert of {(series_id, ts): value}; a row counts only when inserted or its value changed.

    A restated value replaces the old one and takes the new ``received_at``; an unchanged value keeps its row
    untouched, so reading the same file twice changes nothing.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_THRESHOLD:
        return _copy_upsert(session, rows, received_at)
    table: Table = Reading.__table__  # type: ignore[assignment]
    if dialect == "postgresql":
        statement = postgresql_insert(table)
    elif dialect == "sqlite":
        statement = sqlite_insert(table)
    else:
        raise NotImplementedError(f"no bulk upsert for {dialect}")
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.series_id, table.c.ts],
        set_={"value": statement.excluded.value, "received_at": statement.excluded.received_at},
        where=table.c.value.is_distinct_from(statement.excluded.value),
    ).returning(table.c.series_id)  # rows skipped by the WHERE return nothing: the count is exact
    values = [{"series_id": s, "ts": ts, "value": v, "received_at": received_at} for (s, ts), v in rows.items()]
    return sum(len(session.execute(upsert, batch).all()) for batch in _chunks(values, BATCH_ROWS))


_LOAD_TABLE = """CREATE TEMP TABLE IF NOT EXISTS reading_load (
    series_id bigint, ts timestamptz, value double precision, received_at timestamptz) ON COMMIT DELETE ROWS"""
_LOAD_UPSERT = """INSERT INTO reading (series_id, ts, value, received_at)
    SELECT series_id, ts, value, received_at FROM reading_load ORDER BY series_id, ts
    ON CONFLICT (series_id, ts) DO UPDATE SET value = EXCLUDED.value, received_at = EXCLUDED.received_at
    WHERE reading.value IS DISTINCT FROM EXCLUDED.value"""


def _copy_upsert(session: Session, rows: dict[tuple[int, datetime], float | None], received_at: datetime) -> int:
    """PostgreSQL: binary COPY into a temp table, then one INSERT ... SELECT ... ON CONFLICT, in the caller's
    transaction (the psycopg connection under the Session)."""
    dbapi = session.connection().connection.driver_connection
    with dbapi.cursor() as cursor:
        cursor.execute(_LOAD_TABLE)
        cursor.execute("TRUNCATE reading_load")  # a second load in the same transaction starts empty
        with cursor.copy("COPY reading_load (series_id, ts, value, received_at) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "timestamptz", "float8", "timestamptz"])
            for (series_id, ts), value in rows.items():
                copy.write_row((series_id, ts, value, received_at))
        cursor.execute(_LOAD_UPSERT)
        return max(cursor.rowcount, 0)


# --- changes to mirrored rows ------------------------------------------------------------------------


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when any did (an unchanged row is not rewritten)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


# --- IESO transmission outages -----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).strip().upper()


class _StationMatcher:
    """Equipment name -> station: "ESSA TS T1" -> "Essa TS" (longest station name the equipment starts with,
    case-insensitive), or a station code as the first word. Best effort; None when nothing matches."""

    def __init__(self, session: Session) -> None:
        stations = session.execute(select(Station.id, Station.code, Station.name)).all()
        self.by_code = {_normal(s.code): s.id for s in stations}
        self.by_name = sorted(((_normal(s.name), s.id) for s in stations), key=lambda p: -len(p[0]))

    def __call__(self, equipment: str) -> int | None:
        name = _normal(equipment)
        code = self.by_code.get(name.split(" ", 1)[0])
        if code is not None:
            return code
        return next((i for n, i in self.by_name if name == n or name.startswith(n + " ")), None)


def _outage_state(outage: TxOutage, now: datetime) -> tuple[OutageState, datetime | None]:
    """State and restoration time from the IESO status and the planned window."""
    status = _normal(outage.status or "")
    end = outage.planned_end_utc
    if _CANCELLED.search(status):
        return OutageState.CANCELLED, None
    if _COMPLETED.search(status):
        return OutageState.RESTORED, min(end, now) if end else now
    if end is not None and end <= now:
        return OutageState.RESTORED, end
    started = outage.planned_start_utc is not None and outage.planned_start_utc <= now
    if started or "IMPLEMENT" in status:
        return OutageState.ACTIVE, None
    return OutageState.PLANNED, None


def _outage_description(outage: TxOutage) -> str:
    parts = [
        " ".join(p for p in (e.name, e.type, f"{e.voltage} kV" if e.voltage else None, e.constraint_type) if p)
        for e in outage.equipment
    ]
    facts = {"status": outage.status, "priority": outage.priority, "recurrence": outage.recurrence,
             "recall": outage.recall_time, **outage.extra}
    parts.append(", ".join(f"{k} {v}" for k, v in facts.items() if v))
    return "; ".join(p for p in parts if p)[:2000]


def upsert_tx_outages(
    session: Session,
    outages: Iterable[TxOutage],
    ieso_org_id: int,
    *,
    now: datetime | None = None,
    warnings: list[str] | None = None,
) -> int:
    """Mirror IESO transmission outages (read-only, keyed by OutageID) on the stations they name; recheck bids below."""
    now = now or utcnow()
    match = _StationMatcher(session)
    items = list(outages)
    existing = {o.external_id: o for o in session.scalars(
        select(Outage).where(Outage.external_id.in_([o.outage_id for o in items])))}
    touched_rows: list[Outage] = []
    for outage in items:
        if outage.planned_start_utc is None:
            _warn(warnings, f"outage {outage.outage_id}: no PlannedStart; not stored")
            continue
        state, restored_at = _outage_state(outage, now)
        names = [e.name for e in outage.equipment if e.name]
        stations: set[int] = set()
        for name in names:
            station_id = match(name)
            if station_id is None:
                _warn(warnings, f"outage {outage.outage_id}: equipment {name!r} matches no station")
            else:
                stations.add(station_id)
        values = {
            "kind": OutageKind.TRANSMISSION.value, "state": state.value, "reporter_org_id": ieso_org_id,
            "equipment_name": "; ".join(names)[:200] or None, "start_at": outage.planned_start_utc,
            "estimated_restoration_at": outage.planned_end_utc, "restored_at": restored_at,
            "description": _outage_description(outage) or None,
        }
        row = existing.get(outage.outage_id)
        if row is not None and row.state == state == OutageState.RESTORED and row.restored_at is not None:
            values["restored_at"] = row.restored_at  # once restored, the time stays (a poll's "now" must not move it)
        if row is None:
            row = Outage(external_id=outage.outage_id, **values)
            session.add(row)
            existing[outage.outage_id] = row
            touched = True
        else:
            touched = _assign(row, values)
        if {e.station_id for e in row.elements} != stations:
            row.elements = [OutageElement(station_id=s) for s in sorted(stations)]
            touched = True
        if touched:
            touched_rows.append(row)
    session.flush()
    bid_rechecks.on_outages_changed(session, [row.id for row in touched_rows], now)
    return len(touched_rows)


# --- IESO dispatch instructions ----------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    return value


def _dispatch_end(record: DispatchRecord, start: datetime) -> datetime:
    """DELIVERY_STOP_TIME, else the end of the delivery interval (5 min) or hour."""
    if record.delivery_stop_utc is not None and record.delivery_stop_utc > start:
        return record.delivery_stop_utc
    if record.delivery_interval is None and record.delivery_hour is not None:
        return start + timedelta(hours=1)
    return start + timedelta(minutes=5)


def upsert_dispatches(
    session: Session, records: Iterable[DispatchRecord], ieso_org_id: int, *, warnings: list[str] | None = None
) -> int:
    """Mirror SPEC-155 instructions (upsert by MESSAGE_ID) on the resource whose code is RESOURCE_ID.

    AMOUNT is MW and is stored in kW. A state the platform already moved on from (accepted, rejected ...) is
    never sent back to "new" by a re-read message.
    """
    items = list(records)
    resources = _ids_by_code(session, Resource.resource_code, {r.resource_id for r in items if r.resource_id})
    existing = {d.message_id: d for d in session.scalars(
        select(DispatchInstruction).where(DispatchInstruction.message_id.in_([r.message_id for r in items])))}
    changed = 0
    for record in items:
        label = f"dispatch {record.message_id}"
        resource_id = resources.get(record.resource_id or "")
        if resource_id is None:
            _warn(warnings, f"{label}: unknown resource {record.resource_id!r}; skipped")
            continue
        if record.delivery_start_utc is None:
            _warn(warnings, f"{label}: no delivery start; skipped")
            continue
        row = existing.get(record.message_id)
        state = _DISPATCH_STATES.get((record.state or "").lower())
        if state is None:
            _warn(warnings, f"{label}: state {record.state!r} not understood; kept as "
                            f"{row.state if row else DispatchState.NEW.value}")
        if state is None or (state == DispatchState.NEW and row is not None):
            state = DispatchState(row.state) if row else DispatchState.NEW
        values: dict[str, Any] = {
            "issuer": Issuer.IESO.value, "issuer_org_id": ieso_org_id, "dispatch_type": record.dispatch_type,
            "limit_type": record.limit_type, "state": state.value, "target_kind": TargetKind.RESOURCE.value,
            "resource_id": resource_id, "start_at": record.delivery_start_utc,
            "end_at": _dispatch_end(record, record.delivery_start_utc), "delivery_date": record.delivery_date,
            "delivery_hour": record.delivery_hour, "delivery_interval": record.delivery_interval,
            "ack_deadline": record.expires_at, "raw": _jsonable(dataclasses.asdict(record)),
        }
        if record.amount is not None:
            values["amount_kw"] = record.amount * 1000.0  # SPEC-155 AMOUNT is MW
        elif row is None:
            _warn(warnings, f"{label}: no AMOUNT; a new instruction needs one, skipped")
            continue
        if row is None:
            row = DispatchInstruction(message_id=record.message_id, **values)
            session.add(row)
            existing[record.message_id] = row
            changed += 1
        else:
            changed += _assign(row, values)
    session.flush()
    return changed


# --- GIS grid updates --------------------------------------------------------------------------------

_STATION_FIELDS = ("name", "rated_mw", "lat", "lon")
_FEEDER_FIELDS = ("name", "rated_mw", "voltage_kv", "hosting_capacity_kw", "geometry")


def apply_grid_updates(
    session: Session, updates: Iterable[GridElementUpdate], *, warnings: list[str] | None = None
) -> int:
    """Update existing stations and feeders by code; each change is audited. New codes are warned about:
    a new element goes through registration, and moving one (zone, kind, supplying station) through the
    grid workflow, never through a feed."""
    items = list(updates)
    stations = {s.code: s for s in session.scalars(
        select(Station).where(Station.code.in_([u.code for u in items if u.kind == "station"])))}
    feeders = {f.code: f for f in session.scalars(
        select(Feeder).where(Feeder.code.in_([u.code for u in items if u.kind == "feeder"])))}
    station_codes = {i: c for i, c in session.execute(select(Station.id, Station.code))} if feeders else {}
    changed = 0
    for update in items:
        row: Station | Feeder | None = (stations if update.kind == "station" else feeders).get(update.code)
        if row is None:
            _warn(warnings, f"GIS: unknown {update.kind} {update.code}; register it first")
            continue
        given = {**update.attributes, "name": update.name, "geometry": update.line}
        fields = _STATION_FIELDS if update.kind == "station" else _FEEDER_FIELDS
        values = {f: given[f] for f in fields if given.get(f) is not None}
        fixed = {"kind": row.kind, "zone": row.zone} if isinstance(row, Station) else {
            "station_code": station_codes.get(row.station_id)}
        for name, current in fixed.items():
            if name in given and given[name] != current:
                _warn(warnings, f"GIS: {update.kind} {update.code} {name} {given[name]!r} differs from "
                                f"{current!r}; not changed by a feed")
        before = {f: getattr(row, f) for f in values}
        if _assign(row, values):
            changed += 1
            audit.record(session, None, "gis_update", update.kind, update.code,
                         before={f: v for f, v in before.items() if v != values[f]},
                         after={f: v for f, v in values.items() if before[f] != v})
    session.flush()
    return changed
