"""The approval cut-off of a trade date, the countdown to it and how urgent it is (pure, explicit parameters).

The cut-off is DAM close (10:00 EST the day before, configurable) minus a configurable lead (default 3 h):
07:00 EST = 12:00 UTC in winter and in summer alike, because market time is EST all year.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from data.domain.enums import Severity
from data.domain.market_time import _require_aware, approval_cutoff_utc

DEFAULT_HOURS_BEFORE_CLOSE = 3.0
DEFAULT_CLOSE_HOUR_EST = 10
ALARM_WITHIN = timedelta(minutes=30)
ACTION_WITHIN = timedelta(hours=2)
EXPIRED_TEXT = "expired"


def cutoff_for(
    trade_date: date,
    hours_before_close: float = DEFAULT_HOURS_BEFORE_CLOSE,
    close_hour_est: int = DEFAULT_CLOSE_HOUR_EST,
) -> datetime:
    """Latest instant (aware UTC) an LDC decision counts for ``trade_date``."""
    return approval_cutoff_utc(trade_date, hours_before_close=hours_before_close, close_hour_est=close_hour_est)


def countdown(now: datetime, cutoff: datetime) -> timedelta:
    """Time left until ``cutoff``; zero at and after it (never negative)."""
    _require_aware(now, "now")
    _require_aware(cutoff, "cutoff")
    return max(cutoff - now, timedelta(0))


def format_countdown(remaining: timedelta) -> str:
    """ "1 d 3 h", "2 h 14 min", "45 min", "< 1 min", or "expired" at zero and below.

    Rounded down, so the display never promises more time than is left.
    """
    if remaining <= timedelta(0):
        return EXPIRED_TEXT
    minutes = int(remaining.total_seconds() // 60)
    if minutes == 0:
        return "< 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def countdown_text(now: datetime, cutoff: datetime) -> str:
    """The countdown as operators read it in the queue."""
    return format_countdown(countdown(now, cutoff))


def is_expired(
    now: datetime,
    trade_date: date,
    hours_before_close: float = DEFAULT_HOURS_BEFORE_CLOSE,
    close_hour_est: int = DEFAULT_CLOSE_HOUR_EST,
) -> bool:
    """Whether the cut-off of ``trade_date`` has been reached (at the cut-off itself it has)."""
    _require_aware(now, "now")
    return now >= cutoff_for(trade_date, hours_before_close, close_hour_est)


def urgency(
    now: datetime,
    cutoff: datetime,
    alarm_within: timedelta = ALARM_WITHIN,
    action_within: timedelta = ACTION_WITHIN,
) -> Severity | None:
    """ALARM when less than ``alarm_within`` is left (or the cut-off has passed), ACTION when less than
    ``action_within``, otherwise None (drawn neutral)."""
    if not timedelta(0) <= alarm_within <= action_within:
        raise ValueError(f"need 0 <= alarm_within <= action_within, got {alarm_within} and {action_within}")
    remaining = countdown(now, cutoff)
    if remaining < alarm_within or remaining <= timedelta(0):
        return Severity.ALARM
    if remaining < action_within:
        return Severity.ACTION
    return None
