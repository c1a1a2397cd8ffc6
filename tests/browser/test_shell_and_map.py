"""The shell and the map page in headless Chromium: what each role sees, drill-down, filters, wall mode, search.

Expectations come from the permission table and the query layer, never from hard-coded numbers.
"""
from __future__ import annotations

import json
import re

import dash
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from components.ids import Home, Shell, nav_link
from data.access import ROLE_PERMISSIONS, Permission, der_scope
from data.demo.catalogue import DEMO_USERNAMES
from data.domain.enums import ROLE_LABELS, Role, Technology
from data.models import Der, Station
from data.queries.drilldown import station_detail
from data.queries.map import MapFilters, feeders, stations
from tests.browser.helpers import (
    WAIT_S,
    base_url,
    browser_fetch,
    css_id,
    js_click,
    kpi_text,
    principal,
    sign_in,
    sign_in_as_guest,
    take_expected_refusals,
    user_row,
    wait_for_map,
    wait_until,
)
from tests.support import callback_payload, find_output_key

pytestmark = pytest.mark.browser

NAV_LINK_TYPE = nav_link("")["type"]
NAV_LINKS = f"[id*='\"type\":\"{NAV_LINK_TYPE}\"']"
MAP_PAGE = "home"  # pages/home.py: the nav link key is the page module's name


def nav_page_keys(role: Role) -> set[str]:
    """The nav links a role should get: registered pages in the navigation whose permission it holds."""
    allowed = ROLE_PERMISSIONS[role]
    return {
        page["module"].split(".")[-1]
        for page in dash.page_registry.values()
        if page.get("nav_order") is not None and page.get("permission") in allowed
    }


def shown_nav_page_keys(dash_duo) -> set[str]:  # type: ignore[no-untyped-def]
    return {json.loads(el.get_attribute("id"))["page"] for el in dash_duo.find_elements(NAV_LINKS)}


def count(text: str) -> int:
    return int(text.replace(",", ""))


