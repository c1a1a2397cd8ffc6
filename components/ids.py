"""Every component ID, one class per page; pattern-matching ID factories."""
from __future__ import annotations


class Login:
    """The plain-HTML sign-in page."""

    USERNAME = "username"
    PASSWORD = "password"
    SUBMIT = "login-submit"
    GUEST = "login-guest"


class Shell:
    NAVBAR = "shell-navbar"
    CLOCK_TICK = "shell-clock-tick"
    CLOCK_MARKET = "shell-clock-market"
    CLOCK_LOCAL = "shell-clock-local"
    CLOCK_ZONE = "shell-clock-zone"
    THEME_STORE = "shell-theme-store"
    THEME_TOGGLE = "shell-theme-toggle"
    THEME_ICON = "shell-theme-icon"
    THEME_SAVED = "shell-theme-saved"
    USER_MENU = "shell-user-menu"
    LOGOUT = "shell-logout"
    WALL_TOGGLE = "shell-wall-toggle"
    REDIRECT = "shell-redirect"
    DATA_AGE = "shell-data-age"
    DATA_AGE_TICK = "shell-data-age-tick"
    MESSAGE = "shell-message"


def nav_link(page: str) -> dict[str, str]:
    return {"type": "shell-nav-link", "page": page}


class Home:
    """The map and timeline page (/)."""

    MAP = "home-map"
    BASEMAP = "home-basemap"
    LAYERS = "home-layers"
    STATIONS = "home-stations"
    FEEDERS = "home-feeders"
    DER_AGGREGATES = "home-der-aggregates"
    DER_POINTS = "home-der-points"
    OUTAGE_AREAS = "home-outage-areas"
    NEEDS_AREAS = "home-needs-areas"
    FILTER_LDC = "home-filter-ldc"
    FILTER_ZONE = "home-filter-zone"
    FILTER_TECHNOLOGY = "home-filter-technology"
    FILTER_STATUS = "home-filter-status"
    FILTER_AGGREGATOR = "home-filter-aggregator"
    COLOUR_BY = "home-colour-by"
    SEARCH_TEXT = "home-search-text"
    SEARCH_BUTTON = "home-search-button"
    SEARCH_RESULT = "home-search-result"
    CONTROLS = "home-controls"
    VIEW_STATUS = "home-view-status"
    KPIS = "home-kpis"
    PANEL = "home-panel"
    SELECTION = "home-selection"
    LEGEND = "home-legend"
    TIMELINE = "home-timeline"
    TIMELINE_RANGE = "home-timeline-range"
    TIMELINE_DETAIL = "home-timeline-detail"
    REFRESH = "home-refresh"
    ROTATE = "home-rotate"
    WALL_FLAG = "home-wall-flag"
    WALL_APPLIED = "home-wall-applied"
    STATION_DETAIL = "home-station-detail"
    FEEDER_DETAIL = "home-feeder-detail"
    DER_DETAIL = "home-der-detail"


class Health:
    """Feed health (/health)."""

    GRID = "health-grid"
    RUNS = "health-runs"
    RUNS_TITLE = "health-runs-title"
    REFRESH = "health-refresh"
    SUMMARY = "health-summary"
    EXPORT = "health-export"
