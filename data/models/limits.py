"""DER operating-limit requests, their hourly values and the decisions on them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class LimitRequest(TimestampMixin, Base):
    __tablename__ = "limit_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    der_id: Mapped[int | None] = mapped_column(ForeignKey("der.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The LDC that decides first: the embedded LDC where there is one, else the host.
    ldc_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    trade_date: Mapped[date] = mapped_column(Date, index=True)
    limit_type: Mapped[str] = mapped_column(String(10))  # LimitType
    status: Mapped[str] = mapped_column(String(20), index=True)  # LimitStatus
    reason: Mapped[str | None] = mapped_column(String(1000))
    automation_note: Mapped[str | None] = mapped_column(String(1000))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Optimistic locking: a stale approval is refused, not merged.
    version: Mapped[int] = mapped_column(Integer, default=1)

    intervals: Mapped[list[LimitInterval]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="LimitInterval.hour_ending"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_limit_request_ldc_status_date", "ldc_id", "status", "trade_date"),)


class LimitInterval(Base):
    """One hour (hour-ending, EST) of a request: the export and import maxima in kW."""

    __tablename__ = "limit_interval"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("limit_request.id", ondelete="CASCADE"))
    hour_ending: Mapped[int] = mapped_column(Integer)
    export_kw: Mapped[float | None] = mapped_column(Float)
    import_kw: Mapped[float | None] = mapped_column(Float)

    request: Mapped[LimitRequest] = relationship(back_populates="intervals")

    __table_args__ = (UniqueConstraint("request_id", "hour_ending"),)


class LimitDecision(Base):
    """Each decision on a request, by level of the chain, human or automatic."""

    __tablename__ = "limit_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("limit_request.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(12))  # embedded | host
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(1000))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
