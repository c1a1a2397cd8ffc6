"""The connection-points page in headless Chromium: the IESO's table, a selected station's charts and feeders."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from components.ids import ConnectionPoints
from data.models import Der, Station
from data.pollers.parsers.ldc_records import Measurement
from data.queries.connection_points import connection_points
from data.services.ingest import upsert_measurements
from tests.browser.helpers import WAIT_S, css_id, principal, sign_in, wait_until

pytestmark = pytest.mark.browser

GRID = css_id(ConnectionPoints.GRID)


def _row_cell(station_id: int) -> str:
    return f"{GRID} .ag-row[row-id='{station_id}'] .ag-cell[col-id='name']"


def _trace_points(dash_duo, graph_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Non-blank y values per trace of a rendered dcc.Graph."""
    return dash_duo.driver.execute_script(
        "const el = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return el && el.data ? el.data.map(t => (t.y || []).filter(v => v !== null).length) : null;",
        css_id(graph_id),
    )


def test_ieso_selects_a_connection_point_and_sees_its_charts(app, database, dash_duo):  # type: ignore[no-untyped-def]
    ieso = principal(database, "ieso")
    with database.session() as s:
        rows = connection_points(s, ieso)[:6]  # near the top of the table: rendered without scrolling
        with_data = next(r for r in rows if r.der_count > 0)
        without = next(r for r in rows if r.id != with_data.id)
        pids = list(s.scalars(select(Der.platform_id).join(Station, Station.id == Der.station_id).where(
            Station.connection_point_id == with_data.id, Der.platform_id.is_not(None))))
        code = s.scalar(select(Station.code).where(Station.id == with_data.id))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    last = now - timedelta(minutes=5 + now.minute % 5)
    readings = [Measurement("station", code, "load_mw", last - timedelta(minutes=5 * k), 300, 40.0 + k, "MW")
                for k in range(24)]
    readings += [Measurement("der", pid, "output_kw", last - timedelta(hours=h), 300, 12.5, "kW")
                 for pid in pids for h in (0, 1)]  # the hour before feeds the next day's expectation
    with database.transaction() as s:
        upsert_measurements(s, readings, "browser_test", warnings=[])

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "ieso", next_path="/connection-points")
    dash_duo.wait_for_element(_row_cell(with_data.id), timeout=WAIT_S)
    rendered = dash_duo.find_elements(f"{GRID} .ag-center-cols-container .ag-row")
    assert len(rendered) > 1
    dash_duo.wait_for_text_to_equal(_row_cell(with_data.id), with_data.name, timeout=WAIT_S)

    # A station with readings: both charts, with data in their traces, and its feeders.
    dash_duo.find_element(_row_cell(with_data.id)).click()
    dash_duo.wait_for_contains_text(css_id(ConnectionPoints.DETAIL_TITLE), with_data.name, timeout=WAIT_S)
    dash_duo.wait_for_element(css_id(ConnectionPoints.HISTORY_GRAPH) + " .main-svg", timeout=WAIT_S)
    points = wait_until(dash_duo, lambda _d: _trace_points(dash_duo, ConnectionPoints.HISTORY_GRAPH),
                        "the 24-hour chart draws its traces")
    assert len(points) == 4 and all(n > 0 for n in points), points  # load, DER output, net, rating
    dash_duo.wait_for_element(css_id(ConnectionPoints.PLAN_GRAPH) + " .main-svg", timeout=WAIT_S)
    assert "EST" in dash_duo.find_element(css_id(ConnectionPoints.HISTORY)).text
    assert any(n > 0 for n in _trace_points(dash_duo, ConnectionPoints.PLAN_GRAPH))
    dash_duo.wait_for_element(f"{css_id(ConnectionPoints.FEEDERS)} .ag-row", timeout=WAIT_S)

    # A station without readings: a clear message, never an empty chart.
    dash_duo.find_element(_row_cell(without.id)).click()
    dash_duo.wait_for_contains_text(css_id(ConnectionPoints.DETAIL_TITLE), without.name, timeout=WAIT_S)
    dash_duo.wait_for_contains_text(css_id(ConnectionPoints.HISTORY), "No readings yet", timeout=WAIT_S)
    assert not dash_duo.find_elements(css_id(ConnectionPoints.HISTORY_GRAPH))
    assert "No approved limits" in dash_duo.find_element(css_id(ConnectionPoints.PLAN)).text
    assert dash_duo.get_logs() == []
