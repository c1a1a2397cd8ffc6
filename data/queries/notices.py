"""Read functions of needs and standby notices, scoped with `notice_scope` (data/access.py), and the wholesale
needs (IESO demand and embedded forecasts) shown beside them.

`recipient_organisations` reads the whole grid: the notice service uses it to find whom a notice alerts.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from data.access import Permission, Principal, notice_scope
from data.domain.enums import DerStatus, IesoZone, NoticeStatus, SeriesKind, Severity
from data.domain.notices import (
    LIVE_STATES,
    Location,
    area_bounds,
    escalation,
    location_reach,
    points_in_area,
)
from data.models import (
    Der,
    Feeder,
    Notice,
    NoticeRecipient,
    Organisation,
    Reading,
    Series,
    Station,
    User,
)
from data.queries.audit_trail import audit_trail
from data.queries.outages import supply_tree

__all__ = [
    "AUDIT_ENTITY", "AckRow", "HistoryRow", "NoticeRow", "PendingAck", "WholesaleNeeds", "acknowledgements",
    "feeder_options", "location_label", "notice_history", "notice_location", "notice_row",
    "notice_targets", "notices", "pending_acknowledgements", "recipient_organisations", "station_options",
    "territory_zones", "unacknowledged_escalations", "wholesale_needs",
]

AUDIT_ENTITY = "notice"
LIST_LIMIT = 500
_LIVE_DER = Der.status.notin_((DerStatus.REJECTED, DerStatus.DEACTIVATED))
_STATUS_ORDER = {NoticeStatus.PUBLISHED: 0, NoticeStatus.AMENDED: 0, NoticeStatus.DRAFT: 1,
                 NoticeStatus.CLOSED: 2, NoticeStatus.CANCELLED: 3}

# --- whom a location reaches ----------------------------------------------------------------------------


def _count_by_aggregator(session: Session, *conds: ColumnElement[bool]) -> dict[int, int]:
    rows = session.execute(select(Der.aggregator_org_id, func.count()).where(
        _LIVE_DER, Der.aggregator_org_id.is_not(None), *conds).group_by(Der.aggregator_org_id))
    return {org: int(n) for org, n in rows}


def recipient_organisations(session: Session, location: Location, territory: Sequence[int]) -> dict[int, int]:
    """Aggregator organisation id -> its DERs (live: not rejected or deactivated) in the location and in the
    publisher's territory (its own LDC and the embedded LDCs it hosts).

    A station reaches the DERs on its feeders and at every station below it (an embedded LDC's station supplied
    by one of its feeders included); a feeder its own DERs and those of the stations it supplies; a zone the
    DERs at stations in that zone; an area the DERs whose position is inside the polygon (or on its edge)."""
    in_territory = Der.ldc_id.in_(list(territory))
    if location.station_id is not None or location.feeder_id is not None:
        stations, feeders = location_reach(location, supply_tree(session))
        if not stations and not feeders:
            return {}
        return _count_by_aggregator(session, in_territory,
                                    or_(Der.feeder_id.in_(sorted(feeders)), Der.station_id.in_(sorted(stations))))
    if location.zone is not None:
        return _count_by_aggregator(session, in_territory,
                                    Der.station_id.in_(select(Station.id).where(Station.zone == location.zone)))
    if location.area is not None:
        west, south, east, north = area_bounds(location.area)
        candidates = session.execute(select(Der.id, Der.lon, Der.lat, Der.aggregator_org_id).where(
            _LIVE_DER, in_territory, Der.aggregator_org_id.is_not(None),
            Der.lon.between(west, east), Der.lat.between(south, north)))
        owners = {}
        points = []
        for der_id, lon, lat, org in candidates:
            owners[der_id] = org
            points.append((der_id, lon, lat))
        counts: dict[int, int] = defaultdict(int)
        for der_id in points_in_area(location.area, points):
            counts[owners[der_id]] += 1
        return dict(counts)
    return {}


def location_label(session: Session, location: Location) -> str:
    """'Feeder CODE (station)', 'Station name (CODE)', 'Toronto zone' or 'Drawn area'."""
    if location.feeder_id is not None:
        row = session.execute(select(Feeder.code, Station.name).join(Station, Station.id == Feeder.station_id)
                              .where(Feeder.id == location.feeder_id)).first()
        return f"Feeder {row[0]} ({row[1]})" if row else f"Feeder #{location.feeder_id}"
    if location.station_id is not None:
        row = session.execute(select(Station.code, Station.name).where(Station.id == location.station_id)).first()
        return f"{row[1]} ({row[0]})" if row else f"Station #{location.station_id}"
    if location.zone is not None:
        return f"{location.zone} zone"
    return "Drawn area" if location.area is not None else "—"


def notice_location(notice: Notice) -> Location:
    return Location(station_id=notice.station_id, feeder_id=notice.feeder_id, zone=notice.zone, area=notice.area)


# --- the notices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeRow:
    id: int
    kind: str
    service_type: str
    title: str
    status: str
    publisher_org_id: int
    publisher: str
    location: str
    location_kind: str  # station | feeder | zone | area
    station_id: int | None
    feeder_id: int | None
    zone: str | None
    area: dict[str, Any] | None
    size_mw: float
    start_at: datetime
    end_at: datetime
    recurrence: str
    response_deadline: datetime | None
    published_at: datetime | None
    version: int
    recipients: int
    acknowledged: int
    # the principal's own organisation as a recipient (aggregators): alerted, and when it acknowledged
    mine_alerted: bool = False
    mine_acknowledged_at: datetime | None = None
    mine_response: str | None = None
    own: bool = False  # published by the principal's organisation (or territory): it may act on it
    feeder_station_id: int | None = None  # the station of a feeder location

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATES

    @property
    def ack_text(self) -> str:
        return f"{self.acknowledged} of {self.recipients}" if self.status != NoticeStatus.DRAFT else "—"

    def ack_severity(self, now: datetime) -> Severity | None:
        """The escalation of the notice as a whole: its worst unacknowledged recipient (live notices only)."""
        if not self.live or self.recipients == 0:
            return None
        if self.acknowledged >= self.recipients:
            return Severity.COMPLIANT
        return escalation(now, self.response_deadline, acknowledged=False)

    def my_severity(self, now: datetime) -> Severity | None:
        if not self.mine_alerted or not self.live:
            return None
        return escalation(now, self.response_deadline, acknowledged=self.mine_acknowledged_at is not None)


def _own_orgs(principal: Principal) -> tuple[int, ...]:
    return principal.territory_ldc_ids or ((principal.organisation_id,) if principal.organisation_id else ())


def _drafts_are_private(principal: Principal) -> ColumnElement[bool]:
    """A draft is its publisher's working copy: nobody else sees it, not even those who see everything."""
    return or_(Notice.status != NoticeStatus.DRAFT, Notice.publisher_org_id.in_(_own_orgs(principal) or (-1,)))


