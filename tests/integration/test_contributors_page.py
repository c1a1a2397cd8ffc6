"""/contributors through the raw callback endpoint: who may upload, apply and read which upload; the log."""
from __future__ import annotations

import base64

from sqlalchemy import func, select

from components.ids import Contributors
from data.db import Database
from data.domain.enums import OrgKind, UploadStatus
from data.models import ContributorUpload, Der, Enrolment, Feeder, Organisation, User
from tests.support import post_callback, sign_in

UPLOAD = f"{Contributors.UPLOAD_MESSAGE}.children"
APPLY = f"{Contributors.APPLY_MESSAGE}.children"
SHOW = f"{Contributors.RESULT}.children"
LOG = f"{Contributors.LOG_GRID}.rowData"


def data_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def valid_csv(database: Database, n: int = 3) -> str:
    with database.session() as s:
        feeders = list(s.scalars(select(Feeder).order_by(Feeder.id).limit(n)))
    lines = ["name,technology,capacity_kw,lat,lon,meter_id,service_tag,activation_date,platform_id"]
    for i, f in enumerate(feeders):
        lon, lat = f.geometry[len(f.geometry) // 2]
        lines.append(f"Page test {i},solar_pv,{6.13 + i / 100:.2f},{lat},{lon},PG-{i},both,2030-01-01,")
    return "\n".join(lines) + "\n"


def upload(client, app, text: str, name: str = "ders.csv"):  # type: ignore[no-untyped-def]
    return post_callback(client, app, UPLOAD, {f"{Contributors.UPLOAD}.contents": data_url(text),
                                               f"{Contributors.UPLOAD}.filename": name},
                         triggered=f"{Contributors.UPLOAD}.contents")


def uploads(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count(ContributorUpload.id)))


def other_aggregator_username(database: Database, not_org: int) -> str:
    with database.session() as s:
        return s.scalars(select(User.username).join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.kind == OrgKind.AGGREGATOR.value, User.organisation_id != not_org,
            User.role == "aggregator").order_by(User.id)).first()


def test_guest_and_signed_out_are_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    assert post_callback(client, app, LOG).status_code == 401
    client.get("/guest")
    assert client.get("/contributors").status_code == 403
    assert post_callback(client, app, LOG).status_code == 403


def test_ldc_and_owner_cannot_upload_or_apply(client, app, database) -> None:  # type: ignore[no-untyped-def]
    for username in ("ldc", "owner", "ieso", "admin", "manager"):
        sign_in(client, username)
        assert upload(client, app, valid_csv(database)).status_code == 403, username
        assert post_callback(client, app, APPLY, {f"{Contributors.APPLY}.n_clicks": 1,
                                                  f"{Contributors.SHOWN}.data": {"id": 1}},
                             triggered=f"{Contributors.APPLY}.n_clicks").status_code == 403
        client.get("/logout")
    assert uploads(database) == 0


def test_aggregator_uploads_previews_applies_and_another_aggregator_cannot_touch_it(  # type: ignore[no-untyped-def]
        client, app, database) -> None:
    sign_in(client, "aggregator")
    assert client.get("/contributors").status_code == 200
    r = upload(client, app, valid_csv(database))
    assert r.status_code == 200
    shown = r.json["response"][Contributors.SHOWN]["data"]
    with database.session() as s:
        mine = s.get(ContributorUpload, shown["id"])
        assert mine.status == UploadStatus.PREVIEWED.value
        org = mine.aggregator_org_id
    page = post_callback(client, app, SHOW, {f"{Contributors.SHOWN}.data": shown})
    body = page.json["response"]
    assert len(body[Contributors.PREVIEW_GRID]["rowData"]) == 3
    assert body[Contributors.APPLY]["disabled"] is False
    client.get("/logout")

    sign_in(client, other_aggregator_username(database, org))
    peek = post_callback(client, app, SHOW, {f"{Contributors.SHOWN}.data": shown})
    assert peek.status_code == 200
    text = peek.get_data(as_text=True)
    assert "not one of the uploads you may see" in text and "ders.csv" not in text and "Page test" not in text
    hist = post_callback(client, app, f"{Contributors.HISTORY_GRID}.rowData")
    assert all(row["id"] != shown["id"] for row in hist.json["response"][Contributors.HISTORY_GRID]["rowData"])
    refused = post_callback(client, app, APPLY, {f"{Contributors.APPLY}.n_clicks": 1,
                                                 f"{Contributors.SHOWN}.data": shown},
                            triggered=f"{Contributors.APPLY}.n_clicks")
    assert refused.status_code == 200 and "not one of your uploads" in refused.get_data(as_text=True)
    with database.session() as s:
        assert s.get(ContributorUpload, shown["id"]).status == UploadStatus.PREVIEWED.value
    client.get("/logout")

    sign_in(client, "aggregator")
    ok = post_callback(client, app, APPLY, {f"{Contributors.APPLY}.n_clicks": 1, f"{Contributors.SHOWN}.data": shown},
                       triggered=f"{Contributors.APPLY}.n_clicks")
    assert "Applied: 3 added" in ok.get_data(as_text=True)
    log = post_callback(client, app, LOG, {f"{Contributors.LOG_DER_STATUS}.value": ["pending"]})
    names = {row["der_name"] for row in log.json["response"][Contributors.LOG_GRID]["rowData"]}
    assert {"Page test 0", "Page test 1", "Page test 2"} <= names


