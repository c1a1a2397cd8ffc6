"""The outage page through the real callback endpoint, as each role: refusals, the form, alerts, the home map,
the Excel export, and hostile values."""
from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from components.ids import Home, Outages
from components.outage_export import HISTORY_HEADERS, OUTAGE_HEADERS
from data.domain.enums import OutageState
from data.domain.market_time import MARKET_TZ, floor_to_interval
from data.domain.outages import ALERT_KIND
from data.models import Der, Feeder, Notification, Outage, OutageElement, Station, User
from data.models.base import utcnow
from tests.support import post_callback, sign_in

FORM = f"{Outages.FORM_MESSAGE}.children"
ACT = f"{Outages.ACTION_MESSAGE}.children"
SUBMIT = f"{Outages.FORM_SUBMIT}.n_clicks"


def est_text(ts) -> str:  # type: ignore[no-untyped-def]
    return f"{ts.astimezone(MARKET_TZ):%Y-%m-%d %H:%M}"


def gridpulse_feeder(database) -> tuple[Feeder, int]:  # type: ignore[no-untyped-def]
    """A feeder of the `ldc` territory with DERs of the `aggregator` user's organisation."""
    with database.session() as s:
        ldc = s.scalar(select(User).where(User.username == "ldc"))
        aggregator_org = s.scalar(select(User.organisation_id).where(User.username == "aggregator"))
        feeder = s.scalars(select(Feeder).join(Der, Der.feeder_id == Feeder.id)
                           .where(Feeder.ldc_id == ldc.organisation_id, Der.aggregator_org_id == aggregator_org)
                           .order_by(Feeder.id)).first()
    assert feeder is not None, "the demo gives the aggregator DERs in the ldc's territory"
    return feeder, aggregator_org


def form_values(feeder: Feeder | None = None, **overrides):  # type: ignore[no-untyped-def]
    start = floor_to_interval(utcnow()) - timedelta(minutes=30)
    values = {
        SUBMIT: 1,
        f"{Outages.FORM_KIND}.value": "forced",
        f"{Outages.FORM_STATION}.value": feeder.station_id if feeder else None,
        f"{Outages.FORM_FEEDERS}.value": [feeder.id] if feeder else [],
        f"{Outages.FORM_START}.value": est_text(start),
        f"{Outages.FORM_END}.value": est_text(start + timedelta(hours=4)),
        f"{Outages.FORM_DERATE}.value": None,
        f"{Outages.FORM_MAX_KW}.value": None,
        f"{Outages.FORM_DESCRIPTION}.value": "Cable fault on the main line",
    }
    values.update({f"{k}.value" if "." not in k else k: v for k, v in overrides.items()})
    return values


def submit(client, app, values):  # type: ignore[no-untyped-def]
    return post_callback(client, app, FORM, values, triggered=SUBMIT)


def outage_count(database) -> int:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Outage))


def test_the_page_opens_for_readers_and_not_for_a_guest(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/outages").status_code == 403
    assert post_callback(client, app, "outages-grid.rowData").status_code == 403
    assert post_callback(client, app, f"{Outages.ALERTS}.children").status_code == 403
    client.get("/logout")
    sign_in(client, "aggregator")
    assert client.get("/outages").status_code == 200
    assert post_callback(client, app, "outages-grid.rowData").status_code == 200
    csv = post_callback(client, app, f"{Outages.GRID}.exportDataAsCsv", {f"{Outages.EXPORT_CSV}.n_clicks": 1},
                        triggered=f"{Outages.EXPORT_CSV}.n_clicks")
    assert csv.status_code == 200 and csv.json["response"][Outages.GRID]["exportDataAsCsv"] is True


@pytest.mark.parametrize("username", ["aggregator", "ieso", "owner", "admin"])
def test_roles_without_log_outages_get_403_on_every_writing_callback(client, app, database, username) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, username)
    assert submit(client, app, form_values(feeder)).status_code == 403
    acted = post_callback(client, app, ACT, {f"{Outages.SELECTED}.data": {"id": 1, "version": 1}},
                          triggered=f"{Outages.CANCEL}.n_clicks")
    assert acted.status_code == 403
    options = post_callback(client, app, f"{Outages.FORM_FEEDERS}.options", {f"{Outages.FORM_STATION}.value": 1},
                            triggered=f"{Outages.FORM_STATION}.value")
    assert options.status_code == 403
    assert outage_count(database) == 0


