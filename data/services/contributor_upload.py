"""Contributor DER uploads: preview (validate and plan, store the result) and apply (all rows or nothing).

The caller opens the transaction (`db.transaction()`) and passes its session. ``preview_upload`` stores a
``ContributorUpload`` as previewed (with the plan's counts and a sample of rows) or refused (with every
problem); nothing else changes. ``apply_upload`` checks the stored rows again against the registry as it is
now and then writes everything with bulk statements in the caller's transaction: new pending DERs with
their submitted meters and enrolments, changes, switches, deactivations, enrolment ends, one audit row and
the notifications. If the check fails the upload becomes refused and nothing else is written.
"""
from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from data.access import AccessDenied, Permission, Principal
from data.domain.contributor_plan import (
    ACTION_LABELS,
    Location,
    PlannedRow,
    RowAction,
    UploadContext,
    UploadPlan,
    build_plan,
)
from data.domain.contributor_upload import FILE_PROBLEM_ROW, ParsedFile, Problem, from_csv, parse_upload, to_csv
from data.domain.enrolments import EnrolmentOutcome
from data.domain.enums import DerStatus, EnrolmentStatus, MeterStatus, Role, Severity, UploadStatus
from data.domain.errors import DomainError, IllegalTransition
from data.domain.market_time import trade_date_of
from data.models import ContributorUpload, Der, Enrolment, Meter, Notification
from data.models.base import utcnow
from data.queries.contributors import organisation_name, upload_context
from data.queries.feeder_lookup import nearest_feeders
from data.services import audit

PREVIEW_ROWS = 2_000  # rows kept with the upload for the preview grid
STORED_PROBLEMS = 5_000
NOTIFICATION_KIND = "contributor_upload"
REGISTRY_LINK = "/registry"
CONTRIBUTORS_LINK = "/contributors"
# NULLs rendered as NULL: the ORM would otherwise split a bulk INSERT into one batch per pattern of None values.
_BULK = {"render_nulls": True}
COPY_FROM = 2_000  # rows from which COPY beats a pipelined executemany on PostgreSQL


def market_today() -> date:
    return trade_date_of(utcnow())


def _aggregator_of(principal: Principal) -> int:
    principal.require(Permission.UPLOAD_CONTRIBUTORS)
    if principal.acts_as is not Role.AGGREGATOR or principal.organisation_id is None:
        raise AccessDenied("only an aggregator uploads contributor DERs")
    return principal.organisation_id


def locate(session: Session, points: Sequence[tuple[int, float, float]]) -> dict[int, Location | None]:
    """(row, lat, lon) -> the nearest feeder within 5 km (one vectorised lookup for all rows)."""
    matches = nearest_feeders(session, [(lat, lon) for _, lat, lon in points])
    return {row: (None if m is None else Location(m.feeder_id, m.feeder_name, m.station_id, m.station_name,
                                                  m.ldc_id, m.distance_m))
            for (row, _, _), m in zip(points, matches, strict=True)}


def check(session: Session, aggregator_org_id: int, parsed: ParsedFile, today: date) -> tuple[UploadPlan,
                                                                                                UploadContext]:
    """The plan of a parsed file against the registry as it is now (no writes)."""
    context = upload_context(session, aggregator_org_id)
    plan = build_plan(parsed, context, lambda points: locate(session, points), today)
    return plan, context


# --- preview ---------------------------------------------------------------------------------------------------
def _clean_name(file_name: str) -> str:
    name = posixpath.basename(str(file_name).replace("\\", "/")).strip() or "upload"
    return "".join(ch for ch in name if ch.isprintable())[:300]


def _sample_row(item: PlannedRow, context: UploadContext) -> dict[str, Any]:
    r = item.source
    location = item.location
    enrolment = item.enrolment.add if item.enrolment is not None else None
    return {
        "row": item.row, "action": item.action.value, "action_label": ACTION_LABELS[item.action],
        "platform_id": item.platform_id or ("pending" if item.der_id is not None else "new"),
        "name": r.name or "", "technology": r.technology or "", "capacity_kw": r.capacity_kw,
        "feeder": location.feeder_name if location else "", "station": location.station_name if location else "",
        "ldc": context.ldc_names.get(location.ldc_id, "") if location else "",
        "program": (r.program_code or "").upper(), "start": enrolment.start.isoformat() if enrolment else "",
        "changed": ", ".join(item.changed),
    }


