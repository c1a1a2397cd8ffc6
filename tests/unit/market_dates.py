"""Instants and market days shared by the market-time and IESO report tests (2026 DST days, a plain day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
NORMAL_DAY = date(2026, 11, 30)
DST_DAYS = [SPRING_FORWARD, FALL_BACK]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
