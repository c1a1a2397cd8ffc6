"""IESO records that are not market quantities: transmission outages (XML) and dispatch instructions (JSON, SOAP)."""

from __future__ import annotations

import json

import pytest

from data.pollers.parsers import ReportFormatError, parse_dispatch, parse_report, parse_tx_outages
from tests.unit.ieso_samples import TX_PLANNED, TX_TODAY, read
from tests.unit.market_dates import utc


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
