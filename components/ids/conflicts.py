"""Component IDs of the conflict alerts page and the navbar badge."""
from __future__ import annotations


class Conflicts:
    """Conflict alerts (/conflicts), and the navbar badge with its audible alert."""

    REFRESH = "conflicts-refresh"
    VIEW = "conflicts-view"
    GRID = "conflicts-grid"
    SUMMARY = "conflicts-summary"
    DETAIL = "conflicts-detail"
    SIDE_A = "conflicts-side-a"
    SIDE_B = "conflicts-side-b"
    NOTE = "conflicts-note"
    ACKNOWLEDGE = "conflicts-acknowledge"
    RESOLVE = "conflicts-resolve"
    MESSAGE = "conflicts-message"
    SELECTED = "conflicts-selected"
    # navbar
    BADGE = "conflicts-badge"
    ALARM_COUNT = "conflicts-alarm-count"
    MUTE = "conflicts-mute"
    MUTE_ICON = "conflicts-mute-icon"
    BEEPED = "conflicts-beeped"
