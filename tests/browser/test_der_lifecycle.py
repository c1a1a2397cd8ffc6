"""Issue 9 end to end in headless Chromium: a new aggregator applies for an account, the administrator approves
it, the aggregator uploads its DER list (first with an error that is reported and changes nothing, then fixed),
the host LDC approves the DERs, and they appear on the map with their new platform IDs."""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import func, select

from components.ids import Accounts, Contributors, Home, Registry
from data.domain.enums import DerStatus
from data.domain.identifiers import DER_ID_PATTERN
from data.models import Der, Feeder, Organisation, User
from data.queries.feeder_lookup import nearest_feeders
from tests.browser.helpers import WAIT_S, base_url, css_id, open_login, scroll_to, sign_in, wait_for_map, wait_until

pytestmark = pytest.mark.browser

PORT = 8066
USERNAME = "omar.haddad"
PASSWORD = "three batteries and a heat pump"  # noqa: S105 - test data
HOST_LDC_CODE = "LSH"  # the `ldc` demo user's own LDC: it gives the final approval alone


def host_ldc_points(database, count: int) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Mid-points of feeders of the host LDC whose nearest feeder is the host's own (no embedded LDC step)."""
    with database.session() as s:
        ldc = s.scalar(select(Organisation.id).where(Organisation.code == HOST_LDC_CODE))
        mids = [(g[len(g) // 2][1], g[len(g) // 2][0])
                for g in s.scalars(select(Feeder.geometry).where(Feeder.ldc_id == ldc).order_by(Feeder.id))]
        ours = [p for p, m in zip(mids, nearest_feeders(s, mids), strict=True) if m and m.ldc_id == ldc]
    assert len(ours) >= count
    return ours[:count]


def der_list(path: Path, points: list[tuple[float, float]], *, bad_row: bool) -> str:
    """A contributor file as an aggregator would export it from its own system (semicolons, UTF-8 with BOM)."""
    lines = ["platform_id;name;technology;capacity_kw;lat;lon;meter_id;service_tag;program_code;activation_date;"
             "connection_assessment_ref;connection_assessment_date;connection_assessment_class"]
    for i, (lat, lon) in enumerate(points):
        capacity = "-7.5" if bad_row and i == 1 else f"{7.5 + i:.1f}"
        lines.append(f";Northshore home battery {i + 1};battery;{capacity};{lat:.6f};{lon:.6f};NSF-{i + 1:04d};"
                     f"both;IESO-HDR;2030-01-01;CIA-NSF-{i + 1};2025-11-03;under_10mw")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return str(path)


def type_into(driver, element_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def der_counts(database) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return (s.scalar(select(func.count(Der.id))),
                s.scalar(select(func.count(Der.id)).where(Der.meter_id.like("NSF-%"))))


def test_apply_approve_upload_fix_approve_ders_and_find_them_on_the_map(app, database, dash_duo, tmp_path):  # type: ignore[no-untyped-def]
    points = host_ldc_points(database, 3)
    dash_duo.start_server(app, navigate=False, port=PORT)
    driver = dash_duo.driver

    # 1. A new aggregator applies for an account (a new organisation), from the sign-in page.
    open_login(dash_duo)
    driver.find_element(By.ID, Accounts.LOGIN_LINK).click()
    dash_duo.wait_for_element(css_id(Accounts.REGISTER_SUBMIT), timeout=WAIT_S)
    type_into(driver, Accounts.REGISTER_USERNAME, USERNAME)
    type_into(driver, Accounts.REGISTER_DISPLAY_NAME, "Omar Haddad")
    type_into(driver, Accounts.REGISTER_EMAIL, "omar@northshore-flex.ca")
    type_into(driver, Accounts.REGISTER_PHONE, "+1 416 555 0142")
    type_into(driver, Accounts.REGISTER_PASSWORD, PASSWORD)
    type_into(driver, Accounts.REGISTER_PASSWORD_CONFIRM, PASSWORD)
    Select(driver.find_element(By.ID, Accounts.REGISTER_ROLE)).select_by_value("aggregator")
    Select(driver.find_element(By.ID, Accounts.REGISTER_ORGANISATION)).select_by_value("new")
    type_into(driver, Accounts.REGISTER_NEW_ORGANISATION_NAME, "Northshore Flex Energy")
    Select(driver.find_element(By.ID, Accounts.REGISTER_NEW_ORGANISATION_KIND)).select_by_value("aggregator")
    scroll_to(dash_duo, css_id(Accounts.REGISTER_SUBMIT)).click()
    reference = dash_duo.wait_for_element(css_id(Accounts.REGISTER_REFERENCE), timeout=WAIT_S).text
    with database.session() as s:
        applicant = s.scalars(select(User).where(User.username == USERNAME)).one()
        assert (applicant.status, applicant.public_id) == ("pending", reference)

    # 2. The platform administrator approves the application.
    sign_in(dash_duo, "admin", next_path="/accounts")
    row = f"{css_id(Accounts.APP_GRID)} .ag-center-cols-container .ag-row[row-id='{applicant.id}']"
    dash_duo.wait_for_element(f"{row} [col-id='username']", timeout=WAIT_S).click()
    dash_duo.wait_for_contains_text(css_id(Accounts.APP_DETAIL), reference, timeout=WAIT_S)
    approve = scroll_to(dash_duo, css_id(Accounts.APP_APPROVE))
    wait_until(dash_duo, lambda d: approve.is_enabled(), "the approve button is enabled")
    approve.click()
    dash_duo.wait_for_contains_text(css_id(Accounts.APP_MESSAGE), "approved", timeout=WAIT_S)
    driver.get(base_url(dash_duo) + "/logout")

    # 3. The new aggregator uploads its DER list: one bad row refuses the whole file and changes nothing ...
    sign_in(dash_duo, USERNAME, PASSWORD, next_path="/contributors")
    upload = css_id(Contributors.UPLOAD) + " input[type=file]"
    dash_duo.wait_for_element(css_id(Contributors.UPLOAD), timeout=WAIT_S)
    before = der_counts(database)
    dash_duo.find_element(upload).send_keys(der_list(tmp_path / "northshore.csv", points, bad_row=True))
    dash_duo.wait_for_contains_text(css_id(Contributors.RESULT), "nothing was applied", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.PROBLEMS_GRID), "capacity_kw", timeout=WAIT_S)
    problems = dash_duo.find_element(css_id(Contributors.PROBLEMS_GRID)).text
    assert "3" in problems  # row 3 of the file (the header is row 1)
    assert not dash_duo.find_element(css_id(Contributors.APPLY)).is_enabled()
    assert der_counts(database) == before

    # ... the fixed file is previewed and applied: three pending registrations.
    dash_duo.find_element(upload).send_keys(der_list(tmp_path / "northshore-fixed.csv", points, bad_row=False))
    dash_duo.wait_for_contains_text(css_id(Contributors.RESULT), "3 added", timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Contributors.APPLY)).click()
    dash_duo.wait_for_contains_text(css_id(Contributors.APPLY_MESSAGE), "Applied: 3 added", timeout=WAIT_S)
    with database.session() as s:
        uploaded = s.scalars(select(Der).where(Der.meter_id.like("NSF-%")).order_by(Der.meter_id)).all()
    assert [(d.status, d.platform_id) for d in uploaded] == [(DerStatus.PENDING.value, None)] * 3
    assert dash_duo.get_logs() == []
    driver.get(base_url(dash_duo) + "/logout")

    # 4. The host LDC approves the three DERs from its queue, in one go.
    sign_in(dash_duo, "ldc", next_path="/registry")
    for der in uploaded:
        tick = f"{css_id(Registry.QUEUE_GRID)} .ag-row[row-id='{der.id}'] .ag-selection-checkbox input"
        scroll_to(dash_duo, tick).click()
    dash_duo.wait_for_contains_text(css_id(Registry.DECISION_TARGET), "3 registrations ticked", timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Registry.APPROVE)).click()
    dash_duo.wait_for_contains_text(css_id(Registry.DECISION_MESSAGE), "Platform IDs: ON-DER-", timeout=WAIT_S)
    with database.session() as s:
        approved = [s.get(Der, d.id) for d in uploaded]
    assert all(d.status == DerStatus.ACTIVE.value and DER_ID_PATTERN.match(d.platform_id) for d in approved)
    assert len({d.platform_id for d in approved}) == 3

    # 5. They are on the map: searching a new platform ID flies there and opens its detail.
    driver.get(base_url(dash_duo) + "/")
    wait_for_map(dash_duo)
    for der in approved:
        box = dash_duo.find_element(css_id(Home.SEARCH_TEXT))
        box.clear()
        box.send_keys(der.platform_id)
        box.send_keys(Keys.ENTER)
        dash_duo.wait_for_contains_text(css_id(Home.DER_DETAIL), der.platform_id, timeout=WAIT_S)
        dash_duo.wait_for_contains_text(css_id(Home.DER_DETAIL), "Northshore Flex Energy", timeout=WAIT_S)
    assert dash_duo.get_logs() == []
