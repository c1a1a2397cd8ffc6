"""The standard data grid (dash-ag-grid): sortable, filterable, CSV export, themed."""
from __future__ import annotations

from typing import Any

import dash_ag_grid as dag

# AG Grid's row class rules for the one severity scale (colours live in the theme CSS).
# dash-ag-grid's {"function": ...} form: parsed by dash-ag-grid, not handed to AG Grid's string eval.
STATE_CELL_RULES = {
    "state-cell-alarm": {"function": "['error', 'stale', 'never', 'alarm'].includes(params.value)"},
    "state-cell-action": {"function": "['late', 'action'].includes(params.value)"},
    "state-cell-compliant": {"function": "['ok', 'compliant'].includes(params.value)"},
}


def data_grid(grid_id: str, columns: list[dict[str, Any]], rows: list[dict[str, Any]] | None = None,
              height: str = "420px", row_id: str | None = None, **options: Any) -> dag.AgGrid:
    grid_options: dict[str, Any] = {"animateRows": False, "suppressCellFocus": True, **options}
    if row_id:
        grid_options["rowSelection"] = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows or [],
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=grid_options,
        getRowId=f"params.data.{row_id}" if row_id else None,
        columnSize="responsiveSizeToFit",
        # the formula-injection guard of components/spreadsheet.py, in the browser (assets/js/grid-functions.js)
        csvExportParams={"fileName": f"{grid_id}.csv",
                         "processCellCallback": {"function": "safeCsvCell(params.value)"}},
        className="ag-theme-quartz td-grid",
        style={"height": height, "width": "100%"},
    )
