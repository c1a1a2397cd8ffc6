"""Resource plans and bids/offers (including distributors' floor-price bids)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, BigId, TimestampMixin
from data.models.types import UtcDateTime


class ResourcePlan(TimestampMixin, Base):
    __tablename__ = "resource_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"))
    trade_date: Mapped[date] = mapped_column(Date)
    intends_to_offer: Mapped[bool] = mapped_column(Boolean)
    first_hour_ending: Mapped[int | None] = mapped_column(Integer)
    last_hour_ending: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(1000))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (Index("ix_resource_plan_resource_date", "resource_id", "trade_date"),)


class Bid(TimestampMixin, Base):
    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    der_id: Mapped[int | None] = mapped_column(ForeignKey("der.id"), index=True)
    submitter_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    market: Mapped[str] = mapped_column(String(16))  # Market
    trade_date: Mapped[date] = mapped_column(Date, index=True)
    first_hour_ending: Mapped[int] = mapped_column(Integer)
    last_hour_ending: Mapped[int] = mapped_column(Integer)
    quantity_kw: Mapped[float] = mapped_column(Float)
    price_per_mwh: Mapped[float] = mapped_column(Float)
    is_floor_price: Mapped[bool] = mapped_column(Boolean, default=False)
    floor_override: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(14), index=True)  # BidStatus
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    selected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    selection_acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A floor-price bid's quantity before outage automation changed it (restored when the outage ends).
    base_quantity_kw: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BidChange(Base):
    """Every change to a bid, by whom (or by automation), and whether it came after market close."""

    __tablename__ = "bid_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # None: automation
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[str] = mapped_column(String(24))  # BidChangeKind
    after_close: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(String(1000))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_bid_change_at", "at"),)
