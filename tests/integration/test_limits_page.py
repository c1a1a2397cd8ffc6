"""The DER limits page through the real HTTP endpoint (Flask test client), on SQLite and PostgreSQL.

Roles are checked where it matters, on the server: an aggregator's POST to the decision callback is refused with
403, and what the list and detail callbacks answer never holds another aggregator's requests. Hostile form values
get messages, never a 5xx, and nothing is saved. The OpenADR export validates against the OpenADR 3 schema.
"""
from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data.db import Database
from data.domain.enums import LimitStatus
from data.domain.limits.values import HourlyLimit
from data.domain.market_time import trade_date_of
from data.models import LimitRequest
from data.models.base import utcnow
from data.services.limits import request_limit
from tests.browser.helpers import principal
from tests.integration.test_limits_service import MANUAL, aggregator_der
from tests.support import post_callback, sign_in

GRID = "limits-grid.rowData"
DETAIL = "limits-detail.children"
DECIDE = "limits-decision-message.children"
SUBMIT = "limits-form-message.children"
DOWNLOAD = "limits-download.data"


def open_request(db: Database, username: str, embedded: bool | None, automation=MANUAL) -> tuple[int, int, str]:
    """A request made now through the service for a trade date whose cut-off is ahead: (id, version, target)."""
    der = aggregator_der(db, username, embedded=embedded)
    with db.transaction() as s:
        r = request_limit(s, principal(db, username), der_id=der.id, trade_date=trade_date_of(utcnow()) + timedelta(2),
                          limit_type="peak", hours=[HourlyLimit(he, 2.0, 1.0) for he in (16, 17)], now=utcnow(),
                          automation=automation)
        return r.id, r.version, der.platform_id


def status_of(db: Database, request_id: int) -> str:
    with db.session() as s:
        return s.get(LimitRequest, request_id).status


def selected(request_id: int, version: int) -> dict:
    return {"limits-grid.selectedRows": [{"id": request_id, "version": version}]}


def test_aggregator_posting_an_approval_is_refused(client, app, database) -> None:  # type: ignore[no-untyped-def]
    request_id, version, _ = open_request(database, "aggregator", embedded=False)
    sign_in(client, "aggregator")
    for button in ("approve", "bulk-approve", "reject"):
        r = post_callback(client, app, DECIDE, selected(request_id, version), triggered=f"limits-{button}.n_clicks")
        assert r.status_code == 403
    assert status_of(database, request_id) == LimitStatus.SUBMITTED


def test_aggregator_cannot_read_another_aggregators_requests(client, app, database) -> None:  # type: ignore
    theirs, version, their_der = open_request(database, "mapledr-desk", embedded=None)
    _, _, my_der = open_request(database, "aggregator", embedded=False)
    sign_in(client, "aggregator")
    for view in ("mine", "all", "queue", "'; DROP TABLE limit_request; --", None, 7):
        r = post_callback(client, app, GRID, {"limits-view.value": view})
        assert r.status_code == 200
        rows = r.json["response"]["limits-grid"]["rowData"]
        assert [row["target"] for row in rows] == [my_der] and their_der not in r.get_data(as_text=True)
    r = post_callback(client, app, DETAIL, selected(theirs, version))
    assert r.status_code == 200 and their_der not in r.get_data(as_text=True)


def test_ldc_engineers_decide_through_the_endpoint_and_a_stale_page_is_told(client, app, database) -> None:  # type: ignore
    request_id, version, _ = open_request(database, "aggregator", embedded=True)
    sign_in(client, "ldc")
    early = post_callback(client, app, DECIDE, selected(request_id, version), triggered="limits-approve.n_clicks")
    assert early.status_code == 200 and "waits for the embedded LDC" in early.get_data(as_text=True)
    client.get("/logout")
    sign_in(client, "ldc-embedded")
    r = post_callback(client, app, DECIDE, selected(request_id, version), triggered="limits-approve.n_clicks")
    assert r.status_code == 200 and "embedded approved" in r.get_data(as_text=True)
    again = post_callback(client, app, DECIDE, selected(request_id, version), triggered="limits-approve.n_clicks")
    assert "was changed by Jason Whitfield" in again.get_data(as_text=True) and "reload" in again.get_data(as_text=True)
    assert status_of(database, request_id) == LimitStatus.EMBEDDED_APPROVED


