"""The bids & offers page through the real callback endpoint, as each role: who sees which bids, who may act,
the forms (a bad field is named, nothing changes), the exports (scoped, formula-safe), hostile values."""
from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from components.ids import Market as Ids
from components.market_export import BID_HEADERS
from data.domain.enums import BidStatus, DerStatus, Market
from data.domain.market_time import trade_date_of
from data.models import Bid, Der, Enrolment, Program, Resource, User
from data.models.base import utcnow
from data.services.accounts import principal_for
from data.services.bids import BidRequest, set_der_availability, submit_bid
from tests.support import post_callback, sign_in

GRID = f"{Ids.GRID}.rowData"
ACT = f"{Ids.ACTION_MESSAGE}.children"
FORM = f"{Ids.FORM_MESSAGE}.children"
DECIDE = f"{Ids.SELECT_MESSAGE}.children"
FLOOR = f"{Ids.FLOOR_MESSAGE}.children"
DOWNLOAD = f"{Ids.DOWNLOAD}.data"


def who(database, username: str):  # type: ignore[no-untyped-def]
    with database.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def day2():  # type: ignore[no-untyped-def]
    return trade_date_of(utcnow()) + timedelta(days=2)


def own_der(database, principal, tags=("both", "wholesale")) -> Der:  # type: ignore[no-untyped-def]
    with database.session() as s:
        der = s.scalars(select(Der).where(Der.aggregator_org_id == principal.organisation_id,
                                          Der.status == DerStatus.ACTIVE, Der.service_tag.in_(tags))
                        .order_by(Der.capacity_kw.desc(), Der.id)).first()
        s.expunge(der)
        return der


def a_bid(database, username: str = "aggregator") -> tuple[int, int, Der]:  # type: ignore[no-untyped-def]
    principal = who(database, username)
    der = own_der(database, principal)
    with database.transaction() as s:
        bid = submit_bid(s, principal, BidRequest(Market.DAM, day2(), 10, 12, 5.0, 80.0, der_id=der.id))
        return bid.id, bid.version, der


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return json.dumps(response.json["response"])


def grid_ids(client, app) -> set[int]:  # type: ignore[no-untyped-def]
    r = post_callback(client, app, GRID, {f"{Ids.FILTER_DATE}.date": None})
    assert r.status_code == 200
    return {row["id"] for row in r.json["response"][Ids.GRID]["rowData"]}


