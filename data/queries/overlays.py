"""Areas drawn over the map: outages/constraints in force and published needs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.access import Principal, notice_scope, outage_scope
from data.domain.enums import NoticeStatus, OutageKind, OutageState
from data.models import Feeder, Notice, Outage, OutageElement, Station
from data.models.base import utcnow


@dataclass(frozen=True)
class AreaItem:
    kind: str  # "outage" | "constraint" | "need"
    label: str
    detail: str
    area: dict[str, Any] | None  # a GeoJSON geometry drawn by the user
    feeder_lines: list[list[list[float]]]
    station_points: list[tuple[float, float]]  # (lon, lat)


def _grid_shapes(session: Session, feeder_ids: set[int], station_ids: set[int]):  # type: ignore[no-untyped-def]
    lines = list(session.scalars(select(Feeder.geometry).where(Feeder.id.in_(feeder_ids)))) if feeder_ids else []
    points = ([(lon, lat) for lat, lon in session.execute(select(Station.lat, Station.lon)
                                                          .where(Station.id.in_(station_ids)))]
              if station_ids else [])
    return lines, points


def outage_areas(session: Session, principal: Principal, now: datetime | None = None) -> list[AreaItem]:
    now = now or utcnow()
    in_force = or_(Outage.state == OutageState.ACTIVE,
                   (Outage.state == OutageState.PLANNED) & (Outage.start_at <= now))
    items = []
    for o in session.scalars(select(Outage).where(outage_scope(principal), in_force).limit(500)):
        elements = session.execute(select(OutageElement.feeder_id, OutageElement.station_id)
                                   .where(OutageElement.outage_id == o.id)).all()
        lines, points = _grid_shapes(session, {f for f, _ in elements if f}, {s for _, s in elements if s})
        kind = "constraint" if o.kind == OutageKind.CONSTRAINT else "outage"
        items.append(AreaItem(kind=kind, label=o.equipment_name or f"Outage {o.id}",
                              detail=f"{o.kind} · {o.state}", area=o.area, feeder_lines=lines, station_points=points))
    return items


def needs_areas(session: Session, principal: Principal, now: datetime | None = None) -> list[AreaItem]:
    now = now or utcnow()
    live = Notice.status.in_((NoticeStatus.PUBLISHED, NoticeStatus.AMENDED))
    items = []
    for n in session.scalars(select(Notice).where(notice_scope(principal), live, Notice.end_at > now).limit(500)):
        lines, points = _grid_shapes(session, {n.feeder_id} if n.feeder_id else set(),
                                     {n.station_id} if n.station_id else set())
        items.append(AreaItem(kind="need", label=n.title, detail=f"{n.kind} · {n.size_mw:,.1f} MW",
                              area=n.area, feeder_lines=lines, station_points=points))
    return items
