"""The geographic extent of what a principal may see, to open the map on it."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.access import Principal, station_scope
from data.models import Station

ONTARIO_SOUTH = ((42.0, -83.5), (46.8, -74.3))


def station_bounds(session: Session, principal: Principal) -> tuple[tuple[float, float], tuple[float, float]]:
    row = session.execute(
        select(func.min(Station.lat), func.min(Station.lon), func.max(Station.lat), func.max(Station.lon))
        .where(station_scope(principal))
    ).one()
    if row[0] is None:
        return ONTARIO_SOUTH
    pad = 0.15
    return (row[0] - pad, row[1] - pad), (row[2] + pad, row[3] + pad)
