"""The outage page in headless Chromium: an LDC logs a feeder outage through the form, it shows in the log, and the
affected aggregator signs in and finds the alert."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from components.ids import Outages
from data.models import Der, Feeder, Notification, Outage, OutageElement
from tests.browser.helpers import WAIT_S, base_url, css_id, principal, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser


def _choose(dash_duo, dropdown_id: str, value: int) -> None:  # type: ignore[no-untyped-def]
    scroll_to(dash_duo, css_id(dropdown_id)).click()
    dash_duo.wait_for_element(f"[role=option]:has(input[value='{value}'])", timeout=WAIT_S).click()
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)


def test_ldc_logs_a_feeder_outage_and_the_aggregator_sees_the_alert(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc, aggregator = principal(database, "ldc"), principal(database, "aggregator")
    with database.session() as s:
        feeder = s.scalars(select(Feeder).join(Der, Der.feeder_id == Feeder.id)
                           .where(Feeder.ldc_id == ldc.organisation_id,
                                  Der.aggregator_org_id == aggregator.organisation_id).order_by(Feeder.id)).first()
    assert feeder is not None, "the demo gives the aggregator DERs on a feeder of the ldc"

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc", next_path="/outages")
    dash_duo.wait_for_element(css_id(Outages.GRID), timeout=WAIT_S)
    _choose(dash_duo, Outages.FORM_STATION, feeder.station_id)
    _choose(dash_duo, Outages.FORM_FEEDERS, feeder.id)
    dash_duo.wait_for_contains_text(css_id(Outages.FORM_FEEDERS), feeder.code, timeout=WAIT_S)

    start = scroll_to(dash_duo, css_id(Outages.FORM_START)).get_attribute("value")  # prefilled: now, in EST
    restoration = datetime.strptime(start, "%Y-%m-%d %H:%M") + timedelta(hours=3)
    dash_duo.find_element(css_id(Outages.FORM_END)).send_keys(f"{restoration:%Y-%m-%d %H:%M}")
    dash_duo.find_element(css_id(Outages.FORM_DESCRIPTION)).send_keys("Broken insulator, crew dispatched")
    scroll_to(dash_duo, css_id(Outages.FORM_SUBMIT)).click()

    dash_duo.wait_for_contains_text(css_id(Outages.FORM_MESSAGE), "logged", timeout=WAIT_S)
    with database.session() as s:
        outage_id = s.scalar(select(OutageElement.outage_id).where(OutageElement.feeder_id == feeder.id))
        assert outage_id is not None and s.get(Outage, outage_id).description == "Broken insulator, crew dispatched"
        assert s.scalar(select(Notification.id).where(Notification.organisation_id == aggregator.organisation_id))
    dash_duo.wait_for_contains_text(css_id(Outages.FORM_MESSAGE), f"Outage #{outage_id}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Outages.GRID), feeder.code, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Outages.DETAIL), "Affected DERs", timeout=WAIT_S)
    assert dash_duo.get_logs() == []

    dash_duo.driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, "aggregator", next_path="/outages")
    dash_duo.wait_for_contains_text(css_id(Outages.ALERTS), f"Outage #{outage_id}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Outages.ALERTS), feeder.code, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Outages.GRID), feeder.code, timeout=WAIT_S)
    # the aggregator reads, never writes: no entry form, no state buttons
    assert not dash_duo.find_element(css_id(Outages.FORM)).is_displayed()
    assert not dash_duo.find_element(css_id(Outages.ACTIONS)).is_displayed()
    wait_until(dash_duo, lambda d: "1 shown" in d.find_element(By.ID, Outages.SUMMARY).text,
               "the summary counts the outage")
    assert dash_duo.get_logs() == []
