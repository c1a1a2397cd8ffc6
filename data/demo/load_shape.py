r"""A compact typical Ontario demand shape, derived once from real IESO hourly data.

Build (once, the result is committed as ``ontario_load_shape.json`` next to this file)::

    python -m data.demo.load_shape /work/shared/samples/ieso/ontario-demand-hourly-2017-2022.csv

The input is the IESO ``PUB_Demand_<year>.csv`` format (``Date,Hour,Market Demand,Ontario Demand``, ``Hour``
hour-ending 1..24 in EST; lines starting with ``\`` are preamble and skipped). The output holds:

* mean Ontario Demand and mean Market Demand (MW) by month (1-12) x day type x hour-ending (1-24). Day type
  is ``weekday`` (Mon-Fri) or ``weekend`` (Sat, Sun and Ontario statutory holidays from the ``holidays``
  package), by the EST date of the row;
* the noise around those means: ``daily_sigma`` (spread of a day's mean around the typical day: weather) and
  ``hourly_sigma`` (what is left hour by hour once the day's level is known), both as fractions;
* fixed typical zonal fractions of Ontario demand (``ZONE_FRACTIONS``), documented below.

The simulator reads the JSON at run time (``load_shape()``), never the raw CSV.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import holidays

__all__ = [
    "DAY_TYPES",
    "DEFAULT_JSON",
    "ZONE_FRACTIONS",
    "LoadShape",
    "build_shape",
    "day_type",
    "load_shape",
    "main",
    "write_shape",
]

DEFAULT_JSON = Path(__file__).resolve().parent / "ontario_load_shape.json"
DAY_TYPES = ("weekday", "weekend")

# Typical share of Ontario demand per IESO zone (Title Case, as the IESO CSV reports spell them). Rounded
# from the real PUB_DemandZonal_2026 report, 2026-01-01 HE1 to 2026-01-09 HE15 (each zone's sum over the
# sum of "Zone Total"); fixed all year, which is good enough for a demo. They sum to 1.
ZONE_FRACTIONS: dict[str, float] = {
    "Northwest": 0.034,
    "Northeast": 0.083,
    "Ottawa": 0.064,
    "East": 0.073,
    "Toronto": 0.333,
    "Essa": 0.070,
    "Bruce": 0.006,
    "Southwest": 0.186,
    "Niagara": 0.033,
    "West": 0.118,
}
ZONE_FRACTIONS_SOURCE = "PUB_DemandZonal_2026, 2026-01-01 HE1 to 2026-01-09 HE15 (real IESO report)"


@cache
def _ontario_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Canada(subdiv="ON", years=year))


def day_type(day: date) -> str:
    """``weekend`` for Saturday, Sunday and Ontario statutory holidays (EST date), else ``weekday``."""
    if day.weekday() >= 5 or day in _ontario_holidays(day.year):
        return "weekend"
    return "weekday"


# --- building -----------------------------------------------------------------------------------------


def _rows(lines: Iterable[str]) -> Iterable[tuple[date, int, float, float]]:
    """(EST date, hour-ending, market demand, Ontario demand) of each data row; preamble/header skipped."""
    header: dict[str, int] | None = None
    for row in csv.reader(line for line in lines if line.strip() and not line.lstrip().startswith("\\")):
        if not row or not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = {name.strip().lower(): k for k, name in enumerate(row)}
            missing = {"date", "hour", "market demand", "ontario demand"} - header.keys()
            if missing:
                raise ValueError(f"not a demand CSV: missing column(s) {sorted(missing)}")
            continue
        market, ontario = row[header["market demand"]].strip(), row[header["ontario demand"]].strip()
        if not market or not ontario:
            continue  # a blank is no value
        yield (date.fromisoformat(row[header["date"]].strip()), int(row[header["hour"]]), float(market),
               float(ontario))


def _std(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def build_shape(csv_path: Path | str) -> dict[str, object]:
    """The shape as a JSON-ready dict, from a real hourly demand CSV (IESO Demand report format)."""
    rows = list(_rows(Path(csv_path).read_text(encoding="utf-8-sig").splitlines()))
    if not rows:
        raise ValueError(f"{csv_path}: no data rows")
    sums: dict[tuple[int, str, int], list[float]] = {}
    for day, hour, market, ontario in rows:
        cell = sums.setdefault((day.month, day_type(day), hour), [0.0, 0.0, 0.0])
        cell[0] += ontario
        cell[1] += market
        cell[2] += 1

    def grid(index: int) -> dict[str, list[list[int]]]:
        return {
            kind: [[round(sums[(m, kind, h)][index] / sums[(m, kind, h)][2]) for h in range(1, 25)]
                   for m in range(1, 13)]
            for kind in DAY_TYPES
        }

    ontario, market = grid(0), grid(1)
    # Noise: a day's level against its typical day (weather), then what is left hour by hour.
    by_day: dict[date, list[tuple[int, float]]] = {}
    for day, hour, _market, value in rows:
        by_day.setdefault(day, []).append((hour, value))
    daily: list[float] = []
    hourly: list[float] = []
    for day, values in by_day.items():
        typical = [ontario[day_type(day)][day.month - 1][hour - 1] for hour, _ in values]
        level = sum(v for _, v in values) / sum(typical)
        daily.append(level - 1.0)
        hourly.extend(v / (t * level) - 1.0 for (_, v), t in zip(values, typical, strict=True))
    all_means = [v for kind in DAY_TYPES for month in ontario[kind] for v in month]
    years = sorted({day.year for day, *_ in rows})
    return {
        "description": "Typical Ontario demand (MW): mean by month x day type x hour-ending (EST)",
        "source": f"IESO PUB_Demand hourly reports {years[0]}-{years[-1]} ({len(rows)} rows)",
        "hour": "hour-ending 1..24, EST (market time); months 1..12; weekend = Sat, Sun, Ontario holidays",
        "unit": "MW",
        "ontario_demand": ontario,
        "market_demand": market,
        "peak_mw": max(all_means),
        "min_mw": min(all_means),
        "noise": {"daily_sigma": round(_std(daily), 4), "hourly_sigma": round(_std(hourly), 4)},
        "zone_fractions": ZONE_FRACTIONS,
        "zone_fractions_source": ZONE_FRACTIONS_SOURCE,
    }


def _dump(value: object, indent: int = 0) -> str:
    """JSON with one line per list of numbers: small and readable in a diff."""
    pad = "  " * indent
    if isinstance(value, dict):
        items = [f'{pad}  {json.dumps(k)}: {_dump(v, indent + 1).lstrip()}' for k, v in value.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and isinstance(value[0], list):
        items = [_dump(v, indent + 1) for v in value]
        return pad + "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return pad + json.dumps(value, separators=(", ", ": "))


def write_shape(shape: dict[str, object], path: Path | str = DEFAULT_JSON) -> Path:
    target = Path(path)
    target.write_text(_dump(shape) + "\n", encoding="utf-8")
    return target


# --- reading --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadShape:
    """The typical shape read back: mean MW per (month, day type, hour-ending)."""

    ontario: dict[str, tuple[tuple[float, ...], ...]]
    market: dict[str, tuple[tuple[float, ...], ...]]
    peak_mw: float
    min_mw: float
    daily_sigma: float
    hourly_sigma: float
    zone_fractions: dict[str, float]

    def ontario_mw(self, month: int, kind: str, hour_ending: int) -> float:
        return self.ontario[kind][month - 1][hour_ending - 1]

    def market_mw(self, month: int, kind: str, hour_ending: int) -> float:
        return self.market[kind][month - 1][hour_ending - 1]

    def ontario_at(self, day: date, hours_into_day: float) -> float:
        """Typical Ontario demand at a time of the EST day (hours since 00:00 EST, 0..24), smoothly.

        Hour-ending means are placed at the middle of their hour and interpolated linearly, across midnight
        into the neighbouring day, so a 5-minute series has no steps at the hour.
        """
        return self._at(self.ontario, day, hours_into_day)

    def market_at(self, day: date, hours_into_day: float) -> float:
        """Typical Market Demand (Ontario demand plus exports), interpolated like ``ontario_at``."""
        return self._at(self.market, day, hours_into_day)

    def normalised_at(self, day: date, hours_into_day: float) -> float:
        """``ontario_at`` over the highest mean of the year (about 0.55-1.0)."""
        return self.ontario_at(day, hours_into_day) / self.peak_mw

    @staticmethod
    def _at(table: dict[str, tuple[tuple[float, ...], ...]], day: date, hours_into_day: float) -> float:
        position = hours_into_day - 0.5  # HE1's mean sits at 00:30
        base = math.floor(position)
        weight = position - base
        return (1 - weight) * _hourly(table, day, base) + weight * _hourly(table, day, base + 1)


def _hourly(table: dict[str, tuple[tuple[float, ...], ...]], day: date, index: int) -> float:
    """Mean of hour index 0..23 of ``day`` (HE index+1); -1 and 24 reach into the day before/after."""
    if index < 0:
        day, index = date.fromordinal(day.toordinal() - 1), index + 24
    elif index > 23:
        day, index = date.fromordinal(day.toordinal() + 1), index - 24
    return table[day_type(day)][day.month - 1][index]


def _table(raw: object) -> dict[str, tuple[tuple[float, ...], ...]]:
    if not isinstance(raw, dict) or set(raw) != set(DAY_TYPES):
        raise ValueError(f"a demand table must have keys {DAY_TYPES}")
    table = {kind: tuple(tuple(float(v) for v in month) for month in raw[kind]) for kind in DAY_TYPES}
    if any(len(months) != 12 or any(len(hours) != 24 for hours in months) for months in table.values()):
        raise ValueError("a demand table must be 12 months x 24 hours")
    return table


@cache
def load_shape(path: Path | str = DEFAULT_JSON) -> LoadShape:
    """The committed shape (cached: it never changes while the process runs)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    noise = data["noise"]
    fractions = {str(k): float(v) for k, v in data["zone_fractions"].items()}
    return LoadShape(
        ontario=_table(data["ontario_demand"]),
        market=_table(data["market_demand"]),
        peak_mw=float(data["peak_mw"]),
        min_mw=float(data["min_mw"]),
        daily_sigma=float(noise["daily_sigma"]),
        hourly_sigma=float(noise["hourly_sigma"]),
        zone_fractions=fractions,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.demo.load_shape", description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path, help="real hourly demand CSV (IESO Demand report format)")
    parser.add_argument("--out", type=Path, default=DEFAULT_JSON, help=f"default: {DEFAULT_JSON.name}")
    args = parser.parse_args(argv)
    shape = build_shape(args.csv)
    target = write_shape(shape, args.out)
    noise = shape["noise"]
    print(f"{target}: {target.stat().st_size:,} bytes; {shape['source']}; noise {noise}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
