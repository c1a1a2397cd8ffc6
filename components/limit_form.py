"""The limit request form (aggregators and DER owners): its layout, and reading its values into hourly limits.

Reading is defensive: any type or size may arrive from the browser; every problem becomes a sentence of an
`InvalidLimitRequest`, listed row by row, and nothing reaches the service until the values are clean.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.grid import data_grid
from components.ids import Limits
from data.domain.enums import LimitType
from data.domain.limits.values import HourlyLimit
from data.domain.market_time import format_market
from data.services.limits import InvalidLimitRequest

HOURS = range(1, 25)
TYPE_OPTIONS = [{"label": "Peak (one pair over the hours)", "value": LimitType.PEAK.value},
                {"label": "Dynamic (hourly curve)", "value": LimitType.DYNAMIC.value}]
_FIXED = {"sortable": False, "filter": False, "flex": 1}
CURVE_COLUMNS = [
    {"field": "hour_ending", "headerName": "HE (EST)", "editable": False, **_FIXED},
    {"field": "export_kw", "headerName": "Max export kW", "editable": True, "type": "numericColumn", **_FIXED},
    {"field": "import_kw", "headerName": "Max import kW", "editable": True, "type": "numericColumn", **_FIXED},
]


# --- reading the form's values (never trust their type or size) ---------------------------------------------


def _kw(value: Any, label: str, problems: list[str]) -> float | None:
    """A kW figure from the browser: None for blank; a problem sentence for anything but a finite number >= 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        problems.append(f"{label}: {value!r} is not a number of kW")
        return None
    try:
        number = float(value.strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        problems.append(f"{label}: {str(value)[:20]!r} is not a number of kW")
        return None
    if not math.isfinite(number) or number < 0:
        problems.append(f"{label}: enter a number of kW of 0 or more (got {str(value)[:20]})")
        return None
    return number


def _hour(value: Any, label: str, problems: list[str]) -> int | None:
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 24:
        problems.append(f"{label}: choose an hour-ending from 1 to 24")
        return None
    return int(text)


def peak_hours(he_from: Any, he_to: Any, export_kw: Any, import_kw: Any) -> list[HourlyLimit]:
    """A peak limit from the form: one export/import pair over HE from..to (EST)."""
    problems: list[str] = []
    first, last = _hour(he_from, "HE from", problems), _hour(he_to, "HE to", problems)
    export, imp = _kw(export_kw, "Export", problems), _kw(import_kw, "Import", problems)
    if first is not None and last is not None and first > last:
        problems.append(f"HE from ({first}) is after HE to ({last})")
    if not problems and export is None and imp is None:
        problems.append("Give an export limit, an import limit or both")
    if problems:
        raise InvalidLimitRequest(problems)
    assert first is not None and last is not None
    return [HourlyLimit(he, export, imp) for he in range(first, last + 1)]


def curve_hours(rows: Any) -> list[HourlyLimit]:
    """A dynamic limit from the 24-row table: rows with both values blank are left out, the others checked."""
    if not isinstance(rows, list):
        raise InvalidLimitRequest(["The hourly table did not arrive: reload the page"])
    problems: list[str] = []
    hours: list[HourlyLimit] = []
    seen: set[int] = set()
    for n, row in enumerate(rows[:48], 1):
        if not isinstance(row, Mapping):
            problems.append(f"Row {n}: not a table row")
            continue
        he = _hour(row.get("hour_ending"), f"Row {n}", problems)
        label = f"HE {he}" if he is not None else f"Row {n}"
        export = _kw(row.get("export_kw"), f"{label} export", problems)
        imp = _kw(row.get("import_kw"), f"{label} import", problems)
        if he is None or (export is None and imp is None):
            continue
        if he in seen:
            problems.append(f"{label} appears twice")
            continue
        seen.add(he)
        hours.append(HourlyLimit(he, export, imp))
    if not problems and not hours:
        problems.append("Fill in the export or import kW of at least one hour")
    if problems:
        raise InvalidLimitRequest(problems)
    return hours


def parse_target(value: Any) -> tuple[int | None, int | None]:
    """ "der:12" -> (12, None), "resource:3" -> (None, 3); anything else is refused with a message."""
    if isinstance(value, str) and value.count(":") == 1 and len(value) <= 30:
        kind, ident = value.split(":")
        if ident.isdigit() and len(ident) < 10:
            if kind == "der":
                return int(ident), None
            if kind == "resource":
                return None, int(ident)
    raise InvalidLimitRequest(["Choose a DER or resource from the list"])


def parse_trade_date(value: Any) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidLimitRequest(["Choose a trade date from the list"])


def read_hours(limit_type: Any, he_from: Any, he_to: Any, export_kw: Any, import_kw: Any, curve: Any
               ) -> tuple[LimitType, list[HourlyLimit]]:
    if limit_type == LimitType.PEAK:
        return LimitType.PEAK, peak_hours(he_from, he_to, export_kw, import_kw)
    if limit_type == LimitType.DYNAMIC:
        return LimitType.DYNAMIC, curve_hours(curve)
    raise InvalidLimitRequest(["Choose peak or dynamic"])


# --- layout -------------------------------------------------------------------------------------------------


def empty_curve() -> list[dict[str, Any]]:
    return [{"hour_ending": he, "export_kw": None, "import_kw": None} for he in HOURS]


def _curve_grid() -> Any:
    """Flex columns, no size-to-fit: the grid starts hidden (peak is the default), where fitting has no width."""
    grid = data_grid(Limits.CURVE_GRID, CURVE_COLUMNS, empty_curve(), height="330px", singleClickEdit=True,
                     stopEditingWhenCellsLoseFocus=True)
    grid.columnSize = None
    return grid


def _hour_select(component_id: str, value: int) -> dbc.Select:
    return dbc.Select(id=component_id, options=[{"label": f"HE {he}", "value": str(he)} for he in HOURS],
                      value=str(value), size="sm")


def _labelled(label: str, control: Any) -> html.Div:
    return html.Div([dbc.Label(label, className="small mb-0"), control], className="mb-2")


def request_form(trade_dates: list[tuple[date, datetime]]) -> html.Div:
    """The form: target (search by platform ID), trade date (those still open), peak pair or hourly curve."""
    dates = [{"label": f"{d:%a %Y-%m-%d} · cut-off {format_market(c)}", "value": d.isoformat()}
             for d, c in trade_dates]
    peak = html.Div(
        [dbc.Row([dbc.Col(_labelled("HE from", _hour_select(Limits.HE_FROM, 12))),
                  dbc.Col(_labelled("HE to", _hour_select(Limits.HE_TO, 18)))], className="g-2"),
         dbc.Row([dbc.Col(_labelled("Max export kW", dbc.Input(id=Limits.EXPORT_KW, type="text", size="sm",
                                                                inputMode="decimal", maxLength=20))),
                  dbc.Col(_labelled("Max import kW", dbc.Input(id=Limits.IMPORT_KW, type="text", size="sm",
                                                                inputMode="decimal", maxLength=20)))],
                 className="g-2")],
        id=Limits.PEAK_FIELDS,
    )
    curve = html.Div(
        [html.Div("Hourly maxima (blank: no limit in that hour)", className="small text-body-secondary mb-1"),
         _curve_grid()],
        id=Limits.CURVE_FIELDS, hidden=True,
    )
    return html.Div(
        [
            html.Div("Request a limit", className="panel-title mb-2"),
            _labelled("DER or resource (type a platform ID)",
                      dcc.Dropdown(id=Limits.TARGET, options=[], searchable=True, clearable=True,
                                   placeholder="ON-DER-…", className="small")),
            _labelled("Trade date", dbc.Select(id=Limits.TRADE_DATE, options=dates,
                                               value=dates[0]["value"] if dates else None, size="sm")),
            _labelled("Limit type", dbc.RadioItems(id=Limits.LIMIT_TYPE, options=TYPE_OPTIONS,
                                                   value=LimitType.PEAK.value, className="small")),
            peak,
            curve,
            dbc.Button([html.I(className="bi bi-send me-1"), "Submit request"], id=Limits.SUBMIT, size="sm",
                       color="primary", className="mt-1"),
            html.Div(id=Limits.FORM_MESSAGE, className="mt-2"),
        ],
        className="panel p-2 mb-2",
    )
