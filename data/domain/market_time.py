"""Ontario market-time arithmetic: EST trade days, hour-ending, 5-minute intervals.

The IESO runs its market on Eastern Standard Time all year (UTC-5, no daylight saving), so every
trade day has exactly 24 hours (HE 1..24) and 288 five-minute intervals, even on DST-change days.
Some deadlines, however, are stated in Eastern Prevailing Time (America/Toronto, with DST). The
platform stores UTC; this module converts between UTC and market coordinates and labels every
displayed time with its zone. Pure standard library, no framework imports.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "INTERVALS_PER_HOUR",
    "INTERVAL_MINUTES",
    "LOCAL_TZ",
    "MARKET_TZ",
    "UTC",
    "MarketTime",
    "approval_cutoff_utc",
    "dam_close_utc",
    "floor_to_interval",
    "format_local",
    "format_market",
    "hour_ending_end_utc",
    "hour_ending_start_utc",
    "interval_start_utc",
    "is_on_interval_boundary",
    "iter_intervals",
    "market_day_bounds_utc",
    "next_day_notice_deadline_utc",
    "overlaps",
    "parse_ieso_created_at",
    "to_market_time",
    "trade_date_of",
]

# "Etc/GMT+5" is UTC-5 all year (POSIX sign convention is inverted): IESO market time.
MARKET_TZ = ZoneInfo("Etc/GMT+5")
# Eastern Prevailing Time, follows daylight saving: used for EPT deadlines and local display.
LOCAL_TZ = ZoneInfo("America/Toronto")
# ZoneInfo("Etc/GMT+5").tzname() is "-05"; operators read "EST".
MARKET_TZ_LABEL = "EST"

INTERVAL_MINUTES = 5
INTERVALS_PER_HOUR = 12
HOURS_PER_MARKET_DAY = 24
_MINUTES_PER_DAY = 24 * 60


class MarketTime(NamedTuple):
    """Market coordinates of an instant: EST trade date, hour-ending 1..24, interval 1..12."""

    trade_date: date
    hour_ending: int
    interval: int


# --- validation helpers -------------------------------------------------------------------------


def _require_aware(ts: datetime, name: str = "timestamp") -> None:
    """Refuse naive datetimes: a naive time is ambiguous between UTC, EST and EPT."""
    if not isinstance(ts, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(ts).__name__}")
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {ts.isoformat()})")


def _require_date(d: date, name: str = "date") -> None:
    """Refuse datetimes where a calendar date is expected, so a time part is never silently dropped."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(d).__name__}")


def _require_int_in(value: int, low: int, high: int, name: str) -> None:
    """Integer range check; bools are refused because True would pass as 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")


def _require_step(minutes: int) -> timedelta:
    """Interval length must tile the EST day, so boundaries are the same on every trade day."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, got {type(minutes).__name__}")
    if minutes <= 0 or _MINUTES_PER_DAY % minutes != 0:
        raise ValueError(f"minutes must be a positive divisor of 1440, got {minutes}")
    return timedelta(minutes=minutes)


def _market_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=MARKET_TZ)


# --- market coordinates -> UTC ------------------------------------------------------------------


def interval_start_utc(delivery_date: date, hour_ending: int, interval: int = 1) -> datetime:
    """Start of (DeliveryDate, DeliveryHour, Interval) as aware UTC.

    IESO rule: start = DeliveryDate + (HE-1) h + (Interval-1) x 5 min, in EST. HE 24 interval 12 starts
    at 23:55 EST and ends at 00:00 EST of the next day.
    """
    _require_date(delivery_date, "delivery_date")
    _require_int_in(hour_ending, 1, HOURS_PER_MARKET_DAY, "hour_ending")
    _require_int_in(interval, 1, INTERVALS_PER_HOUR, "interval")
    start = _market_midnight(delivery_date) + timedelta(
        hours=hour_ending - 1, minutes=(interval - 1) * INTERVAL_MINUTES
    )
    return start.astimezone(UTC)


