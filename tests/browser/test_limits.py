"""The tri-level chain in headless Chromium: an aggregator requests a limit for a DER on an embedded LDC, the
embedded LDC approves it, the host LDC approves it, and the IESO's read-only view lists it as approved.

A planned outage on the DER's feeder for the requested hours makes the automation flag the request (so the
engineers, not the rules, decide it), and the flag's explanation is on the page.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from components.ids import Limits
from data.domain.enums import DerStatus, OutageKind, OutageState
from data.domain.market_time import hour_ending_end_utc, hour_ending_start_utc
from data.models import Der, LimitRequest, Organisation, Outage, OutageElement
from data.models.base import utcnow
from data.queries.limits import CutoffRule
from tests.browser.helpers import WAIT_S, base_url, css_id, principal, sign_in

pytestmark = pytest.mark.browser

HOURS = (16, 18)  # HE from, HE to (EST)


def embedded_der_with_outage(database) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The aggregator's first active DER on an LDC with a host LDC; a planned outage on its feeder in HOURS."""
    agg = principal(database, "aggregator")
    trade_date = CutoffRule().open_trade_dates(utcnow())[0][0]  # the form's default trade date
    with database.transaction() as s:
        der = s.scalars(
            select(Der).join(Organisation, Organisation.id == Der.ldc_id)
            .where(Der.aggregator_org_id == agg.organisation_id, Der.status == DerStatus.ACTIVE,
                   Organisation.host_ldc_id.is_not(None)).order_by(Der.id)
        ).first()
        assert der is not None, "the demo gives the aggregator a DER on an embedded LDC"
        s.add(Outage(kind=OutageKind.PLANNED, state=OutageState.PLANNED, reporter_org_id=der.ldc_id,
                     start_at=hour_ending_start_utc(trade_date, HOURS[0]),
                     estimated_restoration_at=hour_ending_end_utc(trade_date, HOURS[1]),
                     elements=[OutageElement(feeder_id=der.feeder_id)]))
        return der.platform_id, der.id


def open_limits(dash_duo, username: str) -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, username, next_path="/limits")
    dash_duo.wait_for_element(css_id(Limits.GRID), timeout=WAIT_S)


def row_cell(request_id: int, column: str) -> str:
    return f"{css_id(Limits.GRID)} .ag-center-cols-container .ag-row[row-id='{request_id}'] [col-id='{column}']"


def in_view(dash_duo, selector: str):  # type: ignore[no-untyped-def]
    """The element scrolled to the middle of the window, at once (Bootstrap makes scrolling smooth): the page is
    taller than the test browser."""
    element = dash_duo.wait_for_element(selector, timeout=WAIT_S)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    return element


def click(dash_duo, selector: str) -> None:  # type: ignore[no-untyped-def]
    in_view(dash_duo, selector).click()


def approve(dash_duo, request_id: int, expected: str) -> None:  # type: ignore[no-untyped-def]
    click(dash_duo, row_cell(request_id, "target"))
    dash_duo.wait_for_contains_text(css_id(Limits.DECISION_TARGET), f"#{request_id}", timeout=WAIT_S)
    click(dash_duo, css_id(Limits.APPROVE))
    dash_duo.wait_for_contains_text(css_id(Limits.DECISION_MESSAGE), f"Request #{request_id}: {expected}.",
                                    timeout=WAIT_S)


def test_aggregator_request_through_the_tri_level_chain(app, database, dash_duo):  # type: ignore[no-untyped-def]
    platform_id, der_id = embedded_der_with_outage(database)
    dash_duo.start_server(app, navigate=False)

    # The aggregator: search the DER by platform ID, ask HE 16-18 at 1 kW export.
    sign_in(dash_duo, "aggregator", next_path="/limits")
    dash_duo.find_element(css_id(Limits.TARGET)).click()
    dash_duo.driver.switch_to.active_element.send_keys(platform_id[-5:])
    dash_duo.wait_for_element(f"[role=option]:has(input[value='der:{der_id}'])", timeout=WAIT_S).click()
    dash_duo.wait_for_contains_text(css_id(Limits.TARGET), platform_id, timeout=WAIT_S)
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    for select_id, he in zip((Limits.HE_FROM, Limits.HE_TO), HOURS, strict=True):
        Select(in_view(dash_duo, css_id(select_id))).select_by_value(str(he))
    dash_duo.find_element(css_id(Limits.EXPORT_KW)).send_keys("1")
    click(dash_duo, css_id(Limits.SUBMIT))
    dash_duo.wait_for_contains_text(css_id(Limits.FORM_MESSAGE), "submitted: flagged", timeout=WAIT_S)
    with database.session() as s:
        request_id = s.scalar(select(LimitRequest.id).where(LimitRequest.der_id == der_id))
    assert "Planned outage" in dash_duo.find_element(css_id(Limits.FORM_MESSAGE)).text
    dash_duo.wait_for_text_to_equal(row_cell(request_id, "status"), "Flagged", timeout=WAIT_S)
    click(dash_duo, row_cell(request_id, "target"))  # the detail, and no call to the engineers' callbacks
    dash_duo.wait_for_contains_text(css_id(Limits.DETAIL), "Flagged by automation", timeout=WAIT_S)

    # The embedded LDC approves first, then the host LDC.
    open_limits(dash_duo, "ldc-embedded")
    approve(dash_duo, request_id, "embedded approved")
    open_limits(dash_duo, "ldc")
    approve(dash_duo, request_id, "approved")

    # The IESO's read-only view lists it as approved, with no decision controls.
    open_limits(dash_duo, "ieso")
    dash_duo.wait_for_text_to_equal(row_cell(request_id, "status"), "Approved", timeout=WAIT_S)
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, css_id(Limits.APPROVE)) == []
    click(dash_duo, row_cell(request_id, "target"))
    dash_duo.wait_for_contains_text(css_id(Limits.DETAIL), "Approved by", timeout=WAIT_S)
    assert dash_duo.get_logs() == []
