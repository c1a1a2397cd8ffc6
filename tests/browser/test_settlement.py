"""The settlement report in headless Chromium: a manager opens it, the KPI tiles show the query's numbers, both
charts are drawn, and the reconciliation tab lists the demo's double payments. A screenshot is kept for review.

Expectations come from the query layer (``data.queries.settlement``), never from hard-coded numbers.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from callbacks.settlement import default_period
from components.ids import Settlement
from components.settlement_views import money
from config.settings import load_settings
from data.demo.mv_history import ensure_mv_history
from data.domain.market_time import trade_date_of
from data.domain.settlement import RateCard
from data.models.base import utcnow
from data.queries.settlement import SettlementFilters, settlement_report
from tests.browser.helpers import WAIT_S, css_id, principal, sign_in, wait_until
from tests.support import DEMO_SEED

pytestmark = pytest.mark.browser

PORT = 8065
# Points with a value in every trace of a plotly graph, read from the page.
TRACE_POINTS = """
const graph = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!graph || !graph.data) { return null; }
return graph.data.map(t => [t.type || '', t.name || '', (t.values || t.x || []).length]);
"""


def kpi_value(dash_duo, tile_id: str) -> str:  # type: ignore[no-untyped-def]
    return dash_duo.find_element(css_id(tile_id) + " .kpi-value").text.strip()


def traces(dash_duo, graph_id: str):  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(TRACE_POINTS, css_id(graph_id))


def test_manager_reads_the_settlement_report(app, database, dash_duo, tmp_path):  # type: ignore[no-untyped-def]
    ensure_mv_history(database, days=45, seed=DEMO_SEED)
    manager = principal(database, "manager")
    first, last = default_period(trade_date_of(utcnow()))
    rates = RateCard.from_settings(load_settings(env={}, secret_key="test"))
    with database.session() as s:
        expected = settlement_report(s, manager, rates, SettlementFilters(first, last))
    totals = expected.totals
    assert totals.events > 0 and expected.flags, "the demo gives the manager's aggregator a double payment"

    dash_duo.start_server(app, navigate=False, port=PORT)
    sign_in(dash_duo, "manager", next_path="/settlement")

    dash_duo.wait_for_text_to_equal(css_id(Settlement.KPI_EVENTS) + " .kpi-value", f"{totals.events:,}",
                                    timeout=WAIT_S)
    assert kpi_value(dash_duo, Settlement.KPI_ENERGY) == f"{totals.delivered_mwh:,.2f}"
    assert kpi_value(dash_duo, Settlement.KPI_ACTIVATION) == money(totals.activation)
    assert kpi_value(dash_duo, Settlement.KPI_DELIVERY) == money(totals.delivery)
    assert kpi_value(dash_duo, Settlement.KPI_FLAGS) == f"{len(expected.flags):,}"
    dash_duo.wait_for_contains_text(css_id(Settlement.SUMMARY), f"{totals.events} events", timeout=WAIT_S)

    # Both charts are drawn with data: the pie has a slice per service, the bars a buyer each.
    pie = wait_until(dash_duo, lambda _d: traces(dash_duo, Settlement.BY_SERVICE), "the pie is drawn")
    assert pie[0][0] == "pie" and pie[0][2] == len([n for n, t in expected.by_service if t.paid > 0])
    bars = wait_until(dash_duo, lambda _d: traces(dash_duo, Settlement.BY_BUYER), "the bars are drawn")
    assert {name for _, name, n in bars if n} >= {"Activation", "Delivery"}
    assert all(n == len(expected.by_buyer) for kind, _, n in bars if kind == "bar")

    # The payments table lists every event; the reconciliation tab shows the flags with their severity text.
    newest = max(expected.lines, key=lambda line: (line.event.start_at, line.event.event_id))
    dash_duo.wait_for_element(f"{css_id(Settlement.EVENTS)} .ag-row[row-id='{newest.event.event_id}']",
                              timeout=WAIT_S)
    tab = dash_duo.driver.find_element(By.XPATH, "//a[contains(@class, 'nav-link')][contains(., 'Reconciliation')]")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", tab)
    assert f"{len(expected.flags)} flag" in tab.text
    tab.click()
    dash_duo.wait_for_contains_text(css_id(Settlement.RECONCILIATION_SUMMARY), "paid twice", timeout=WAIT_S)
    top = expected.flags[0]
    dash_duo.wait_for_contains_text(css_id(Settlement.FLAGS), top.der_label, timeout=WAIT_S)
    cell = dash_duo.wait_for_element(f"{css_id(Settlement.FLAGS)} .ag-row .state-cell-alarm", timeout=WAIT_S)
    assert cell.text == "Paid twice"

    dash_duo.driver.set_window_size(1920, 1400)
    shot = tmp_path / "settlement-manager.png"
    dash_duo.driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    assert dash_duo.get_logs() == []
