"""Health of every feed: last success, age, rows, last error, traffic light."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.domain.enums import RunStatus
from data.domain.feed_health import FeedStatus, feed_state
from data.models import PollerRun
from data.models.base import utcnow
from data.pollers.sources import Source


@dataclass(frozen=True)
class FeedHealth:
    name: str
    label: str
    cadence_s: int
    status: FeedStatus
    age_s: float | None
    last_success_at: datetime | None
    last_rows: int | None
    source_timestamp: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    last_run_at: datetime | None


def _newest(session: Session, status: RunStatus | None = None) -> dict[str, datetime]:
    q = select(PollerRun.source, func.max(PollerRun.ended_at)).group_by(PollerRun.source)
    if status is not None:
        q = q.where(PollerRun.status == status)
    return {source: at for source, at in session.execute(q) if at is not None}


def _run_at(session: Session, source: str, status: RunStatus, at: datetime) -> PollerRun | None:
    return session.scalar(select(PollerRun).where(PollerRun.source == source, PollerRun.status == status,
                                                  PollerRun.ended_at == at).limit(1))


def feed_health(session: Session, sources: Sequence[Source], now: datetime | None = None) -> list[FeedHealth]:
    now = now or utcnow()
    successes = _newest(session, RunStatus.OK)
    errors = _newest(session, RunStatus.ERROR)
    any_run = _newest(session)
    rows = []
    for src in sources:
        ok_at, err_at = successes.get(src.name), errors.get(src.name)
        state = feed_state(ok_at, err_at, now, src.cadence_s)
        ok_run = _run_at(session, src.name, RunStatus.OK, ok_at) if ok_at else None
        err_run = _run_at(session, src.name, RunStatus.ERROR, err_at) if err_at else None
        rows.append(FeedHealth(
            name=src.name, label=src.label, cadence_s=src.cadence_s, status=state.status, age_s=state.age_s,
            last_success_at=ok_at, last_rows=ok_run.rows if ok_run else None,
            source_timestamp=ok_run.source_timestamp if ok_run else None,
            last_error_at=err_at, last_error=err_run.error if err_run else None, last_run_at=any_run.get(src.name),
        ))
    return rows


def recent_runs(session: Session, source: str, limit: int = 50) -> list[PollerRun]:
    return list(session.scalars(select(PollerRun).where(PollerRun.source == source)
                                .order_by(PollerRun.started_at.desc()).limit(limit)))
