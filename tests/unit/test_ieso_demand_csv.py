"""IESO demand CSV reports: the 2024 hourly demand and 2026 zonal demand samples, our 5-minute zonal fixture."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest

from data.domain.market_time import interval_start_utc
from data.pollers.parsers import ParsedReport, parse_demand_csv, parse_report
from data.pollers.parsers.records import ONTARIO_ZONES
from tests.unit.ieso_samples import DEMAND_2024, RT_ZONAL_DEMAND, ZONAL_2026, csv_rows, read, series
from tests.unit.market_dates import utc

# --- real samples -------------------------------------------------------------------------------


class TestDemand2024:
    @pytest.fixture(scope="class")
    def parsed(self) -> ParsedReport:
        return parse_report(DEMAND_2024, read(DEMAND_2024))

    def test_counts_and_metadata(self, parsed: ParsedReport) -> None:
        assert parsed.report == "Demand"
        assert parsed.warnings == []
        assert len(parsed.observations) == 8_784 * 2
        assert Counter(o.quantity for o in parsed.observations) == {
            "MARKET DEMAND": 8_784,
            "ONTARIO DEMAND": 8_784,
        }
        assert {(o.zone, o.resolution_s, o.unit) for o in parsed.observations} == {(None, 3600, "MW")}
        # "\\Created at 2025-01-31 07:30:15" is EST -> 12:30:15 UTC
        assert parsed.created_at_utc == utc(2025, 1, 31, 12, 30, 15)

    def test_known_values_match_the_file(self, parsed: ParsedReport) -> None:
        rows = csv_rows(DEMAND_2024)
        header, data = rows[0], rows[1:]
        assert header == ["Date", "Hour", "Market Demand", "Ontario Demand"]
        assert len(data) == 8_784
        market = series(parsed, "MARKET DEMAND")
        ontario = series(parsed, "ONTARIO DEMAND")
        for row in (data[0], data[1659], data[4321], data[-1]):
            start = interval_start_utc(date.fromisoformat(row[0]), int(row[1]))
            assert market[start] == float(row[2])
            assert ontario[start] == float(row[3])
        assert ontario[utc(2024, 1, 1, 5)] == 14482.0  # 2024-01-01 HE1 (00:00-01:00 EST)

    def test_whole_year_is_a_gapless_hourly_grid(self, parsed: ParsedReport) -> None:
        starts = sorted(series(parsed, "ONTARIO DEMAND"))
        assert starts[0] == utc(2024, 1, 1, 5)  # 2024-01-01 00:00 EST
        assert starts[-1] == utc(2025, 1, 1, 4)  # 2024-12-31 HE24 starts 23:00 EST
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))

    @pytest.mark.parametrize("day", ["2024-03-10", "2024-11-03"])
    def test_dst_change_days_have_24_distinct_hours(self, parsed: ParsedReport, day: str) -> None:
        data = csv_rows(DEMAND_2024)[1:]
        positions = [k for k, r in enumerate(data) if r[0] == day]
        assert [int(data[k][1]) for k in positions] == list(range(1, 25))
        # the parser emits one observation per value column, in file order: Market, Ontario
        ontario = [parsed.observations[2 * k + 1] for k in positions]
        assert {o.quantity for o in ontario} == {"ONTARIO DEMAND"}
        assert [o.value for o in ontario] == [float(data[k][3]) for k in positions]
        starts = [o.ts_utc for o in ontario]
        d = date.fromisoformat(day)
        # EST all year: HE1 starts 05:00 UTC, HE24 starts 04:00 UTC the next day, whatever Toronto's clocks do
        assert len(set(starts)) == 24
        assert starts[0] == utc(d.year, d.month, d.day, 5)
        assert starts[-1] == utc(d.year, d.month, d.day, 4) + timedelta(days=1)
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))

    def test_hour_ending_24_is_the_last_hour_of_the_est_day(self, parsed: ParsedReport) -> None:
        market = series(parsed, "MARKET DEMAND")
        assert market[utc(2025, 1, 1, 4)] == 17247.0  # 2024-12-31,24,17247,14350
        assert market[utc(2024, 7, 1, 4)] is not None  # 2024-06-30 HE24, summer: still 04:00 UTC


class TestDemandZonal2026:
    def test_zonal_sample(self) -> None:
        parsed = parse_report(ZONAL_2026, read(ZONAL_2026))
        rows = csv_rows(ZONAL_2026)
        header, data = rows[0], rows[1:]
        assert parsed.report == "DemandZonal"
        assert parsed.warnings == []
        assert len(data) == 8 * 24 + 15
        assert len(parsed.observations) == len(data) * 13  # Ontario Demand, 10 zones, Zone Total, Diff
        assert {o.zone for o in parsed.observations if o.quantity == "ZONAL DEMAND"} == set(ONTARIO_ZONES)
        assert parsed.created_at_utc == utc(2026, 4, 5, 13, 0, 17)
        for row in (data[0], data[100], data[-1]):
            start = interval_start_utc(date.fromisoformat(row[0]), int(row[1]))
            values = dict(zip(header, row, strict=True))
            assert series(parsed, "ONTARIO DEMAND")[start] == float(values["Ontario Demand"])
            assert series(parsed, "ZONAL DEMAND", "Toronto")[start] == float(values["Toronto"])
            assert series(parsed, "ZONE TOTAL")[start] == float(values["Zone Total"])
            assert series(parsed, "ZONE DIFF")[start] == float(values["Diff"])
        last = interval_start_utc(date(2026, 1, 9), 15)
        assert series(parsed, "ZONE DIFF")[last] == -35.0  # Diff can be negative; never checked for equality


# --- our fixtures ---------------------------------------------------------------------------------


class TestRealtimeDemandZonal:
    def test_fixture(self) -> None:
        parsed = parse_report(RT_ZONAL_DEMAND, read(RT_ZONAL_DEMAND))
        assert parsed.report == "RealtimeDemandZonal"
        assert len(parsed.observations) == 17 * 13
        assert {o.resolution_s for o in parsed.observations} == {300}
        ontario = series(parsed, "ONTARIO DEMAND")
        # 2026-03-08 is the spring-forward day in Toronto; market time does not care
        assert min(ontario) == utc(2026, 3, 8, 5, 0)
        assert max(ontario) == interval_start_utc(date(2026, 3, 8), 2, 5) == utc(2026, 3, 8, 6, 20)
        last = utc(2026, 3, 8, 6, 20)
        assert series(parsed, "ZONAL DEMAND", "Bruce")[last] is None  # blank, not zero
        assert series(parsed, "ZONE TOTAL")[last] is None
        assert series(parsed, "ZONAL DEMAND", "Toronto")[last] == 5279.1
        assert parsed.created_at_utc == utc(2026, 3, 8, 6, 27, 41)

    def test_columns_are_matched_by_name_case_insensitively_in_any_order(self) -> None:
        content = (
            b"\\Realtime Zonal Demand Report,,,\n"
            b"HOUR , interval,DATE,TORONTO,ontario  demand,  East\n"
            b"24,12,2026-11-01,5000.5,15000,1000"
        )
        parsed = parse_demand_csv(content, "lower.csv")
        assert parsed.report == "RealtimeDemandZonal"
        start = utc(2026, 11, 2, 4, 55)  # HE24 interval 12 of 2026-11-01 starts 23:55 EST
        assert series(parsed, "ZONAL DEMAND", "Toronto") == {start: 5000.5}
        assert series(parsed, "ONTARIO DEMAND") == {start: 15000.0}
        assert any("zone column(s) absent" in w for w in parsed.warnings)
