"""Contributor DER upload service on both databases: nothing changes unless every row is valid; apply writes
everything (pending DERs, meters, enrolments, switches, notifications, one audit row) in one transaction."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied, Principal
from data.db import Database
from data.domain.enums import DerStatus, EnrolmentStatus, MeterStatus, OrgKind, UploadStatus
from data.domain.errors import DomainError, IllegalTransition
from data.models import AuditEntry, ContributorUpload, Der, Enrolment, Feeder, Meter, Notification, Organisation, User
from data.services.accounts import principal_for
from data.services.contributor_upload import apply_upload, market_today, preview_upload

HEADER = ("platform_id", "name", "technology", "capacity_kw", "lat", "lon", "meter_id", "service_tag",
          "program_code", "activation_date", "deactivation_date")


def principal(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def other_aggregator(db: Database, not_org: int) -> Principal:
    with db.session() as s:
        user = s.scalars(select(User).join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.kind == OrgKind.AGGREGATOR.value, User.organisation_id != not_org,
            User.role == "aggregator").order_by(User.id)).first()
        return principal_for(s, user)


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                for t in (Der, Enrolment, Meter, Notification)}


def feeder_points(db: Database, n: int) -> list[tuple[float, float]]:
    with db.session() as s:
        feeders = list(s.scalars(select(Feeder).order_by(Feeder.id)))
    out = []
    for i in range(n):
        f = feeders[(i * 7) % len(feeders)]
        lon, lat = f.geometry[len(f.geometry) // 2]
        out.append((round(lat + 0.0003 * (i % 5), 6), round(lon + 0.0003 * (i // 5 % 5), 6)))
    return out


def new_rows(db: Database, n: int, tag: str = "T") -> list[dict[str, str]]:
    start = (market_today() + timedelta(days=10)).isoformat()
    return [{"name": f"Upload {tag} {i}", "technology": "solar_pv", "capacity_kw": f"{7.71 + i * 0.01:.2f}",
             "lat": str(lat), "lon": str(lon), "meter_id": f"UP-{tag}-{i:05d}", "service_tag": "both",
             "program_code": "IESO-HDR", "activation_date": start}
            for i, (lat, lon) in enumerate(feeder_points(db, n))]


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def preview(db: Database, who: Principal, rows: list[dict[str, str]], name: str = "ders.csv") -> ContributorUpload:
    with db.transaction() as s:
        return preview_upload(s, who, name, csv_file(rows))


def apply(db: Database, who: Principal, upload_id: int) -> ContributorUpload:
    with db.transaction() as s:
        return apply_upload(s, who, upload_id)


def test_one_bad_row_changes_nothing_and_reports_the_row(database: Database) -> None:
    agg = principal(database, "aggregator")
    rows = new_rows(database, 6)
    rows[3]["activation_date"] = "next week"
    before = counts(database)
    upload = preview(database, agg, rows)
    assert upload.status == UploadStatus.REFUSED.value and upload.row_count == 6
    assert upload.problems == [{"row": 5, "column": "activation_date",
                                "problem": "not a date: 'next week' (use YYYY-MM-DD)"}]
    with pytest.raises(IllegalTransition):
        apply(database, agg, upload.id)
    assert counts(database) == before


def test_preview_then_apply_registers_pending_ders_with_meters_enrolments_and_notices(database: Database) -> None:
    agg = principal(database, "aggregator")
    before = counts(database)
    upload = preview(database, agg, new_rows(database, 12))
    assert upload.status == UploadStatus.PREVIEWED.value
    assert upload.summary["counts"]["added"] == 12 and len(upload.summary["rows"]) == 12
    assert counts(database) == before  # a preview writes nothing but the upload
    applied = apply(database, agg, upload.id)
    assert applied.status == UploadStatus.APPLIED.value and applied.applied_at is not None
    after = counts(database)
    assert after["der"] == before["der"] + 12 and after["meter"] == before["meter"] + 12
    assert after["enrolment"] == before["enrolment"] + 12
    with database.session() as s:
        ders = list(s.scalars(select(Der).where(Der.meter_id.like("UP-T-%"))))
        assert {d.status for d in ders} == {DerStatus.PENDING.value}
        assert all(d.platform_id is None and d.aggregator_org_id == agg.organisation_id for d in ders)
        assert all(d.feeder_id and d.station_id and d.ldc_id for d in ders)
        meters = list(s.scalars(select(Meter).where(Meter.der_id.in_([d.id for d in ders]))))
        assert {m.status for m in meters} == {MeterStatus.SUBMITTED.value}
        ldcs = {d.ldc_id for d in ders}
        notes = list(s.scalars(select(Notification).where(Notification.kind == "contributor_upload")))
        assert ldcs <= {n.organisation_id for n in notes}
        assert all("await" in n.text and agg.organisation_name in n.text for n in notes)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "contributor_upload.apply")).one()
        assert audit.after["counts"]["added"] == 12


def test_switching_ends_the_old_enrolment_the_day_the_new_one_starts(database: Database) -> None:
    agg = principal(database, "aggregator")
    start = market_today() + timedelta(days=3)
    with database.session() as s:
        der, old = s.execute(
            select(Der, Enrolment).join(Enrolment, Enrolment.der_id == Der.id)
            .where(Der.aggregator_org_id != agg.organisation_id, Der.status == DerStatus.ACTIVE.value,
                   Enrolment.end_date.is_(None), Enrolment.start_date < start)
            .order_by(Der.id)).first()
        program = "IESO-HDR" if der.service_tag != "distribution" else None
    if program is None:
        pytest.skip("no wholesale-capable DER enrolled elsewhere in the demo")
    old_aggregator = der.aggregator_org_id
    rows = [{"platform_id": der.platform_id, "program_code": program, "activation_date": start.isoformat()}]
    upload = preview(database, agg, rows)
    assert upload.status == UploadStatus.PREVIEWED.value, upload.problems
    assert upload.summary["counts"]["switched"] == 1
    apply(database, agg, upload.id)
    with database.session() as s:
        ended = s.get(Enrolment, old.id)
        assert ended.end_date == start and ended.status == EnrolmentStatus.ACTIVE.value  # ends in 3 days
        new = s.scalars(select(Enrolment).where(Enrolment.der_id == der.id, Enrolment.start_date == start)).one()
        assert new.aggregator_org_id == agg.organisation_id and new.end_date is None
        assert s.get(Der, der.id).aggregator_org_id == agg.organisation_id
        note = s.scalars(select(Notification).where(Notification.organisation_id == old_aggregator,
                                                    Notification.kind == "contributor_upload")).one()
        assert note.text.startswith("1 of your DER") and agg.organisation_name not in note.text


def test_apply_checks_again_against_the_registry_as_it_is_now(database: Database) -> None:
    agg = principal(database, "aggregator")
    rows = new_rows(database, 5, "R")
    upload = preview(database, agg, rows)
    assert upload.status == UploadStatus.PREVIEWED.value
    with database.transaction() as s:  # meanwhile someone registers a DER with the meter of row 4
        template = s.scalars(select(Der).order_by(Der.id)).first()
        s.add(Der(name="Meanwhile", technology="battery", capacity_kw=3.0, lat=44.0, lon=-79.0,
                  station_id=template.station_id, feeder_id=template.feeder_id, ldc_id=template.ldc_id,
                  owner_org_id=template.owner_org_id, meter_id="UP-R-00002", service_tag="both",
                  status=DerStatus.PENDING.value))
    before = counts(database)
    result = apply(database, agg, upload.id)
    assert result.status == UploadStatus.REFUSED.value
    assert result.problems == [
        {"row": 4, "column": "meter_id", "problem": "meter ID already used by a pending registration"}]
    assert counts(database) == before


def test_a_new_preview_supersedes_the_older_one(database: Database) -> None:
    agg = principal(database, "aggregator")
    first = preview(database, agg, new_rows(database, 2, "A"))
    second = preview(database, agg, new_rows(database, 2, "B"))
    with database.session() as s:
        assert s.get(ContributorUpload, first.id).status == UploadStatus.SUPERSEDED.value
    with pytest.raises(IllegalTransition):
        apply(database, agg, first.id)
    assert apply(database, agg, second.id).status == UploadStatus.APPLIED.value


def test_only_the_uploading_aggregator_applies(database: Database) -> None:
    agg = principal(database, "aggregator")
    upload = preview(database, agg, new_rows(database, 2))
    with pytest.raises(DomainError):
        apply(database, other_aggregator(database, agg.organisation_id), upload.id)
    for username in ("ldc", "owner", "admin", "ieso"):
        with pytest.raises(AccessDenied):
            apply(database, principal(database, username), upload.id)
        with pytest.raises(AccessDenied), database.transaction() as s:
            preview_upload(s, principal(database, username), "x.csv", csv_file(new_rows(database, 1)))
    with database.session() as s:
        assert s.get(ContributorUpload, upload.id).status == UploadStatus.PREVIEWED.value


def test_own_der_changes_and_deactivation(database: Database) -> None:
    agg = principal(database, "aggregator")
    today = market_today()
    with database.session() as s:
        mine = list(s.scalars(select(Der).where(Der.aggregator_org_id == agg.organisation_id,
                                                Der.status == DerStatus.ACTIVE.value,
                                                Der.meter_id.is_not(None)).order_by(Der.id).limit(2)))
        enrolled = {e.der_id: e for e in s.scalars(select(Enrolment).where(
            Enrolment.der_id.in_([d.id for d in mine]), Enrolment.end_date.is_(None)))}
    renamed, leaving = mine
    rows = [{"platform_id": renamed.platform_id, "name": "Renamed by upload", "meter_id": "UP-NEWMETER-1"},
            {"platform_id": leaving.platform_id, "deactivation_date": today.isoformat()}]
    upload = preview(database, agg, rows)
    assert upload.summary["counts"] == {"added": 0, "changed": 1, "switched": 0, "deactivated": 1,
                                        "unchanged": 0}, upload.problems
    assert upload.summary["rows"][0]["changed"] == "name, meter_id"
    apply(database, agg, upload.id)
    with database.session() as s:
        assert s.get(Der, renamed.id).name == "Renamed by upload"
        meters = {m.meter_code: m for m in s.scalars(select(Meter).where(Meter.der_id == renamed.id))}
        assert meters[renamed.meter_id].status == MeterStatus.RETIRED.value
        assert meters[renamed.meter_id].valid_to == today
        assert meters["UP-NEWMETER-1"].status == MeterStatus.SUBMITTED.value
        gone = s.get(Der, leaving.id)
        assert gone.status == DerStatus.DEACTIVATED.value and gone.deactivation_date == today
        if leaving.id in enrolled:
            ended = s.get(Enrolment, enrolled[leaving.id].id)
            assert ended.end_date == today and ended.status == EnrolmentStatus.ENDED.value


def test_excel_upload_and_the_same_file_again_is_unchanged(database: Database) -> None:
    from openpyxl import Workbook

    agg = principal(database, "aggregator")
    rows = new_rows(database, 3, "X")
    book = Workbook()
    sheet = book.active
    sheet.title = "DERs"
    sheet.append(list(HEADER))
    for r in rows:
        sheet.append([r.get(h) or None for h in HEADER])
    out = io.BytesIO()
    book.save(out)
    upload = preview(database, agg, [], name="x")  # an unknown file type is refused, not a 500
    assert upload.status == UploadStatus.REFUSED.value
    with database.transaction() as s:
        upload = preview_upload(s, agg, "ders.xlsx", out.getvalue())
    assert upload.status == UploadStatus.PREVIEWED.value, upload.problems
    apply(database, agg, upload.id)
    again = preview(database, agg, rows)  # the pending registrations are recognised, not duplicated
    assert again.status == UploadStatus.PREVIEWED.value, again.problems
    assert again.summary["counts"]["unchanged"] == 3


def test_bulk_copy_path_writes_the_same(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from data.services import contributor_upload as service

    monkeypatch.setattr(service, "COPY_FROM", 1)  # COPY on PostgreSQL from the first row (SQLite: executemany)
    agg = principal(database, "aggregator")
    before = counts(database)
    upload = preview(database, agg, new_rows(database, 40, "C"))
    apply(database, agg, upload.id)
    after = counts(database)
    assert (after["der"] - before["der"], after["meter"] - before["meter"]) == (40, 40)
    with database.session() as s:
        ders = list(s.scalars(select(Der).where(Der.meter_id.like("UP-C-%")).order_by(Der.id)))
        assert [d.name for d in ders] == [f"Upload C {i}" for i in range(40)]
        assert all(d.created_at is not None and d.activation_date is not None for d in ders)
        enrolments = list(s.scalars(select(Enrolment).where(Enrolment.der_id.in_([d.id for d in ders]))))
        assert len(enrolments) == 40 and {e.status for e in enrolments} == {EnrolmentStatus.ACTIVE.value}
    more = preview(database, agg, new_rows(database, 3, "D"))  # the id sequence moved past the new DERs
    assert apply(database, agg, more.id).status == UploadStatus.APPLIED.value