def hour_ending_start_utc(delivery_date: date, hour_ending: int) -> datetime:
    """Start of the delivery hour (HE 1 starts at 00:00 EST)."""
    return interval_start_utc(delivery_date, hour_ending, 1)


def hour_ending_end_utc(delivery_date: date, hour_ending: int) -> datetime:
    """End of the delivery hour, exclusive (HE 24 ends at 00:00 EST the next day)."""
    return hour_ending_start_utc(delivery_date, hour_ending) + timedelta(hours=1)


def market_day_bounds_utc(trade_date: date) -> tuple[datetime, datetime]:
    """Half-open [00:00 EST, next 00:00 EST) of a trade day in UTC: always exactly 24 h."""
    _require_date(trade_date, "trade_date")
    start = _market_midnight(trade_date).astimezone(UTC)
    return start, start + timedelta(hours=HOURS_PER_MARKET_DAY)


# --- UTC -> market coordinates ------------------------------------------------------------------


def to_market_time(ts_utc: datetime) -> MarketTime:
    """Trade date, hour-ending and interval of the 5-minute interval that contains ``ts_utc``.

    Inverse of ``interval_start_utc``; accepts any aware datetime (not only UTC).
    """
    _require_aware(ts_utc, "ts_utc")
    local = ts_utc.astimezone(MARKET_TZ)
    return MarketTime(
        trade_date=local.date(),
        hour_ending=local.hour + 1,
        interval=local.minute // INTERVAL_MINUTES + 1,
    )


def trade_date_of(ts: datetime) -> date:
    """EST calendar date of an instant: the trade day it belongs to (not the EPT date)."""
    _require_aware(ts, "ts")
    return ts.astimezone(MARKET_TZ).date()


# --- deadlines ----------------------------------------------------------------------------------


def dam_close_utc(trade_date: date, close_hour_est: int = 10, close_minute: int = 0) -> datetime:
    """Day-Ahead Market close for ``trade_date``: D-1 at close_hour_est:close_minute EST (default 10:00)."""
    _require_date(trade_date, "trade_date")
    _require_int_in(close_hour_est, 0, 23, "close_hour_est")
    _require_int_in(close_minute, 0, 59, "close_minute")
    close = datetime.combine(
        trade_date - timedelta(days=1), time(close_hour_est, close_minute), tzinfo=MARKET_TZ
    )
    return close.astimezone(UTC)


def approval_cutoff_utc(
    trade_date: date,
    hours_before_close: float = 3.0,
    close_hour_est: int = 10,
    close_minute: int = 0,
) -> datetime:
    """Latest time an LDC limit approval counts for ``trade_date``: DAM close minus a configured lead.

    Computed in EST, so the default is 07:00 EST on D-1 = 12:00 UTC in summer and in winter alike.
    """
    if isinstance(hours_before_close, bool) or not isinstance(hours_before_close, int | float):
        raise TypeError(f"hours_before_close must be a number, got {type(hours_before_close).__name__}")
    if not math.isfinite(hours_before_close) or hours_before_close < 0:
        raise ValueError(f"hours_before_close must be a finite number >= 0, got {hours_before_close}")
    close = dam_close_utc(trade_date, close_hour_est=close_hour_est, close_minute=close_minute)
    return close - timedelta(hours=hours_before_close)


def next_day_notice_deadline_utc(for_date: date, hour_local: int = 10) -> datetime:
    """Deadline to tell the IESO of ``for_date``'s disconnections/load reductions.

    The rule is "by 10:00 EPT the day before", i.e. America/Toronto wall-clock time, so the UTC
    instant moves with daylight saving (14:00 UTC in summer, 15:00 UTC in winter).
    """
    _require_date(for_date, "for_date")
    _require_int_in(hour_local, 0, 23, "hour_local")
    deadline = datetime.combine(for_date - timedelta(days=1), time(hour_local, 0), tzinfo=LOCAL_TZ)
    return deadline.astimezone(UTC)