HOSTILE = [
    {"limits-target.value": "der:abc"},
    {"limits-target.value": "resource:999999"},
    {"limits-target.value": {"$ne": 1}},
    {"limits-trade-date.value": "9999-99-99"},
    {"limits-trade-date.value": "2001-01-01"},
    {"limits-trade-date.value": ["2026-01-01"]},
    {"limits-he-from.value": "0", "limits-he-to.value": "25"},
    {"limits-he-from.value": "18", "limits-he-to.value": "12"},
    {"limits-export-kw.value": "-5"},
    {"limits-export-kw.value": "1e309"},
    {"limits-export-kw.value": "NaN"},
    {"limits-export-kw.value": "<script>alert(1)</script>"},
    {"limits-export-kw.value": "9" * 5000},
    {"limits-export-kw.value": None, "limits-import-kw.value": ""},
    {"limits-export-kw.value": "99999999"},
    {"limits-limit-type.value": "dynamic", "limits-curve-grid.rowData": "not a list"},
    {"limits-limit-type.value": "dynamic", "limits-curve-grid.rowData": [{"hour_ending": 25, "export_kw": 1}]},
    {"limits-limit-type.value": "dynamic", "limits-curve-grid.rowData": [None, 5, {"hour_ending": "x"}]},
    {"limits-limit-type.value": "dynamic",
     "limits-curve-grid.rowData": [{"hour_ending": 3, "export_kw": 1}, {"hour_ending": 3, "export_kw": 2}]},
    {"limits-limit-type.value": "dynamic", "limits-curve-grid.rowData": [{"hour_ending": 3}] * 5000},
    {"limits-limit-type.value": "sideways"},
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_form_values_get_a_message_not_a_5xx(client, app, database, hostile) -> None:  # type: ignore
    der = aggregator_der(database, embedded=False)
    values = {"limits-target.value": f"der:{der.id}",
              "limits-trade-date.value": (trade_date_of(utcnow()) + timedelta(2)).isoformat(),
              "limits-limit-type.value": "peak", "limits-he-from.value": "12", "limits-he-to.value": "14",
              "limits-export-kw.value": "1", "limits-import-kw.value": ""}
    values.update(hostile)
    sign_in(client, "aggregator")
    r = post_callback(client, app, SUBMIT, values, triggered="limits-submit.n_clicks")
    assert r.status_code == 200
    text = r.json["response"]["limits-form-message"]["children"]
    assert "state-alarm" in json.dumps(text)
    assert "<script>" not in r.get_data(as_text=True)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(LimitRequest)) == 0


def test_a_good_form_submits_and_runs_automation(client, app, database) -> None:  # type: ignore[no-untyped-def]
    der = aggregator_der(database, embedded=False)
    curve = [{"hour_ending": he, "export_kw": None, "import_kw": None} for he in range(1, 25)]
    curve[15] = {"hour_ending": 16, "export_kw": "1.5", "import_kw": ""}
    curve[16] = {"hour_ending": 17, "export_kw": 2, "import_kw": 0.5}
    sign_in(client, "aggregator")
    r = post_callback(client, app, SUBMIT, {
        "limits-target.value": f"der:{der.id}", "limits-limit-type.value": "dynamic",
        "limits-trade-date.value": (trade_date_of(utcnow()) + timedelta(3)).isoformat(),
        "limits-curve-grid.rowData": curve}, triggered="limits-submit.n_clicks")
    assert r.status_code == 200 and "approved automatically" in r.get_data(as_text=True)
    with database.session() as s:
        request = s.scalar(select(LimitRequest))
        assert [(i.hour_ending, i.export_kw, i.import_kw) for i in request.intervals] == [(16, 1.5, None),
                                                                                           (17, 2.0, 0.5)]