def test_the_page_and_its_data_are_for_bid_readers_only(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/market").status_code == 403
    assert post_callback(client, app, GRID).status_code == 403
    client.get("/logout")
    sign_in(client, "manager")
    assert client.get("/market").status_code == 403
    assert post_callback(client, app, GRID).status_code == 403
    client.get("/logout")
    for user in ("aggregator", "ieso", "ldc", "owner", "admin"):
        sign_in(client, user)
        assert client.get("/market").status_code == 200, user
        assert post_callback(client, app, GRID).status_code == 200, user
        client.get("/logout")


def test_an_aggregator_sees_only_its_own_bids(client, app, database) -> None:  # type: ignore[no-untyped-def]
    mine, _, _ = a_bid(database, "aggregator")
    theirs, _, _ = a_bid(database, "mapledr-desk")
    maple = who(database, "mapledr-desk").organisation_id
    with database.session() as s:
        maple_bids = set(s.scalars(select(Bid.id).where(Bid.submitter_org_id == maple)))
    sign_in(client, "aggregator")
    seen = grid_ids(client, app)
    assert mine in seen and theirs not in seen and not seen & maple_bids
    consolidated = post_callback(client, app, f"{Ids.CONSOLIDATED}.rowData",
                                 {f"{Ids.CONSOLIDATED_DATE}.date": day2().isoformat()})
    assert "ON-DER" in text_of(consolidated) and own_der(database, who(database, "mapledr-desk")).platform_id \
        not in text_of(consolidated)
    client.get("/logout")
    sign_in(client, "ieso")
    assert {mine, theirs} <= grid_ids(client, app)


def test_another_aggregator_cannot_amend_withdraw_or_acknowledge_a_bid(client, app, database) -> None:  # type: ignore[no-untyped-def]
    bid_id, version, _ = a_bid(database, "aggregator")
    sign_in(client, "mapledr-desk")
    ticked = [{"id": bid_id, "version": version, "status": "submitted"}]
    for button in (Ids.AMEND, Ids.WITHDRAW, Ids.ACKNOWLEDGE):
        r = post_callback(client, app, ACT, {f"{button}.n_clicks": 1, f"{Ids.GRID}.selectedRows": ticked,
                                             f"{Ids.AMEND_QUANTITY}.value": "1", f"{Ids.AMEND_PRICE}.value": "1",
                                             f"{Ids.AMEND_FIRST}.value": "10", f"{Ids.AMEND_LAST}.value": "11"},
                          triggered=f"{button}.n_clicks")
        assert f"there is no bid #{bid_id} among your organisation" in text_of(r)
    with database.session() as s:
        bid = s.get(Bid, bid_id)
        assert bid.status == BidStatus.SUBMITTED and bid.quantity_kw == 5.0 and bid.version == version


def test_roles_that_may_not_act_are_refused_by_the_server(client, app, database) -> None:  # type: ignore[no-untyped-def]
    bid_id, version, der = a_bid(database)
    ticked = [{"id": bid_id, "version": version}]
    sign_in(client, "aggregator")
    assert post_callback(client, app, DECIDE, {f"{Ids.SELECT}.n_clicks": 1, f"{Ids.GRID}.selectedRows": ticked},
                         triggered=f"{Ids.SELECT}.n_clicks").status_code == 403
    assert post_callback(client, app, FLOOR, {f"{Ids.FLOOR_SUBMIT}.n_clicks": 1},
                         triggered=f"{Ids.FLOOR_SUBMIT}.n_clicks").status_code == 403
    client.get("/logout")
    sign_in(client, "owner")
    assert post_callback(client, app, FLOOR, {f"{Ids.FLOOR_SUBMIT}.n_clicks": 1,
                                              f"{Ids.FLOOR_DERS}.value": [der.id]},
                         triggered=f"{Ids.FLOOR_SUBMIT}.n_clicks").status_code == 403
    assert post_callback(client, app, f"{Ids.FLOOR_OVERRIDE_MESSAGE}.children",
                         {f"{Ids.FLOOR_OVERRIDE}.n_clicks": 1}, triggered=f"{Ids.FLOOR_OVERRIDE}.n_clicks"
                         ).status_code == 403
    assert post_callback(client, app, FORM, {f"{Ids.FORM_SUBMIT}.n_clicks": 1},
                         triggered=f"{Ids.FORM_SUBMIT}.n_clicks").status_code == 403
    assert post_callback(client, app, DECIDE, {f"{Ids.SELECT}.n_clicks": 1, f"{Ids.GRID}.selectedRows": ticked},
                         triggered=f"{Ids.SELECT}.n_clicks").status_code == 403
    # the owner sees no floor-bid candidates (the options callback is readable by all, its data is scoped)
    r = post_callback(client, app, f"{Ids.FLOOR_DERS}.options", {f"{Ids.FLOOR_DATE}.date": day2().isoformat()})
    assert r.json["response"][Ids.FLOOR_DERS]["options"] == []
    client.get("/logout")
    sign_in(client, "ldc")  # a wholesale bid is the IESO's to decide, and the LDC submits no bids of its own
    assert "decided by the IESO" in text_of(post_callback(
        client, app, DECIDE, {f"{Ids.SELECT}.n_clicks": 1, f"{Ids.GRID}.selectedRows": ticked},
        triggered=f"{Ids.SELECT}.n_clicks"))
    assert post_callback(client, app, ACT, {f"{Ids.WITHDRAW}.n_clicks": 1, f"{Ids.GRID}.selectedRows": ticked},
                         triggered=f"{Ids.WITHDRAW}.n_clicks").status_code == 403
    with database.session() as s:
        assert s.get(Bid, bid_id).status == BidStatus.SUBMITTED


def form(asset: str, **changes):  # type: ignore[no-untyped-def]
    values = {f"{Ids.FORM_SUBMIT}.n_clicks": 1, f"{Ids.FORM_MARKET}.value": "dam", f"{Ids.FORM_ASSET}.value": asset,
              f"{Ids.FORM_DATE}.date": day2().isoformat(), f"{Ids.FORM_FIRST}.value": "9",
              f"{Ids.FORM_LAST}.value": "13", f"{Ids.FORM_QUANTITY}.value": "4.5", f"{Ids.FORM_PRICE}.value": "72.5"}
    values.update({f"{k}.value" if "." not in k else k: v for k, v in changes.items()})
    return values


def test_the_bid_form_names_bad_fields_and_submits_good_ones(client, app, database) -> None:  # type: ignore[no-untyped-def]
    der = own_der(database, who(database, "aggregator"))
    sign_in(client, "aggregator")
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(Bid))

    def send(values):  # type: ignore[no-untyped-def]
        return text_of(post_callback(client, app, FORM, values, triggered=f"{Ids.FORM_SUBMIT}.n_clicks"))

    assert "quantity: not a number" in send(form(f"der:{der.id}", **{Ids.FORM_QUANTITY: "lots"}))
    assert "price: between" in send(form(f"der:{der.id}", **{Ids.FORM_PRICE: "99999"}))
    assert "last hour-ending" in send(form(f"der:{der.id}", **{Ids.FORM_FIRST: "13", Ids.FORM_LAST: "9"}))
    assert "asset: pick" in send(form("der:abc"))
    assert "trade date: pick" in send(form(f"der:{der.id}", **{f"{Ids.FORM_DATE}.date": ["x"]}))
    assert "market:" in send(form(f"der:{der.id}", **{Ids.FORM_MARKET: {"$ne": 1}}))
    assert "asset: there is no DER" in send(form("der:999999"))
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Bid)) == before
    assert "submitted" in send(form(f"der:{der.id}"))
    with database.session() as s:
        bid = s.scalars(select(Bid).order_by(Bid.id.desc())).first()
        assert bid.der_id == der.id and bid.quantity_kw == 4.5 and bid.price_per_mwh == 72.5


