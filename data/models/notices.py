"""Needs, standby notices and published requirements, and their acknowledgements."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class Notice(TimestampMixin, Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # NoticeKind
    service_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    feeder_id: Mapped[int | None] = mapped_column(ForeignKey("feeder.id"), index=True)
    zone: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON geometry drawn on the map
    size_mw: Mapped[float] = mapped_column(Float)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recurrence: Mapped[str | None] = mapped_column(String(80))
    response_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12), index=True)  # NoticeStatus
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_notice_window", "start_at", "end_at"),)


class NoticeRecipient(Base):
    """An aggregator with DERs in the notice's location; it must acknowledge."""

    __tablename__ = "notice_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    alerted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    response: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (UniqueConstraint("notice_id", "organisation_id"),)
