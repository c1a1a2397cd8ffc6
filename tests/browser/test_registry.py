"""The DER registry in headless Chromium: an aggregator registers a DER by clicking the map (the nearest feeder is
suggested), the LDC approves it from its queue, and the registration shows with its new ON-DER platform ID.
Screenshots are kept for review."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from components.ids import Registry
from components.registry_views import PICK_MARKER_CLASS
from data.domain.enums import DerStatus
from data.domain.identifiers import DER_ID_PATTERN
from data.models import Der, Feeder, Organisation
from data.queries.feeder_lookup import nearest_feeders
from tests.browser.helpers import WAIT_S, base_url, css_id, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser

PORT = 8062
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def lakeshore_point(database) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The middle of a feeder of the `ldc` user's own (host) LDC, whose nearest feeder is its own."""
    with database.session() as s:
        ldc = s.scalar(select(Organisation.id).where(Organisation.code == "LSH"))
        mids = [(g[len(g) // 2][1], g[len(g) // 2][0])
                for g in s.scalars(select(Feeder.geometry).where(Feeder.ldc_id == ldc).order_by(Feeder.id))]
        return next(p for p, m in zip(mids, nearest_feeders(s, mids), strict=True) if m and m.ldc_id == ldc)


def marker_centred(driver) -> bool:  # type: ignore[no-untyped-def]
    """The map has finished flying: the picked point's marker sits at the map's centre."""
    return driver.execute_script(
        "const m = document.getElementById(arguments[0]).getBoundingClientRect();"
        "const p = document.querySelector('#' + arguments[0] + ' .' + arguments[1]);"
        "if (!p) { return false; } const r = p.getBoundingClientRect();"
        "return Math.abs(r.x + r.width / 2 - (m.x + m.width / 2)) < 3"
        "    && Math.abs(r.y + r.height / 2 - (m.y + m.height / 2)) < 3;",
        Registry.MAP, PICK_MARKER_CLASS)


def type_into(dash_duo, component_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    element = scroll_to(dash_duo, css_id(component_id))
    element.clear()
    element.send_keys(text)


def test_register_by_clicking_the_map_then_the_ldc_approves(app, database, dash_duo):  # type: ignore[no-untyped-def]
    lat, lon = lakeshore_point(database)
    dash_duo.start_server(app, navigate=False, port=PORT)
    driver = dash_duo.driver

    # The aggregator fills the form and places the DER with a click on the map.
    sign_in(dash_duo, "aggregator", next_path="/registry?tab=register")
    dash_duo.wait_for_element(css_id(Registry.MAP), timeout=WAIT_S)
    type_into(dash_duo, Registry.NAME, "Browser test PV – 5 Lake St")
    type_into(dash_duo, Registry.ADDRESS, "5 Lake St, Mississauga")
    Select(scroll_to(dash_duo, css_id(Registry.TECHNOLOGY))).select_by_value("solar_pv")
    type_into(dash_duo, Registry.CAPACITY, "66.6")
    type_into(dash_duo, Registry.METER, "brw-mtr-1")
    type_into(dash_duo, Registry.ASSESS_REF, "CIA-BRW-1")
    Select(scroll_to(dash_duo, css_id(Registry.ASSESS_CLASS))).select_by_value("under_10mw")
    scroll_to(dash_duo, css_id(Registry.ASSESS_DATE)).send_keys("01152026")  # Chromium's mm/dd/yyyy date field
    # typing a point near a Lakeshore feeder flies the map there; a click near the centre picks the location
    type_into(dash_duo, Registry.LAT, f"{lat:.6f}")
    type_into(dash_duo, Registry.LON, f"{lon:.6f}\n")
    wait_until(dash_duo, marker_centred, "the map flew to the typed point")
    the_map = scroll_to(dash_duo, css_id(Registry.MAP))
    ActionChains(driver).move_to_element(the_map).move_by_offset(12, 9).click().perform()
    wait_until(dash_duo, lambda d: d.find_element("id", Registry.LAT).get_attribute("value") != f"{lat:.6f}",
               "the click set the latitude")
    dash_duo.wait_for_contains_text(css_id(Registry.SUGGESTION), "Suggested: feeder", timeout=WAIT_S)
    picked = float(driver.find_element("id", Registry.LAT).get_attribute("value"))
    assert abs(picked - lat) < 0.05
    scroll_to(dash_duo, css_id(Registry.SUBMIT)).click()
    dash_duo.wait_for_contains_text(css_id(Registry.FORM_MESSAGE), "submitted on feeder", timeout=WAIT_S)
    with database.session() as s:
        der = s.scalars(select(Der).where(Der.meter_id == "BRW-MTR-1")).one()
    assert (der.status, der.platform_id) == (DerStatus.PENDING, None) and abs(der.lat - picked) < 1e-6
    dash_duo.wait_for_contains_text(css_id(Registry.FORM_MESSAGE), f"Registration #{der.id}", timeout=WAIT_S)
    driver.save_screenshot(str(SCREENSHOTS / "registry-register.png"))
    assert dash_duo.get_logs() == []

    # The LDC finds it in its queue and approves it.
    driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, "ldc", next_path="/registry")
    row = f"{css_id(Registry.QUEUE_GRID)} .ag-center-cols-container .ag-row[row-id='{der.id}']"
    scroll_to(dash_duo, f"{row} [col-id='name']").click()
    dash_duo.wait_for_contains_text(css_id(Registry.DECISION_TARGET), f"#{der.id}", timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Registry.APPROVE)).click()
    dash_duo.wait_for_contains_text(css_id(Registry.DECISION_MESSAGE), "Platform IDs: ON-DER-", timeout=WAIT_S)
    with database.session() as s:
        approved = s.get(Der, der.id)
    assert approved.status == DerStatus.ACTIVE and DER_ID_PATTERN.match(approved.platform_id)
    assert approved.platform_id in dash_duo.find_element(css_id(Registry.DECISION_MESSAGE)).text

    # The registrations tab shows it with its platform ID.
    driver.get(base_url(dash_duo) + "/registry?tab=registrations")
    cell = f"{css_id(Registry.REGISTRATIONS_GRID)} .ag-row[row-id='{der.id}'] [col-id='platform_id']"
    dash_duo.wait_for_text_to_equal(cell, approved.platform_id, timeout=WAIT_S)
    driver.save_screenshot(str(SCREENSHOTS / "registry-approved.png"))
    assert dash_duo.get_logs() == []