def test_a_refused_bid_says_which_hours_lack_capacity_and_why(client, app, database) -> None:  # type: ignore[no-untyped-def]
    aggregator = who(database, "aggregator")
    der = own_der(database, aggregator)
    with database.transaction() as s:
        set_der_availability(s, aggregator, der.id, False, "inverter <b>replaced</b>")
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(Bid))
    sign_in(client, "aggregator")
    text = text_of(post_callback(client, app, FORM, form(f"der:{der.id}"), triggered=f"{Ids.FORM_SUBMIT}.n_clicks"))
    assert f"Refused: {der.platform_id}: 4.5 kW offered but only 0.0 kW available in HE9\\u201313" in text
    assert "reported unavailable" in text and "inverter <b>replaced</b>" in text  # text, never markup
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Bid)) == before


def test_a_link_to_one_bid_shows_it_when_the_page_opens(client, app, database) -> None:  # type: ignore[no-untyped-def]
    bid_id, _, der = a_bid(database)
    sign_in(client, "aggregator")
    opened = text_of(post_callback(client, app, f"{Ids.SELECTION}.children", {f"{Ids.FOCUS}.data": bid_id}))
    assert f"Bid #{bid_id}" in opened and der.platform_id in opened
    client.get("/logout")
    sign_in(client, "mapledr-desk")  # another aggregator's link shows nothing of the bid
    assert f"Bid #{bid_id} is not in your view" in text_of(post_callback(
        client, app, f"{Ids.SELECTION}.children", {f"{Ids.FOCUS}.data": bid_id}))


