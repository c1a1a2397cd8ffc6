"""The grids' own CSV export (AG Grid, in the browser) guards against formula injection like the server-side
exports: text a spreadsheet would run as a formula is written with a leading apostrophe."""
from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from components.ids import Outages
from data.domain.enums import OutageKind
from data.domain.market_time import floor_to_interval
from data.models import Feeder
from data.models.base import utcnow
from data.services.outages import log_outage
from tests.browser.helpers import WAIT_S, css_id, principal, scroll_to, sign_in, wait_until

pytestmark = pytest.mark.browser

PORT = 8067
EVIL = '=HYPERLINK("http://x","open me")'


def test_csv_export_of_a_grid_keeps_formula_text_as_text(app, database, dash_duo, tmp_path: Path):  # type: ignore[no-untyped-def]
    ldc = principal(database, "ldc")
    with database.transaction() as s:
        feeder = s.scalars(select(Feeder).where(Feeder.ldc_id == ldc.organisation_id).order_by(Feeder.id)).first()
        start = floor_to_interval(utcnow() + timedelta(hours=2))
        log_outage(s, ldc, kind=OutageKind.PLANNED, start=start, feeder_ids=[feeder.id],
                   estimated_restoration=start + timedelta(hours=2), description=EVIL)
    dash_duo.start_server(app, navigate=False, port=PORT)
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    sign_in(dash_duo, "ldc", next_path="/outages")
    dash_duo.wait_for_contains_text(css_id(Outages.GRID), feeder.code, timeout=WAIT_S)
    scroll_to(dash_duo, css_id(Outages.EXPORT_CSV)).click()
    wait_until(dash_duo, lambda d: list(tmp_path.glob("*.csv")), "the CSV is downloaded")
    (exported,) = tmp_path.glob("*.csv")
    cells = [cell for row in csv.reader(exported.read_text(encoding="utf-8-sig").splitlines()) for cell in row]
    assert "'" + EVIL in cells and EVIL not in cells
    assert dash_duo.get_logs() == []
