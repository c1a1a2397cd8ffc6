"""The supply tree: stations and feeders (DOMAIN.md, grid model)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models.base import Base, TimestampMixin
from data.models.organisations import Organisation


class Station(TimestampMixin, Base):
    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(4))  # StationKind
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    zone: Mapped[str] = mapped_column(String(20), index=True)  # IesoZone
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    rated_mw: Mapped[float] = mapped_column(Float)
    der_export_limit_mw: Mapped[float | None] = mapped_column(Float)
    der_import_limit_mw: Mapped[float | None] = mapped_column(Float)
    is_connection_point: Mapped[bool] = mapped_column(Boolean, default=False)
    # What supplies it: nothing for a TS; else an upstream station or a host LDC's feeder.
    supply_station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    supply_feeder_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeder.id", use_alter=True), index=True
    )
    # Denormalised top of the supply chain, kept by the grid service, for GROUP BY roll-ups.
    connection_point_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)

    owner: Mapped[Organisation] = relationship()


class Feeder(TimestampMixin, Base):
    __tablename__ = "feeder"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    ldc_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    voltage_kv: Mapped[float] = mapped_column(Float)
    rated_mw: Mapped[float] = mapped_column(Float)
    hosting_capacity_kw: Mapped[float | None] = mapped_column(Float)
    # GeoJSON LineString coordinates [[lon, lat], ...].
    geometry: Mapped[list[list[float]]] = mapped_column(JSON)

    station: Mapped[Station] = relationship(foreign_keys=[station_id])
