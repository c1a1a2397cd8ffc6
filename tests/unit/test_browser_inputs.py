"""Parsing of values that come from the browser: hostile input never raises."""
from __future__ import annotations

import pytest

from callbacks.inputs import int_list, parse_bounds, str_list


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
