"""The connection-point and feeder tables: AG Grid columns and the rows they show.

Numbers stay numbers in the row data (so columns sort and filter as numbers); formatting happens in the grid.
State colour always comes with text: the loading cell says "alarm" / "warning" / "reverse", the flow cell says
"Reverse flow".
"""
from __future__ import annotations

from typing import Any

from data.domain.enums import Severity, Technology
from data.queries.connection_points import ConnectionPointRow, CpFeeder

# dash-ag-grid {"function": ...} forms (never AG Grid string expressions).
_MW = {"function": "params.value == null ? '—' : d3.format(',.1f')(params.value)"}
_MW2 = {"function": "params.value == null ? '—' : d3.format(',.2f')(params.value)"}  # DER-sized figures
_LOADING = {"function": "params.value == null ? '—' : "
                        "Math.round(params.value) + ' %' + (params.data.loading_text ? ' · ' "
                        "+ params.data.loading_text : '')"}
_LOADING_RULES = {
    "state-cell-alarm": {"function": "params.data.loading_state === 'alarm'"},
    "state-cell-action": {"function": "params.data.loading_state === 'action'"},
}
# Reverse flow is information (blue), not an alarm: a CSS variable of the theme, with the words beside it.
_INFORMATION_STYLE = {"function": "params.data.reverse_flow === true ? "
                                  "{color: 'var(--sev-information)', fontWeight: 600} : null"}
_LOADING_STYLE = {"function": "params.data.loading_state === 'information' ? "
                              "{color: 'var(--sev-information)', fontWeight: 600} : null"}
_STATE_WORDS = {Severity.ALARM: "alarm", Severity.ACTION: "warning", Severity.INFORMATION: "reverse"}


def _num(field: str, header: str, tooltip: str | None = None, fine: bool = False, **extra: Any) -> dict[str, Any]:
    col = {"field": field, "headerName": header, "type": "numericColumn", "valueFormatter": _MW2 if fine else _MW,
           "filter": "agNumberColumnFilter", "minWidth": 125 if fine else 105, "wrapHeaderText": True,
           "autoHeaderHeight": True, **extra}
    if tooltip:
        col["headerTooltip"] = tooltip
    return col


def point_columns(load_visible: bool) -> list[dict[str, Any]]:
    """The CP grid; without station load (an aggregator) the load, net, flow and loading columns are left out."""
    load = [
        _num("gross_load_mw", "Load MW", "Demand behind the TS: measured net load + DER output (MW)"),
        _num("net_load_mw", "Net MW", "Net load seen by the transmission system: the TS load as measured, "
                                      "already net of DER output (MW); negative = reverse flow"),
        {"field": "flow", "headerName": "Flow", "minWidth": 150, "cellStyle": _INFORMATION_STYLE},
    ] if load_visible else []
    loading = [{"field": "loading_pct", "headerName": "Loading", "type": "numericColumn", "minWidth": 140,
                "valueFormatter": _LOADING, "cellClassRules": _LOADING_RULES, "cellStyle": _LOADING_STYLE,
                "filter": "agNumberColumnFilter",
                "headerTooltip": "Net load against the station rating; warning from 80 %, alarm from 100 %"}
               ] if load_visible else []
    output_tip = ("DER output below the TS now: ADMS figures counted once at the highest level reported, "
                  "telemetry where ADMS is silent" if load_visible else "Your DERs' output now (telemetry)")
    return [
        {"field": "zone", "headerName": "Zone", "minWidth": 105, "maxWidth": 130},
        {"field": "name", "headerName": "Connection point", "minWidth": 170, "tooltipField": "code"},
        _num("rated_mw", "Rated MW"),
        *load[:1],
        _num("der_output_mw", "DER output MW", output_tip, fine=True),
        *load[1:],
        *loading,
        _num("export_today_mw", "Approved export today MW",
             "Largest hourly sum of approved DER export limits, current trade day (EST)", fine=True),
        _num("export_tomorrow_mw", "Approved export tomorrow MW",
             "Largest hourly sum of approved DER export limits, next trade day (EST)", fine=True),
        _num("capacity_mw", "DER capacity MW", "Connected DERs (active or inactive)", fine=True),
        {"field": "der_count", "headerName": "DERs", "type": "numericColumn", "filter": "agNumberColumnFilter",
         "minWidth": 95, "maxWidth": 110},
        {"field": "top_technologies", "headerName": "Top technologies", "minWidth": 220,
         "tooltipField": "top_technologies"},
    ]


def _tech(value: str) -> str:
    try:
        return Technology(value).label
    except ValueError:
        return value


def _mw(kw: float) -> str:
    return f"{kw / 1000:,.1f} MW" if kw >= 100 else f"{kw:,.0f} kW"


def _flow(row: ConnectionPointRow) -> str:
    if row.reverse_flow is None:
        return "—"
    return "⇅ Reverse flow" if row.reverse_flow else "Forward"


def point_rows(rows: list[ConnectionPointRow]) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "code": r.code, "zone": r.zone, "name": r.name, "rated_mw": r.rated_mw,
         "gross_load_mw": r.gross_load_mw, "der_output_mw": r.der_output_mw, "net_load_mw": r.net_load_mw,
         "reverse_flow": r.reverse_flow, "flow": _flow(r), "loading_pct": r.loading_pct,
         "loading_state": r.loading_state.value if r.loading_state else None,
         "loading_text": _STATE_WORDS.get(r.loading_state, "normal" if r.loading_pct is not None else ""),
         "export_today_mw": r.export_limit_mw, "export_tomorrow_mw": r.next_export_limit_mw,
         "capacity_mw": r.der_capacity_kw / 1000, "der_count": r.der_count,
         "top_technologies": ", ".join(f"{_tech(t.technology)} {_mw(t.capacity_kw)}" for t in r.technologies[:3])}
        for r in rows
    ]


def feeder_columns(load_visible: bool) -> list[dict[str, Any]]:
    load = [_num("load_mw", "Load MW", "Latest feeder head load from the LDC ADMS (net of DER output)"),
            {"field": "loading_pct", "headerName": "Loading", "type": "numericColumn", "minWidth": 130,
             "valueFormatter": _LOADING, "cellClassRules": _LOADING_RULES, "cellStyle": _LOADING_STYLE}
            ] if load_visible else []
    return [
        {"field": "code", "headerName": "Feeder", "minWidth": 130},
        {"field": "station", "headerName": "Station", "minWidth": 110},
        {"field": "ldc", "headerName": "LDC", "minWidth": 170},
        _num("rated_mw", "Rated MW"),
        *load[:1],
        _num("der_output_mw", "DER output MW", fine=True),
        *load[1:],
        {"field": "der_count", "headerName": "DERs", "type": "numericColumn", "minWidth": 80},
        _num("capacity_mw", "DER capacity MW", fine=True),
    ]


def feeder_rows(feeders: tuple[CpFeeder, ...]) -> list[dict[str, Any]]:
    return [
        {"id": f.id, "code": f.code, "station": f.station, "ldc": f.ldc, "rated_mw": f.rated_mw,
         "load_mw": f.load_mw, "der_output_mw": f.der_output_mw, "loading_pct": f.loading_pct,
         "loading_state": f.loading_state.value if f.loading_state else None,
         "loading_text": _STATE_WORDS.get(f.loading_state, "normal" if f.loading_pct is not None else ""),
         "reverse_flow": f.load_mw is not None and f.load_mw < 0,
         "der_count": f.der_count, "capacity_mw": f.der_capacity_kw / 1000}
        for f in feeders
    ]
