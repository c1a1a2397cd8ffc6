"""The settlement page through the real callback endpoint, as each role: refusals, scope under a forged party
filter, bad periods, and the CSV / Excel exports with their formula guard."""
from __future__ import annotations

import base64
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from components.ids import Settlement
from components.settlement_export import EVENT_HEADERS
from data.db import Database
from data.demo.mv_history import ensure_mv_history
from data.models import MvEvent, Organisation, Resource, User
from tests.support import DEMO_SEED, post_callback, sign_in

AS_OF = date(2026, 6, 19)
FIRST, LAST = (AS_OF - timedelta(days=30)).isoformat(), AS_OF.isoformat()
REPORT = f"{Settlement.EVENTS}.rowData"
EXPORT = f"{Settlement.DOWNLOAD}.data"


@pytest.fixture
def mv(database: Database) -> Database:
    assert ensure_mv_history(database, days=30, seed=DEMO_SEED, as_of=AS_OF) is not None
    return database


def org_of(db: Database, username: str) -> int:
    with db.session() as s:
        return s.scalar(select(User.organisation_id).where(User.username == username))


def events_of(db: Database, org_id: int) -> set[str]:
    with db.session() as s:
        return {str(i) for i in s.scalars(select(MvEvent.id).join(Resource, Resource.id == MvEvent.resource_id)
                                          .where(Resource.aggregator_org_id == org_id))}


def values(first: object = FIRST, last: object = LAST, parties: object = None) -> dict[str, object]:
    return {f"{Settlement.PERIOD}.start_date": first, f"{Settlement.PERIOD}.end_date": last,
            f"{Settlement.PARTIES}.value": parties}


def ask(client, app, **kw):  # type: ignore[no-untyped-def]
    r = post_callback(client, app, REPORT, values(**kw))
    assert r.status_code == 200
    return r.json["response"]


def export(client, app, button: str, **kw):  # type: ignore[no-untyped-def]
    trigger = f"{button}.n_clicks"
    body = {**values(**kw), trigger: 1}
    return post_callback(client, app, EXPORT, body, triggered=trigger)


def test_a_guest_is_refused_everything(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/settlement").status_code == 403
    assert post_callback(client, app, REPORT, values()).status_code == 403
    assert post_callback(client, app, f"{Settlement.SET_POINTS}.rowData", values()).status_code == 403
    assert export(client, app, Settlement.EXPORT_CSV).status_code == 403


def test_aggregator_b_cannot_get_aggregator_a_payments_by_forging_the_party(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    a, b = org_of(mv, "aggregator"), org_of(mv, "mapledr-desk")
    theirs, mine = events_of(mv, a), events_of(mv, b)
    assert theirs and mine
    sign_in(client, "mapledr-desk")
    assert client.get("/settlement").status_code == 200
    own = ask(client, app)
    assert {r["event"] for r in own[Settlement.EVENTS]["rowData"]} == {int(i) for i in mine}
    forged = ask(client, app, parties=[a])
    assert forged[Settlement.EVENTS]["rowData"] == [] and forged[Settlement.PARTY_TOTALS]["rowData"] == []
    assert forged[Settlement.FLAGS]["rowData"] == []
    forged_text = ask(client, app, parties=[str(a), "x", None, {"id": a}])
    assert forged_text[Settlement.EVENTS]["rowData"] == []
    sent = export(client, app, Settlement.EXPORT_CSV, parties=[a]).json["response"][Settlement.DOWNLOAD]["data"]
    lines = sent["content"].strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(EVENT_HEADERS[0])  # a title and the headers: no row of A's


def test_readers_get_their_report(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "manager")
    assert client.get("/settlement").status_code == 200
    got = ask(client, app)
    rows = got[Settlement.EVENTS]["rowData"]
    assert {str(r["event"]) for r in rows} == events_of(mv, org_of(mv, "manager"))
    assert got[Settlement.FLAGS]["rowData"], "the demo gives the manager's aggregator a double payment"
    assert "Reconciliation (" in got[Settlement.TAB_RECONCILIATION]["label"]
    assert got[Settlement.BY_SERVICE]["figure"]["data"][0]["type"] == "pie"
    annex = post_callback(client, app, f"{Settlement.SET_POINTS}.rowData", values())
    assert annex.status_code == 200


@pytest.mark.parametrize(("first", "last", "problem"), [
    ("2026-13-01", LAST, "Period from"), (FIRST, "not a date", "Period to"), (LAST, FIRST, "is before"),
    ("2020-01-01", LAST, "at most"), (["2026-01-01"], LAST, "Period from"),
])
def test_a_bad_period_is_a_message_and_no_data(client, app, mv, first, last, problem) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    got = ask(client, app, first=first, last=last)
    assert problem in str(got[Settlement.MESSAGE]["children"])
    assert got[Settlement.EVENTS]["rowData"] == []
    r = export(client, app, Settlement.EXPORT_XLSX, first=first, last=last)
    assert r.status_code == 200 and problem in str(r.json["response"][Settlement.MESSAGE]["children"])


def test_exports_keep_formula_text_as_text(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    evil = "=HYPERLINK(\"http://x\",\"pay\")"
    with mv.transaction() as s:
        s.get(Organisation, org_of(mv, "aggregator")).name = evil
    sign_in(client, "ieso")
    csv_sent = export(client, app, Settlement.EXPORT_CSV).json["response"][Settlement.DOWNLOAD]["data"]
    assert csv_sent["filename"] == f"settlement-{FIRST}-to-{LAST}.csv"
    text = csv_sent["content"]
    assert "Unofficial" in text.splitlines()[0] and "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    xlsx = export(client, app, Settlement.EXPORT_XLSX).json["response"][Settlement.DOWNLOAD]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["content"])))
    assert book.sheetnames == ["Payments", "By party", "Reconciliation", "Rates"]
    parties = [row[3] for row in book["Payments"].iter_rows(min_row=3)]
    assert evil in [c.value for c in parties]  # kept exactly as written ...
    cells = [c for row in book["Payments"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells if c.value.startswith("="))  # ... as text, never a formula
