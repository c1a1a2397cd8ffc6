"""Browser-test helpers: sign-in through the login form, selectors, clicks and in-page fetches.

Every wait goes through `dash_duo.wait_for_*` or selenium's `WebDriverWait`; nothing sleeps.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from components.ids import Home, Shell
from data.access import Principal
from data.db import Database
from data.models import User
from data.services.accounts import principal_for

# The sign-in page is plain server-rendered HTML (components/login_page.py), not a Dash layout,
# so its element IDs are not in components/ids/; they are written once here.
LOGIN_USERNAME = "username"
LOGIN_PASSWORD = "password"  # noqa: S105 - an element id, not a secret
LOGIN_SUBMIT = "login-submit"
LOGIN_GUEST = "login-guest"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo accounts' documented password

WAIT_S = 20


def css_id(component_id: str | dict[str, Any]) -> str:
    """A CSS selector for a Dash component id, plain or pattern-matching."""
    if isinstance(component_id, dict):
        # Dash writes pattern ids into the DOM as JSON with sorted keys and no spaces.
        return f"[id='{json.dumps(component_id, sort_keys=True, separators=(',', ':'))}']"
    return f"#{component_id}"


def base_url(dash_duo: Any) -> str:
    """`dash_duo.server_url` stays unset with `start_server(navigate=False)`; the server knows its URL."""
    return dash_duo.server.url.rstrip("/")


def wait_until(dash_duo: Any, condition: Callable[[Any], Any], message: str, timeout: float = WAIT_S) -> Any:
    return WebDriverWait(dash_duo.driver, timeout).until(condition, message)


def open_login(dash_duo: Any, next_path: str | None = None) -> None:
    url = base_url(dash_duo) + "/login"
    if next_path:
        from urllib.parse import quote

        url += "?next=" + quote(next_path, safe="/")
    dash_duo.driver.get(url)
    dash_duo.wait_for_element(css_id(LOGIN_SUBMIT), timeout=WAIT_S)


def sign_in(dash_duo: Any, username: str, password: str = DEMO_PASSWORD, next_path: str | None = None) -> None:
    """Sign in through the form and wait for the Dash shell to render."""
    open_login(dash_duo, next_path)
    driver = dash_duo.driver
    driver.find_element(By.ID, LOGIN_USERNAME).send_keys(username)
    driver.find_element(By.ID, LOGIN_PASSWORD).send_keys(password)
    driver.find_element(By.ID, LOGIN_SUBMIT).click()
    dash_duo.wait_for_element(css_id(Shell.NAVBAR), timeout=WAIT_S)


def sign_in_as_guest(dash_duo: Any) -> None:
    open_login(dash_duo)
    dash_duo.driver.find_element(By.ID, LOGIN_GUEST).click()
    dash_duo.wait_for_element(css_id(Shell.NAVBAR), timeout=WAIT_S)


def wait_for_map(dash_duo: Any) -> None:
    """The grid layers are drawn and the KPI tiles filled."""
    dash_duo.wait_for_element("path.station-marker", timeout=WAIT_S)
    dash_duo.wait_for_element("path.feeder-line", timeout=WAIT_S)
    dash_duo.wait_for_element(css_id(kpi_tile("ders")) + " .kpi-value", timeout=WAIT_S)


def kpi_tile(name: str) -> str:
    """The id of a KPI tile built in callbacks/home.py: Home.KPIS + "-stations" / "-feeders" / "-ders"."""
    return f"{Home.KPIS}-{name}"


def kpi_text(dash_duo: Any, name: str) -> str:
    return dash_duo.find_element(css_id(kpi_tile(name)) + " .kpi-value").text.strip()


def js_click(driver: Any, element: WebElement) -> None:
    """A real DOM click event at the element's centre: Leaflet finds its layer from the event target,
    so an SVG path partly covered by a neighbouring marker is still the one clicked."""
    driver.execute_script(
        "const el = arguments[0]; const r = el.getBoundingClientRect();"
        "const at = {bubbles: true, cancelable: true, view: window,"
        "            clientX: r.x + r.width / 2, clientY: r.y + r.height / 2};"
        "el.dispatchEvent(new MouseEvent('mousedown', at));"
        "el.dispatchEvent(new MouseEvent('mouseup', at));"
        "el.dispatchEvent(new MouseEvent('click', at));",
        element,
    )


def browser_fetch(dash_duo: Any, path: str, method: str = "GET", body: Any = None) -> dict[str, Any]:
    """Fetch `path` from inside the page (same cookies, same user agent): {"status", "text"}."""
    return dash_duo.driver.execute_async_script(
        "const [path, method, body, done] = arguments;"
        "const init = {method: method, redirect: 'manual', credentials: 'same-origin'};"
        "if (body !== null) { init.body = JSON.stringify(body);"
        "                     init.headers = {'Content-Type': 'application/json'}; }"
        "fetch(path, init).then(async r => done({status: r.status, text: await r.text()}))"
        "                 .catch(e => done({status: -1, text: String(e)}));",
        path, method, body,
    )


def take_expected_refusals(dash_duo: Any, count: int, status: int = 403) -> None:
    """Consume the console errors Chromium logs for refused requests we made on purpose;
    fail on any other console error. (`driver.get_log` empties the browser's log buffer.)"""
    logs = dash_duo.get_logs()
    refused = [e for e in logs if f"status of {status}" in e.get("message", "")]
    others = [e for e in logs if e not in refused]
    assert others == [], others
    assert len(refused) == count, logs


def principal(database: Database, username: str) -> Principal:
    with database.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no demo user {username!r}"
        return principal_for(s, user)


def user_row(database: Database, username: str) -> User:
    with database.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no demo user {username!r}"
        return user


def scroll_to(dash_duo: Any, selector: str) -> Any:
    """Wait for an element and scroll it to the middle at once: Bootstrap's smooth scrolling would move
    it while a click is on its way, and the click would land on whatever took its place."""
    element = dash_duo.wait_for_element(selector, timeout=WAIT_S)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    return element