def _rows(session: Session, principal: Principal, conds: list[ColumnElement[bool]], limit: int) -> list[NoticeRow]:
    counts = (select(NoticeRecipient.notice_id, func.count().label("recipients"),
                     func.count(NoticeRecipient.acknowledged_at).label("acknowledged"))
              .group_by(NoticeRecipient.notice_id).subquery())
    mine = aliased(NoticeRecipient)
    feeder_station = aliased(Station)
    org_id = principal.organisation_id if principal.organisation_id is not None else -1
    rows = session.execute(
        select(Notice, Organisation.name, counts.c.recipients, counts.c.acknowledged, mine.id,
               mine.acknowledged_at, mine.response, Station.code, Station.name, Feeder.code, feeder_station.name,
               Feeder.station_id)
        .join(Organisation, Organisation.id == Notice.publisher_org_id)
        .outerjoin(counts, counts.c.notice_id == Notice.id)
        .outerjoin(mine, and_(mine.notice_id == Notice.id, mine.organisation_id == org_id))
        .outerjoin(Station, Station.id == Notice.station_id)
        .outerjoin(Feeder, Feeder.id == Notice.feeder_id)
        .outerjoin(feeder_station, feeder_station.id == Feeder.station_id)
        .where(*conds).order_by(Notice.start_at.desc(), Notice.id.desc()).limit(limit)).all()
    own = set(_own_orgs(principal))
    out = []
    for n, publisher, recipients, acknowledged, mine_id, mine_at, mine_response, s_code, s_name, f_code, f_station, \
            f_station_id in rows:
        if n.feeder_id is not None:
            where, kind = f"Feeder {f_code} ({f_station})", "feeder"
        elif n.station_id is not None:
            where, kind = f"{s_name} ({s_code})", "station"
        elif n.zone is not None:
            where, kind = f"{n.zone} zone", "zone"
        else:
            where, kind = "Drawn area", "area"
        out.append(NoticeRow(
            id=n.id, kind=n.kind, service_type=n.service_type, title=n.title, status=n.status,
            publisher_org_id=n.publisher_org_id, publisher=publisher, location=where, location_kind=kind,
            station_id=n.station_id, feeder_id=n.feeder_id, zone=n.zone, area=n.area, size_mw=n.size_mw,
            start_at=n.start_at, end_at=n.end_at, recurrence=n.recurrence or "none",
            response_deadline=n.response_deadline, published_at=n.published_at, version=n.version,
            recipients=int(recipients or 0), acknowledged=int(acknowledged or 0), mine_alerted=mine_id is not None,
            mine_acknowledged_at=mine_at, mine_response=mine_response, own=n.publisher_org_id in own,
            feeder_station_id=f_station_id))
    return sorted(out, key=lambda r: (_STATUS_ORDER.get(NoticeStatus(r.status), 9), r.start_at))