# 1 -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_navbar_shows_user_and_only_permitted_pages(app, database, dash_duo, username):  # type: ignore[no-untyped-def]
    user = user_row(database, username)
    role = Role(user.role)
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, username)

    menu = css_id(Shell.USER_MENU)
    dash_duo.wait_for_contains_text(menu, user.display_name, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(menu, ROLE_LABELS[role], timeout=WAIT_S)
    dash_duo.wait_for_element(css_id(nav_link(MAP_PAGE)), timeout=WAIT_S)

    expected = nav_page_keys(role)
    assert MAP_PAGE in expected  # every demo role may open the map
    assert shown_nav_page_keys(dash_duo) == expected
    assert dash_duo.get_logs() == []


# 2 -------------------------------------------------------------------------------------------------------------
def test_guest_sees_public_map_without_der_search(app, database, dash_duo):  # type: ignore[no-untyped-def]
    dash_duo.start_server(app, navigate=False)
    sign_in_as_guest(dash_duo)
    wait_for_map(dash_duo)
    dash_duo.wait_for_contains_text(css_id(Shell.USER_MENU), ROLE_LABELS[Role.GUEST], timeout=WAIT_S)
    assert shown_nav_page_keys(dash_duo) == nav_page_keys(Role.GUEST)

    # The search box exists only as a hidden placeholder for a guest.
    assert not dash_duo.find_element(css_id(Home.SEARCH_TEXT)).is_displayed()
    assert not dash_duo.find_element(css_id(Home.SEARCH_BUTTON)).is_displayed()

    # And calling the search callback by hand, with the guest's own session, is refused on the server.
    with database.session() as s:
        platform_id = s.scalar(select(Der.platform_id).where(Der.platform_id.is_not(None)).order_by(Der.id))
    assert platform_id
    output = find_output_key(app, f"{Home.MAP}.viewport")
    body = callback_payload(
        app, output,
        {f"{Home.SEARCH_TEXT}.n_submit": 1, f"{Home.SEARCH_TEXT}.value": platform_id},
        triggered=f"{Home.SEARCH_TEXT}.n_submit",
    )
    answer = browser_fetch(dash_duo, "/_dash-update-component", "POST", body)
    assert answer["status"] == 403, answer
    assert Permission.VIEW_DER_DETAIL.value in answer["text"]
    assert platform_id not in answer["text"]
    take_expected_refusals(dash_duo, 1)
    assert dash_duo.get_logs() == []


def test_guest_is_refused_pages_outside_its_nav(app, dash_duo):  # type: ignore[no-untyped-def]
    guest_may = ROLE_PERMISSIONS[Role.GUEST]
    closed = sorted(
        page["path"] for page in dash.page_registry.values()
        if page.get("permission") is not None and page["permission"] not in guest_may
    )
    if not closed:
        pytest.skip("every registered page (today only the map at /) is open to a guest: no page to refuse yet")
    dash_duo.start_server(app, navigate=False)
    sign_in_as_guest(dash_duo)
    wait_for_map(dash_duo)
    for path in closed:
        answer = browser_fetch(dash_duo, path)
        assert answer["status"] == 403, (path, answer)
    take_expected_refusals(dash_duo, len(closed))
    assert dash_duo.get_logs() == []


# 3 -------------------------------------------------------------------------------------------------------------
def test_map_draws_stations_feeders_and_der_badges(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc = principal(database, "ldc")
    with database.session() as s:
        st = stations(s, ldc, MapFilters())
        fd = feeders(s, ldc, MapFilters())
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc")
    wait_for_map(dash_duo)
    dash_duo.wait_for_element(".der-aggregate", timeout=WAIT_S)

    assert len(dash_duo.find_elements("path.station-marker")) == len(st) > 0
    assert len(dash_duo.find_elements("path.feeder-line")) == len(fd) > 0
    assert len(dash_duo.find_elements(".der-aggregate")) > 0

    dash_duo.wait_for_text_to_equal(css_id(f"{Home.KPIS}-stations") + " .kpi-value", f"{len(st):,}", timeout=WAIT_S)
    dash_duo.wait_for_text_to_equal(css_id(f"{Home.KPIS}-feeders") + " .kpi-value", f"{len(fd):,}", timeout=WAIT_S)
    der_total = sum(f.der_count for f in fd)
    assert der_total > 0
    dash_duo.wait_for_text_to_equal(css_id(f"{Home.KPIS}-ders") + " .kpi-value", f"{der_total:,}", timeout=WAIT_S)
    assert re.fullmatch(r"[\d,.]+ (kW|MW)", kpi_text(dash_duo, "capacity"))
    assert dash_duo.get_logs() == []


# 4 -------------------------------------------------------------------------------------------------------------
def _station_code_shown(dash_duo):  # type: ignore[no-untyped-def]
    found = dash_duo.find_elements(css_id(Home.STATION_DETAIL))
    return found[0].get_attribute("data-station") if found else None


def test_station_click_opens_its_panel_with_the_right_numbers(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc = principal(database, "ldc")
    with database.session() as s:
        with_ders = {r.code for r in stations(s, ldc, MapFilters()) if r.der_count > 0}
    assert with_ders, "the demo gives the ldc stations with DERs"
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc")
    wait_for_map(dash_duo)

    # Click stations until one with DERs answers (any station's panel is checked on the way).
    code = None
    for marker in dash_duo.find_elements("path.station-marker"):
        before = _station_code_shown(dash_duo)
        js_click(dash_duo.driver, marker)
        code = wait_until(dash_duo, lambda _d, before=before: (c := _station_code_shown(dash_duo)) != before and c,
                          "a station click opens the station panel")
        if code in with_ders:
            break
    assert code in with_ders

    with database.session() as s:
        station_id = s.scalar(select(Station.id).where(Station.code == code))
        detail = station_detail(s, ldc, station_id)
    assert detail is not None
    panel = css_id(Home.STATION_DETAIL)
    dash_duo.wait_for_contains_text(panel, f"{detail.name} ({detail.code})", timeout=WAIT_S)

    rows = dash_duo.find_elements(f"{panel} table.table tbody tr")
    shown = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
    expected = {Technology(t.technology).label: f"{t.count:,}" for t in detail.technologies}
    assert shown == expected
    assert sum(count(v) for v in shown.values()) == sum(t.count for t in detail.technologies) > 0
    assert dash_duo.get_logs() == []


# 5 -------------------------------------------------------------------------------------------------------------
def test_technology_filter_changes_der_kpi_and_badges(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc = principal(database, "ldc")
    with database.session() as s:
        total = sum(f.der_count for f in feeders(s, ldc, MapFilters()))
        per_tech = {t: sum(f.der_count for f in feeders(s, ldc, MapFilters(technologies=(t.value,))))
                    for t in Technology}
    # The technology with most DERs that is not all of them: the number must visibly change.
    tech, expected = max(((t, n) for t, n in per_tech.items() if 0 < n < total), key=lambda tn: tn[1])

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc")
    wait_for_map(dash_duo)
    ders_kpi = css_id(f"{Home.KPIS}-ders") + " .kpi-value"
    dash_duo.wait_for_text_to_equal(ders_kpi, f"{total:,}", timeout=WAIT_S)

    dash_duo.find_element(css_id(Home.FILTER_TECHNOLOGY)).click()
    option = dash_duo.wait_for_element(f"[role=option]:has(input[value='{tech.value}'])", timeout=WAIT_S)
    assert option.text == tech.label
    option.click()
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    dash_duo.wait_for_text_to_equal(ders_kpi, f"{expected:,}", timeout=WAIT_S)
    dash_duo.wait_for_contains_text(f"{css_id(Home.FILTER_TECHNOLOGY)}", tech.label, timeout=WAIT_S)

    # The badges drawn on the map add up to the filtered count too.
    def badge_sum(_driver):  # type: ignore[no-untyped-def]
        labels = [e.text for e in dash_duo.find_elements(".der-aggregate span")]
        return sum(count(t) for t in labels if t) == expected

    wait_until(dash_duo, badge_sum, f"the DER badges sum to {expected}")
    assert dash_duo.get_logs() == []


# 6 -------------------------------------------------------------------------------------------------------------
def test_wall_mode_hides_controls_and_goes_dark(app, dash_duo):  # type: ignore[no-untyped-def]
    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ieso", next_path="/?wall=1")
    wait_for_map(dash_duo)
    dash_duo.wait_for_element("body.wall", timeout=WAIT_S)
    driver = dash_duo.driver
    wait_until(dash_duo, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("data-bs-theme") == "dark",
               "wall mode switches to the dark theme")

    assert not dash_duo.find_element(css_id(Home.CONTROLS)).is_displayed()
    assert not dash_duo.find_element(css_id(Shell.THEME_TOGGLE)).is_displayed()
    assert "wall" in driver.find_element(By.TAG_NAME, "body").get_attribute("class").split()
    assert driver.current_url == base_url(dash_duo) + "/?wall=1"
    assert dash_duo.get_logs() == []


# 7 -------------------------------------------------------------------------------------------------------------
def test_search_finds_a_der_by_platform_id(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ldc = principal(database, "ldc")
    with database.session() as s:
        platform_id = s.scalar(
            select(Der.platform_id).where(der_scope(ldc), Der.platform_id.is_not(None)).order_by(Der.id)
        )
    assert platform_id, "the ldc has a registered DER in scope"

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ldc")
    wait_for_map(dash_duo)
    box = dash_duo.find_element(css_id(Home.SEARCH_TEXT))
    box.send_keys(platform_id)
    box.send_keys(Keys.ENTER)

    dash_duo.wait_for_contains_text(css_id(Home.DER_DETAIL), platform_id, timeout=WAIT_S)
    assert dash_duo.get_logs() == []
