"""The newest moment any feed delivered data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.domain.enums import RunStatus
from data.models import PollerRun


def newest_data_at(session: Session) -> datetime | None:
    return session.scalar(select(func.max(PollerRun.ended_at)).where(PollerRun.status == RunStatus.OK,
                                                                     PollerRun.rows > 0))