def notices(session: Session, principal: Principal, statuses: Sequence[str] = (),
            limit: int = LIST_LIMIT) -> list[NoticeRow]:
    """The notices the principal may see (live first, then drafts, then closed/cancelled; by start)."""
    if principal.is_guest or not principal.can(Permission.VIEW_NOTICES):
        return []
    conds = [notice_scope(principal), _drafts_are_private(principal)]
    if statuses:
        conds.append(Notice.status.in_(list(statuses)))
    return _rows(session, principal, conds, limit)


def notice_row(session: Session, principal: Principal, notice_id: int) -> NoticeRow | None:
    if principal.is_guest or not principal.can(Permission.VIEW_NOTICES):
        return None
    found = _rows(session, principal, [notice_scope(principal), _drafts_are_private(principal), Notice.id == notice_id],
                  1)
    return found[0] if found else None


# --- acknowledgements -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AckRow:
    organisation_id: int
    organisation: str
    alerted_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    response: str | None
    severity: Severity | None

    @property
    def state(self) -> str:
        if self.acknowledged_at is not None:
            return "acknowledged"
        return {Severity.ALARM: "overdue", Severity.ACTION: "due soon"}.get(self.severity, "awaiting")


def acknowledgements(session: Session, principal: Principal, notice_id: int, now: datetime) -> list[AckRow]:
    """Who has and has not acknowledged a visible notice, unacknowledged first (overdue first): every recipient
    for the publisher's territory and for those who see everything; only its own row for anyone else."""
    row = notice_row(session, principal, notice_id)
    if row is None:
        return []
    conds = [NoticeRecipient.notice_id == notice_id]
    if not (principal.sees_everything or row.own):
        conds.append(NoticeRecipient.organisation_id == (principal.organisation_id or -1))
    live = row.live
    out = []
    for r, org, user in session.execute(
            select(NoticeRecipient, Organisation.name, User.display_name)
            .join(Organisation, Organisation.id == NoticeRecipient.organisation_id)
            .outerjoin(User, User.id == NoticeRecipient.acknowledged_by_user_id)
            .where(*conds).order_by(Organisation.name)):
        acked = r.acknowledged_at is not None
        severity = escalation(now, row.response_deadline, acked) if live or acked else None
        out.append(AckRow(organisation_id=r.organisation_id, organisation=org, alerted_at=r.alerted_at,
                          acknowledged_at=r.acknowledged_at, acknowledged_by=user, response=r.response,
                          severity=severity))
    rank = {Severity.ALARM: 0, Severity.ACTION: 1, None: 2, Severity.COMPLIANT: 3}
    return sorted(out, key=lambda a: (rank.get(a.severity, 2), a.organisation))


@dataclass(frozen=True)
class PendingAck:
    notice_id: int
    title: str
    kind: str
    location: str
    response_deadline: datetime | None
    severity: Severity | None
    organisation: str  # who has to answer (the principal's own organisation for an aggregator)


