"""The one colour palette (ISA-101 / OperatorFabric): grey by default, colour only for state.

Mirrored as CSS variables in assets/theme/00-theme.css; map layers and charts take their
colours from here, never from literals.
"""
from __future__ import annotations

from data.domain.enums import Severity, Technology

SEVERITY_COLOURS: dict[Severity, str] = {
    Severity.ALARM: "#a71a1a",
    Severity.ACTION: "#fd9312",
    Severity.COMPLIANT: "#00bb03",
    Severity.INFORMATION: "#1074ad",
}

NEUTRAL = "#8a939b"
NEUTRAL_DARK = "#4a525a"
NEUTRAL_LIGHT = "#c9ced3"
# Chart text on the dark and light themes (mirrors --bs-body-color in the theme CSS).
TEXT_ON_DARK = "#dde2e6"
TEXT_ON_LIGHT = "#1d2328"

# Technologies are categories, not states: muted hues that never collide with the state colours.
TECHNOLOGY_COLOURS: dict[Technology, str] = {
    Technology.SOLAR_PV: "#b59a3c",
    Technology.BATTERY: "#6f5fa8",
    Technology.EV_CHARGER: "#3d8c8c",
    Technology.FLEXIBLE_LOAD: "#8c6a4f",
    Technology.WIND: "#5b7fa3",
    Technology.GAS_CHP: "#7a7a7a",
    Technology.HYDRO: "#4f7f6a",
}


def severity_colour(severity: Severity | None) -> str:
    return NEUTRAL if severity is None else SEVERITY_COLOURS[severity]


def severity_class(severity: str | None) -> str:
    """The theme's badge class for a severity (state-alarm, ... in assets/theme); state-neutral otherwise."""
    return f"state-{severity}" if severity in set(Severity) else "state-neutral"
