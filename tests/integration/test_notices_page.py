"""The notices page through the real callback endpoint, as each role: refusals, the DSO's form, the aggregator's
acknowledgement, the home map's needs areas, the OpenADR export, and hostile values (messages, never a 5xx)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from components.ids import Home, Notices
from data.models import Feeder, Notice, NoticeRecipient, Notification
from data.models.base import utcnow
from tests.integration.test_outages_page import est_text, gridpulse_feeder
from tests.support import post_callback, sign_in

SAVED = f"{Notices.SAVED}.data"
ACTED = f"{Notices.ACTED}.data"
ACKED = f"{Notices.ACKED}.data"
PUBLISH_NOW = f"{Notices.PUBLISH_NOW}.n_clicks"
HOSTILE = ["", " ", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "1; DROP TABLE notice;--", "x" * 100_000,
           "2026-13-45 99:99", "NaN", "-1e309", "1e400", {"a": 1}, [1, 2], True, -5, 10**30, None]


def shared_feeder(database) -> tuple[Feeder, int]:  # type: ignore[no-untyped-def]
    """A feeder of the `ldc` territory with DERs of the `aggregator` user's organisation."""
    return gridpulse_feeder(database)


def form_values(feeder: Feeder | None, **overrides):  # type: ignore[no-untyped-def]
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    values = {
        f"{Notices.FORM_KIND}.value": "standby",
        f"{Notices.FORM_SERVICE}.value": "capacity_reserve",
        f"{Notices.FORM_TITLE}.value": "Standby for the evening peak",
        f"{Notices.FORM_LOCATION_KIND}.value": "feeder",
        f"{Notices.FORM_STATION}.value": feeder.station_id if feeder else None,
        f"{Notices.FORM_FEEDER}.value": feeder.id if feeder else None,
        f"{Notices.FORM_ZONE}.value": None,
        f"{Notices.FORM_AREA}.value": None,
        f"{Notices.FORM_SIZE}.value": 2.5,
        f"{Notices.FORM_START}.value": est_text(start),
        f"{Notices.FORM_END}.value": est_text(start + timedelta(hours=4)),
        f"{Notices.FORM_DEADLINE}.value": est_text(start - timedelta(hours=5)),
        f"{Notices.FORM_RECURRENCE}.value": "weekdays",
    }
    values.update({f"{k}.value" if "." not in k else k: v for k, v in overrides.items()})
    return values


def submit(client, app, values, button: str = PUBLISH_NOW):  # type: ignore[no-untyped-def]
    return post_callback(client, app, SAVED, {button: 1, **values}, triggered=button)


def notice_count(database) -> int:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Notice))


def publish_as_ldc(client, app, database):  # type: ignore[no-untyped-def]
    feeder, aggregator_org = shared_feeder(database)
    sign_in(client, "ldc")
    r = submit(client, app, form_values(feeder))
    assert r.status_code == 200, r.get_data(as_text=True)
    saved = r.json["response"][Notices.SAVED]["data"]
    client.get("/logout")
    return feeder, aggregator_org, saved


# --- who may do what --------------------------------------------------------------------------------------


READ_CALLBACKS = [f"{Notices.GRID}.rowData", f"{Notices.TIMELINE}.figure", f"{Notices.ATTENTION}.children",
                  f"{Notices.DETAIL}.children", f"{Notices.DOWNLOAD}.data"]
WRITE_CALLBACKS = [(SAVED, PUBLISH_NOW), (ACTED, f"{Notices.CLOSE}.n_clicks"), (ACKED, f"{Notices.ACK}.n_clicks"),
                   (f"{Notices.FORM_KIND}.value", f"{Notices.LOAD}.n_clicks"),
                   (f"{Notices.FORM_FEEDER}.options", f"{Notices.FORM_STATION}.value"),
                   (f"{Notices.FORM_STATION_FIELD}.style", f"{Notices.FORM_LOCATION_KIND}.value")]


