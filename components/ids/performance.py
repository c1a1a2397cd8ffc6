"""Component IDs of the M&V performance page."""
from __future__ import annotations


class Performance:
    """M&V performance (/performance)."""

    METHOD = "performance-method"
    GROUP_BY = "performance-group-by"
    SUMMARY = "performance-summary"
    EVENTS = "performance-events"
    EXPORT = "performance-export"
    DETAIL_TITLE = "performance-detail-title"
    DETAIL_MESSAGE = "performance-detail-message"
    KPIS = "performance-kpis"
    KPI_ACTIVATED = "performance-kpi-activated"
    KPI_DELIVERED = "performance-kpi-delivered"
    KPI_PERCENT = "performance-kpi-percent"
    KPI_ENERGY = "performance-kpi-energy"
    KPI_SAMPLE = "performance-kpi-sample"
    CHART = "performance-chart"
    TREND = "performance-trend"
    LEAGUE = "performance-league"
    LEAGUE_TITLE = "performance-league-title"
