"""Feed traffic lights (pure)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data.domain.feed_health import FeedStatus, feed_state

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("success_age", "status"),
    [(0, FeedStatus.OK), (600, FeedStatus.OK), (601, FeedStatus.LATE), (1200, FeedStatus.LATE),
     (1201, FeedStatus.STALE)],
)
def test_age_against_cadence(success_age: float, status: FeedStatus) -> None:
    assert feed_state(ago(success_age), None, NOW, cadence_s=300).status is status


def test_never_and_only_errors() -> None:
    assert feed_state(None, None, NOW, 300).status is FeedStatus.NEVER
    assert feed_state(None, ago(5), NOW, 300).status is FeedStatus.ERROR


def test_an_error_after_the_last_success_shows_at_once() -> None:
    state = feed_state(ago(60), ago(10), NOW, 300)
    assert state.status is FeedStatus.ERROR and state.age_s == 60


def test_an_old_error_followed_by_success_is_ok() -> None:
    assert feed_state(ago(10), ago(60), NOW, 300).status is FeedStatus.OK


def test_thresholds_are_parameters() -> None:
    assert feed_state(ago(400), None, NOW, 300, late_after=1.0, stale_after=3.0).status is FeedStatus.LATE
