"""IESO report parsers tolerate what real files do (blanks, preamble variants, wrong names) and share one vocabulary."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from data.pollers.parsers import parse_demand_csv, parse_realtime_totals, parse_report
from data.pollers.parsers.records import Observation, canonical_zone, parse_number
from tests.unit.ieso_samples import DA_PRICE, DEMAND_2024, FIXTURES, RT_TOTALS, read, series
from tests.unit.market_dates import utc

SHARED_DEMAND = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "samples"
    / "ieso"
    / "ontario-demand-hourly-2017-2022.csv"
)



class TestTolerance:
    def test_blanks_are_none_never_zero(self) -> None:
        content = (
            b"\\\\Hourly Demand Report,,,\n\\\\Created at 2025-01-31 07:30:15,,,\n\\\\For 2024,,,\n"
            b"Date,Hour,Market Demand,Ontario Demand\n"
            b"2024-01-01,1,17091,\n"
            b"2024-01-01,2, ,N/A\n"
            b'2024-01-01,3,"16,233",13722'
        )
        parsed = parse_demand_csv(content, "blanks.csv")
        ontario = series(parsed, "ONTARIO DEMAND")
        assert ontario[utc(2024, 1, 1, 5)] is None
        assert ontario[utc(2024, 1, 1, 6)] is None
        assert series(parsed, "MARKET DEMAND")[utc(2024, 1, 1, 6)] is None
        assert series(parsed, "MARKET DEMAND")[utc(2024, 1, 1, 7)] == 16233.0
        assert ontario[utc(2024, 1, 1, 7)] == 13722.0

    def test_preamble_variants_and_line_endings(self) -> None:
        content = (
            "\ufeff\\Demand Report (revised),,,\r\n\\CREATED AT 2025/02/01 07:31:00,,,\r\n\r\n"
            "Date,Hour,Market Demand,Ontario Demand,Comment\r\n2025-01-31,24,17000,15000,\r\n,,,,\r\n"
        ).encode()
        parsed = parse_report("PUB_Demand.csv", content)
        assert parsed.created_at_utc == utc(2025, 2, 1, 12, 31)
        assert series(parsed, "ONTARIO DEMAND") == {utc(2025, 2, 1, 4): 15000.0}
        assert any("unknown column 'comment' ignored" in w for w in parsed.warnings)

    def test_preambleless_excerpt(self) -> None:
        name = "ontario-demand-hourly-2017-excerpt.csv"
        parsed = parse_report(name, read(name))
        assert parsed.report == "Demand"
        assert parsed.created_at_utc is None
        assert len(parsed.observations) == 29 * 2
        assert series(parsed, "ONTARIO DEMAND")[utc(2017, 1, 1, 5)] == 13522.0

    @pytest.mark.skipif(not SHARED_DEMAND.exists(), reason="needs ../shared/samples")
    def test_full_2017_2022_file(self) -> None:
        parsed = parse_demand_csv(SHARED_DEMAND.read_bytes(), SHARED_DEMAND.name)
        assert parsed.warnings == []
        starts = sorted(series(parsed, "ONTARIO DEMAND"))
        assert len(starts) == 52_584
        assert starts[0] == utc(2017, 1, 1, 5) and starts[-1] == utc(2023, 1, 1, 4)
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))

    def test_duplicate_rows_are_warned(self) -> None:
        content = b"Date,Hour,Market Demand,Ontario Demand\n2024-01-01,1,1,1\n2024-01-01,1,2,2\n"
        parsed = parse_demand_csv(content, "dup.csv")
        assert any("line 3: repeats the interval of line 2" in w for w in parsed.warnings)

    def test_content_doc_id_wins_over_a_wrong_file_name(self) -> None:
        parsed = parse_report("PUB_RealtimeTotals_2026052800.xml", read(DA_PRICE))
        assert parsed.report == "DAHourlyOntarioZonalPrice"
        assert any("file name says RealtimeTotals" in w for w in parsed.warnings)

    def test_url_names_and_title_only_documents(self) -> None:
        url = "https://reports-public.ieso.ca/public/RealtimeTotals/PUB_RealtimeTotals.xml"
        assert parse_report(url, read(RT_TOTALS)).report == "RealtimeTotals"
        no_id = read(DA_PRICE).replace(b' docID="DAHourlyOntarioZonalPrice"', b"")
        no_id = re.sub(rb' xsi:schemaLocation="[^"]*"', b"", no_id)
        assert parse_report("download.xml", no_id).report == "DAHourlyOntarioZonalPrice"  # by DocTitle

    def test_bad_created_at_is_only_a_warning(self) -> None:
        content = read(RT_TOTALS).replace(b"2026-09-28T07:52:30", b"soon")
        parsed = parse_realtime_totals(content, RT_TOTALS)
        assert parsed.created_at_utc is None
        assert any("<CreatedAt> ignored" in w for w in parsed.warnings)
        assert len(parsed.observations) == 96


# --- vocabulary -----------------------------------------------------------------------------------


def test_zone_names_are_canonical() -> None:
    assert canonical_zone("NORTHEAST") == "Northeast"
    assert canonical_zone("EAST:HUB") == "East"
    assert canonical_zone("OntarioTotal") is None
    assert canonical_zone(" south west ") == "Southwest"
    assert canonical_zone("MICHIGAN") == "MICHIGAN"


def test_numbers() -> None:
    assert parse_number(" 17,091 ") == 17091.0
    assert parse_number("") is None
    assert parse_number("-0.26") == -0.26
    for bad in ("1,2", "inf", "1e"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_observation_requires_utc() -> None:
    with pytest.raises(ValueError):
        Observation("X", None, datetime(2024, 1, 1), 3600, 1.0, "MW")


def test_every_fixture_parses_and_all_times_are_utc() -> None:
    seen = defaultdict(int)
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in {".csv", ".xml", ".json"}:
            continue
        parsed = parse_report(path.name, path.read_bytes())
        seen[parsed.report] += 1
        for obs in parsed.observations:
            assert obs.ts_utc.utcoffset() == timedelta(0)
            assert obs.value is None or isinstance(obs.value, float)
    assert set(seen) >= {
        "Demand",
        "DemandZonal",
        "RealtimeDemandZonal",
        "RealtimeTotals",
        "VGForecastSummary",
        "DAHourlyOntarioZonalPrice",
        "RealtimeZonalEnergyPrices",
        "TxOutagesTodayAll",
        "TxOutages1to30DaysPlanned",
        "DispatchInstructions",
    }


def test_csv_module_sanity_of_the_sample_preamble() -> None:
    """The real preamble lines start with two backslashes and carry the creation time."""
    head = io.StringIO(read(DEMAND_2024).decode()).readlines()[:4]
    assert head[0].startswith("\\\\") and "Created at" in head[1]
    assert head[3].strip() == "Date,Hour,Market Demand,Ontario Demand"
