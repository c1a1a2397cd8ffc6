"""Defensive parsing of values that arrive from the browser: never trust their type or size."""
from __future__ import annotations

from typing import Any

MAX_ITEMS = 200


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return items[:MAX_ITEMS]


def int_list(value: Any) -> tuple[int, ...]:
    out = []
    for v in _as_list(value):
        if isinstance(v, bool):
            continue
        if isinstance(v, int) and abs(v) < 2**31:
            out.append(v)
        elif isinstance(v, str) and v.strip().isdigit() and len(v.strip()) < 10:
            out.append(int(v))
    return tuple(out)


def str_list(value: Any, max_len: int = 40) -> tuple[str, ...]:
    return tuple(v for v in _as_list(value) if isinstance(v, str) and 0 < len(v) <= max_len)


def parse_bounds(value: Any) -> tuple[float, float, float, float] | None:
    """dash-leaflet bounds [[south, west], [north, east]] -> (south, west, north, east), or None."""
    try:
        (south, west), (north, east) = value
        box = tuple(float(x) for x in (south, west, north, east))
    except (TypeError, ValueError):
        return None
    s, w, n, e = box
    if not (-90 <= s <= n <= 90 and -180 <= w <= e <= 180):
        return None
    return s, w, n, e
