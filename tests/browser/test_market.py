"""Bids & offers in headless Chromium: the aggregator submits a bid, the IESO selects it, the aggregator sees the
selection waiting for its acknowledgement and acknowledges it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from components.ids import Market as Ids
from data.domain.enums import BidStatus, DerStatus
from data.models import Bid, Der
from tests.browser.helpers import WAIT_S, base_url, css_id, principal, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser
PORT = 8064


def row(bid_id: int, column: str | None = None) -> str:
    selector = f"{css_id(Ids.GRID)} .ag-center-cols-container .ag-row[row-id='{bid_id}']"
    return f"{selector} [col-id='{column}']" if column else selector


def show(driver, bid_id: int) -> None:  # type: ignore[no-untyped-def]
    """Scroll the grid to the bid's row through the grid's own API (rows outside the viewport are not drawn)."""
    driver.execute_script(
        "const api = dash_ag_grid.getApi(arguments[0]); const node = api.getRowNode(arguments[1]);"
        "if (node) { api.ensureNodeVisible(node, 'top'); }", Ids.GRID, str(bid_id))


def cell_text(dash_duo, bid_id: int, column: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the bid's cell shows ``text`` (the grid is refreshed and re-sorted meanwhile)."""
    def shown(driver):  # type: ignore[no-untyped-def]
        show(driver, bid_id)
        try:
            return any(text in e.text for e in driver.find_elements(By.CSS_SELECTOR, row(bid_id, column)))
        except StaleElementReferenceException:  # the row was redrawn while we read it
            return False

    wait_until(dash_duo, shown, f"bid #{bid_id} shows {text!r} in {column}")


def tick(dash_duo, bid_id: int) -> None:  # type: ignore[no-untyped-def]
    """Bring the bid's row into view, then tick it with a real click."""
    dash_duo.wait_for_element(f"{css_id(Ids.GRID)} .ag-row", timeout=WAIT_S)
    show(dash_duo.driver, bid_id)
    checkbox = f"{css_id(Ids.GRID)} .ag-pinned-left-cols-container .ag-row[row-id='{bid_id}'] input, " \
               f"{row(bid_id)} .ag-selection-checkbox input"
    scroll_to(dash_duo, checkbox).click()
    dash_duo.wait_for_contains_text(css_id(Ids.SELECTION), f"Bid #{bid_id}", timeout=WAIT_S)


def open_market(dash_duo, username: str) -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, username, next_path="/market")
    dash_duo.wait_for_element(f"{css_id(Ids.GRID)} .ag-row", timeout=WAIT_S)


def test_aggregator_bids_ieso_selects_aggregator_acknowledges(app, database, dash_duo, tmp_path: Path):  # type: ignore[no-untyped-def]
    aggregator = principal(database, "aggregator")
    with database.session() as s:
        der = s.scalars(select(Der).where(Der.aggregator_org_id == aggregator.organisation_id,
                                          Der.status == DerStatus.ACTIVE, Der.service_tag.in_(("both", "wholesale")))
                        .order_by(Der.capacity_kw.desc(), Der.id)).first()
    assert der is not None, "the demo aggregator has a DER to offer"

    dash_duo.start_server(app, navigate=False, port=PORT)
    sign_in(dash_duo, "aggregator", next_path="/market")
    dash_duo.wait_for_element(f"{css_id(Ids.GRID)} .ag-row", timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Ids.FORM_ASSET)).click()
    dash_duo.driver.switch_to.active_element.send_keys(der.platform_id)
    dash_duo.wait_for_element(f"[role=option]:has(input[value='der:{der.id}'])", timeout=WAIT_S).click()
    dash_duo.wait_for_contains_text(css_id(Ids.FORM_ASSET), der.platform_id, timeout=WAIT_S)
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    scroll_to(dash_duo, css_id(Ids.FORM_QUANTITY)).send_keys("6.5")
    dash_duo.find_element(css_id(Ids.FORM_PRICE)).send_keys("88")
    scroll_to(dash_duo, css_id(Ids.FORM_SUBMIT)).click()
    dash_duo.wait_for_contains_text(css_id(Ids.FORM_MESSAGE), "submitted", timeout=WAIT_S)
    with database.session() as s:
        bid = s.scalars(select(Bid).where(Bid.der_id == der.id, Bid.price_per_mwh == 88.0)).one()
    assert bid.quantity_kw == 6.5 and bid.status == BidStatus.SUBMITTED
    dash_duo.wait_for_contains_text(css_id(Ids.FORM_MESSAGE), f"Bid #{bid.id}", timeout=WAIT_S)
    cell_text(dash_duo, bid.id, "status", "submitted")
    assert dash_duo.get_logs() == []

    # The IESO ticks it and marks it selected; the aggregator has no say in that.
    open_market(dash_duo, "ieso")
    assert not dash_duo.find_element(css_id(Ids.FORM)).is_displayed()
    tick(dash_duo, bid.id)
    scroll_to(dash_duo, css_id(Ids.SELECT)).click()
    dash_duo.wait_for_contains_text(css_id(Ids.SELECT_MESSAGE), f"1 bid(s) selected: #{bid.id}", timeout=WAIT_S)
    cell_text(dash_duo, bid.id, "status", "selected")
    assert dash_duo.get_logs() == []

    # The aggregator: the selection waits for its acknowledgement, highlighted, with its notification.
    open_market(dash_duo, "aggregator")
    assert not dash_duo.find_element(css_id(Ids.BUYER)).is_displayed()
    cell_text(dash_duo, bid.id, "ack", "awaiting")
    assert "state-cell-action" in dash_duo.find_element(row(bid.id, "ack")).get_attribute("class")
    dash_duo.wait_for_contains_text(css_id(Ids.ALERTS), f"#{bid.id}", timeout=WAIT_S)
    tick(dash_duo, bid.id)
    scroll_to(dash_duo, css_id(Ids.ACKNOWLEDGE)).click()
    dash_duo.wait_for_contains_text(css_id(Ids.ACTION_MESSAGE), f"Selection of bid #{bid.id} acknowledged",
                                    timeout=WAIT_S)
    cell_text(dash_duo, bid.id, "ack", "acknowledged")
    with database.session() as s:
        assert s.get(Bid, bid.id).selection_acknowledged_at is not None
    dash_duo.driver.execute_script("dash_ag_grid.getApi(arguments[0]).ensureIndexVisible(0, 'top');"
                                   "arguments[1].scrollIntoView({block: 'start', behavior: 'instant'})",
                                   Ids.GRID, dash_duo.find_element(css_id(Ids.SUMMARY)))
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    dash_duo.driver.save_screenshot(str(folder / "market-aggregator.png"))
    assert dash_duo.get_logs() == []
