"""DERs, aggregated resources, meters, programs and enrolments."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, TimestampMixin
from data.models.types import UtcDateTime


class Resource(TimestampMixin, Base):
    """An aggregation of DERs registered for a market (the IESO resource ID)."""

    __tablename__ = "resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(32), unique=True)  # ON-RES-00012
    name: Mapped[str] = mapped_column(String(200))
    aggregator_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    zone: Mapped[str] = mapped_column(String(20))
    service_tag: Mapped[str] = mapped_column(String(12))  # ServiceTag
    status: Mapped[str] = mapped_column(String(12))  # DerStatus


class Der(TimestampMixin, Base):
    __tablename__ = "der"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Assigned on approval, never reused: the key shared with IESO and LDC systems.
    platform_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    technology: Mapped[str] = mapped_column(String(20), index=True)  # Technology
    capacity_kw: Mapped[float] = mapped_column(Float)
    energy_kwh: Mapped[float | None] = mapped_column(Float)  # storage only
    ramp_up_kw_min: Mapped[float | None] = mapped_column(Float)
    ramp_down_kw_min: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    feeder_id: Mapped[int] = mapped_column(ForeignKey("feeder.id"), index=True)
    ldc_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    aggregator_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    meter_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    service_tag: Mapped[str] = mapped_column(String(12))  # ServiceTag
    status: Mapped[str] = mapped_column(String(12), index=True)  # DerStatus
    activation_date: Mapped[date | None] = mapped_column(Date)
    deactivation_date: Mapped[date | None] = mapped_column(Date)
    connection_assessment_ref: Mapped[str | None] = mapped_column(String(40))
    connection_assessment_date: Mapped[date | None] = mapped_column(Date)
    connection_assessment_class: Mapped[str | None] = mapped_column(String(10))  # AssessmentClass
    registered_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status_reason: Mapped[str | None] = mapped_column(String(500))  # why rejected or deactivated
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_der_feeder_technology", "feeder_id", "technology"),)


class Meter(TimestampMixin, Base):
    """Meter history of a DER: submitted by its owner or aggregator, approved by the LDC."""

    __tablename__ = "meter"

    id: Mapped[int] = mapped_column(primary_key=True)
    der_id: Mapped[int] = mapped_column(ForeignKey("der.id"), index=True)
    meter_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12))  # MeterStatus
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    submitted_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status_reason: Mapped[str | None] = mapped_column(String(500))


class Program(TimestampMixin, Base):
    __tablename__ = "program"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    operator_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    market: Mapped[str] = mapped_column(String(16))  # Market
    service_type: Mapped[str] = mapped_column(String(40))
    baseline_method: Mapped[str] = mapped_column(String(40))  # a preset name


class Enrolment(TimestampMixin, Base):
    """A DER in a program through an aggregator, over [start_date, end_date)."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    der_id: Mapped[int] = mapped_column(ForeignKey("der.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    aggregator_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # EnrolmentStatus

    __table_args__ = (Index("ix_enrolment_der_dates", "der_id", "start_date"),)


class ContributorUpload(TimestampMixin, Base):
    """An aggregator's DER list as uploaded: kept whether applied or refused (the registration history)."""

    __tablename__ = "contributor_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    aggregator_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    file_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12))  # UploadStatus
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text)  # the rows, normalised to CSV
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # counts added / changed / deactivated
    problems: Mapped[list[Any] | None] = mapped_column(JSON)  # [{row, column, problem}]
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IdSequence(Base):
    """The last number handed out per identifier prefix: platform IDs are never reused."""

    __tablename__ = "id_sequence"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)