def test_a_refused_upload_shows_its_problems(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    text = valid_csv(database).replace("2030-01-01", "2030-13-01", 1)
    shown = upload(client, app, text).json["response"][Contributors.SHOWN]["data"]
    body = post_callback(client, app, SHOW, {f"{Contributors.SHOWN}.data": shown}).json["response"]
    assert body[Contributors.PROBLEMS_GRID]["rowData"][0]["row"] == 2
    assert body[Contributors.PROBLEMS_WRAP]["hidden"] is False and body[Contributors.APPLY]["disabled"] is True
    assert "nothing was applied" in str(body[Contributors.RESULT]["children"])


def test_hostile_values_give_a_message_not_a_500(client, app) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    for contents in ("garbage", "data:text/csv;base64,!!!notbase64", 12, ["x"], "data:x;base64," + "A" * 10):
        r = post_callback(client, app, UPLOAD, {f"{Contributors.UPLOAD}.contents": contents,
                                                f"{Contributors.UPLOAD}.filename": {"$x": 1}},
                          triggered=f"{Contributors.UPLOAD}.contents")
        assert r.status_code in (200, 204)
    for shown in ({"id": "1 OR 1=1"}, "x", {"id": -1}, {"id": 10**12}):
        assert post_callback(client, app, SHOW, {f"{Contributors.SHOWN}.data": shown}).status_code == 200
    for ldc, day in (("1; DROP", "yesterday"), ([{"a": 1}], 5)):
        assert post_callback(client, app, LOG, {f"{Contributors.LOG_LDC}.value": ldc,
                                                f"{Contributors.LOG_DATE}.date": day}).status_code == 200


def test_enrolment_log_scope_and_export(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    rows = post_callback(client, app, LOG).json["response"][Contributors.LOG_GRID]["rowData"]
    with database.session() as s:
        org = s.scalar(select(User.organisation_id).where(User.username == "aggregator"))
        org_name = s.get(Organisation, org).name
        own_enrolments = s.scalar(select(func.count(Enrolment.id)).where(Enrolment.aggregator_org_id == org))
    assert rows and {r["aggregator"] for r in rows} <= {org_name, ""}
    assert sum(1 for r in rows if r["aggregator"]) == own_enrolments
    export = post_callback(client, app, f"{Contributors.LOG_DOWNLOAD}.data",
                           triggered=f"{Contributors.LOG_EXPORT_CSV}.n_clicks")
    content = export.json["response"][Contributors.LOG_DOWNLOAD]["data"]["content"]
    assert content.startswith("DER,DER name,DER status,LDC,Program,Aggregator")
    client.get("/logout")
    sign_in(client, "ldc")
    rows = post_callback(client, app, LOG).json["response"][Contributors.LOG_GRID]["rowData"]
    with database.session() as s:
        from data.services.accounts import principal_for

        ldc = principal_for(s, s.scalars(select(User).where(User.username == "ldc")).one())
        names = set(s.scalars(select(Organisation.name).where(Organisation.id.in_(ldc.territory_ldc_ids))))
        in_territory = s.scalar(select(func.count(Der.id)).where(Der.ldc_id.in_(ldc.territory_ldc_ids)))
    assert rows and {r["ldc"] for r in rows} <= names
    assert len({r["der"] for r in rows}) == in_territory
    xlsx = post_callback(client, app, f"{Contributors.LOG_DOWNLOAD}.data",
                         triggered=f"{Contributors.LOG_EXPORT_XLSX}.n_clicks")
    assert xlsx.json["response"][Contributors.LOG_DOWNLOAD]["data"]["base64"] is True
    template = post_callback(client, app, f"{Contributors.TEMPLATE_DOWNLOAD}.data",
                             triggered=f"{Contributors.TEMPLATE_XLSX}.n_clicks")
    assert template.json["response"][Contributors.TEMPLATE_DOWNLOAD]["data"]["filename"].endswith(".xlsx")