def test_ldc_logs_a_feeder_outage_the_aggregator_is_alerted_and_the_map_draws_it(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, aggregator_org = gridpulse_feeder(database)
    sign_in(client, "ldc")
    options = post_callback(client, app, f"{Outages.FORM_FEEDERS}.options",
                            {f"{Outages.FORM_STATION}.value": feeder.station_id},
                            triggered=f"{Outages.FORM_STATION}.value")
    assert feeder.id in [o["value"] for o in options.json["response"][Outages.FORM_FEEDERS]["options"]]

    r = submit(client, app, form_values(feeder))
    assert r.status_code == 200
    answer = r.json["response"]
    outage_id = answer[Outages.LOGGED]["data"]["id"]
    assert f"Outage #{outage_id} logged" in r.get_data(as_text=True)
    with database.session() as s:
        assert s.scalar(select(OutageElement.feeder_id).where(OutageElement.outage_id == outage_id)) == feeder.id
        alert = s.scalar(select(Notification).where(Notification.organisation_id == aggregator_org,
                                                    Notification.kind == ALERT_KIND))
    assert alert is not None and f"Outage #{outage_id}" in alert.text and feeder.code in alert.text

    # the log shows it, with its times in EST
    log = post_callback(client, app, "outages-grid.rowData", {f"{Outages.FILTER_STATE}.value": ["active"]})
    rows = log.json["response"][Outages.GRID]["rowData"]
    mine = next(row for row in rows if row["id"] == outage_id)
    assert mine["state"] == OutageState.ACTIVE and mine["start"].endswith(" EST") and feeder.code in mine["elements"]

    # the home map's outage areas (the same callback the map page calls)
    home = post_callback(client, app, f"{Home.OUTAGE_AREAS}.data")
    features = home.json["response"][Home.OUTAGE_AREAS]["data"]["features"]
    assert any(feeder.code in f["properties"]["tooltip"] for f in features)

    # the aggregator signs in and sees the alert on the outages page
    client.get("/logout")
    sign_in(client, "aggregator")
    seen = post_callback(client, app, f"{Outages.ALERTS}.children")
    assert seen.status_code == 200 and f"Outage #{outage_id}" in seen.get_data(as_text=True)
    detail = post_callback(client, app, f"{Outages.DETAIL}.children",
                           {f"{Outages.GRID}.selectedRows": [{"id": outage_id}]},
                           triggered=f"{Outages.GRID}.selectedRows")
    assert detail.status_code == 200 and "Affected DERs" in detail.get_data(as_text=True)
    assert all(detail.json["response"][b]["disabled"] for b in (Outages.ACTIVATE, Outages.RESTORE, Outages.CANCEL))


def test_state_buttons_and_a_stale_click(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, "ldc")
    outage_id = submit(client, app, form_values(feeder)).json["response"][Outages.LOGGED]["data"]["id"]
    seen = {"id": outage_id, "version": 1}
    restore = post_callback(client, app, ACT, {f"{Outages.SELECTED}.data": seen, f"{Outages.NOTE}.value": "fixed"},
                            triggered=f"{Outages.RESTORE}.n_clicks")
    assert restore.status_code == 200 and "is now restored" in restore.get_data(as_text=True)
    again = post_callback(client, app, ACT, {f"{Outages.SELECTED}.data": seen},
                          triggered=f"{Outages.CANCEL}.n_clicks")
    assert again.status_code == 200 and "changed by someone else" in again.get_data(as_text=True)
    with database.session() as s:
        assert s.get(Outage, outage_id).state == OutageState.RESTORED


def test_the_embedded_ldc_is_told_the_host_feeder_is_outside_its_territory(client, app, database) -> None:  # type: ignore[no-untyped-def]
    with database.session() as s:
        host_feeder = s.get(Feeder, s.scalar(select(Station.supply_feeder_id)
                                             .where(Station.supply_feeder_id.is_not(None)).order_by(Station.id)))
    sign_in(client, "ldc-embedded")
    r = submit(client, app, form_values(host_feeder))
    assert r.status_code == 200 and "outside" in r.get_data(as_text=True)
    assert outage_count(database) == 0


def test_excel_export_holds_the_filtered_outages_and_their_history(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, "ldc")
    start = floor_to_interval(utcnow()) + timedelta(days=1)
    planned = form_values(feeder, **{Outages.FORM_KIND: "planned", Outages.FORM_START: est_text(start),
                                     Outages.FORM_END: est_text(start + timedelta(hours=2)),
                                     Outages.FORM_DESCRIPTION: "=HYPERLINK(\"http://x\")"})
    first = submit(client, app, planned).json["response"][Outages.LOGGED]["data"]["id"]
    second = submit(client, app, form_values(feeder)).json["response"][Outages.LOGGED]["data"]["id"]
    cancelled = submit(client, app, form_values(feeder)).json["response"][Outages.LOGGED]["data"]["id"]
    post_callback(client, app, ACT, {f"{Outages.SELECTED}.data": {"id": cancelled, "version": 1}},
                  triggered=f"{Outages.CANCEL}.n_clicks")

    r = post_callback(client, app, f"{Outages.DOWNLOAD}.data",
                      {f"{Outages.EXPORT_XLSX}.n_clicks": 1, f"{Outages.FILTER_STATE}.value": ["planned", "active"]},
                      triggered=f"{Outages.EXPORT_XLSX}.n_clicks")
    assert r.status_code == 200
    sent = r.json["response"][Outages.DOWNLOAD]["data"]
    assert sent["filename"].endswith(".xlsx") and sent["base64"]
    book = load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    outages, history = book["Outages"], book["History"]
    assert tuple(c.value for c in outages[1]) == OUTAGE_HEADERS
    assert "Start (EST)" in OUTAGE_HEADERS and tuple(c.value for c in history[1]) == HISTORY_HEADERS
    body = list(outages.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in body] == [first, second]  # newest start first; the cancelled one filtered out
    assert body[0][1] == "planned" and feeder.code in body[0][3]
    assert body[0][4] == start.astimezone(MARKET_TZ).replace(tzinfo=None)  # EST wall-clock time
    assert body[0][10] == "=HYPERLINK(\"http://x\")" and outages.cell(2, 11).data_type == "s"
    logged = [row for row in history.iter_rows(min_row=2, values_only=True)]
    assert sorted(row[0] for row in logged) == [first, second] and {row[2] for row in logged} == {"logged"}


HOSTILE = [
    ({Outages.FORM_START: "<script>alert(1)</script>"}, "start: "),
    ({Outages.FORM_START: "2026-13-45 99:99"}, "start: "),
    ({Outages.FORM_START: "'; DROP TABLE outage; --"}, "start: "),
    ({Outages.FORM_START: "9" * 5000}, "start: "),
    ({Outages.FORM_START: {"$gt": ""}}, "start: "),
    ({Outages.FORM_END: "2020-01-01 00:00"}, "estimated restoration: must be after the start"),
    ({Outages.FORM_KIND: "planned", Outages.FORM_END: ""}, "estimated restoration: required for a planned"),
    ({Outages.FORM_KIND: "constraint"}, "a constraint needs a de-rate"),
    ({Outages.FORM_START: "2026-11-30 10:03"}, "start: must be on a 5-minute boundary"),
    ({Outages.FORM_END: ["2026-01-01 10:00"]}, "estimated restoration: "),
    ({Outages.FORM_DERATE: 1e308}, "de-rate: must be between 0 and 100"),
    ({Outages.FORM_DERATE: "9" * 5000}, "de-rate: not a number"),
    ({Outages.FORM_DERATE: "NaN"}, "de-rate: not a number"),
    ({Outages.FORM_MAX_KW: -5}, "maximum kW: must be between"),
    ({Outages.FORM_MAX_KW: 10**400}, "maximum kW: not a number"),
    ({Outages.FORM_DERATE: True}, "de-rate: not a number"),
    ({Outages.FORM_FEEDERS: ["<b>1</b>"], Outages.FORM_STATION: "'; DROP TABLE station; --"},
     "station/feeder: pick at least one"),
    ({Outages.FORM_FEEDERS: [987654321]}, "unknown feeder 987654321"),
    ({Outages.FORM_KIND: "transmission"}, "kind: "),
    ({Outages.FORM_KIND: {"x": 1}}, "kind: "),
    ({Outages.FORM_DESCRIPTION: "x" * 5000}, "longer than"),
    ({Outages.FORM_DESCRIPTION: 42}, "description: must be text"),
]


def test_every_problem_is_listed_at_once(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, "ldc")
    r = submit(client, app, form_values(feeder, **{Outages.FORM_START: "2026-11-31 25:00",
                                                   Outages.FORM_END: "yesterday", Outages.FORM_DERATE: 250}))
    text = str(r.json["response"])  # decoded: the raw JSON escapes "/"
    assert "start: " in text and "estimated restoration: " in text and "de-rate: must be between" in text
    assert outage_count(database) == 0


@pytest.mark.parametrize(("overrides", "message"), HOSTILE)
def test_hostile_form_values_get_a_clear_message_and_nothing_saved(client, app, database, overrides, message) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, "ldc")
    r = submit(client, app, form_values(feeder, **overrides))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    text = str(r.json["response"])  # decoded: the raw JSON escapes "/"
    assert "Nothing was saved" in text and message in text, text[:600]
    assert Outages.LOGGED not in r.json["response"]
    assert outage_count(database) == 0