def _summary(plan: UploadPlan, context: UploadContext | None, row_count: int) -> dict[str, Any]:
    summary: dict[str, Any] = {"counts": plan.counts() if plan.ok else {}, "row_count": row_count,
                               "problem_count": len(plan.problems)}
    if plan.ok and context is not None:
        summary["rows"] = [_sample_row(item, context) for item in plan.rows[:PREVIEW_ROWS]]
        summary["left_aggregators"] = len({a for item in plan.rows for a in item.left_aggregator_ids})
        summary["ldcs"] = sorted({context.ldc_names.get(item.location.ldc_id, "") for item in plan.rows
                                  if item.action is RowAction.ADDED and item.location is not None})
    return summary


def _problems(plan: UploadPlan) -> list[dict[str, Any]]:
    return [p.as_dict() for p in plan.problems[:STORED_PROBLEMS]]


def preview_upload(session: Session, principal: Principal, file_name: str, content: bytes, *,
                   today: date | None = None) -> ContributorUpload:
    """Validate and plan an uploaded file; store it as previewed (valid) or refused (with its problems)."""
    aggregator = _aggregator_of(principal)
    today = today or market_today()
    parsed = parse_upload(file_name, content)
    context: UploadContext | None = None
    if parsed.problems:
        plan = UploadPlan(problems=sorted(set(parsed.problems)))
    else:
        plan, context = check(session, aggregator, parsed, today)
    status = UploadStatus.PREVIEWED if plan.ok else UploadStatus.REFUSED
    upload = ContributorUpload(
        aggregator_org_id=aggregator, user_id=principal.user_id, file_name=_clean_name(file_name),
        status=status.value, row_count=len(parsed.rows), content=to_csv(parsed),
        summary=_summary(plan, context, len(parsed.rows)), problems=_problems(plan),
    )
    session.add(upload)
    session.flush()
    if plan.ok:
        session.execute(
            update(ContributorUpload)
            .where(ContributorUpload.aggregator_org_id == aggregator, ContributorUpload.id != upload.id,
                   ContributorUpload.status == UploadStatus.PREVIEWED.value)
            .values(status=UploadStatus.SUPERSEDED.value)
        )
    audit.record(session, principal, "contributor_upload.preview", "contributor_upload", upload.id,
                 after={"file": upload.file_name, "status": status.value, "rows": upload.row_count,
                        "counts": upload.summary.get("counts") if upload.summary else {},
                        "problems": len(plan.problems)})
    return upload


# --- apply -----------------------------------------------------------------------------------------------------
def _refuse(session: Session, principal: Principal, upload: ContributorUpload, problems: list[Problem]) -> None:
    upload.status = UploadStatus.REFUSED.value
    upload.problems = [p.as_dict() for p in problems[:STORED_PROBLEMS]]
    upload.summary = {**(upload.summary or {}), "problem_count": len(problems), "refused_at_apply": True}
    audit.record(session, principal, "contributor_upload.refuse", "contributor_upload", upload.id,
                 after={"problems": len(problems)})


