"""Parsing of values that come from the browser: hostile input never raises."""
from __future__ import annotations

from datetime import date

import pytest

from callbacks.inputs import (
    clipped_text,
    int_list,
    is_blank,
    parse_bounds,
    parse_day,
    parse_number,
    record_id,
    str_list,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ()), (3, (3,)), ([1, "2", "x", True, 2**40, None, 4.5], (1, 2)), ("7", (7,)),
     ("<script>", ()), ({"a": 1}, ()), (list(range(1000)), tuple(range(200)))],
)
def test_int_list(value: object, expected: tuple[int, ...]) -> None:
    assert int_list(value) == expected


def test_str_list_limits_length() -> None:
    assert str_list(["Toronto", "x" * 500, 5, ""], max_len=20) == ("Toronto",)


@pytest.mark.parametrize(
    "value",
    [None, "garbage", [[1, 2]], [[91, 0], [92, 1]], [["a", "b"], ["c", "d"]], [[45, -70], [44, -80]], {"x": 1}],
)
def test_bad_bounds_are_none(value: object) -> None:
    assert parse_bounds(value) is None


def test_bounds() -> None:
    assert parse_bounds([[43.5, -80.0], [44.0, -79.0]]) == (43.5, -80.0, 44.0, -79.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-07-15", date(2026, 7, 15)), ("2026-07-15T00:00:00", date(2026, 7, 15)), ("2026-02-30", None),
     ("15/07/2026", None), ("", None), (None, None), (20260715, None), (["2026-07-15"], None),
     ("2026-07-15" + " " * 30, None)],
)
def test_parse_day(value: object, expected: date | None) -> None:
    assert parse_day(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5.0), (2.5, 2.5), ("  42 ", 42.0), ("-3", -3.0), ("1e3", 1000.0), ("1,000", 1000.0),
     ("12,500.5", 12500.5), ("-1,234,567", -1234567.0)],
)
def test_parse_number_reads_numbers(value: object, expected: float) -> None:
    problems: list[str] = []
    assert parse_number(value, "quantity", problems) == expected and problems == []


@pytest.mark.parametrize(
    "value", ["lots", "1,5", "1,00", True, float("nan"), float("inf"), "1e400", 10**400, "9" * 31, [1], {"$ne": 1}],
)
def test_parse_number_names_the_field_for_junk(value: object) -> None:
    problems: list[str] = []
    assert parse_number(value, "quantity", problems) is None
    assert problems == ["quantity: not a number"]


def test_a_blank_number_is_none_and_required_only_when_asked() -> None:
    for blank in (None, "", "   "):
        problems: list[str] = []
        assert is_blank(blank) and parse_number(blank, "price", problems) is None and problems == []
        assert parse_number(blank, "price", problems, required=True) is None and problems == ["price: required"]
    assert not is_blank(0) and not is_blank("0")


@pytest.mark.parametrize(("value", "expected"), [
    (7, 7), ("7", 7), (" 42 ", 42), (2**31 - 1, 2**31 - 1),
    (0, None), (-3, None), (True, None), (2**31, None), ("1e3", None), ("12345678901", None), (None, None),
    (7.0, None), ([7], None), ({"id": 7}, None), ("", None),
])
def test_record_id_takes_positive_ints_and_digit_strings_only(value: object, expected: int | None) -> None:
    assert record_id(value) == expected


def test_clipped_text_cuts_strings_and_refuses_the_rest() -> None:
    assert clipped_text("abcdef", 3) == "abc"
    assert clipped_text("", 3) == ""
    assert clipped_text(12, 3) is None and clipped_text(None) is None and clipped_text(["a"]) is None
    assert len(clipped_text("x" * 10_000) or "") == 500