def test_markup_and_sql_in_the_description_are_kept_as_text(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder, _ = gridpulse_feeder(database)
    sign_in(client, "ldc")
    text = "<img src=x onerror=alert(1)> '; DROP TABLE outage; --"
    r = submit(client, app, form_values(feeder, **{Outages.FORM_DESCRIPTION: text}))
    assert r.status_code == 200 and "logged" in r.get_data(as_text=True)
    log = post_callback(client, app, "outages-grid.rowData")
    assert log.json["response"][Outages.GRID]["rowData"][0]["description"] == text
    assert outage_count(database) == 1


@pytest.mark.parametrize("values", [
    {f"{Outages.FILTER_STATE}.value": ["'; DROP TABLE outage; --", None, 5],
     f"{Outages.FILTER_DATES}.start_date": "<script>", f"{Outages.FILTER_DATES}.end_date": "9" * 5000},
    {f"{Outages.FILTER_TEXT}.value": "%_' OR 1=1 --" * 50, f"{Outages.FILTER_LDC}.value": "9" * 5000},
    {f"{Outages.FILTER_KIND}.value": {"a": 1}, f"{Outages.FILTER_DATES}.start_date": "2026-02-30"},
])
def test_hostile_filters_get_an_answer(client, app, values) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    assert post_callback(client, app, "outages-grid.rowData", values).status_code == 200
    r = post_callback(client, app, f"{Outages.DOWNLOAD}.data", {f"{Outages.EXPORT_XLSX}.n_clicks": 1, **values},
                      triggered=f"{Outages.EXPORT_XLSX}.n_clicks")
    assert r.status_code == 200
    detail = post_callback(client, app, f"{Outages.DETAIL}.children",
                           {f"{Outages.GRID}.selectedRows": [{"id": "1; DROP TABLE outage"}]},
                           triggered=f"{Outages.GRID}.selectedRows")
    assert detail.status_code == 200
