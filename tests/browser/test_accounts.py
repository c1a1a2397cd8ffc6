"""Accounts in headless Chromium: someone applies at /register (first with a mistake that is reported next to its
field), the administrator approves the application at /accounts, and the new user signs in and finds the profile."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from components.ids import Accounts, Profile, Shell
from data.models import Organisation, User
from tests.browser.helpers import WAIT_S, base_url, css_id, open_login, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser

PORT = 8061
PASSWORD = "solar panels on every roof"  # noqa: S105 - test data


def _type(driver, element_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def test_apply_approve_and_sign_in(app, database, dash_duo):  # type: ignore[no-untyped-def]
    dash_duo.start_server(app, navigate=False, port=PORT)
    driver = dash_duo.driver

    # 1. anyone applies, from the sign-in page
    open_login(dash_duo)
    driver.find_element(By.ID, Accounts.LOGIN_LINK).click()
    dash_duo.wait_for_element(css_id(Accounts.REGISTER_SUBMIT), timeout=WAIT_S)
    _type(driver, Accounts.REGISTER_USERNAME, "nadia.volt")
    _type(driver, Accounts.REGISTER_DISPLAY_NAME, "Nadia Volt")
    _type(driver, Accounts.REGISTER_EMAIL, "nadia@lakeshore-flex.ca")
    _type(driver, Accounts.REGISTER_PHONE, "+1 705 555 0199")
    _type(driver, Accounts.REGISTER_PASSWORD, PASSWORD)
    _type(driver, Accounts.REGISTER_PASSWORD_CONFIRM, PASSWORD + " typo")
    Select(driver.find_element(By.ID, Accounts.REGISTER_ROLE)).select_by_value("aggregator")
    Select(driver.find_element(By.ID, Accounts.REGISTER_ORGANISATION)).select_by_value("new")
    _type(driver, Accounts.REGISTER_NEW_ORGANISATION_NAME, "Lakeshore Flex Power")
    Select(driver.find_element(By.ID, Accounts.REGISTER_NEW_ORGANISATION_KIND)).select_by_value("aggregator")
    scroll_to(dash_duo, css_id(Accounts.REGISTER_SUBMIT)).click()

    # the mistake is named next to its field; what was typed is kept (not the passwords); nothing stored
    dash_duo.wait_for_element(css_id(Accounts.REGISTER_ERRORS), timeout=WAIT_S)
    assert "Does not match" in driver.find_element(By.ID, "password_confirm-problem").text
    assert driver.find_element(By.ID, Accounts.REGISTER_USERNAME).get_attribute("value") == "nadia.volt"
    assert Select(driver.find_element(By.ID, Accounts.REGISTER_ORGANISATION)).first_selected_option.text.startswith(
        "A new organisation")
    with database.session() as s:
        assert s.scalar(select(User.id).where(User.username == "nadia.volt")) is None
    _type(driver, Accounts.REGISTER_PASSWORD, PASSWORD)
    _type(driver, Accounts.REGISTER_PASSWORD_CONFIRM, PASSWORD)
    scroll_to(dash_duo, css_id(Accounts.REGISTER_SUBMIT)).click()

    reference = dash_duo.wait_for_element(css_id(Accounts.REGISTER_REFERENCE), timeout=WAIT_S).text
    with database.session() as s:
        user = s.scalar(select(User).where(User.username == "nadia.volt"))
        assert user is not None and user.status == "pending" and user.public_id == reference
        assert s.get(Organisation, user.organisation_id).status == "pending"
    assert "administrator will review" in driver.find_element(By.TAG_NAME, "main").text

    # 2. the administrator approves it
    sign_in(dash_duo, "admin", next_path="/accounts")
    row = f"{css_id(Accounts.APP_GRID)} .ag-center-cols-container .ag-row[row-id='{user.id}']"
    dash_duo.wait_for_element(f"{row} [col-id='username']", timeout=WAIT_S).click()
    dash_duo.wait_for_contains_text(css_id(Accounts.APP_DETAIL), reference, timeout=WAIT_S)
    approve = scroll_to(dash_duo, css_id(Accounts.APP_APPROVE))
    wait_until(dash_duo, lambda d: approve.is_enabled(), "the approve button is enabled for a pending application")
    approve.click()
    dash_duo.wait_for_contains_text(css_id(Accounts.APP_MESSAGE), "approved", timeout=WAIT_S)
    with database.session() as s:
        user = s.get(User, user.id)
        assert user.status == "active" and s.get(Organisation, user.organisation_id).status == "active"
    wait_until(dash_duo, lambda d: not d.find_elements(By.CSS_SELECTOR, row), "the application leaves the queue")
    assert dash_duo.get_logs() == []

    # 3. the new user signs in and finds the profile (with the public ID) in the user menu
    driver.get(base_url(dash_duo) + "/logout")
    sign_in(dash_duo, "nadia.volt", PASSWORD)
    dash_duo.wait_for_element(css_id(Shell.USER_MENU), timeout=WAIT_S).click()
    dash_duo.wait_for_element(css_id(Profile.MENU_ITEM), timeout=WAIT_S).click()
    dash_duo.wait_for_contains_text(css_id(Profile.DETAILS), reference, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Profile.DETAILS), "Lakeshore Flex Power", timeout=WAIT_S)
    assert dash_duo.get_logs() == []
