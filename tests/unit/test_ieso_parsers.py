"""IESO report parsers: real sample files, both XML envelopes, DST days, blanks, and broken inputs.

Fixtures live in tests/fixtures/ieso/ (real files copied from ../shared/samples plus our own, see its
README). Expected values are read from the files independently of the parsers where possible.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from data.domain.market_time import interval_start_utc
from data.pollers.parsers import (
    ParsedReport,
    ReportFormatError,
    parse_da_zonal_price,
    parse_demand_csv,
    parse_dispatch,
    parse_realtime_totals,
    parse_realtime_zonal_prices,
    parse_report,
    parse_tx_outages,
    parse_vg_forecast,
)
from data.pollers.parsers.records import ONTARIO_ZONES, Observation, canonical_zone, parse_number
from data.pollers.parsers.xml_envelope import IESO_NAMESPACE, IMO_NAMESPACE, read_envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ieso"
SHARED_DEMAND = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "samples"
    / "ieso"
    / "ontario-demand-hourly-2017-2022.csv"
)

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

RT_QUANTITIES = {
    "TOTAL ENERGY",
    "TOTAL LOSS",
    "TOTAL LOAD",
    "TOTAL DISPATCH LOAD SCHEDULED OFF",
    "TOTAL 10S",
    "TOTAL 10N",
    "TOTAL 30R",
    "ONTARIO DEMAND",
}


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


class TestRealtimeTotals:
    def test_sample_has_12_intervals_of_8_quantities(self) -> None:
        parsed = parse_report(RT_TOTALS, read(RT_TOTALS))
        assert parsed.report == "RealtimeTotals"
        assert parsed.warnings == []
        assert len(parsed.observations) == 96
        assert {o.quantity for o in parsed.observations} == RT_QUANTITIES
        starts = sorted({o.ts_utc for o in parsed.observations})
        # 2026-09-28 HE8 = 07:00-08:00 EST = 12:00-13:00 UTC, 5-minute intervals
        assert starts == [utc(2026, 9, 28, 12, 5 * i) for i in range(12)]
        assert {o.resolution_s for o in parsed.observations} == {300}
        assert parsed.created_at_utc == utc(2026, 9, 28, 12, 52, 30)

    def test_known_values_match_the_file(self) -> None:
        text = read(RT_TOTALS).decode()
        published = [
            float(v)
            for v in re.findall(
                r"<MarketQuantity>ONTARIO DEMAND</MarketQuantity>\s*<EnergyMW>([\d.]+)<", text
            )
        ]
        assert len(published) == 12
        parsed = parse_realtime_totals(read(RT_TOTALS), RT_TOTALS)
        ontario = series(parsed, "ONTARIO DEMAND")
        assert [ontario[t] for t in sorted(ontario)] == published
        assert ontario[utc(2026, 9, 28, 12, 0)] == 16087.9
        load = series(parsed, "TOTAL LOAD")
        assert all(load[t] > ontario[t] for t in ontario)  # Total Load is not Ontario demand

    def test_ns0_reserialised_copy_reads_the_same(self) -> None:
        original = parse_realtime_totals(read(RT_TOTALS), RT_TOTALS)
        reserialised = ET.tostring(ET.fromstring(read(RT_TOTALS)))
        assert b"<ns0:Document" in reserialised
        assert parse_realtime_totals(reserialised, "x.xml").observations == original.observations
        other_prefix = read(RT_TOTALS).replace(
            b'xmlns="http://www.ieso.ca/schema"', b'xmlns:ieso="http://www.ieso.ca/schema"'
        )
        other_prefix = re.sub(rb"<(/?)(?!\?)([A-Za-z])", rb"<\1ieso:\2", other_prefix)
        assert parse_realtime_totals(other_prefix, "y.xml").observations == original.observations

    def test_missing_energy_and_unknown_elements_are_tolerated(self) -> None:
        text = read(RT_TOTALS).decode()
        text = text.replace("<EnergyMW>16087.9</EnergyMW>", "", 1)
        text = text.replace("<EnergyMW>304.3</EnergyMW>", "<EnergyMW></EnergyMW>", 1)
        text = text.replace("<Flag>DSO-RD</Flag>", "<Flag>DSO-RD</Flag><Quality>-1</Quality>", 1)
        text = text.replace(
            "<MQ>\n<MarketQuantity>Total Loss</MarketQuantity>",
            "<MQ>\n<MarketQuantity>Total  Storage  Withdrawal</MarketQuantity>\n"
            "<EnergyMW>12</EnergyMW>\n</MQ>\n"
            "<MQ>\n<MarketQuantity>Total Loss</MarketQuantity>",
            1,
        )
        parsed = parse_realtime_totals(text.encode(), RT_TOTALS)
        first = utc(2026, 9, 28, 12, 0)
        assert series(parsed, "ONTARIO DEMAND")[first] is None
        assert series(parsed, "TOTAL LOSS")[first] is None
        assert series(parsed, "TOTAL STORAGE WITHDRAWAL") == {first: 12.0}

    def test_file_name_hour_mismatch_is_a_warning(self) -> None:
        parsed = parse_realtime_totals(read(RT_TOTALS), "PUB_RealtimeTotals_2026092809.xml")
        assert any("HE09" in w and "HE8" in w for w in parsed.warnings)


class TestVGForecast:
    @pytest.fixture(scope="class")
    def parsed(self) -> ParsedReport:
        return parse_report(VG, read(VG))

    def test_ns0_prefixed_sample(self, parsed: ParsedReport) -> None:
        assert b"<ns0:Document" in read(VG)
        assert parsed.report == "VGForecastSummary"
        assert parsed.warnings == []
        assert len(parsed.observations) == 21 * 48
        assert {o.quantity for o in parsed.observations} == {
            "SOLAR MARKET PARTICIPANT FORECAST",
            "WIND MARKET PARTICIPANT FORECAST",
            "SOLAR EMBEDDED FORECAST",
            "WIND EMBEDDED FORECAST",
        }
        assert parsed.created_at_utc == utc(2025, 2, 28, 13, 55, 43)

    def test_zones_and_48_hours_from_the_next_hour(self, parsed: ParsedReport) -> None:
        embedded_solar = {o.zone for o in parsed.observations if o.quantity == "SOLAR EMBEDDED FORECAST"}
        assert None in embedded_solar  # OntarioTotal
        assert embedded_solar - {None} <= set(ONTARIO_ZONES)
        assert "Bruce" not in embedded_solar  # not every zone appears
        total = series(parsed, "WIND MARKET PARTICIPANT FORECAST", None)
        starts = sorted(total)
        assert len(starts) == 48
        assert starts[0] == interval_start_utc(date(2025, 2, 28), 10) == utc(2025, 2, 28, 14)
        assert starts[-1] == interval_start_utc(date(2025, 3, 2), 9)
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))
        assert series(parsed, "SOLAR MARKET PARTICIPANT FORECAST", "Northeast")[utc(2025, 2, 28, 14)] == 19.6

    def test_blank_output_is_none(self) -> None:
        text = read(VG).replace(b"<ns0:MWOutput>19.6</ns0:MWOutput>", b"<ns0:MWOutput />", 1)
        parsed = parse_vg_forecast(text, VG)
        assert series(parsed, "SOLAR MARKET PARTICIPANT FORECAST", "Northeast")[utc(2025, 2, 28, 14)] is None


class TestDAZonalPrice:
    def test_sample(self) -> None:
        parsed = parse_report(DA_PRICE, read(DA_PRICE))
        assert parsed.report == "DAHourlyOntarioZonalPrice"
        assert parsed.warnings == []
        assert len(parsed.observations) == 24 * 3
        price = series(parsed, "DA ZONAL PRICE")
        assert sorted(price) == [interval_start_utc(date(2026, 5, 28), h) for h in range(1, 25)]
        assert price[utc(2026, 5, 28, 5)] == 17.76
        assert series(parsed, "DA CONGESTION PRICE CAPPED")[utc(2026, 5, 28, 5)] == -0.26
        assert {o.unit for o in parsed.observations} == {"CAD/MWh"}
        assert parsed.created_at_utc == utc(2026, 5, 27, 17, 31, 16)  # the day before delivery
        assert parse_da_zonal_price(read(DA_PRICE), DA_PRICE).observations == parsed.observations
        text = read(DA_PRICE).decode()
        published = [float(v) for v in re.findall(r"<ZonalPrice>([-\d.]+)</ZonalPrice>", text)]
        assert [price[t] for t in sorted(price)] == published


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


class TestRealtimeZonalPrices:
    def test_fixture(self) -> None:
        parsed = parse_report(RT_PRICES, read(RT_PRICES))
        assert parsed.report == "RealtimeZonalEnergyPrices"
        assert parsed.warnings == []
        assert {o.zone for o in parsed.observations} == {"East", "Toronto", "Northwest"}
        east = series(parsed, "RT ZONAL PRICE", "East")
        # intervals 10-12 are empty (not yet published): skipped, not zero
        assert sorted(east) == [interval_start_utc(date(2026, 6, 1), 14, i) for i in range(1, 10)]
        assert east[utc(2026, 6, 1, 18, 0)] == 41.96
        assert series(parsed, "RT ENERGY LOSS PRICE", "East")[utc(2026, 6, 1, 18, 0)] == 1.92
        assert len(parsed.observations) == 3 * 9 * 3

    def test_a_single_empty_component_is_none(self) -> None:
        text = read(RT_PRICES).replace(b"<EnergyLossPrice>1.92</EnergyLossPrice>", b"<EnergyLossPrice/>", 1)
        parsed = parse_realtime_zonal_prices(text, RT_PRICES)
        assert series(parsed, "RT ENERGY LOSS PRICE", "East")[utc(2026, 6, 1, 18, 0)] is None
        assert series(parsed, "RT ZONAL PRICE", "East")[utc(2026, 6, 1, 18, 0)] == 41.96


class TestTxOutages:
    def test_today_all(self) -> None:
        parsed = parse_report(TX_TODAY, read(TX_TODAY))
        assert parsed.report == "TxOutagesTodayAll"
        assert parsed.observations == []
        assert [o.outage_id for o in parsed.outages] == ["1-00512345", "1-00498001", "1-00513377"]
        first = parsed.outages[0]
        assert first.planned_start_utc == utc(2026, 6, 1, 11, 0)  # 06:00 EST
        assert first.planned_end_utc == utc(2026, 6, 1, 23, 0)
        assert (first.priority, first.status, first.recurrence, first.recall_time) == (
            "P",
            "IMPLEMENTED",
            "Continuous",
            "4 HRS",
        )
        assert [tuple(e) for e in first.equipment] == [
            ("LEASIDE TS T3", "TRANSFORMER", "230", "OOS"),
            ("LEASIDE TS T3 LV BREAKER", "BREAKER", "27.6", "OOS"),
        ]
        assert first.extra == {"ImplementationStatus": "IN SERVICE RETURN PENDING"}
        # winter start: still EST, 07:00 EST = 12:00 UTC
        assert parsed.outages[1].planned_start_utc == utc(2025, 11, 3, 12, 0)
        third = parsed.outages[2]
        assert third.planned_end_utc is None  # blank, not guessed
        assert third.recall_time is None
        assert third.equipment[0].constraint_type == "DERATE"
        assert parsed.created_at_utc == utc(2026, 6, 1, 11, 3, 12)

    def test_1_to_30_days_planned(self) -> None:
        parsed = parse_tx_outages(read(TX_PLANNED), TX_PLANNED)
        assert parsed.report == "TxOutages1to30DaysPlanned"
        assert parsed.outages[1].planned_start_utc == utc(2026, 6, 20, 11, 0)  # "2026/06/20 06:00:00"
        assert parsed.outages[1].planned_end_utc == utc(2026, 6, 21, 1, 0)

    def test_request_without_id_is_skipped_and_bad_time_is_an_error(self) -> None:
        text = read(TX_TODAY).replace(b"<OutageID>1-00498001</OutageID>", b"", 1)
        parsed = parse_tx_outages(text, TX_TODAY)
        assert len(parsed.outages) == 2
        assert any("no OutageID" in w for w in parsed.warnings)
        bad = read(TX_TODAY).replace(b"2026-06-01T18:00:00", b"tomorrow", 1)
        with pytest.raises(
            ReportFormatError, match=r"element <PlannedEnd>: outage 1-00512345: 'tomorrow' is not a date-time"
        ):
            parse_tx_outages(bad, TX_TODAY)


class TestOldEnvelope:
    def test_imo_document_with_date_and_hour(self) -> None:
        parsed = parse_report(IMO_TOTALS, read(IMO_TOTALS))
        assert parsed.report == "RealtimeTotals"
        assert parsed.created_at_utc == utc(2019, 6, 12, 19, 2, 11)
        ontario = series(parsed, "ONTARIO DEMAND")
        assert ontario == {utc(2019, 6, 12, 18, 0): 16011.2, utc(2019, 6, 12, 18, 5): None}  # no EnergyMW

    def test_doc_id_from_schema_location_when_name_says_nothing(self) -> None:
        envelope = read_envelope(read(IMO_TOTALS), IMO_TOTALS)
        assert envelope.namespace == IMO_NAMESPACE
        assert envelope.doc_id == "RealtimeTotals"
        assert parse_report("download.xml", read(IMO_TOTALS)).report == "RealtimeTotals"

    def test_current_envelope(self) -> None:
        envelope = read_envelope(read(DA_PRICE), DA_PRICE)
        assert (envelope.namespace, envelope.doc_id) == (IESO_NAMESPACE, "DAHourlyOntarioZonalPrice")
        assert envelope.title == "Day Ahead Hourly Ontario Zonal Energy Price Report"


class TestDispatch:
    def test_json_fixture(self) -> None:
        parsed = parse_report("dispatch_instructions.json", read("dispatch_instructions.json"))
        assert parsed.report == "DispatchInstructions"
        first, second, third = parsed.dispatches
        assert first.message_id == "DNS-20260601-000101"
        assert first.date_sent == utc(2026, 6, 1, 18, 52, 7)  # EST -> UTC
        assert first.delivery_start_utc == utc(2026, 6, 1, 19, 0)  # computed: HE15 interval 1 = 14:00 EST
        assert (first.state, first.active, first.amount, first.limit_type) == ("New", True, 12.5, "FIX")
        assert second.delivery_start_utc == utc(2026, 6, 1, 19, 10)
        assert second.delivery_stop_utc == utc(2026, 6, 1, 19, 40)
        assert (second.amount, second.reserve_class) == (4.0, "10N")
        assert third.state == "Timed Out"
        assert third.delivery_start_utc == utc(2026, 6, 2, 4, 55)  # HE24 interval 12 = 23:55 EST
        assert third.amount is None  # blank, not zero
        assert third.active is False
        assert third.extra == {"PRIORITY_CODE": "B"}
        assert parsed.warnings == [
            "dispatch_instructions.json: dispatch DNS-20260601-000103: unknown DISPATCH_TYPE 'CURTAIL'"
        ]

    def test_soap_xml_fixture_any_namespace(self) -> None:
        parsed = parse_report("dispatch_instructions_soap.xml", read("dispatch_instructions_soap.xml"))
        assert parsed.report == "DispatchInstructions"
        first, second = parsed.dispatches
        assert (first.state, first.dispatch_type, first.limit_type, first.amount) == (
            "Rejected",
            "RESV",
            "MIN",
            25.0,
        )
        assert first.delivery_start_utc == utc(2026, 6, 1, 22, 5)
        assert first.extra == {"FUTURE_FIELD": "kept in extra"}
        assert second.delivery_start_utc == utc(2026, 6, 2, 0, 0)  # "19:00" on the delivery date, EST
        assert second.delivery_stop_utc == utc(2026, 6, 2, 5, 0)  # "24:00" = next midnight EST
        assert parsed.warnings == []

    def test_plain_list_and_loose_field_names(self) -> None:
        content = json.dumps(
            [
                {
                    "messageId": "M1",
                    "dispatchType": "rgr",
                    "State": "timed out",
                    "deliveryDate": "2026-01-05",
                    "deliveryHour": "1",
                    "limitType": "XYZ",
                    "Amount": -3,
                }
            ]
        ).encode()
        parsed = parse_dispatch(content, "list.json")
        (record,) = parsed.dispatches
        assert (record.dispatch_type, record.state, record.amount) == ("RGR", "Timed Out", -3.0)
        assert record.delivery_start_utc == utc(2026, 1, 5, 5, 0)
        assert any("unknown LIMIT_TYPE 'XYZ'" in w for w in parsed.warnings)

    def test_unknown_state_is_a_warning(self) -> None:
        parsed = parse_dispatch(b'[{"MESSAGE_ID": "M2", "STATE": "Pending"}]', "s.json")
        assert parsed.dispatches[0].state == "Pending"
        assert any("unknown STATE 'Pending'" in w for w in parsed.warnings)

    @pytest.mark.parametrize(
        ("content", "pattern"),
        [
            (b'[{"RESOURCE_ID": "X"}]', r"#1 has no MESSAGE_ID"),
            (
                b'[{"MESSAGE_ID": "M3", "DELIVERY_DATE": "2026-01-05", "DELIVERY_HOUR": 25}]',
                r"dispatch M3, field DELIVERY_HOUR: DELIVERY_HOUR 25 is outside 1..24",
            ),
            (
                b'[{"MESSAGE_ID": "M4", "AMOUNT": "lots"}]',
                r"bad.json: dispatch M4, field AMOUNT: 'lots' is not a number",
            ),
            (
                b'[{"MESSAGE_ID": "M5", "ACTIVE": "maybe"}]',
                r"dispatch M5, field ACTIVE: 'maybe' is not a yes/no flag",
            ),
            (
                b'[{"MESSAGE_ID": "M6", "DATE_SENT": "yesterday"}]',
                r"dispatch M6, field DATE_SENT: 'yesterday' is not a date-time",
            ),
            (b'{"DispatchInstructions": [{"MESSAGE_ID": "M7"', r"line 1.*invalid or truncated JSON"),
            (b'{"foo": 1}', r"no 'DispatchInstructions' list"),
            (b"", r"empty"),
        ],
    )
    def test_bad_dispatch_inputs(self, content: bytes, pattern: str) -> None:
        with pytest.raises(ReportFormatError, match=pattern):
            parse_dispatch(content, "bad.json")


# --- broken inputs ------------------------------------------------------------------------------


class TestBrokenInputs:
    @pytest.mark.parametrize("name", [RT_TOTALS, VG, DA_PRICE, RT_PRICES, TX_TODAY])
    def test_truncated_xml(self, name: str) -> None:
        content = read(name)
        with pytest.raises(ReportFormatError, match=r"truncated") as info:
            parse_report(name, content[: len(content) // 2])
        assert name in str(info.value)
        assert "line" in str(info.value)

    @pytest.mark.parametrize(
        "content",
        [
            b'<?xml version="1.0"?><Document xmlns="http://example.com/other"><DocBody/></Document>',
            b"<Document><DocHeader/><DocBody/></Document>",
            b"<html><body>Service unavailable</body></html>",
            b'<Report xmlns="http://www.ieso.ca/schema"><DocBody/></Report>',
        ],
    )
    def test_wrong_envelope(self, content: bytes) -> None:
        with pytest.raises(ReportFormatError, match=r"PUB_RealtimeTotals.xml.*wrong envelope"):
            parse_report("PUB_RealtimeTotals.xml", content)

    def test_prefix_does_not_make_an_envelope(self) -> None:
        content = read(RT_TOTALS).replace(b"http://www.ieso.ca/schema", b"http://example.com/ns0")
        with pytest.raises(ReportFormatError, match=r"wrong envelope"):
            parse_realtime_totals(ET.tostring(ET.fromstring(content)), "ns0.xml")

    def test_missing_body(self) -> None:
        content = b'<Document xmlns="http://www.ieso.ca/schema"><DocHeader><CreatedAt>2026-01-01T00:00:00</CreatedAt></DocHeader></Document>'
        with pytest.raises(ReportFormatError, match=r"no <DocBody>"):
            parse_realtime_totals(content, "nobody.xml")

    def test_missing_delivery_hour(self) -> None:
        content = read(RT_TOTALS).replace(b"<DeliveryHour>8</DeliveryHour>", b"")
        with pytest.raises(ReportFormatError, match=r"<DeliveryHour>.*no delivery hour"):
            parse_realtime_totals(content, RT_TOTALS)

    def test_non_numeric_xml_value(self) -> None:
        content = read(RT_TOTALS).replace(b"<EnergyMW>17853.3</EnergyMW>", b"<EnergyMW>n.a.</EnergyMW>")
        with pytest.raises(ReportFormatError, match=r"interval 1, TOTAL ENERGY: 'n.a.' is not a number"):
            parse_realtime_totals(content, RT_TOTALS)

    @pytest.mark.parametrize("name", [DEMAND_2024, RT_TOTALS, "dispatch.json", "whatever.csv"])
    def test_empty_file(self, name: str) -> None:
        with pytest.raises(ReportFormatError, match=r"empty"):
            parse_report(name, b"")
        with pytest.raises(ReportFormatError, match=r"empty"):
            parse_report(name, b" \r\n")

    def test_empty_csv_and_preamble_only(self) -> None:
        with pytest.raises(ReportFormatError, match=r"empty"):
            parse_demand_csv(b"", "e.csv")
        with pytest.raises(ReportFormatError, match=r"no header line"):
            parse_demand_csv(b"\\\\Hourly Demand Report,,,\n\\\\Created at 2025-01-31 07:30:15,,,\n", "p.csv")

    def test_missing_columns_are_listed(self) -> None:
        content = b"\\\\Hourly Demand Report,,,\nDate,Hour,Total Demand\n2024-01-01,1,1\n"
        with pytest.raises(ReportFormatError) as info:
            parse_report("PUB_Demand.csv", content)
        message = str(info.value)
        assert "PUB_Demand.csv, line 2" in message
        assert "'Market Demand', 'Ontario Demand'" in message

    def test_zonal_without_ontario_demand(self) -> None:
        content = b"Date,Hour,Toronto,East\n2026-01-01,1,5000,1000\n"
        with pytest.raises(ReportFormatError, match=r"missing required column\(s\) 'Ontario Demand'"):
            parse_report("PUB_DemandZonal_2026.csv", content)

    def test_non_numeric_csv_value_names_line_and_column(self) -> None:
        lines = read(DEMAND_2024).decode().split("\n")
        assert lines[30].startswith("2024-01-02,3,")
        cells = lines[30].split(",")
        lines[30] = ",".join([cells[0], cells[1], "abc", cells[3]])
        with pytest.raises(ReportFormatError) as info:
            parse_report(DEMAND_2024, "\n".join(lines).encode())
        assert (
            str(info.value) == "PUB_Demand_2024.csv, line 31, column 'Market Demand': 'abc' is not a number"
        )

    @pytest.mark.parametrize(
        ("row", "pattern"),
        [
            (b"2024-01-01,25,1,1", r"line 2, column 'Hour': hour-ending 25 is outside 1..24"),
            (b"2024-01-01,0,1,1", r"column 'Hour'"),
            (b"01/02/2024,1,1,1", r"column 'Date': '01/02/2024' is not a date"),
            (b"2024-01-01,1,nan,1", r"column 'Market Demand': 'nan' is not a finite number"),
            (b"2024-01-01,1,17000", r"line 2: row has 3 field\(s\) but the header has 4"),
            (b",1,1,1", r"column 'Date'.*blank"),
        ],
    )
    def test_bad_csv_rows(self, row: bytes, pattern: str) -> None:
        with pytest.raises(ReportFormatError, match=pattern):
            parse_demand_csv(b"Date,Hour,Market Demand,Ontario Demand\n" + row, "bad.csv")

    def test_unknown_report_names(self) -> None:
        with pytest.raises(ReportFormatError, match=r"unknown report 'GenOutputCapability'"):
            parse_report("PUB_GenOutputCapability_20260101.csv", b"a,b\n1,2\n")
        content = b'<Document docID="AdequacyReport" xmlns="http://www.ieso.ca/schema"><DocBody/></Document>'
        with pytest.raises(ReportFormatError, match=r"unknown report 'AdequacyReport'"):
            parse_report("report.xml", content)
        with pytest.raises(ReportFormatError, match=r"cannot tell which report"):
            parse_report("notes.txt", b"hello")
        with pytest.raises(ReportFormatError, match=r"is an IESO report, but the file is JSON"):
            parse_report("PUB_Demand.csv", b"[]")
        with pytest.raises(ReportFormatError, match=r"RealtimeTotals is an XML report"):
            parse_report("PUB_RealtimeTotals.xml", read(DEMAND_2024))


# --- tolerance -----------------------------------------------------------------------------------


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