def apply_upload(session: Session, principal: Principal, upload_id: int, *,
                 today: date | None = None) -> ContributorUpload:
    """Apply a previewed upload: every row, in the caller's transaction, or (refused) none."""
    aggregator = _aggregator_of(principal)
    today = today or market_today()
    upload = session.scalar(select(ContributorUpload).where(ContributorUpload.id == upload_id).with_for_update())
    if upload is None or upload.aggregator_org_id != aggregator:
        raise DomainError(f"upload #{upload_id} is not one of your uploads")
    if upload.status != UploadStatus.PREVIEWED.value:
        raise IllegalTransition(f"upload #{upload_id} is {upload.status}: only a previewed upload can be applied")
    parsed = from_csv(upload.content)
    plan, context = check(session, aggregator, parsed, today)
    if not plan.ok:
        _refuse(session, principal, upload, plan.problems)
        return upload
    previewed = (upload.summary or {}).get("counts") or {}
    if plan.counts() != previewed:
        _refuse(session, principal, upload, [Problem(
            FILE_PROBLEM_ROW, "", "the registry changed since the preview (" + _counts_text(plan.counts()) +
            " now): upload the file again to see the new preview")])
        return upload
    upload.status = UploadStatus.APPLIED.value
    upload.applied_at = utcnow()
    session.flush()  # takes SQLite's write lock before new ids are chosen
    _write(session, principal, aggregator, upload, plan, context, today)
    audit.record(session, principal, "contributor_upload.apply", "contributor_upload", upload.id,
                 after={"file": upload.file_name, "rows": upload.row_count, "counts": plan.counts()})
    return upload


def _counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n:,} {action}" for action, n in counts.items() if n) or "nothing"


def _der_insert(item: PlannedRow, aggregator: int, now: Any) -> dict[str, Any]:
    location = item.location
    assert location is not None
    return {
        **item.values, "platform_id": None, "station_id": location.station_id, "feeder_id": location.feeder_id,
        "ldc_id": location.ldc_id, "owner_org_id": aggregator, "aggregator_org_id": aggregator,
        "registered_by_org_id": aggregator, "status": DerStatus.PENDING.value, "status_reason": None,
        "approved_at": None, "created_at": now,
    }


def _write(session: Session, principal: Principal, aggregator: int, upload: ContributorUpload, plan: UploadPlan,
           context: UploadContext, today: date) -> None:
    now = utcnow()
    added = [item for item in plan.rows if item.action is RowAction.ADDED]
    new_ids = _allocate_der_ids(session, len(added))
    _bulk_insert(session, Der, [{"id": der_id, **_der_insert(item, aggregator, now)}
                                for item, der_id in zip(added, new_ids, strict=True)])
    der_ids = {id(item): der_id for item, der_id in zip(added, new_ids, strict=True)}

    updates: list[dict[str, Any]] = []
    retire: list[int] = []
    meters: list[dict[str, Any]] = []
    for item in added:
        if item.values.get("meter_id"):
            meters.append(_meter(der_ids[id(item)], item.values["meter_id"], item.values["activation_date"] or today,
                                 aggregator, now))
    for item in plan.rows:
        if item.action is RowAction.ADDED or item.der_id is None:
            continue
        values = dict(item.values)
        if item.location is not None:
            values.update(station_id=item.location.station_id, feeder_id=item.location.feeder_id,
                          ldc_id=item.location.ldc_id)
        if item.action is RowAction.DEACTIVATED:
            values.update(status=DerStatus.DEACTIVATED.value,
                          status_reason=f"deactivated by contributor upload #{upload.id}")
        if values:
            updates.append({"id": item.der_id, **values})
        if "meter_id" in item.values:  # a meter change keeps the history: the old meter is retired today
            if item.old_meter:
                retire.append(item.der_id)
            meters.append(_meter(item.der_id, item.values["meter_id"], today, aggregator, now))
    for group in _by_keys(updates):
        session.execute(update(Der), group)
    for start in range(0, len(retire), 5_000):
        session.execute(update(Meter).where(Meter.der_id.in_(retire[start:start + 5_000]), Meter.valid_to.is_(None))
                        .values(valid_to=today, status=MeterStatus.RETIRED.value))
    _bulk_insert(session, Meter, meters)

    enrolment_inserts: list[dict[str, Any]] = []
    ends: dict[int, dict[str, Any]] = {}
    for item in plan.rows:
        der_id = der_ids.get(id(item), item.der_id)
        enrolment = item.enrolment
        if enrolment is not None and enrolment.outcome in (EnrolmentOutcome.NEW, EnrolmentOutcome.SWITCH):
            add = enrolment.add
            assert add is not None and der_id is not None
            enrolment_inserts.append({
                "der_id": der_id, "program_id": add.program_id, "aggregator_org_id": add.aggregator_org_id,
                "start_date": add.start, "end_date": add.end, "created_at": now,
                "status": (EnrolmentStatus.ENDED if add.end is not None and add.end <= today
                           else EnrolmentStatus.ACTIVE).value,
            })
        for end in (*(enrolment.ends if enrolment else ()), *item.enrolment_ends):
            ends[end.enrolment_id] = {
                "id": end.enrolment_id, "end_date": end.end,
                "status": (EnrolmentStatus.ENDED if end.end <= today else EnrolmentStatus.ACTIVE).value}
    if ends:
        session.execute(update(Enrolment), list(ends.values()))
    _bulk_insert(session, Enrolment, enrolment_inserts)
    _notify(session, principal, aggregator, added, plan, context, now)