def pending_acknowledgements(session: Session, principal: Principal, now: datetime) -> list[PendingAck]:
    """The live notices the principal's organisation was alerted to and has not acknowledged, the most urgent
    deadline first."""
    if principal.organisation_id is None or not principal.can(Permission.VIEW_NOTICES):
        return []
    rows = [r for r in notices(session, principal, statuses=sorted(LIVE_STATES))
            if r.mine_alerted and r.mine_acknowledged_at is None]
    far = datetime.max.replace(tzinfo=UTC)
    return [PendingAck(notice_id=r.id, title=r.title, kind=r.kind, location=r.location,
                       response_deadline=r.response_deadline, severity=r.my_severity(now),
                       organisation=principal.organisation_name)
            for r in sorted(rows, key=lambda r: r.response_deadline or far)]


def unacknowledged_escalations(session: Session, principal: Principal, now: datetime) -> list[PendingAck]:
    """For the publisher: recipients of its live notices that have not acknowledged and whose deadline is near
    (ACTION) or passed (ALARM), the most urgent first."""
    own = _own_orgs(principal)
    if not own or not principal.can(Permission.PUBLISH_NOTICES):
        return []
    rows = session.execute(
        select(Notice, Organisation.name)
        .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
        .join(Organisation, Organisation.id == NoticeRecipient.organisation_id)
        .where(Notice.publisher_org_id.in_(own), Notice.status.in_(sorted(LIVE_STATES)),
               NoticeRecipient.acknowledged_at.is_(None), Notice.response_deadline.is_not(None),
               Notice.response_deadline <= now + timedelta(days=1))
        .order_by(Notice.response_deadline, Organisation.name).limit(200)).all()
    out = []
    for n, org in rows:
        severity = escalation(now, n.response_deadline, acknowledged=False)
        if severity is None:
            continue
        out.append(PendingAck(notice_id=n.id, title=n.title, kind=n.kind, location="",
                              response_deadline=n.response_deadline, severity=severity, organisation=org))
    return out


def notice_targets(session: Session, notice_id: int) -> list[str]:
    """Organisation codes of a notice's recipients (the targets of its OpenADR event)."""
    return list(session.scalars(select(Organisation.code).join(
        NoticeRecipient, NoticeRecipient.organisation_id == Organisation.id)
        .where(NoticeRecipient.notice_id == notice_id).order_by(Organisation.code)))


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    who: str
    status: str
    note: str


def notice_history(session: Session, principal: Principal, notice_id: int) -> list[HistoryRow]:
    """Audit rows of a visible notice, oldest first."""
    if notice_row(session, principal, notice_id) is None:
        return []
    return [HistoryRow(at=step.at, action=step.action.removeprefix("notice_").replace("_", " "), who=step.who,
                       status=str(step.after.get("status", "")), note=str(step.after.get("note") or ""))
            for step in audit_trail(session, AUDIT_ENTITY, [notice_id])]


# --- the location picker ----------------------------------------------------------------------------------


def _territory_station_ids(principal: Principal):  # type: ignore[no-untyped-def]
    territory = list(principal.territory_ldc_ids)
    return select(Station.id).where(or_(Station.owner_org_id.in_(territory),
                                        Station.id.in_(select(Feeder.station_id).where(Feeder.ldc_id.in_(territory)))))