# --- interval grid ------------------------------------------------------------------------------


def floor_to_interval(ts: datetime, minutes: int = INTERVAL_MINUTES) -> datetime:
    """Start (UTC) of the ``minutes``-long market interval containing ``ts``, counted from 00:00 EST."""
    _require_aware(ts, "ts")
    step = _require_step(minutes)
    local = ts.astimezone(MARKET_TZ)
    midnight = _market_midnight(local.date())
    floored = midnight + ((local - midnight) // step) * step
    return floored.astimezone(UTC)


def is_on_interval_boundary(ts: datetime, minutes: int = INTERVAL_MINUTES) -> bool:
    """True when ``ts`` is exactly an interval start (no stray seconds); used to refuse off-grid input."""
    return floor_to_interval(ts, minutes) == ts


def iter_intervals(start: datetime, end: datetime, minutes: int = INTERVAL_MINUTES) -> Iterator[datetime]:
    """UTC starts of every interval that intersects the half-open span [start, end).

    For grid-aligned inputs this is start, start + step, ... < end; an unaligned start is floored so
    the first, partly covered interval is not missed. Empty when end <= start.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    step = _require_step(minutes)
    current = floor_to_interval(start, minutes)
    while current < end:
        yield current
        current += step


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether two half-open spans [a_start, a_end) and [b_start, b_end) share an instant.

    Touching spans (a_end == b_start) do not overlap, and an empty span (start == end) overlaps
    nothing. A reversed span (end < start) is a caller bug and is refused.
    """
    for name, value in (("a_start", a_start), ("a_end", a_end), ("b_start", b_start), ("b_end", b_end)):
        _require_aware(value, name)
    if a_end < a_start:
        raise ValueError(f"a_end {a_end.isoformat()} is before a_start {a_start.isoformat()}")
    if b_end < b_start:
        raise ValueError(f"b_end {b_end.isoformat()} is before b_start {b_start.isoformat()}")
    if a_start == a_end or b_start == b_end:
        return False
    return a_start < b_end and b_start < a_end


# --- display and parsing ------------------------------------------------------------------------


def format_market(ts: datetime) -> str:
    """Market time for display, always labelled: e.g. "2026-11-30 07:00 EST" (EST all year)."""
    _require_aware(ts, "ts")
    return f"{ts.astimezone(MARKET_TZ):%Y-%m-%d %H:%M} {MARKET_TZ_LABEL}"


def format_local(ts: datetime) -> str:
    """Toronto wall-clock time for display with its real abbreviation: "... EST" or "... EDT"."""
    _require_aware(ts, "ts")
    return f"{ts.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M %Z}"


def parse_ieso_created_at(text: str) -> datetime:
    """Parse an IESO ``CreatedAt`` stamp into aware UTC.

    IESO writes it without an offset, meaning EST: "2026-09-28T08:04:59", "2025-01-31 07:30:15" or
    "2025/01/31 07:30:15". Fractional seconds are tolerated, and an explicit offset, if the IESO ever
    adds one, is honoured rather than overridden.
    """
    if not isinstance(text, str):
        raise TypeError(f"CreatedAt must be a str, got {type(text).__name__}")
    raw = text.strip()
    normalised = raw
    if len(raw) >= 10 and raw[4] == "/" and raw[7] == "/":
        normalised = raw[:10].replace("/", "-") + raw[10:]
    if len(normalised) < 16 or normalised[10] not in "T ":
        raise ValueError(f"unrecognised IESO CreatedAt {text!r}: expected 'YYYY-MM-DD[T ]HH:MM:SS'")
    try:
        parsed = datetime.fromisoformat(normalised)
    except ValueError as exc:
        raise ValueError(f"unrecognised IESO CreatedAt {text!r}: {exc}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MARKET_TZ)
    return parsed.astimezone(UTC)