def test_ieso_selects_and_the_aggregator_acknowledges_through_the_page(client, app, database) -> None:  # type: ignore[no-untyped-def]
    bid_id, version, _ = a_bid(database)
    sign_in(client, "ieso")
    r = post_callback(client, app, DECIDE, {f"{Ids.SELECT}.n_clicks": 1,
                                            f"{Ids.GRID}.selectedRows": [{"id": bid_id, "version": version}]},
                      triggered=f"{Ids.SELECT}.n_clicks")
    assert f"#{bid_id}" in text_of(r) and "acknowledge" in text_of(r)
    client.get("/logout")
    sign_in(client, "aggregator")
    rows = post_callback(client, app, GRID).json["response"][Ids.GRID]["rowData"]
    row = next(r for r in rows if r["id"] == bid_id)
    assert row["status"] == "selected" and row["ack"].startswith("awaiting") and rows[0]["ack"].startswith("awaiting")
    r = post_callback(client, app, ACT, {f"{Ids.ACKNOWLEDGE}.n_clicks": 1,
                                         f"{Ids.GRID}.selectedRows": [{"id": bid_id, "version": row["version"]}]},
                      triggered=f"{Ids.ACKNOWLEDGE}.n_clicks")
    assert "acknowledged" in text_of(r)
    with database.session() as s:
        assert s.get(Bid, bid_id).selection_acknowledged_at is not None


