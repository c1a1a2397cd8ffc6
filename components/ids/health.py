"""Component IDs of the feed health page."""
from __future__ import annotations


class Health:
    """Feed health (/health)."""

    GRID = "health-grid"
    RUNS = "health-runs"
    RUNS_TITLE = "health-runs-title"
    REFRESH = "health-refresh"
    SUMMARY = "health-summary"
    EXPORT = "health-export"
    PAUSE = "health-pause"
    PAUSE_MESSAGE = "health-pause-message"
