"""The Performance (M&V) page in headless Chromium: a manager sees its events, the chart and the KPI numbers.

Expectations come from the query layer (``data.queries.mv``), never from hard-coded numbers.
"""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from components.ids import Performance
from data.demo.mv_history import ensure_mv_history
from data.queries.mv import event_detail, event_rows
from tests.browser.helpers import WAIT_S, css_id, principal, sign_in, wait_until
from tests.support import DEMO_SEED

pytestmark = pytest.mark.browser

PERCENT = re.compile(r"\d{1,3}\.\d %|n/a")
# Points with a value in every trace of a plotly graph, read from the page.
TRACE_POINTS = """
const graph = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!graph || !graph.data) { return null; }
return graph.data.map(t => [t.name || '', (t.y || []).filter(v => v !== null && v !== undefined).length]);
"""


@pytest.fixture
def mv_database(database):  # type: ignore[no-untyped-def]
    """The app fixture's demo database, with 45 days of M&V history (events and results)."""
    ensure_mv_history(database, days=45, seed=DEMO_SEED)
    return database


def kpi_value(dash_duo, tile_id: str) -> str:  # type: ignore[no-untyped-def]
    return dash_duo.find_element(css_id(tile_id) + " .kpi-value").text.strip()


def traces(dash_duo, graph_id: str):  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(TRACE_POINTS, css_id(graph_id))


def test_manager_sees_the_event_chart_with_numbers(app, mv_database, dash_duo):  # type: ignore[no-untyped-def]
    manager = principal(mv_database, "manager")
    with mv_database.session() as s:
        rows = event_rows(s, manager)
        newest = event_detail(s, manager, rows[0].id)
        second = rows[1]
    assert rows and newest.summary is not None

    dash_duo.start_server(app, navigate=False)
    sign_in(dash_duo, "manager", next_path="/performance")

    # KPI tiles: the % delivered of the newest event (selected by default), as the query computes it.
    percent_tile = css_id(Performance.KPI_PERCENT) + " .kpi-value"
    dash_duo.wait_for_text_to_equal(percent_tile, newest.percent_text, timeout=WAIT_S)
    assert PERCENT.fullmatch(kpi_value(dash_duo, Performance.KPI_PERCENT))
    assert kpi_value(dash_duo, Performance.KPI_ACTIVATED) == f"{rows[0].activated_kw:,.1f}"
    dash_duo.wait_for_contains_text(css_id(Performance.DETAIL_TITLE), rows[0].resource_code, timeout=WAIT_S)

    # The chart has traces with data: the day's load, both baselines, activated and delivered per hour.
    shown = wait_until(dash_duo, lambda _d: traces(dash_duo, Performance.CHART), "the event chart is drawn")
    points = dict(shown)
    assert points["Actual load"] >= 20
    for name in ("Baseline", "Adjusted baseline", "Activated kW", "Delivered kW"):
        assert points[name] > 0, (name, shown)

    # Every event in the manager's view is counted and listed, and the trend chart has bars.
    dash_duo.wait_for_contains_text(css_id(Performance.SUMMARY), f"{len(rows)} events", timeout=WAIT_S)
    dash_duo.wait_for_element(f"{css_id(Performance.EVENTS)} .ag-row[row-id='{rows[0].id}']", timeout=WAIT_S)
    trend = wait_until(dash_duo, lambda _d: traces(dash_duo, Performance.TREND), "the trend chart is drawn")
    assert sum(n for _, n in trend) > 0

    # Selecting another event shows that event.
    row = dash_duo.find_element(f"{css_id(Performance.EVENTS)} .ag-row[row-id='{second.id}']")
    row.find_element(By.CSS_SELECTOR, "[col-id='resource']").click()
    dash_duo.wait_for_text_to_equal(css_id(Performance.KPI_ACTIVATED) + " .kpi-value", f"{second.activated_kw:,.1f}",
                                    timeout=WAIT_S)
    assert PERCENT.fullmatch(kpi_value(dash_duo, Performance.KPI_PERCENT))
    assert dash_duo.get_logs() == []
