"""Time series: one narrow table keyed by (series, timestamp), bulk loaded.

Kept free of foreign keys on the hot table so it can move to a partitioned table or a
time-series extension without touching pages (DESIGN.md, scaling out).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, BigId
from data.models.types import UtcDateTime


class Series(Base):
    """What a run of readings measures, and where."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # SeriesKind
    # Exactly one subject is set (or zone for zonal IESO data, nothing for Ontario-wide).
    der_id: Mapped[int | None] = mapped_column(ForeignKey("der.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    feeder_id: Mapped[int | None] = mapped_column(ForeignKey("feeder.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    zone: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[str] = mapped_column(String(60))  # e.g. "ONTARIO DEMAND", "SOLAR EMBEDDED"
    unit: Mapped[str] = mapped_column(String(10))  # kW, MW, $/MWh
    resolution_s: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint(
            "kind", "der_id", "resource_id", "feeder_id", "station_id", "zone", "quantity", "source",
            name="uq_series_identity",
        ),
        Index("ix_series_kind_zone", "kind", "zone"),
    )


class Reading(Base):
    __tablename__ = "reading"

    series_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)  # interval start, UTC
    value: Mapped[float | None] = mapped_column(Float)  # a blank in a feed is None, never 0
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_reading_ts", "ts"),)
