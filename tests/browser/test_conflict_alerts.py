"""Conflict alerts in headless Chromium: an LDC curtails a feeder where the IESO dispatched an increase, the alert
appears on /conflicts, is acknowledged, and the home map draws the feeder highlighted."""
from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from components.ids import Conflicts, Dispatch
from components.palette import SEVERITY_COLOURS
from data.domain.enums import DispatchState, Issuer, OrgKind, Severity, TargetKind
from data.domain.market_time import floor_to_interval
from data.models import ConflictAlert, Der, DispatchInstruction, Feeder, Organisation
from data.models.base import utcnow
from tests.browser.helpers import WAIT_S, base_url, css_id, principal, scroll_to, sign_in, wait_for_map, wait_until

pytestmark = pytest.mark.browser

HIGHLIGHT = f"path.feeder-line[stroke-width='5'][stroke='{SEVERITY_COLOURS[Severity.INFORMATION]}']"




def test_dso_curtailment_against_an_ieso_increase_is_alerted_acknowledged_and_mapped(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc, aggregator = principal(database, "ldc"), principal(database, "aggregator")
    start = floor_to_interval(utcnow())
    with database.transaction() as s:
        der = s.scalars(select(Der).join(Feeder, Feeder.id == Der.feeder_id).where(
            Feeder.ldc_id == ldc.organisation_id, Der.aggregator_org_id == aggregator.organisation_id,
            Der.resource_id.is_not(None)).order_by(Der.id)).first()
        ieso = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO.value))
        s.add(DispatchInstruction(
            issuer=Issuer.IESO.value, issuer_org_id=ieso, message_id="BROWSER-UP-1", dispatch_type="ENG",
            state=DispatchState.ACCEPTED.value, target_kind=TargetKind.RESOURCE.value, resource_id=der.resource_id,
            amount_kw=1200.0, start_at=start + timedelta(minutes=30), end_at=start + timedelta(hours=4)))
        feeder_id = der.feeder_id

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc", next_path="/dispatch")
    dash_duo.wait_for_contains_text(css_id(Dispatch.GRID), "BROWSER-UP-1", timeout=WAIT_S)  # mutual visibility
    target = scroll_to(dash_duo, css_id(Dispatch.FORM_TARGET))
    wait_until(dash_duo, lambda d: target.find_elements("css selector", f"option[value='{feeder_id}']"),
               "the feeder is offered as a target")
    Select(target).select_by_value(str(feeder_id))
    dash_duo.find_element(css_id(Dispatch.FORM_AMOUNT)).send_keys("300")
    scroll_to(dash_duo, css_id(Dispatch.ISSUE)).click()
    dash_duo.wait_for_contains_text(css_id(Dispatch.FORM_MESSAGE), "issued", timeout=WAIT_S)
    with database.session() as s:
        alert = next(a for a in s.scalars(select(ConflictAlert).where(ConflictAlert.rule == "direction"))
                     if feeder_id in a.feeder_ids)

    dash_duo.driver.get(base_url(dash_duo) + "/conflicts")
    dash_duo.wait_for_contains_text(css_id(Conflicts.BADGE), "conflict", timeout=WAIT_S)
    cell = f"{css_id(Conflicts.GRID)} .ag-center-cols-container .ag-row[row-id='{alert.id}'] [col-id='rule']"
    scroll_to(dash_duo, cell).click()
    dash_duo.wait_for_contains_text(css_id(Conflicts.DETAIL), f"Alert {alert.id}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Conflicts.SIDE_A), "IESO", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Conflicts.SIDE_B), "DSO", timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Conflicts.ACKNOWLEDGE)).click()
    dash_duo.wait_for_contains_text(css_id(Conflicts.MESSAGE), "acknowledged", timeout=WAIT_S)
    with database.session() as s:
        stored = s.get(ConflictAlert, alert.id)
        assert stored.state == "acknowledged" and stored.acknowledged_by_user_id == ldc.user_id

    dash_duo.driver.get(base_url(dash_duo) + "/")
    wait_for_map(dash_duo)
    dash_duo.wait_for_element(HIGHLIGHT, timeout=WAIT_S)
    assert dash_duo.get_logs() == []