def station_options(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """(id, label) of the stations a DSO may publish on: its territory's own and the connection points (TS)
    that supply its feeders."""
    if not principal.territory_ldc_ids or not principal.can(Permission.PUBLISH_NOTICES):
        return []
    rows = session.execute(select(Station.id, Station.code, Station.name, Station.kind)
                           .where(Station.id.in_(_territory_station_ids(principal))).order_by(Station.name))
    return [(i, f"{name} ({code}, {kind})") for i, code, name, kind in rows]


def feeder_options(session: Session, principal: Principal, station_id: int) -> list[tuple[int, str]]:
    """(id, label) of the territory's feeders at a station."""
    if not principal.territory_ldc_ids or not principal.can(Permission.PUBLISH_NOTICES):
        return []
    rows = session.execute(select(Feeder.id, Feeder.code, Feeder.name)
                           .where(Feeder.station_id == station_id, Feeder.ldc_id.in_(principal.territory_ldc_ids))
                           .order_by(Feeder.code))
    return [(i, f"{code} · {name}") for i, code, name in rows]


def territory_zones(session: Session, principal: Principal) -> list[str]:
    """The IESO zones in which the DSO's territory has stations, in the IESO's order."""
    if not principal.territory_ldc_ids or not principal.can(Permission.PUBLISH_NOTICES):
        return []
    found = set(session.scalars(select(Station.zone).where(Station.id.in_(_territory_station_ids(principal)))
                                .distinct()))
    return [z.value for z in IesoZone if z.value in found]


# --- wholesale needs (IESO public data stored by the pollers) ---------------------------------------------

SOLAR_EMBEDDED = "SOLAR EMBEDDED FORECAST"
WIND_EMBEDDED = "WIND EMBEDDED FORECAST"
ZONAL_DEMAND = "ZONAL DEMAND"


@dataclass(frozen=True)
class WholesaleNeeds:
    """Hourly MW by hour start (UTC), from the latest stored readings (restated values replace older ones)."""

    start: datetime
    end: datetime
    ontario_demand: dict[datetime, float] = field(default_factory=dict)
    zonal_demand: dict[str, dict[datetime, float]] = field(default_factory=dict)
    solar_embedded: dict[datetime, float] = field(default_factory=dict)
    wind_embedded: dict[datetime, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.ontario_demand or self.zonal_demand or self.solar_embedded or self.wind_embedded)


def _epoch_hour(session: Session) -> ColumnElement[int]:
    """Whole hours since 1970-01-01 UTC of Reading.ts, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.date_part("epoch", Reading.ts) / literal_column("3600")), Integer)
    return cast(func.strftime("%s", Reading.ts), Integer).op("/")(literal_column("3600"))


def _hourly(session: Session, start: datetime, end: datetime, *conds: ColumnElement[bool]
            ) -> dict[str | None, dict[datetime, float]]:
    """zone -> {hour start: MW}: each series' mean per hour, then the mean over the sources of the same zone
    (the Demand, DemandZonal and RealtimeTotals reports all carry Ontario demand), all in SQL."""
    hour = _epoch_hour(session)
    per_series = (
        select(Series.zone.label("zone"), hour.label("hour"), func.avg(Reading.value).label("mean"))
        .join(Series, Series.id == Reading.series_id)
        .where(*conds, Reading.ts >= start, Reading.ts < end, Reading.value.is_not(None))
        .group_by(Reading.series_id, Series.zone, hour)
    ).subquery()
    rows = session.execute(select(per_series.c.zone, per_series.c.hour, func.avg(per_series.c.mean))
                           .group_by(per_series.c.zone, per_series.c.hour))
    out: dict[str | None, dict[datetime, float]] = defaultdict(dict)
    for zone, h, mw in rows:
        out[zone][datetime.fromtimestamp(int(h) * 3600, UTC)] = float(mw)
    return out


def _ontario_total(by_zone: dict[str | None, dict[datetime, float]]) -> dict[datetime, float]:
    """The Ontario-wide figure where the report gives one, else the sum of the zones given for that hour."""
    total: dict[datetime, float] = defaultdict(float)
    for zone, hours in by_zone.items():
        if zone is not None:
            for ts, mw in hours.items():
                total[ts] += mw
    total.update(by_zone.get(None, {}))
    return dict(sorted(total.items()))


def wholesale_needs(session: Session, principal: Principal, start: datetime, end: datetime) -> WholesaleNeeds:
    """IESO Ontario demand, zonal demand and the embedded (distribution-connected) solar and wind forecasts over
    [start, end), aggregated hourly in SQL. Public IESO data: any signed-in reader of notices may see it."""
    needs = WholesaleNeeds(start=start, end=end)
    if principal.is_guest or not principal.can(Permission.VIEW_NOTICES) or end <= start:
        return needs
    demand = _hourly(session, start, end, Series.kind == SeriesKind.ONTARIO_DEMAND, Series.zone.is_(None))
    zonal = _hourly(session, start, end, Series.kind == SeriesKind.ZONE_DEMAND, Series.quantity == ZONAL_DEMAND)
    solar = _hourly(session, start, end, Series.kind == SeriesKind.VG_FORECAST, Series.quantity == SOLAR_EMBEDDED)
    wind = _hourly(session, start, end, Series.kind == SeriesKind.VG_FORECAST, Series.quantity == WIND_EMBEDDED)
    return WholesaleNeeds(
        start=start, end=end, ontario_demand=dict(sorted(demand.get(None, {}).items())),
        zonal_demand={z: dict(sorted(h.items())) for z, h in sorted(zonal.items(), key=lambda kv: str(kv[0]))
                      if z is not None},
        solar_embedded=_ontario_total(solar), wind_embedded=_ontario_total(wind),
    )
