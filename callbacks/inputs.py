"""Defensive parsing of values that arrive from the browser: never trust their type or size."""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

MAX_ITEMS = 200
MAX_DATE_TEXT = 30  # "2026-07-15" or "2026-07-15T00:00:00" from a date picker; anything longer is junk
MAX_NUMBER_TEXT = 30
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # "12,500.5": commas between groups of three only


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


def parse_day(value: Any) -> date | None:
    """A date picker's value ("YYYY-MM-DD", perhaps with a time after it) -> date; None for anything else."""
    if not isinstance(value, str) or len(value) > MAX_DATE_TEXT:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def is_blank(value: Any) -> bool:
    """Nothing typed: None or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: Any, label: str, problems: list[str], *, required: bool = False) -> float | None:
    """A number typed in a form (the browser sends a number, a text or anything) -> a finite float.

    Blank: None, and "<label>: required" in ``problems`` when ``required``. Junk, a bool, text longer than
    MAX_NUMBER_TEXT, an infinity or NaN: None and "<label>: not a number". Thousands separators are read
    ("12,500.5"), a decimal comma is not ("1,5" is not a number rather than fifteen)."""
    if is_blank(value):
        if required:
            problems.append(f"{label}: required")
        return None
    number: float | None = None
    if isinstance(value, int | float | str) and not isinstance(value, bool) and \
            (not isinstance(value, str) or len(value) <= MAX_NUMBER_TEXT):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except (ValueError, OverflowError):  # junk text, or an integer beyond any float
            number = None
    if number is None or not math.isfinite(number):
        problems.append(f"{label}: not a number")
        return None
    return number


ID_LIMIT = 2**31  # ids are INTEGER primary keys


def record_id(value: Any) -> int | None:
    """A record id from the browser (an int, or a string of digits), else None: never a bool, never <= 0."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < ID_LIMIT else None


def clipped_text(value: Any, limit: int = 500) -> str | None:
    """A string cut to ``limit`` characters; anything that is not a string is None."""
    return value[:limit] if isinstance(value, str) else None