def test_the_ldc_submits_floor_bids_for_eligible_ders(client, app, database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    with database.session() as s:
        der_id = s.scalar(select(Der.id).join(Enrolment, Enrolment.der_id == Der.id)
                          .join(Program, Program.id == Enrolment.program_id)
                          .where(Program.market == Market.DISTRIBUTION, Enrolment.end_date.is_(None),
                                 Der.ldc_id.in_(ldc.territory_ldc_ids), Der.status == DerStatus.ACTIVE)
                          .order_by(Der.id))
    sign_in(client, "ldc")
    options = post_callback(client, app, f"{Ids.FLOOR_DERS}.options", {f"{Ids.FLOOR_DATE}.date": day2().isoformat()})
    assert der_id in {o["value"] for o in options.json["response"][Ids.FLOOR_DERS]["options"]}
    values = {f"{Ids.FLOOR_SUBMIT}.n_clicks": 1, f"{Ids.FLOOR_DERS}.value": [der_id],
              f"{Ids.FLOOR_DATE}.date": day2().isoformat(), f"{Ids.FLOOR_FIRST}.value": "7",
              f"{Ids.FLOOR_LAST}.value": "22"}
    assert "1 floor-price bid(s) submitted" in text_of(post_callback(client, app, FLOOR, values,
                                                                     triggered=f"{Ids.FLOOR_SUBMIT}.n_clicks"))
    assert "already has a floor-price bid" in text_of(post_callback(client, app, FLOOR, values,
                                                                    triggered=f"{Ids.FLOOR_SUBMIT}.n_clicks"))
    with database.session() as s:
        bid = s.scalars(select(Bid).where(Bid.der_id == der_id, Bid.is_floor_price.is_(True))
                        .order_by(Bid.id.desc())).first()
        assert bid.price_per_mwh == 0 and bid.submitter_org_id == ldc.organisation_id


def test_exports_are_scoped_and_formula_safe(client, app, database) -> None:  # type: ignore[no-untyped-def]
    bid_id, version, _ = a_bid(database)
    theirs, _, _ = a_bid(database, "mapledr-desk")
    sign_in(client, "aggregator")
    r = post_callback(client, app, ACT, {f"{Ids.WITHDRAW}.n_clicks": 1, f"{Ids.ACTION_REASON}.value":
                                         "=HYPERLINK(\"http://x\")", f"{Ids.GRID}.selectedRows":
                                         [{"id": bid_id, "version": version}]}, triggered=f"{Ids.WITHDRAW}.n_clicks")
    assert "withdrawn" in text_of(r)
    r = post_callback(client, app, DOWNLOAD, {f"{Ids.EXPORT_BIDS_CSV}.n_clicks": 1},
                      triggered=f"{Ids.EXPORT_BIDS_CSV}.n_clicks")
    content = r.json["response"][Ids.DOWNLOAD]["data"]["content"]
    rows = list(csv.reader(io.StringIO(content)))
    bid_column = rows[0].index("Bid ID")
    ids = {int(row[bid_column]) for row in rows[1:]}
    assert bid_id in ids and theirs not in ids
    assert "'=HYPERLINK(\"http://x\")" in {row[-1] for row in rows[1:]}
    r = post_callback(client, app, DOWNLOAD, {f"{Ids.EXPORT_XLSX}.n_clicks": 1},
                      triggered=f"{Ids.EXPORT_XLSX}.n_clicks")
    data = r.json["response"][Ids.DOWNLOAD]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    assert book.sheetnames == ["Bids", "Bid history", "Resource plans", "Plan history"]
    sheet = book["Bids"]
    assert tuple(c.value for c in sheet[1]) == BID_HEADERS
    exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert bid_id in exported and theirs not in exported
    reasons = [row[-1] for row in sheet.iter_rows(min_row=2) if row[0].value == bid_id]
    assert [(c.value, c.data_type) for c in reasons] == [("=HYPERLINK(\"http://x\")", "s")]  # text, never a formula
    plans = post_callback(client, app, DOWNLOAD, {f"{Ids.EXPORT_PLANS_CSV}.n_clicks": 1},
                          triggered=f"{Ids.EXPORT_PLANS_CSV}.n_clicks")
    assert plans.json["response"][Ids.DOWNLOAD]["data"]["content"].startswith("Plan ID,")


def test_hostile_values_get_messages_not_errors(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    junk = [None, "x", 1.5, True, {"id": "1; drop table bid"}, [{"id": True, "version": "v"}], "9" * 50]
    for value in junk:
        r = post_callback(client, app, ACT, {f"{Ids.WITHDRAW}.n_clicks": 1, f"{Ids.GRID}.selectedRows": value},
                          triggered=f"{Ids.WITHDRAW}.n_clicks")
        assert "tick exactly one" in text_of(r)
        r = post_callback(client, app, GRID, {f"{Ids.FILTER_DATE}.date": value, f"{Ids.FILTER_MARKET}.value": value,
                                              f"{Ids.FILTER_STATUS}.value": value})
        assert r.status_code == 200
    r = post_callback(client, app, f"{Ids.AVAIL_MESSAGE}.children", {f"{Ids.AVAIL_OFF}.n_clicks": 1,
                                                                      f"{Ids.AVAIL_DER}.value": "../../etc"},
                      triggered=f"{Ids.AVAIL_OFF}.n_clicks")
    assert "DER: pick" in text_of(r)
    with database.session() as s:
        resource_id = s.scalar(select(Resource.id).where(
            Resource.aggregator_org_id == who(database, "aggregator").organisation_id).order_by(Resource.id))
    plan = {f"{Ids.PLAN_SAVE}.n_clicks": 1, f"{Ids.PLAN_RESOURCE}.value": resource_id,
            f"{Ids.PLAN_DATE}.date": day2().isoformat(), f"{Ids.PLAN_INTENDS}.value": "maybe"}
    r = post_callback(client, app, f"{Ids.PLAN_MESSAGE}.children", plan, triggered=f"{Ids.PLAN_SAVE}.n_clicks")
    assert "intends to offer: yes or no" in text_of(r)
    plan[f"{Ids.PLAN_RESOURCE}.value"] = 1  # another aggregator's resource
    r = post_callback(client, app, f"{Ids.PLAN_MESSAGE}.children", plan, triggered=f"{Ids.PLAN_SAVE}.n_clicks")
    assert "resource: there is no resource #1" in text_of(r)
