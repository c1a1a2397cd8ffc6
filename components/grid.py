"""The standard data grid (dash-ag-grid): sortable, filterable, CSV export, themed."""
from __future__ import annotations

from typing import Any

import dash_ag_grid as dag

# AG Grid's row class rules for the one severity scale (colours live in the theme CSS).
STATE_CELL_RULES = {
    "state-cell-alarm": "['error', 'stale', 'never', 'alarm'].includes(params.value)",
    "state-cell-action": "['late', 'action'].includes(params.value)",
    "state-cell-compliant": "['ok', 'compliant'].includes(params.value)",
}


def data_grid(grid_id: str, columns: list[dict[str, Any]], rows: list[dict[str, Any]] | None = None,
              height: str = "420px", row_id: str | None = None, **options: Any) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows or [],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": False},
        dashGridOptions={"animateRows": False, "suppressCellFocus": True, "rowSelection": {"mode": "singleRow"}
                         if row_id else None, "overlayNoRowsTemplate": "Nothing to show", **options},
        getRowId=f"params.data.{row_id}" if row_id else None,
        columnSize="responsiveSizeToFit",
        csvExportParams={"fileName": f"{grid_id}.csv"},
        className="ag-theme-quartz td-grid",
        style={"height": height, "width": "100%"},
    )
