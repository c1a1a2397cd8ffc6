"""The typical Ontario demand shape: built from real hourly data, committed as compact JSON, read at run time."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from data.demo.load_shape import DEFAULT_JSON, ZONE_FRACTIONS, build_shape, day_type, load_shape, main

REAL_CSV = Path(__file__).resolve().parents[3] / "shared" / "samples" / "ieso" / "ontario-demand-hourly-2017-2022.csv"


def _synthetic_csv(path: Path) -> Path:
    """A whole year in the live report's format (backslash preamble): demand = 10,000 + 100 x hour + month."""
    lines = ["\\\\Hourly Demand Report,,,", "\\\\Created at 2022-01-31 07:30:15,,,", "\\\\For 2021,,,",
             "Date,Hour,Market Demand,Ontario Demand"]
    day = date(2021, 1, 1)
    while day.year == 2021:
        for hour in range(1, 25):
            ontario = 10_000 + 100 * hour + day.month + (500 if day_type(day) == "weekday" else 0)
            lines.append(f"{day.isoformat()},{hour},{ontario + 2000},{ontario}")
        day += timedelta(days=1)
    path.write_text("\r\n".join(lines))  # CRLF and no final newline: both occur in real copies
    return path


def test_build_averages_by_month_day_type_and_hour(tmp_path: Path):
    shape = build_shape(_synthetic_csv(tmp_path / "demand.csv"))
    ontario, market = shape["ontario_demand"], shape["market_demand"]
    assert ontario["weekday"][6][16] == 10_000 + 1700 + 7 + 500  # July, HE17
    assert ontario["weekend"][0][0] == 10_000 + 100 + 1
    assert market["weekday"][6][16] == ontario["weekday"][6][16] + 2000
    assert shape["noise"] == {"daily_sigma": 0.0, "hourly_sigma": 0.0}
    assert shape["zone_fractions"] == ZONE_FRACTIONS


def test_the_cli_writes_a_small_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "shape.json"
    assert main([str(_synthetic_csv(tmp_path / "d.csv")), "--out", str(out)]) == 0
    assert out.stat().st_size < 20_000
    assert load_shape(out).ontario_mw(7, "weekday", 17) == 10_000 + 1700 + 7 + 500
    assert "bytes" in capsys.readouterr().out


def test_holidays_count_as_weekend_days():
    assert day_type(date(2026, 7, 1)) == "weekend"  # Canada Day, a Wednesday
    assert day_type(date(2026, 7, 2)) == "weekday"
    assert day_type(date(2026, 7, 4)) == "weekend"


def test_the_committed_shape_is_plausible():
    shape = load_shape()
    assert DEFAULT_JSON.stat().st_size < 20_000
    assert 18_000 < shape.peak_mw < 23_000 and 10_000 < shape.min_mw < 13_000
    assert 0.02 < shape.daily_sigma < 0.15 and 0.005 < shape.hourly_sigma < 0.08
    assert sum(shape.zone_fractions.values()) == pytest.approx(1.0, abs=0.002)
    assert shape.zone_fractions["Toronto"] == pytest.approx(0.33, abs=0.02)
    assert shape.zone_fractions["Northwest"] == pytest.approx(0.03, abs=0.01)
    # Summer weekday afternoons above summer nights; weekdays above weekends; winter evening peaks.
    assert shape.ontario_mw(7, "weekday", 17) > 1.3 * shape.ontario_mw(7, "weekday", 4)
    assert shape.ontario_mw(7, "weekday", 17) > shape.ontario_mw(7, "weekend", 17)
    assert max(range(1, 25), key=lambda h: shape.ontario_mw(1, "weekday", h)) in (17, 18, 19)
    for month in range(1, 13):
        for kind in ("weekday", "weekend"):
            assert all(shape.min_mw <= shape.ontario_mw(month, kind, h) <= shape.peak_mw for h in range(1, 25))
            assert all(shape.market_mw(month, kind, h) > shape.ontario_mw(month, kind, h) for h in range(1, 25))


def test_interpolation_is_smooth_across_hours_and_midnight():
    shape = load_shape()
    day = date(2026, 1, 14)
    values = [shape.ontario_at(day, k / 12) for k in range(24 * 12)]
    values.append(shape.ontario_at(day + timedelta(days=1), 0.0))
    assert max(abs(a - b) for a, b in zip(values, values[1:], strict=False)) < 150
    assert shape.ontario_at(day, 16.5) == pytest.approx(shape.ontario_mw(1, "weekday", 17))


@pytest.mark.skipif(not REAL_CSV.exists(), reason="needs ../shared/samples (the real 2017-2022 data)")
def test_the_committed_json_is_what_the_build_gives():
    rebuilt = build_shape(REAL_CSV)
    committed = json.loads(DEFAULT_JSON.read_text())
    assert rebuilt == committed
