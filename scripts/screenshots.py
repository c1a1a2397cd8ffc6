"""Screenshots of the platform for review: `python -m scripts.screenshots OUTDIR`.

Starts `python app.py` on a temporary SQLite database with the 5,000-DER demo (no scheduler),
then saves, from headless Chromium:

  01-login.png                 the sign-in page
  02-map-ldc-light.png         the map as `ldc`, light theme
  03-map-ieso-dark.png         the map as `ieso`, dark theme (switched with the navbar toggle)
  04-map-guest.png             the public map of a guest
  05-wall-ieso-3840x2160.png   wall mode (`/?wall=1`) as `ieso` on a 4K display
  06-station-panel-ldc.png     `ldc` after clicking a station: the drill-down panel

Console errors seen on any page are printed at the end (exit status 1 when there are any).
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from components.ids import Home, Shell
from config.settings import PROJECT_ROOT
from tests.browser.helpers import (
    DEMO_PASSWORD,
    LOGIN_GUEST,
    LOGIN_PASSWORD,
    LOGIN_SUBMIT,
    LOGIN_USERNAME,
    css_id,
    js_click,
)
from tests.conftest import pytest_setup_options

DEMO_DERS = 5000
DESKTOP = (1600, 1000)
WALL = (3840, 2160)
START_TIMEOUT_S = 600  # first start builds the demo grid
PAGE_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(
        os.environ, PORT=str(port), HOST="127.0.0.1", INSTANCE_DIR=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'platform.db'}", SCHEDULER="0", DEMO="1", DEMO_DERS=str(DEMO_DERS),
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return proc, url
        except (urllib.error.URLError, ConnectionError):
            pass
        try:  # doubles as the poll interval, and notices a server that died
            proc.wait(timeout=0.5)
            raise RuntimeError(f"the server exited with {proc.returncode}: see {workdir / 'server.log'}")
        except subprocess.TimeoutExpired:
            continue
    proc.terminate()
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S} s: see {workdir / 'server.log'}")


def new_driver() -> webdriver.Chrome:
    options = pytest_setup_options()
    options.add_argument("--headless=new")
    options.add_argument("--hide-scrollbars")
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return webdriver.Chrome(options=options)


def set_viewport(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    """An exact CSS viewport (window-size includes the browser's own frame)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})


def _wait(driver: webdriver.Chrome, condition: Any, message: str) -> Any:
    return WebDriverWait(driver, PAGE_TIMEOUT_S, poll_frequency=0.2).until(condition, message)


def _idle(driver: webdriver.Chrome) -> bool:
    """No Dash callback pending and no Leaflet animation running."""
    return bool(driver.execute_script(
        "if (!window.store) { return false; }"
        "const cbs = Object.assign({}, window.store.getState().callbacks);"
        "delete cbs.stored; delete cbs.completed;"
        "const pending = [].concat(...Object.values(cbs)).length;"
        "return pending === 0 && !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim');"
    ))


def wait_for_map(driver: webdriver.Chrome) -> None:
    for selector in ("path.bm-ontario", "path.station-marker", "path.feeder-line", ".der-aggregate",
                     css_id(f"{Home.KPIS}-ders") + " .kpi-value"):
        _wait(driver, lambda d, s=selector: d.find_elements(By.CSS_SELECTOR, s), f"{selector} on the page")
    if driver.find_elements(By.CSS_SELECTOR, css_id(Home.TIMELINE)):
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, css_id(Home.TIMELINE) + " .main-svg"),
              "the timeline drawn")
    _wait(driver, _idle, "callbacks settled")


def sign_in(driver: webdriver.Chrome, url: str, username: str | None, next_path: str = "/") -> None:
    """`username=None`: the guest link."""
    driver.delete_all_cookies()
    driver.get(f"{url}/login?next={quote(next_path, safe='/')}")
    _wait(driver, lambda d: d.find_elements(By.ID, LOGIN_SUBMIT), "the sign-in form")
    if username is None:
        driver.find_element(By.ID, LOGIN_GUEST).click()
    else:
        driver.find_element(By.ID, LOGIN_USERNAME).send_keys(username)
        driver.find_element(By.ID, LOGIN_PASSWORD).send_keys(DEMO_PASSWORD)
        driver.find_element(By.ID, LOGIN_SUBMIT).click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, css_id(Shell.NAVBAR)), "the navbar")


def theme(driver: webdriver.Chrome) -> str | None:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("data-bs-theme")


def take(driver: webdriver.Chrome, outdir: Path, name: str, errors: dict[str, list]) -> None:
    path = outdir / name
    driver.save_screenshot(str(path))
    logs = driver.get_log("browser")
    if logs:
        errors[name] = logs
    print(f"saved {path}")


SHOTS = ("01-login.png", "02-map-ldc-light.png", "03-map-ieso-dark.png", "04-map-guest.png",
         "05-wall-ieso-3840x2160.png", "06-station-panel-ldc.png")


def capture(url: str, outdir: Path, driver: webdriver.Chrome | None = None) -> dict[str, list]:
    """Save every shot of SHOTS into `outdir`; returns the console errors per shot.

    `driver`: an existing Chromium session (e.g. dash_duo's), else a new one is started and quit.
    """
    errors: dict[str, list] = {}
    own = driver is None
    driver = driver or new_driver()
    try:
        set_viewport(driver, DESKTOP)
        driver.get(url + "/login")
        _wait(driver, lambda d: d.find_elements(By.ID, LOGIN_SUBMIT), "the sign-in form")
        take(driver, outdir, "01-login.png", errors)

        sign_in(driver, url, "ldc")
        wait_for_map(driver)
        _wait(driver, lambda d: theme(d) == "light", "ldc's light theme")
        take(driver, outdir, "02-map-ldc-light.png", errors)

        marker = max(driver.find_elements(By.CSS_SELECTOR, "path.station-marker"),
                     key=lambda e: e.size["width"])
        js_click(driver, marker)
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, css_id(Home.STATION_DETAIL)), "the station panel")
        _wait(driver, _idle, "callbacks settled")
        take(driver, outdir, "06-station-panel-ldc.png", errors)

        sign_in(driver, url, "ieso")
        wait_for_map(driver)
        if theme(driver) != "dark":
            driver.execute_script("arguments[0].click()", driver.find_element(By.ID, Shell.THEME_TOGGLE))
        _wait(driver, lambda d: theme(d) == "dark", "the dark theme")
        _wait(driver, _idle, "callbacks settled")
        take(driver, outdir, "03-map-ieso-dark.png", errors)

        sign_in(driver, url, None)
        wait_for_map(driver)
        take(driver, outdir, "04-map-guest.png", errors)

        set_viewport(driver, WALL)
        sign_in(driver, url, "ieso", next_path="/?wall=1")
        wait_for_map(driver)
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "body.wall"), "wall mode")
        _wait(driver, _idle, "callbacks settled")
        take(driver, outdir, "05-wall-ieso-3840x2160.png", errors)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        if own:
            driver.quit()
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--url", help="use a running server instead of starting one (demo users needed)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tdp-shots-") as tmp:
        proc = None
        url = args.url
        if url is None:
            print(f"starting the platform with {DEMO_DERS:,} demo DERs ...")
            proc, url = start_server(Path(tmp))
        try:
            errors = capture(url.rstrip("/"), args.outdir)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    for name, logs in errors.items():
        print(f"console errors on {name}:")
        for entry in logs:
            print("   ", entry.get("message"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