def _bulk_insert(session: Session, model: type[Der | Meter | Enrolment], rows: list[dict[str, Any]]) -> None:
    """Many rows with the same keys: COPY on PostgreSQL (in the caller's transaction), else one executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql" or len(rows) < COPY_FROM:
        session.execute(insert(model), rows, execution_options=_BULK)
        return
    columns = list(rows[0])
    table = model.__table__
    session.flush()
    dbapi = session.connection().connection.driver_connection
    with dbapi.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:  # names from the model, not input
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _allocate_der_ids(session: Session, count: int) -> list[int]:
    """Ids for ``count`` new DERs, so the bulk INSERT needs no RETURNING (psycopg then pipelines one prepared
    statement instead of parsing pages of a 28,000-placeholder VALUES list)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text("SELECT nextval(pg_get_serial_sequence('der', 'id')) "
                                         "FROM generate_series(1, :n)"), {"n": count}))
    # SQLite: one writer at a time, and this transaction already holds the write lock (the upload row).
    first = (session.scalar(select(func.max(Der.id))) or 0) + 1
    return list(range(first, first + count))


def _meter(der_id: int, code: str, valid_from: date, aggregator: int, now: Any) -> dict[str, Any]:
    return {"der_id": der_id, "meter_code": code, "status": MeterStatus.SUBMITTED.value, "valid_from": valid_from,
            "valid_to": None, "submitted_by_org_id": aggregator, "approved_by_user_id": None, "status_reason": None,
            "created_at": now}


def _by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE batches: rows setting the same columns together."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def _notify(session: Session, principal: Principal, aggregator: int, added: list[PlannedRow], plan: UploadPlan,
            context: UploadContext, now: Any) -> None:
    name = principal.organisation_name or organisation_name(session, aggregator)
    per_ldc: Counter[int] = Counter()
    for item in added:
        assert item.location is not None
        ldc = item.location.ldc_id
        per_ldc[ldc] += 1
        host = context.ldc_hosts.get(ldc)
        if host is not None:
            per_ldc[host] += 1  # the host's territory includes its embedded LDCs
    notes = [{"organisation_id": ldc, "user_id": None, "kind": NOTIFICATION_KIND, "severity": Severity.ACTION.value,
              "text": f"{n:,} DER{'s' if n != 1 else ''} from {name} await{'' if n != 1 else 's'} approval",
              "link": REGISTRY_LINK, "read_at": None, "created_at": now}
             for ldc, n in sorted(per_ldc.items())]
    left: Counter[int] = Counter(a for item in plan.rows for a in item.left_aggregator_ids)
    notes += [{"organisation_id": org, "user_id": None, "kind": NOTIFICATION_KIND,
               "severity": Severity.INFORMATION.value,
               "text": f"{n:,} of your DER{'s' if n != 1 else ''} moved to another aggregator (enrolment ended "
                       "the day the new one starts)",
               "link": CONTRIBUTORS_LINK, "read_at": None, "created_at": now}
              for org, n in sorted(left.items())]
    if notes:
        session.execute(insert(Notification), notes, execution_options=_BULK)
