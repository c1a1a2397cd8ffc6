"""Traffic light of a feed from its expected cadence and its runs (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FeedStatus(StrEnum):
    OK = "ok"
    LATE = "late"  # amber: no new data for more than `late_after` cadences
    STALE = "stale"  # red: no new data for more than `stale_after` cadences
    ERROR = "error"  # red: the newest run failed
    NEVER = "never"  # red: nothing ever arrived


@dataclass(frozen=True)
class FeedState:
    status: FeedStatus
    age_s: float | None


def feed_state(
    last_success: datetime | None, last_error: datetime | None, now: datetime, cadence_s: float,
    late_after: float = 2.0, stale_after: float = 4.0,
) -> FeedState:
    """`last_success`: newest run that delivered data; `last_error`: newest failed run.

    A failure newer than the last success is an error even if data is still fresh: the
    operator must know the feed broke before the data goes stale.
    """
    if last_success is None:
        return FeedState(FeedStatus.ERROR if last_error else FeedStatus.NEVER, None)
    age = max(0.0, (now - last_success).total_seconds())
    if last_error is not None and last_error > last_success:
        return FeedState(FeedStatus.ERROR, age)
    if age > stale_after * cadence_s:
        return FeedState(FeedStatus.STALE, age)
    if age > late_after * cadence_s:
        return FeedState(FeedStatus.LATE, age)
    return FeedState(FeedStatus.OK, age)
