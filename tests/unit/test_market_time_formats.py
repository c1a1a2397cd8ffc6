"""Times as text: every displayed time says its zone; IESO CreatedAt stamps without an offset are EST."""

from datetime import UTC, datetime

import pytest

from data.domain.market_time import (
    LOCAL_TZ,
    format_local,
    format_market,
    parse_ieso_created_at,
)
from tests.unit.market_dates import utc

# --- formatting ---------------------------------------------------------------------------------


def test_format_market_winter_and_summer():
    assert format_market(utc(2026, 11, 30, 12, 0)) == "2026-11-30 07:00 EST"
    # Market time never says EDT.
    assert format_market(utc(2026, 7, 15, 12, 0)) == "2026-07-15 07:00 EST"


def test_format_local_winter_and_summer():
    assert format_local(utc(2026, 11, 30, 12, 0)) == "2026-11-30 07:00 EST"
    assert format_local(utc(2026, 7, 15, 12, 0)) == "2026-07-15 08:00 EDT"


def test_format_accepts_any_aware_zone():
    ts = datetime(2026, 7, 15, 8, 0, tzinfo=LOCAL_TZ)
    assert format_market(ts) == "2026-07-15 07:00 EST"
    assert format_local(ts) == "2026-07-15 08:00 EDT"


def test_format_market_date_can_differ_from_local():
    ts = utc(2026, 7, 15, 4, 30)  # 00:30 EDT on the 15th, 23:30 EST on the 14th
    assert format_market(ts) == "2026-07-14 23:30 EST"
    assert format_local(ts) == "2026-07-15 00:30 EDT"


# --- parse_ieso_created_at ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-28T08:04:59", utc(2026, 9, 28, 13, 4, 59)),
        ("2025-01-31 07:30:15", utc(2025, 1, 31, 12, 30, 15)),
        ("2025/01/31 07:30:15", utc(2025, 1, 31, 12, 30, 15)),
        ("  2025/01/31 07:30:15\n", utc(2025, 1, 31, 12, 30, 15)),
        ("2026-09-28T08:04:59.250", datetime(2026, 9, 28, 13, 4, 59, 250000, tzinfo=UTC)),
        ("2026-09-28T23:59:59", utc(2026, 9, 29, 4, 59, 59)),
    ],
)
def test_parse_ieso_created_at_forms(text, expected):
    parsed = parse_ieso_created_at(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_ieso_created_at_is_est_in_summer():
    # No offset means EST even in September (EDT would give 12:04:59 UTC).
    parsed = parse_ieso_created_at("2026-09-28T08:04:59")
    assert format_market(parsed) == "2026-09-28 08:04 EST"
    assert format_local(parsed) == "2026-09-28 09:04 EDT"


def test_parse_ieso_created_at_honours_explicit_offset():
    assert parse_ieso_created_at("2026-09-28T08:04:59-04:00") == utc(2026, 9, 28, 12, 4, 59)
    assert parse_ieso_created_at("2026-09-28T08:04:59Z") == utc(2026, 9, 28, 8, 4, 59)


@pytest.mark.parametrize(
    "text",
    ["", "2026-09-28", "28/09/2026 08:04:59", "2026-13-01 00:00:00", "not a date", "2026-09-28X08:04:59"],
)
def test_parse_ieso_created_at_rejects_garbage(text):
    with pytest.raises(ValueError, match="CreatedAt"):
        parse_ieso_created_at(text)


def test_parse_ieso_created_at_rejects_non_str():
    with pytest.raises(TypeError):
        parse_ieso_created_at(None)
