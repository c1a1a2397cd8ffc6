"""The notices page in headless Chromium: an LDC publishes a standby notice on a feeder through the form; the
aggregator with DERs there signs in, finds it waiting for its acknowledgement and acknowledges it."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from components.ids import Notices
from data.models import Der, Feeder, Notice, NoticeRecipient
from tests.browser.helpers import WAIT_S, base_url, css_id, principal, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser
TITLE = "Standby: evening peak on the lakeshore"




def _click(dash_duo, selector: str) -> None:  # type: ignore[no-untyped-def]
    scroll_to(dash_duo, selector).click()


def _pick(dash_duo, dropdown_id: str, value: int) -> None:  # type: ignore[no-untyped-def]
    _click(dash_duo, css_id(dropdown_id))
    option = dash_duo.wait_for_element(f"[role=option]:has(input[value='{value}'])", timeout=WAIT_S)
    # the menu may open below the fold (the form sits low on the page): bring the option in, then click it
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});"
                                   "arguments[0].click()", option)
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_until(dash_duo, lambda d: not d.find_elements(By.CSS_SELECTOR, "[role=option]"), "the menu is closed")


def test_ldc_publishes_a_standby_notice_and_the_aggregator_acknowledges(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc, aggregator = principal(database, "ldc"), principal(database, "aggregator")
    with database.session() as s:
        feeder = s.scalars(select(Feeder).join(Der, Der.feeder_id == Feeder.id)
                           .where(Feeder.ldc_id == ldc.organisation_id,
                                  Der.aggregator_org_id == aggregator.organisation_id).order_by(Feeder.id)).first()
    assert feeder is not None, "the demo gives the aggregator DERs on a feeder of the ldc"

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc", next_path="/notices")
    dash_duo.wait_for_element(css_id(Notices.GRID), timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Notices.FORM_TITLE)).send_keys(TITLE)
    _pick(dash_duo, Notices.FORM_STATION, feeder.station_id)
    _pick(dash_duo, Notices.FORM_FEEDER, feeder.id)
    dash_duo.wait_for_contains_text(css_id(Notices.FORM_FEEDER), feeder.code, timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Notices.FORM_SIZE)).send_keys("2.5")
    _click(dash_duo, css_id(Notices.PUBLISH_NOW))

    dash_duo.wait_for_contains_text(css_id(Notices.FORM_MESSAGE), "published", timeout=WAIT_S)
    with database.session() as s:
        notice = s.scalar(select(Notice).where(Notice.title == TITLE))
        assert notice is not None and notice.status == "published" and notice.feeder_id == feeder.id
        assert notice.kind == "standby" and notice.size_mw == 2.5
        recipients = set(s.scalars(select(NoticeRecipient.organisation_id)
                                   .where(NoticeRecipient.notice_id == notice.id)))
    assert aggregator.organisation_id in recipients
    dash_duo.wait_for_contains_text(css_id(Notices.GRID), TITLE, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Notices.DETAIL), f"#{notice.id}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Notices.ACKS), f"Acknowledged: 0 of {len(recipients)}", timeout=WAIT_S)
    assert dash_duo.get_logs() == []

    dash_duo.driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, "aggregator", next_path="/notices")
    dash_duo.wait_for_contains_text(css_id(Notices.ATTENTION), TITLE, timeout=WAIT_S)
    assert not dash_duo.find_element(css_id(Notices.FORM)).is_displayed()
    _click(dash_duo, f"{css_id(Notices.GRID)} .ag-row[row-id='{notice.id}'] .ag-cell")
    dash_duo.wait_for_contains_text(css_id(Notices.DETAIL), TITLE, timeout=WAIT_S)
    wait_until(dash_duo, lambda d: d.find_element(By.ID, Notices.ACK).is_enabled(), "the acknowledge button is on")
    scroll_to(dash_duo, css_id(Notices.ACK_RESPONSE)).send_keys("1.2 MW of batteries on standby")
    _click(dash_duo, css_id(Notices.ACK))

    dash_duo.wait_for_contains_text(css_id(Notices.ACK_MESSAGE), "acknowledged", timeout=WAIT_S)
    with database.session() as s:
        ack = s.scalar(select(NoticeRecipient).where(NoticeRecipient.notice_id == notice.id,
                                                     NoticeRecipient.organisation_id == aggregator.organisation_id))
        assert ack.acknowledged_at is not None and ack.response == "1.2 MW of batteries on standby"
    dash_duo.wait_for_contains_text(css_id(Notices.ATTENTION), "Nothing to acknowledge", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Notices.DETAIL), "1.2 MW of batteries on standby", timeout=WAIT_S)
    wait_until(dash_duo, lambda d: not d.find_element(By.ID, Notices.ACK).is_enabled(), "acknowledged once only")
    assert dash_duo.get_logs() == []
