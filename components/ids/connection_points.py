"""Component IDs of the T/D connection points page."""
from __future__ import annotations


class ConnectionPoints:
    """Aggregated load at T/D connection points (/connection-points)."""

    GRID = "connection-points-grid"
    REFRESH = "connection-points-refresh"
    SUMMARY = "connection-points-summary"
    UPDATED = "connection-points-updated"
    SEARCH = "connection-points-search"
    EXPORT = "connection-points-export"
    DETAIL_TITLE = "connection-points-detail-title"
    DETAIL_FACTS = "connection-points-detail-facts"
    HISTORY = "connection-points-history"
    HISTORY_GRAPH = "connection-points-history-graph"
    PLAN = "connection-points-plan"
    PLAN_GRAPH = "connection-points-plan-graph"
    FEEDERS = "connection-points-feeders"
