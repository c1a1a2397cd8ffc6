"""Dispatch and conflict pages through the real callback endpoint, as each role: refusals, issuing, hostile values,
acknowledgement scope, the conflict list, badge and home-map highlight."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from components.ids import Conflicts, Dispatch, Home
from data.domain.enums import DispatchState, Issuer, OrgKind, TargetKind
from data.domain.market_time import MARKET_TZ, floor_to_interval
from data.models import ConflictAlert, Der, DispatchInstruction, Organisation, User
from data.models.base import utcnow
from data.services.conflicts import run_conflict_check
from tests.integration.test_dispatch_service import aggregator_feeder as feeder_and_resource
from tests.support import post_callback, sign_in

FORM = f"{Dispatch.FORM_MESSAGE}.children"
ISSUE = f"{Dispatch.ISSUE}.n_clicks"
ACK = f"{Dispatch.ACK_MESSAGE}.children"


def form_values(feeder_id, **overrides):  # type: ignore[no-untyped-def]
    start = (floor_to_interval(utcnow()) + timedelta(hours=2)).astimezone(MARKET_TZ)
    values = {
        ISSUE: 1, f"{Dispatch.FORM_TARGET_KIND}.value": "feeder", f"{Dispatch.FORM_TARGET}.value": feeder_id,
        f"{Dispatch.FORM_DIRECTION}.value": "import", f"{Dispatch.FORM_AMOUNT}.value": 400,
        f"{Dispatch.FORM_UNIT}.value": "kW", f"{Dispatch.FORM_MVAR}.value": None,
        f"{Dispatch.FORM_START}.value": f"{start:%Y-%m-%d %H:%M}",
        f"{Dispatch.FORM_END}.value": f"{start + timedelta(hours=1):%Y-%m-%d %H:%M}",
        f"{Dispatch.FORM_ACK_MINUTES}.value": 15,
    }
    values.update({f"{k}.value" if "." not in k else k: v for k, v in overrides.items()})
    return values


def issue(client, app, values):  # type: ignore[no-untyped-def]
    return post_callback(client, app, FORM, values, triggered=ISSUE)


def count(database) -> int:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(DispatchInstruction).where(
            DispatchInstruction.issuer == Issuer.DSO.value))


def test_guest_gets_403_on_pages_and_callbacks(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/dispatch").status_code == 403
    assert client.get("/conflicts").status_code == 403
    for key in (f"{Dispatch.GRID}.rowData", f"{Conflicts.GRID}.rowData", f"{Conflicts.BADGE}.children",
                f"{Dispatch.CHECKLIST}.rowData"):
        assert post_callback(client, app, key).status_code == 403
    assert post_callback(client, app, f"{Conflicts.MESSAGE}.children",
                         {f"{Conflicts.SELECTED}.data": {"id": 1, "version": 1}},
                         triggered=f"{Conflicts.ACKNOWLEDGE}.n_clicks").status_code == 403


@pytest.mark.parametrize("username", ["aggregator", "ieso", "owner", "admin"])
def test_only_a_dso_issues(client, app, database, username) -> None:  # type: ignore[no-untyped-def]
    feeder_id, _ = feeder_and_resource(database)
    sign_in(client, username)
    assert issue(client, app, form_values(feeder_id)).status_code == 403
    assert post_callback(client, app, f"{Dispatch.FORM_TARGET}.options",
                         {f"{Dispatch.FORM_TARGET_KIND}.value": "feeder"}).status_code == 403
    assert post_callback(client, app, f"{Dispatch.SEND_MESSAGE}.children", {f"{Dispatch.SEND_IESO}.n_clicks": 1},
                         triggered=f"{Dispatch.SEND_IESO}.n_clicks").status_code == 403
    assert count(database) == 0


@pytest.mark.parametrize("overrides", [
    {Dispatch.FORM_AMOUNT: "1e400"}, {Dispatch.FORM_AMOUNT: ["x"]}, {Dispatch.FORM_AMOUNT: {"a": 1}},
    {Dispatch.FORM_TARGET: "<script>"}, {Dispatch.FORM_TARGET_KIND: None}, {Dispatch.FORM_START: "tomorrow"},
    {Dispatch.FORM_START: "x" * 5000}, {Dispatch.FORM_END: "2026-13-40 25:00"}, {Dispatch.FORM_UNIT: ["kW"]},
    {Dispatch.FORM_DIRECTION: 7}, {Dispatch.FORM_ACK_MINUTES: "NaN"},
])
def test_hostile_form_values_give_a_message_not_a_500(client, app, database, overrides) -> None:  # type: ignore[no-untyped-def]
    feeder_id, _ = feeder_and_resource(database)
    sign_in(client, "ldc")
    r = issue(client, app, form_values(feeder_id, **overrides))
    assert r.status_code == 200 and "text-danger" in r.get_data(as_text=True)
    assert count(database) == 0


def test_ldc_issues_the_aggregator_accepts_and_another_cannot(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder_id, _ = feeder_and_resource(database)
    sign_in(client, "ldc")
    opts = post_callback(client, app, f"{Dispatch.FORM_TARGET}.options",
                         {f"{Dispatch.FORM_TARGET_KIND}.value": "feeder"})
    assert feeder_id in [o["value"] for o in opts.json["response"][Dispatch.FORM_TARGET]["options"]]
    r = issue(client, app, form_values(feeder_id))
    assert r.status_code == 200 and "issued" in r.get_data(as_text=True)
    with database.session() as s:
        ins_id = s.scalar(select(DispatchInstruction.id).where(DispatchInstruction.issuer == Issuer.DSO.value))
        orgs = {o for o in s.scalars(select(Der.aggregator_org_id).where(Der.feeder_id == feeder_id)) if o}
        other = s.scalars(select(User).join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.kind == OrgKind.AGGREGATOR.value, User.organisation_id.not_in(orgs))).first()
    client.get("/logout")
    sign_in(client, other.username)
    refused = post_callback(client, app, ACK, {f"{Dispatch.GRID}.selectedRows": [{"id": ins_id}]},
                            triggered=f"{Dispatch.ACCEPT}.n_clicks")
    assert refused.status_code == 200 and "text-danger" in refused.get_data(as_text=True)
    client.get("/logout")
    sign_in(client, "ldc")
    assert post_callback(client, app, ACK, {f"{Dispatch.GRID}.selectedRows": [{"id": ins_id}]},
                         triggered=f"{Dispatch.ACCEPT}.n_clicks").status_code == 403
    client.get("/logout")
    sign_in(client, "aggregator")
    assert client.get("/dispatch").status_code == 200
    rows = post_callback(client, app, f"{Dispatch.GRID}.rowData").json["response"][Dispatch.GRID]["rowData"]
    assert any(r["id"] == ins_id and r["can_ack"] for r in rows)
    for hostile in ([{"id": "1 OR 1=1"}], "x", [None], [{"id": {"$ne": 1}}]):
        r = post_callback(client, app, ACK, {f"{Dispatch.GRID}.selectedRows": hostile},
                          triggered=f"{Dispatch.ACCEPT}.n_clicks")
        assert r.status_code == 200
    ok = post_callback(client, app, ACK, {f"{Dispatch.GRID}.selectedRows": [{"id": ins_id}]},
                       triggered=f"{Dispatch.ACCEPT}.n_clicks")
    assert "accepted" in ok.get_data(as_text=True)
    with database.session() as s:
        assert s.get(DispatchInstruction, ins_id).state == DispatchState.ACCEPTED.value


def test_conflict_list_badge_work_and_map_highlight(client, app, database) -> None:  # type: ignore[no-untyped-def]
    feeder_id, resource_id = feeder_and_resource(database)
    start = floor_to_interval(utcnow()) + timedelta(hours=2)
    with database.transaction() as s:
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value))
        s.add(DispatchInstruction(issuer=Issuer.IESO.value, issuer_org_id=ieso, message_id="PAGE-UP",
                                  state=DispatchState.ACCEPTED.value, target_kind=TargetKind.RESOURCE.value,
                                  resource_id=resource_id, amount_kw=700.0, start_at=start,
                                  end_at=start + timedelta(hours=1)))
    sign_in(client, "ldc")
    assert "issued" in issue(client, app, form_values(feeder_id)).get_data(as_text=True)
    with database.session() as s:
        alert = next(a for a in s.scalars(select(ConflictAlert).where(ConflictAlert.rule == "direction"))
                     if feeder_id in a.feeder_ids)
    assert client.get("/conflicts").status_code == 200
    rows = post_callback(client, app, f"{Conflicts.GRID}.rowData", {f"{Conflicts.VIEW}.value": "unacknowledged"})
    assert any(r["id"] == alert.id for r in rows.json["response"][Conflicts.GRID]["rowData"])
    badge = post_callback(client, app, f"{Conflicts.BADGE}.children")
    assert badge.status_code == 200 and badge.json["response"][Conflicts.ALARM_COUNT]["data"] >= 1
    detail = post_callback(client, app, f"{Conflicts.DETAIL}.children",
                           {f"{Conflicts.GRID}.selectedRows": [{"id": alert.id}]})
    text = detail.get_data(as_text=True)
    assert "Side A" in text and "Side B" in text and "IESO" in text and "DSO" in text
    feeders = post_callback(client, app, f"{Home.FEEDERS}.data").json["response"][Home.FEEDERS]["data"]
    mine = next(f for f in feeders["features"] if f["properties"]["id"] == feeder_id)
    assert mine["properties"]["weight"] == 5
    for hostile in ({"id": "x", "version": None}, "x", {"id": alert.id, "version": 999}):
        r = post_callback(client, app, f"{Conflicts.MESSAGE}.children", {f"{Conflicts.SELECTED}.data": hostile},
                          triggered=f"{Conflicts.ACKNOWLEDGE}.n_clicks")
        assert r.status_code == 200 and "text-danger" in r.get_data(as_text=True)
    acked = post_callback(client, app, f"{Conflicts.MESSAGE}.children",
                          {f"{Conflicts.SELECTED}.data": {"id": alert.id, "version": alert.version}},
                          triggered=f"{Conflicts.ACKNOWLEDGE}.n_clicks")
    assert "acknowledged" in acked.get_data(as_text=True)
    with database.transaction() as s:
        run_conflict_check(s, utcnow())
        assert s.get(ConflictAlert, alert.id).state == "acknowledged"
