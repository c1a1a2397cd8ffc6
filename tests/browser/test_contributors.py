"""The contributor upload in headless Chromium: a file with one bad row is refused with the row shown, the fixed
file is previewed and applied, and the new DERs are listed as pending in the enrolment log."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import func, select

from components.ids import Contributors
from data.domain.enums import DerStatus
from data.models import Der, Feeder
from tests.browser.helpers import WAIT_S, css_id, scroll_to, sign_in

pytestmark = pytest.mark.browser
PORT = 8063
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def _file(tmp_path: Path, name: str, database, bad: bool) -> str:  # type: ignore[no-untyped-def]
    with database.session() as s:
        feeders = list(s.scalars(select(Feeder).order_by(Feeder.id).limit(3)))
    lines = ["platform_id;name;technology;capacity_kw;lat;lon;meter_id;service_tag;program_code;activation_date"]
    for i, f in enumerate(feeders):
        lon, lat = f.geometry[len(f.geometry) // 2]
        when = "2030-02-30" if bad and i == 1 else "2030-01-01"
        lines.append(f";Browser test {i};solar_pv;{5.27 + i / 100:.2f};{lat};{lon};BT-{i};both;IESO-HDR;{when}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return str(path)


def _send(dash_duo, path: str) -> None:  # type: ignore[no-untyped-def]
    dash_duo.find_element(css_id(Contributors.UPLOAD) + " input[type=file]").send_keys(path)


def test_upload_refused_then_fixed_previewed_applied_and_listed_pending(app, database, dash_duo, tmp_path):  # type: ignore[no-untyped-def]
    with database.session() as s:
        pending_before = s.scalar(select(func.count(Der.id)).where(Der.status == DerStatus.PENDING.value))
    dash_duo.start_server(app, navigate=False, port=PORT)
    sign_in(dash_duo, "aggregator", next_path="/contributors")
    dash_duo.wait_for_element(css_id(Contributors.UPLOAD), timeout=WAIT_S)

    _send(dash_duo, _file(tmp_path, "ders-with-error.csv", database, bad=True))
    dash_duo.wait_for_contains_text(css_id(Contributors.RESULT), "nothing was applied", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.PROBLEMS_GRID), "not a date: '2030-02-30'", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.PROBLEMS_GRID), "activation_date", timeout=WAIT_S)
    assert not dash_duo.find_element(css_id(Contributors.PREVIEW_WRAP)).is_displayed()
    assert not dash_duo.find_element(css_id(Contributors.APPLY)).is_enabled()
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "contributors-refused.png"))
    with database.session() as s:
        assert s.scalar(select(func.count(Der.id)).where(Der.status == DerStatus.PENDING.value)) == pending_before

    _send(dash_duo, _file(tmp_path, "ders-fixed.csv", database, bad=False))
    dash_duo.wait_for_contains_text(css_id(Contributors.RESULT), "every row is valid", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.PREVIEW_GRID), "Browser test 2", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.RESULT), "3 added", timeout=WAIT_S)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "contributors-preview.png"))
    scroll_to(dash_duo, css_id(Contributors.APPLY)).click()
    dash_duo.wait_for_contains_text(css_id(Contributors.APPLY_MESSAGE), "Applied: 3 added", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.HISTORY_GRID), "applied", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.HISTORY_GRID), "refused", timeout=WAIT_S)
    with database.session() as s:
        assert s.scalar(select(func.count(Der.id)).where(Der.status == DerStatus.PENDING.value)) == pending_before + 3

    tab = dash_duo.driver.find_element(By.LINK_TEXT, "Enrolment log")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", tab)
    tab.click()
    scroll_to(dash_duo, css_id(Contributors.LOG_DER_STATUS)).click()
    dash_duo.wait_for_element("[role=option]:has(input[value='pending'])", timeout=WAIT_S).click()
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    dash_duo.wait_for_contains_text(css_id(Contributors.LOG_GRID), "Browser test 0", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.LOG_GRID), "pending", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(Contributors.LOG_GRID), "IESO-HDR", timeout=WAIT_S)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "contributors-log.png"))
    assert dash_duo.get_logs() == []