def test_a_guest_gets_403_on_the_page_and_every_callback(client, app, database) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/notices").status_code == 403
    for output in READ_CALLBACKS:
        assert post_callback(client, app, output, {f"{Notices.SELECTED}.data": {"id": 1, "version": 1}}
                             ).status_code == 403, output
    for output, trigger in WRITE_CALLBACKS:
        assert post_callback(client, app, output, {trigger: 1}, triggered=trigger).status_code == 403, output


def test_an_aggregator_posting_the_publish_callback_gets_403(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = shared_feeder(database)
    sign_in(client, "aggregator")
    assert client.get("/notices").status_code == 200
    assert submit(client, app, form_values(feeder)).status_code == 403
    assert submit(client, app, form_values(feeder), f"{Notices.SAVE_DRAFT}.n_clicks").status_code == 403
    for output, trigger in WRITE_CALLBACKS:
        if output != ACKED:
            assert post_callback(client, app, output, {trigger: 1}, triggered=trigger).status_code == 403, output
    assert notice_count(database) == 0


@pytest.mark.parametrize("username", ["ieso", "owner", "admin"])
def test_other_readers_cannot_publish_or_acknowledge(client, app, database, username) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = shared_feeder(database)
    sign_in(client, username)
    assert post_callback(client, app, f"{Notices.GRID}.rowData").status_code == 200
    assert submit(client, app, form_values(feeder)).status_code == 403
    assert post_callback(client, app, ACKED, {f"{Notices.ACK}.n_clicks": 1},
                         triggered=f"{Notices.ACK}.n_clicks").status_code == 403


def test_a_dso_cannot_acknowledge(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    assert post_callback(client, app, ACKED, {f"{Notices.ACK}.n_clicks": 1},
                         triggered=f"{Notices.ACK}.n_clicks").status_code == 403


# --- the flow ---------------------------------------------------------------------------------------------


def test_ldc_publishes_the_map_shows_it_and_the_aggregator_acknowledges(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, aggregator_org = shared_feeder(database)
    sign_in(client, "ldc")
    options = post_callback(client, app, f"{Notices.FORM_FEEDER}.options",
                            {f"{Notices.FORM_STATION}.value": feeder.station_id},
                            triggered=f"{Notices.FORM_STATION}.value")
    assert feeder.id in [o["value"] for o in options.json["response"][Notices.FORM_FEEDER]["options"]]
    r = submit(client, app, form_values(feeder))
    assert r.status_code == 200
    saved = r.json["response"][Notices.SAVED]["data"]
    assert "published" in r.get_data(as_text=True)
    with database.session() as s:
        notice = s.get(Notice, saved["id"])
        assert notice.feeder_id == feeder.id and notice.status == "published" and notice.size_mw == 2.5
        assert s.scalar(select(Notification.id).where(Notification.organisation_id == aggregator_org,
                                                      Notification.kind == "notice"))

    # the home map's needs areas (the same callback the home page calls)
    areas = post_callback(client, app, f"{Home.NEEDS_AREAS}.data")
    features = areas.json["response"][Home.NEEDS_AREAS]["data"]["features"]
    assert any("Standby for the evening peak" in f["properties"]["tooltip"] for f in features)

    # the publisher's view of the notice: nobody has acknowledged yet
    detail = post_callback(client, app, f"{Notices.DETAIL}.children",
                           {f"{Notices.GRID}.selectedRows": [{"id": saved["id"]}]},
                           triggered=f"{Notices.GRID}.selectedRows")
    text = detail.get_data(as_text=True)
    assert "awaiting" in text and "Acknowledged: 0 of" in text
    client.get("/logout")

    sign_in(client, "aggregator")
    rows = post_callback(client, app, f"{Notices.GRID}.rowData",
                         {f"{Notices.FILTER_STATUS}.value": ["published"]}).json["response"][Notices.GRID]["rowData"]
    mine = next(row for row in rows if row["id"] == saved["id"])
    assert mine["escalation"] == "awaiting" and mine["window"].endswith("EST") and mine["acks"].startswith("0 of")
    detail = post_callback(client, app, f"{Notices.DETAIL}.children",
                           {f"{Notices.GRID}.selectedRows": [{"id": saved["id"]}]},
                           triggered=f"{Notices.GRID}.selectedRows").json["response"]
    assert detail[Notices.ACK]["disabled"] is False
    selected = detail[Notices.SELECTED]["data"]
    ack = post_callback(client, app, ACKED, {f"{Notices.ACK}.n_clicks": 1, f"{Notices.SELECTED}.data": selected,
                                             f"{Notices.ACK_RESPONSE}.value": "1.5 MW on standby"},
                        triggered=f"{Notices.ACK}.n_clicks")
    assert ack.status_code == 200 and "acknowledged" in ack.get_data(as_text=True)
    with database.session() as s:
        row = s.scalar(select(NoticeRecipient).where(NoticeRecipient.notice_id == saved["id"],
                                                     NoticeRecipient.organisation_id == aggregator_org))
        assert row.acknowledged_at is not None and row.response == "1.5 MW on standby"

    download = post_callback(client, app, f"{Notices.DOWNLOAD}.data",
                             {f"{Notices.EXPORT_OPENADR}.n_clicks": 1, f"{Notices.SELECTED}.data": selected},
                             triggered=f"{Notices.EXPORT_OPENADR}.n_clicks").json["response"]
    event = json.loads(download[Notices.DOWNLOAD]["data"]["content"])
    assert event["objectType"] == "EVENT" and event["intervals"][0]["payloads"][0] == {"type": "SIMPLE", "values": [1]}
    assert "SIMPLE" in download[Notices.EXPORT_MESSAGE]["children"]


def test_amend_through_the_form_and_a_stale_version_is_a_message(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _, saved = publish_as_ldc(client, app, database)
    sign_in(client, "ldc")
    selected = {"id": saved["id"], "version": saved["version"]}
    loaded = post_callback(client, app, f"{Notices.FORM_KIND}.value",
                           {f"{Notices.LOAD}.n_clicks": 1, f"{Notices.SELECTED}.data": selected},
                           triggered=f"{Notices.LOAD}.n_clicks").json["response"]
    assert loaded[Notices.FORM_FEEDER]["value"] == feeder.id
    assert loaded[Notices.FORM_STATION]["value"] == feeder.station_id
    amend = f"{Notices.AMEND}.n_clicks"
    values = {**form_values(feeder, **{f"{Notices.FORM_SIZE}.value": "4"}),
              f"{Notices.SELECTED}.data": selected}
    r = submit(client, app, values, amend)
    assert r.status_code == 200 and "amended" in r.get_data(as_text=True)
    r = submit(client, app, {**values, f"{Notices.FORM_SIZE}.value": 5}, amend)  # the old version again
    assert r.status_code == 200 and "changed by someone else" in r.get_data(as_text=True)
    with database.session() as s:
        assert s.get(Notice, saved["id"]).size_mw == 4.0
    closed = post_callback(client, app, ACTED, {f"{Notices.CLOSE}.n_clicks": 1, f"{Notices.SELECTED}.data": selected},
                           triggered=f"{Notices.CLOSE}.n_clicks")
    assert closed.status_code == 200 and "changed by someone else" in closed.get_data(as_text=True)


def test_an_embedded_ldc_is_told_a_host_feeder_is_outside_its_territory(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = shared_feeder(database)
    sign_in(client, "ldc-embedded")
    r = submit(client, app, form_values(feeder))
    assert r.status_code == 200 and "outside" in r.get_data(as_text=True)
    assert notice_count(database) == 0


# --- hostile values ---------------------------------------------------------------------------------------


FORM_FIELDS = [Notices.FORM_KIND, Notices.FORM_SERVICE, Notices.FORM_TITLE, Notices.FORM_LOCATION_KIND,
               Notices.FORM_STATION, Notices.FORM_FEEDER, Notices.FORM_ZONE, Notices.FORM_AREA, Notices.FORM_SIZE,
               Notices.FORM_START, Notices.FORM_END, Notices.FORM_DEADLINE, Notices.FORM_RECURRENCE]


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_hostile_form_values_give_messages_not_5xx(client, app, database, field) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = shared_feeder(database)
    sign_in(client, "ldc")
    kinds = {Notices.FORM_AREA: "area", Notices.FORM_ZONE: "zone", Notices.FORM_STATION: "station"}
    for value in HOSTILE:
        values = form_values(feeder, **{f"{field}.value": value})
        if field in kinds:
            values[f"{Notices.FORM_LOCATION_KIND}.value"] = kinds[field]
        r = submit(client, app, values, f"{Notices.SAVE_DRAFT}.n_clicks")
        assert r.status_code in (200, 204), (field, repr(value)[:40], r.status_code)
        saved = r.json["response"].get(Notices.SAVED) if r.status_code == 200 else None
        if saved is None:
            assert "Nothing was saved" in r.get_data(as_text=True) or "outside" in r.get_data(as_text=True)


def test_hostile_values_in_the_other_callbacks_give_messages_not_5xx(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    for value in HOSTILE:
        checks = [
            post_callback(client, app, f"{Notices.GRID}.rowData", {f"{Notices.FILTER_STATUS}.value": value}),
            post_callback(client, app, f"{Notices.TIMELINE}.figure", {f"{Notices.TIMELINE_WINDOW}.value": value,
                                                                      f"{Notices.TIMELINE_ZONE}.value": value}),
            post_callback(client, app, f"{Notices.DETAIL}.children", {f"{Notices.GRID}.selectedRows": value,
                                                                      f"{Notices.FOCUS}.data": value},
                          triggered=f"{Notices.GRID}.selectedRows"),
            post_callback(client, app, ACTED, {f"{Notices.CANCEL}.n_clicks": 1, f"{Notices.SELECTED}.data": value,
                                               f"{Notices.NOTE}.value": value}, triggered=f"{Notices.CANCEL}.n_clicks"),
            post_callback(client, app, f"{Notices.DOWNLOAD}.data", {f"{Notices.EXPORT_OPENADR}.n_clicks": 1,
                                                                    f"{Notices.SELECTED}.data": value},
                          triggered=f"{Notices.EXPORT_OPENADR}.n_clicks"),
            post_callback(client, app, f"{Notices.FORM_FEEDER}.options", {f"{Notices.FORM_STATION}.value": value},
                          triggered=f"{Notices.FORM_STATION}.value"),
            post_callback(client, app, f"{Notices.FORM_STATION_FIELD}.style",
                          {f"{Notices.FORM_LOCATION_KIND}.value": value},
                          triggered=f"{Notices.FORM_LOCATION_KIND}.value"),
            post_callback(client, app, f"{Notices.FORM_KIND}.value", {f"{Notices.LOAD}.n_clicks": 1,
                                                                      f"{Notices.SELECTED}.data": value},
                          triggered=f"{Notices.LOAD}.n_clicks"),
        ]
        assert all(r.status_code in (200, 204) for r in checks), (repr(value)[:40], [r.status_code for r in checks])
    client.get("/logout")
    sign_in(client, "aggregator")
    for value in HOSTILE:
        r = post_callback(client, app, ACKED, {f"{Notices.ACK}.n_clicks": 1, f"{Notices.SELECTED}.data": {"id": 1},
                                               f"{Notices.ACK_RESPONSE}.value": value},
                          triggered=f"{Notices.ACK}.n_clicks")
        assert r.status_code == 200 and "Not acknowledged" in r.get_data(as_text=True)
    assert notice_count(database) == 0