def _openadr_validator():  # type: ignore[no-untyped-def]
    yaml = pytest.importorskip("yaml")
    from tests.unit.test_openadr import SPEC, _validator

    if not SPEC.exists():
        pytest.skip(f"OpenADR 3 spec not found at {SPEC}")
    return _validator(yaml.safe_load(SPEC.read_text(encoding="utf-8")), "event")


def test_openadr_and_excel_exports_of_approved_limits(client, app, database) -> None:  # type: ignore
    from tests.unit.test_openadr import assert_definition_payloads, assert_valid

    request_id, _, target = open_request(database, "aggregator", embedded=False, automation=None)
    assert status_of(database, request_id) == LimitStatus.APPROVED
    day = (trade_date_of(utcnow()) + timedelta(2)).isoformat()
    sign_in(client, "ieso")
    r = post_callback(client, app, DOWNLOAD, {"limits-export-date.date": day},
                      triggered="limits-export-openadr.n_clicks")
    assert r.status_code == 200
    events = json.loads(r.json["response"]["limits-download"]["data"]["content"])
    validator = _openadr_validator()
    assert [e["targets"] for e in events] == [[target]]
    for event in events:
        assert_valid(validator, event)
        assert_definition_payloads(event)
    assert [p["type"] for p in events[0]["intervals"][0]["payloads"]] == ["EXPORT_CAPACITY_LIMIT",
                                                                          "IMPORT_CAPACITY_LIMIT"]
    r = post_callback(client, app, DOWNLOAD, {"limits-export-date.date": day}, triggered="limits-export-excel.n_clicks")
    sheet = load_workbook(io.BytesIO(base64.b64decode(r.json["response"]["limits-download"]["data"]["content"]))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [target, target]
    for bad in ("yesterday", None, 12, "2026-13-45"):
        r = post_callback(client, app, DOWNLOAD, {"limits-export-date.date": bad},
                          triggered="limits-export-openadr.n_clicks")
        assert r.status_code == 200 and "Choose a trade date" in r.get_data(as_text=True)


def test_modify_and_bulk_approve_through_the_endpoint(client, app, database) -> None:  # type: ignore
    first, v1, _ = open_request(database, "aggregator", embedded=False)
    second, v2, _ = open_request(database, "aggregator", embedded=False)
    sign_in(client, "ldc")
    lowered = [{"hour_ending": 16, "export_kw": "1.5", "import_kw": 1}, {"hour_ending": 17, "export_kw": None}]
    values = {**selected(first, v1), "limits-modify-grid.rowData": lowered}
    r = post_callback(client, app, DECIDE, values, triggered="limits-modify.n_clicks")
    assert "needs a reason" in r.get_data(as_text=True) and status_of(database, first) == LimitStatus.SUBMITTED
    values["limits-reason.value"] = "Feeder F3 is near its thermal limit."
    r = post_callback(client, app, DECIDE, values, triggered="limits-modify.n_clicks")
    assert f"Request #{first}: approved." in r.get_data(as_text=True)
    with database.session() as s:
        hours = [(i.hour_ending, i.export_kw, i.import_kw) for i in s.get(LimitRequest, first).intervals]
    assert hours == [(16, 1.5, 1.0)]  # a peak limit keeps one pair; HE 17 was dropped
    ticked = {"limits-grid.selectedRows": [{"id": first, "version": v1}, {"id": second, "version": v2}, "junk"]}
    r = post_callback(client, app, DECIDE, ticked, triggered="limits-bulk-approve.n_clicks")
    text = r.get_data(as_text=True)
    assert "1 approved, 1 refused" in text and f"#{first} was changed by Marie-Claude Tremblay" in text
    assert status_of(database, second) == LimitStatus.APPROVED
