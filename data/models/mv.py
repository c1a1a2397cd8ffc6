"""M&V: events (activations) and the baselines and delivery computed for them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class MvEvent(TimestampMixin, Base):
    __tablename__ = "mv_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_instruction.id"))
    issuer: Mapped[str] = mapped_column(String(6))  # Issuer
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_kw: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(12))  # load_reduction | injection

    __table_args__ = (Index("ix_mv_event_start", "start_at"),)


class MvResult(Base):
    """Per event hour: baseline, adjusted baseline, actual, activated and delivered kW."""

    __tablename__ = "mv_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("mv_event.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    hour_start: Mapped[datetime] = mapped_column(UtcDateTime)
    baseline_kw: Mapped[float] = mapped_column(Float)
    adjusted_baseline_kw: Mapped[float] = mapped_column(Float)
    actual_kw: Mapped[float] = mapped_column(Float)
    activated_kw: Mapped[float] = mapped_column(Float)
    delivered_kw: Mapped[float] = mapped_column(Float)
    reduced_sample: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("event_id", "method", "hour_start"),)
