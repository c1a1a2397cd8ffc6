"""IESO XML market reports: real-time totals, VG forecast, DA and real-time zonal prices, both envelopes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise

import pytest

from data.domain.market_time import interval_start_utc
from data.pollers.parsers import (
    ParsedReport,
    parse_da_zonal_price,
    parse_realtime_totals,
    parse_realtime_zonal_prices,
    parse_report,
    parse_vg_forecast,
)
from data.pollers.parsers.records import ONTARIO_ZONES
from data.pollers.parsers.xml_envelope import IESO_NAMESPACE, IMO_NAMESPACE, read_envelope
from tests.unit.ieso_samples import DA_PRICE, IMO_TOTALS, RT_PRICES, RT_TOTALS, VG, read, series
from tests.unit.market_dates import utc

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

# --- real samples -------------------------------------------------------------------------------


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
