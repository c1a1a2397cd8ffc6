"""Component IDs of the sign-in page and of the shell around every page (navbar, clocks, theme, user menu),
and the navbar links' pattern-matching ID."""
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
