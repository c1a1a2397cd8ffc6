"""The IESO report fixtures and the readers the report-parser tests share.

Fixtures live in tests/fixtures/ieso/ (real files copied from ../shared/samples plus our own, see its
README). Expected values are read from the files independently of the parsers where possible.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from data.pollers.parsers import ParsedReport

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ieso"

DEMAND_2024 = "PUB_Demand_2024.csv"
ZONAL_2026 = "PUB_DemandZonal_2026_truncated_0101-0109HE15.csv"
RT_TOTALS = "PUB_RealtimeTotals_2026092808_v12.xml"
VG = "PUB_VGForecastSummary_20250228_reserialized.xml"
DA_PRICE = "PUB_DAHourlyOntarioZonalPrice_20260528.xml"
RT_ZONAL_DEMAND = "PUB_RealtimeDemandZonal.csv"
RT_PRICES = "PUB_RealtimeZonalEnergyPrices_2026060114.xml"
TX_TODAY = "PUB_TxOutagesTodayAll_20260601.xml"
TX_PLANNED = "PUB_TxOutages1to30DaysPlanned_20260601.xml"
IMO_TOTALS = "PUB_RealtimeTotals_2019061214_imo.xml"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def series(report: ParsedReport, quantity: str, zone: str | None = None) -> dict[datetime, float | None]:
    """{interval start: value} of one quantity/zone; asserts there are no duplicate intervals."""
    points = [o for o in report.observations if o.quantity == quantity and o.zone == zone]
    by_ts = {o.ts_utc: o.value for o in points}
    assert len(by_ts) == len(points), f"duplicate intervals for {quantity}/{zone}"
    return by_ts


def csv_rows(name: str) -> list[list[str]]:
    """The data rows of a real CSV fixture, read with the csv module only (no parser code)."""
    text = read(name).decode("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("\\")]
    return list(csv.reader(lines))
