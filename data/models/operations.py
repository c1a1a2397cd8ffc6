"""Dispatch instructions, outages/constraints and conflict alerts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class DispatchInstruction(TimestampMixin, Base):
    """An IESO (SPEC-155) or DSO instruction. Amount is signed: + export/injection."""

    __tablename__ = "dispatch_instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(6))  # Issuer
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    message_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # SPEC-155 MESSAGE_ID
    dispatch_type: Mapped[str | None] = mapped_column(String(10))
    limit_type: Mapped[str | None] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(12), index=True)  # DispatchState
    target_kind: Mapped[str] = mapped_column(String(10))  # TargetKind
    der_id: Mapped[int | None] = mapped_column(ForeignKey("der.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    feeder_id: Mapped[int | None] = mapped_column(ForeignKey("feeder.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    amount_kw: Mapped[float] = mapped_column(Float)
    mvar: Mapped[float | None] = mapped_column(Float)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    delivery_hour: Mapped[int | None] = mapped_column(Integer)
    delivery_interval: Mapped[int | None] = mapped_column(Integer)
    ack_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_dispatch_window", "start_at", "end_at"),)


class Outage(TimestampMixin, Base):
    __tablename__ = "outage"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(14))  # OutageKind
    state: Mapped[str] = mapped_column(String(10), index=True)  # OutageState
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # IESO OutageID
    reporter_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    equipment_name: Mapped[str | None] = mapped_column(String(200))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    estimated_restoration_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    restored_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    derate_pct: Mapped[float | None] = mapped_column(Float)
    max_kw: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(String(2000))
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON geometry
    version: Mapped[int] = mapped_column(Integer, default=1)

    elements: Mapped[list[OutageElement]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_outage_window", "start_at", "restored_at"),)


class OutageElement(Base):
    """A station or feeder an outage applies to (and so every DER below it)."""

    __tablename__ = "outage_element"

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    feeder_id: Mapped[int | None] = mapped_column(ForeignKey("feeder.id"), index=True)


class ConflictAlert(TimestampMixin, Base):
    """A conflict found by the engine, with its evidence, worked new -> acknowledged -> resolved."""

    __tablename__ = "conflict_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(24), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # evidence set + run
    severity: Mapped[str] = mapped_column(String(12))  # Severity
    state: Mapped[str] = mapped_column(String(14), index=True)  # AlertState
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    summary: Mapped[str] = mapped_column(String(1000))
    der_ids: Mapped[list[int]] = mapped_column(JSON)
    station_ids: Mapped[list[int]] = mapped_column(JSON)
    feeder_ids: Mapped[list[int]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
