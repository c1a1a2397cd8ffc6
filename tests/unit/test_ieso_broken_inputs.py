"""IESO report parsers refuse broken inputs with a message naming the file, line, column or element."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from data.pollers.parsers import ReportFormatError, parse_demand_csv, parse_realtime_totals, parse_report
from tests.unit.ieso_samples import DA_PRICE, DEMAND_2024, RT_PRICES, RT_TOTALS, TX_TODAY, VG, read


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
