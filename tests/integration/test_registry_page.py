"""The DER registry page through the real callback endpoint, as each role: who may open it, who may decide, what
each party reads, the registration form field by field, and hostile values."""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from components.ids import Registry
from data.domain.enums import DerStatus
from data.models import Der, Feeder, Organisation, Resource, User
from data.queries.feeder_lookup import nearest_feeders
from tests.support import post_callback, sign_in

FORM = f"{Registry.FORM_MESSAGE}.children"
DECIDE = f"{Registry.DECISION_MESSAGE}.children"
QUEUE = f"{Registry.QUEUE_GRID}.rowData"
REGISTRATIONS = f"{Registry.REGISTRATIONS_GRID}.rowData"
SUBMIT = f"{Registry.SUBMIT}.n_clicks"
APPROVE = f"{Registry.APPROVE}.n_clicks"


def lakeshore_point(database) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The middle of a Lakeshore Hydro (the `ldc` user's own LDC) feeder whose nearest feeder is its own."""
    with database.session() as s:
        ldc = s.scalar(select(Organisation.id).where(Organisation.code == "LSH"))
        mids = [(g[len(g) // 2][1], g[len(g) // 2][0])
                for g in s.scalars(select(Feeder.geometry).where(Feeder.ldc_id == ldc).order_by(Feeder.id))]
        return next(p for p, m in zip(mids, nearest_feeders(s, mids), strict=True) if m and m.ldc_id == ldc)


def form(point: tuple[float, float], **overrides: Any) -> dict[str, Any]:
    values = {"name": "Page test PV", "address": "9 Page St", "technology": "solar_pv", "capacity": "77.7",
              "energy": None, "ramp-up": "5", "ramp-down": "5", "meter": None, "lat": point[0], "lon": point[1],
              "service": "wholesale", "assess-ref": "CIA-P-1", "assess-date": "2026-02-01",
              "assess-class": "under_10mw"}
    values.update(overrides)
    out = {f"registry-{k}.value": v for k, v in values.items()}
    out[SUBMIT] = 1
    return out


def register(client, app, database, **overrides) -> Any:  # type: ignore[no-untyped-def]
    return post_callback(client, app, FORM, form(lakeshore_point(database), **overrides), triggered=SUBMIT)


def newest_der(database) -> Der:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return s.scalars(select(Der).order_by(Der.id.desc())).first()


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(response.json["response"])


def switch(client, username: str) -> None:  # type: ignore[no-untyped-def]
    client.get("/logout")
    sign_in(client, username)


@pytest.mark.parametrize("username", ["aggregator", "owner", "ldc", "ieso", "admin"])
def test_the_page_opens_for_every_registry_role(client, app, username) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, username)
    assert client.get("/registry").status_code == 200
    assert post_callback(client, app, REGISTRATIONS).status_code == 200
    assert post_callback(client, app, f"{Registry.ASSESS_GRID}.rowData").status_code == 200


def test_guest_and_manager_are_refused(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/registry").status_code == 403
    assert post_callback(client, app, REGISTRATIONS).status_code == 403
    switch(client, "manager")
    assert client.get("/registry").status_code == 403
    assert post_callback(client, app, f"{Registry.METER_GRID}.rowData").status_code == 403


def test_an_aggregator_cannot_see_or_use_the_approval_queue(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    assert register(client, app, database).status_code == 200
    der = newest_der(database)
    assert post_callback(client, app, QUEUE).status_code == 403
    picked = {f"{Registry.QUEUE_GRID}.selectedRows": [{"id": der.id, "seen": "pending"}], APPROVE: 1}
    assert post_callback(client, app, DECIDE, picked, triggered=APPROVE).status_code == 403
    assert post_callback(client, app, f"{Registry.METER_DECISION_MESSAGE}.children").status_code == 403
    assert post_callback(client, app, f"{Registry.RES_DECISION_MESSAGE}.children").status_code == 403
    assert newest_der(database).status == DerStatus.PENDING


def test_ldc_staff_and_administrators_cannot_register(client, app, database) -> None:  # type: ignore[no-untyped-def]
    for username in ("ldc", "admin", "ieso"):
        switch(client, username)
        assert register(client, app, database).status_code == 403
        assert post_callback(client, app, f"{Registry.LAT}.value...{Registry.LON}.value",
                             {f"{Registry.MAP}.clickData": {"latlng": {"lat": 43.7, "lng": -79.4}}}).status_code == 403
        assert post_callback(client, app, f"{Registry.RES_MESSAGE}.children").status_code == 403


def test_register_through_the_form_then_the_ldc_approves(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    answer = register(client, app, database, meter=" page-mtr-1 ")
    assert answer.status_code == 200 and "submitted on feeder" in text_of(answer)
    der = newest_der(database)
    assert (der.status, der.platform_id, der.meter_id) == (DerStatus.PENDING, None, "PAGE-MTR-1")
    mine = post_callback(client, app, REGISTRATIONS).json["response"][Registry.REGISTRATIONS_GRID]["rowData"]
    assert next(r for r in mine if r["id"] == der.id)["platform_id"] == "pending"

    switch(client, "ldc")
    rows = post_callback(client, app, QUEUE).json["response"][Registry.QUEUE_GRID]["rowData"]
    row = next(r for r in rows if r["id"] == der.id)
    assert row["waiting_for"] == "you" and row["seen"] == "pending"
    picked = {f"{Registry.QUEUE_GRID}.selectedRows": [row], f"{Registry.QUEUE_FEEDER}.value": row["feeder_id"],
              APPROVE: 1}
    answer = post_callback(client, app, DECIDE, picked, triggered=APPROVE)
    approved = newest_der(database)
    assert approved.status == DerStatus.ACTIVE and approved.platform_id in text_of(answer)
    # the same (now stale) rows clicked again: refused, nothing changes
    again = post_callback(client, app, DECIDE, picked, triggered=APPROVE)
    assert "already decided by someone else" in text_of(again)
    assert newest_der(database).platform_id == approved.platform_id


def test_bad_values_are_marked_field_by_field_and_nothing_is_saved(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "owner")
    with database.session() as s:
        before = s.scalar(select(func.count(Der.id)))
    answer = register(client, app, database, capacity="-3", lat="91", name="", **{"assess-date": "2999-01-01"})
    response = answer.json["response"]
    assert answer.status_code == 200
    flagged = {cid for cid, props in response.items() if props.get("invalid") is True}
    assert flagged == {Registry.CAPACITY, Registry.LAT, Registry.NAME, Registry.ASSESS_DATE}
    assert "Capacity: must be more than 0 kW" in text_of(answer)
    with database.session() as s:
        assert s.scalar(select(func.count(Der.id))) == before


def test_a_dso_of_another_territory_cannot_approve(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    register(client, app, database)
    der = newest_der(database)
    switch(client, "dsp-ops")
    rows = post_callback(client, app, QUEUE).json["response"][Registry.QUEUE_GRID]["rowData"]
    assert der.id not in {r["id"] for r in rows}
    picked = {f"{Registry.QUEUE_GRID}.selectedRows": [{"id": der.id, "seen": "pending"}], APPROVE: 1}
    answer = post_callback(client, app, DECIDE, picked, triggered=APPROVE)
    assert answer.status_code == 200 and "not in your territory" in text_of(answer)
    assert newest_der(database).status == DerStatus.PENDING


def test_aggregator_b_cannot_read_aggregator_a_registrations(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    register(client, app, database, name="GridPulse private site", address="1 Secret Rd", meter="SECRET-1")
    der = newest_der(database)
    switch(client, "mapledr-desk")
    for output in (REGISTRATIONS, f"{Registry.ASSESS_GRID}.rowData", f"{Registry.METER_GRID}.rowData",
                   f"{Registry.RESOURCES_GRID}.rowData"):
        answer = post_callback(client, app, output)
        assert answer.status_code == 200
        assert not {"GridPulse private site", "1 Secret Rd", "SECRET-1"} & set(text_of(answer).split('"'))
    history = post_callback(client, app, f"{Registry.METER_HISTORY}.rowData",
                            {f"{Registry.METER_GRID}.selectedRows": [{"id": 1, "der_id": der.id}]})
    assert history.json["response"][Registry.METER_HISTORY]["rowData"] == []
    # registering the same meter tells B only that a pending registration holds it
    answer = register(client, app, database, meter="secret-1", capacity="12")
    assert "meter ID already registered to a pending registration" in text_of(answer)
    assert "GridPulse" not in text_of(answer) and "Secret Rd" not in text_of(answer)


def test_the_administrator_approves_a_resource_and_updates_its_id(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    submit = f"{Registry.RES_SUBMIT}.n_clicks"
    answer = post_callback(client, app, f"{Registry.RES_MESSAGE}.children",
                           {submit: 1, f"{Registry.RES_NAME}.value": "Page resource",
                            f"{Registry.RES_ZONE}.value": "Toronto", f"{Registry.RES_SERVICE}.value": "both"},
                           triggered=submit)
    assert "pending until a platform administrator approves it" in text_of(answer)
    with database.session() as s:
        resource = s.scalar(select(Resource).where(Resource.name == "Page resource"))
    switch(client, "admin")
    approve = f"{Registry.RES_APPROVE}.n_clicks"
    row = {"id": resource.id, "seen": "pending", "code": resource.resource_code}
    answer = post_callback(client, app, f"{Registry.RES_DECISION_MESSAGE}.children",
                           {approve: 1, f"{Registry.RESOURCES_GRID}.selectedRows": [row],
                            f"{Registry.RES_CODE}.value": "tor-page-1"}, triggered=approve)
    assert "Resource TOR-PAGE-1 approved" in text_of(answer)
    with database.session() as s:
        assert s.get(Resource, resource.id).status == "active"


@pytest.mark.parametrize("hostile", [None, "", "x" * 10_000, 12, [None, "a", {"id": True}, {"id": 2**40}],
                                     "=HYPERLINK(\"http://x\")", "'; DROP TABLE der; --", {"latlng": "nope"}])
def test_hostile_values_get_a_message_never_a_500(client, app, database, hostile) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    for output, values, trigger in [
        (DECIDE, {f"{Registry.QUEUE_GRID}.selectedRows": hostile, f"{Registry.QUEUE_FEEDER}.value": hostile,
                  f"{Registry.REASON}.value": hostile, APPROVE: 1}, APPROVE),
        (DECIDE, {f"{Registry.QUEUE_GRID}.selectedRows": [{"id": 1, "seen": hostile}],
                  f"{Registry.REASON}.value": hostile, f"{Registry.REJECT}.n_clicks": 1},
         f"{Registry.REJECT}.n_clicks"),
        (f"{Registry.DECISION_TARGET}.children", {f"{Registry.QUEUE_GRID}.selectedRows": hostile}, None),
        (f"{Registry.METER_HISTORY}.rowData", {f"{Registry.METER_GRID}.selectedRows": hostile}, None),
        (f"{Registry.METER_DECISION_MESSAGE}.children", {f"{Registry.METER_GRID}.selectedRows": hostile,
                                                         f"{Registry.METER_REASON}.value": hostile,
                                                         f"{Registry.METER_APPROVE}.n_clicks": 1},
         f"{Registry.METER_APPROVE}.n_clicks"),
    ]:
        answer = post_callback(client, app, output, values, triggered=trigger)
        assert answer.status_code in (200, 204), (output, answer.status_code)
    switch(client, "aggregator")
    hostile_form = {k: hostile for k in form((0, 0))}
    hostile_form[SUBMIT] = 1
    assert post_callback(client, app, FORM, hostile_form, triggered=SUBMIT).status_code == 200
    for output, values in [
        (f"{Registry.LAT}.value...{Registry.LON}.value", {f"{Registry.MAP}.clickData": hostile}),
        (f"{Registry.SUGGESTION}.children", {f"{Registry.LAT}.value": hostile, f"{Registry.LON}.value": hostile}),
        (f"{Registry.MAP_PICK}.children", {f"{Registry.PICKED}.data": hostile, f"{Registry.MAP}.zoom": hostile}),
        (f"{Registry.METER_DER}.options", {f"{Registry.METER_DER}.search_value": hostile,
                                          f"{Registry.METER_DER}.value": hostile}),
        (f"{Registry.METER_FORM_MESSAGE}.children", {f"{Registry.METER_DER}.value": hostile,
                                                     f"{Registry.METER_CODE}.value": hostile,
                                                     f"{Registry.METER_FROM}.value": hostile}),
        (f"{Registry.RES_MESSAGE}.children", {f"{Registry.RES_NAME}.value": hostile,
                                              f"{Registry.RES_ZONE}.value": hostile,
                                              f"{Registry.RES_SERVICE}.value": hostile}),
    ]:
        answer = post_callback(client, app, output, values)
        assert answer.status_code in (200, 204), (output, answer.status_code)
    with database.session() as s:
        assert s.scalar(select(func.count(User.id))) > 0  # the tables are still there
