"""The notice service and queries on both databases: whom a notice alerts (computed here independently, along
the supply chain), acknowledgements, amendments, territory, locking, audit, and the wholesale needs."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data.access import AccessDenied, Principal
from data.db import Database
from data.domain.enums import DerStatus, NoticeKind, NoticeStatus, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.domain.notices import ALERT_KIND, InvalidNotice, Location, NoticeDraft, points_in_area
from data.models import AuditEntry, Der, Feeder, Notice, NoticeRecipient, Notification, Organisation, Station, User
from data.models.base import utcnow
from data.pollers.parsers.records import Observation
from data.queries.notices import (
    acknowledgements,
    notice_row,
    notices,
    pending_acknowledgements,
    recipient_organisations,
    unacknowledged_escalations,
    wholesale_needs,
)
from data.queries.overlays import needs_areas
from data.queries.timeline import timeline_items
from data.services.accounts import principal_for
from data.services.ingest import upsert_observations
from data.services.notices import (
    acknowledge,
    amend_notice,
    cancel_notice,
    close_notice,
    create_draft,
    publish_notice,
)

DEAD = (DerStatus.REJECTED, DerStatus.DEACTIVATED)


def who(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def start_at() -> datetime:
    return utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)


def draft(location: Location, **changes) -> NoticeDraft:  # type: ignore[no-untyped-def]
    start = start_at()
    values = dict(kind=NoticeKind.STANDBY, service_type="congestion_management", title="Evening peak standby",
                  location=location, size_mw=3.0, start=start, end=start + timedelta(hours=4),
                  response_deadline=start - timedelta(hours=6), recurrence="weekdays")
    values.update(changes)
    return NoticeDraft(**values)


def publish(db: Database, principal: Principal, location: Location, **changes):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        created = create_draft(s, principal, draft(location, **changes))
        return publish_notice(s, principal, created.notice_id, created.version)


# --- independent reach: walk the raw tables -----------------------------------------------------------------


def grid(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        feeders = {i: st for i, st in s.execute(select(Feeder.id, Feeder.station_id))}
        supplied = defaultdict(list)  # parent station -> stations it supplies (directly or by a feeder)
        for sid, up_station, up_feeder in s.execute(select(Station.id, Station.supply_station_id,
                                                           Station.supply_feeder_id)):
            parent = up_station if up_station is not None else feeders.get(up_feeder)
            if parent is not None:
                supplied[parent].append(sid)
        by_feeder_station = defaultdict(list)
        for sid, up_feeder in s.execute(select(Station.id, Station.supply_feeder_id)
                                        .where(Station.supply_feeder_id.is_not(None))):
            by_feeder_station[up_feeder].append(sid)
        ders = s.execute(select(Der.feeder_id, Der.station_id, Der.aggregator_org_id, Der.ldc_id)
                         .where(Der.status.notin_(DEAD), Der.aggregator_org_id.is_not(None))).all()
    return feeders, supplied, by_feeder_station, ders


def expected_aggregators(db: Database, territory, station_id=None, feeder_id=None) -> set[int]:  # type: ignore[no-untyped-def]
    feeders, supplied, by_feeder_station, ders = grid(db)
    todo = [station_id] if station_id is not None else list(by_feeder_station.get(feeder_id, []))
    stations: set[int] = set()
    while todo:
        sid = todo.pop()
        if sid not in stations:
            stations.add(sid)
            todo.extend(supplied.get(sid, []))
    reached_feeders = {f for f, st in feeders.items() if st in stations} | ({feeder_id} if feeder_id else set())
    return {agg for f, st, agg, ldc in ders
            if (f in reached_feeders or st in stations) and ldc in territory}


def ldc_feeder_with_aggregators(db: Database, ldc: Principal) -> Feeder:
    with db.session() as s:
        return s.scalars(select(Feeder).join(Der, Der.feeder_id == Feeder.id)
                         .where(Feeder.ldc_id == ldc.organisation_id, Der.aggregator_org_id.is_not(None))
                         .group_by(Feeder.id).order_by(func.count(func.distinct(Der.aggregator_org_id)).desc(),
                                                       Feeder.id)).first()


def host_feeder_with_embedded_station(db: Database, host: Principal, embedded: Principal) -> tuple[Feeder, int]:
    with db.session() as s:
        row = s.execute(select(Feeder, Station.id).join(Station, Station.supply_feeder_id == Feeder.id)
                        .where(Feeder.ldc_id == host.organisation_id,
                               Station.owner_org_id == embedded.organisation_id,
                               Station.id.in_(select(Der.station_id).where(Der.aggregator_org_id.is_not(None))))
                        .order_by(Feeder.id)).first()
    assert row is not None, "the demo has an embedded LDC station with DERs on a host feeder"
    return row[0], row[1]


def recipients_of(db: Database, notice_id: int) -> set[int]:
    with db.session() as s:
        return set(s.scalars(select(NoticeRecipient.organisation_id).where(NoticeRecipient.notice_id == notice_id)))


def alerts_of(db: Database, notice_id: int) -> list[Notification]:
    with db.session() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == ALERT_KIND,
                                                         Notification.link == f"/notices?notice={notice_id}")
                              .order_by(Notification.id)))


# --- publishing and whom it alerts --------------------------------------------------------------------------


def test_publish_on_a_feeder_alerts_exactly_the_aggregators_with_ders_there(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = ldc_feeder_with_aggregators(database, ldc)
    expected = expected_aggregators(database, ldc.territory_ldc_ids, feeder_id=feeder.id)
    assert expected, "the demo feeder has DERs of at least one aggregator"

    result = publish(database, ldc, Location(feeder_id=feeder.id))
    assert result.status is NoticeStatus.PUBLISHED
    assert set(result.recipient_org_ids) == expected == recipients_of(database, result.notice_id)
    alerts = alerts_of(database, result.notice_id)
    assert sorted(a.organisation_id for a in alerts) == sorted(expected)
    assert all(a.severity == Severity.ACTION and feeder.code in a.text and "MW" in a.text and "EST" in a.text
               for a in alerts)
    with database.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "notice",
                                                                 AuditEntry.entity_id == str(result.notice_id))
                                 .order_by(AuditEntry.id)))
        notice = s.get(Notice, result.notice_id)
    assert actions == ["notice_drafted", "notice_published"]
    assert notice.published_at is not None and notice.recurrence == "weekdays"


def test_a_station_reaches_the_embedded_ldcs_ders_below_it(database) -> None:  # type: ignore[no-untyped-def]
    ldc, embedded = who(database, "ldc"), who(database, "ldc-embedded")
    host_feeder, embedded_station = host_feeder_with_embedded_station(database, ldc, embedded)
    with database.session() as s:
        below = set(s.scalars(select(Der.aggregator_org_id).where(Der.station_id == embedded_station,
                                                                  Der.status.notin_(DEAD),
                                                                  Der.aggregator_org_id.is_not(None))))
    for location in (Location(station_id=host_feeder.station_id), Location(feeder_id=host_feeder.id)):
        expected = expected_aggregators(database, ldc.territory_ldc_ids, location.station_id, location.feeder_id)
        assert below <= expected
        result = publish(database, ldc, location)
        assert recipients_of(database, result.notice_id) == expected


def test_zone_and_area_locations_reach_the_territorys_ders_there(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    territory = ldc.territory_ldc_ids
    with database.session() as s:
        zone = s.scalar(select(Station.zone).where(Station.owner_org_id == ldc.organisation_id).limit(1))
        zone_expected = set(s.scalars(select(Der.aggregator_org_id).join(Station, Station.id == Der.station_id)
                                      .where(Station.zone == zone, Der.ldc_id.in_(territory),
                                             Der.status.notin_(DEAD), Der.aggregator_org_id.is_not(None))))
        lon, lat = s.execute(select(func.avg(Der.lon), func.avg(Der.lat)).where(Der.ldc_id == ldc.organisation_id)
                             ).one()
        ders = s.execute(select(Der.id, Der.lon, Der.lat, Der.aggregator_org_id)
                         .where(Der.ldc_id.in_(territory), Der.status.notin_(DEAD),
                                Der.aggregator_org_id.is_not(None))).all()
    assert zone_expected
    assert set(publish(database, ldc, Location(zone=zone)).recipient_org_ids) == zone_expected

    d = 0.1
    area = {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d],
                                                [lon - d, lat + d], [lon - d, lat - d]]]}
    inside = points_in_area(area, [(i, x, y) for i, x, y, _ in ders])
    area_expected = {agg for i, _, _, agg in ders if i in inside}
    assert area_expected
    result = publish(database, ldc, Location(area=area))
    assert set(result.recipient_org_ids) == area_expected
    with database.session() as s:
        assert recipient_organisations(s, Location(area=area), territory) == {
            agg: sum(1 for i, _, _, a in ders if i in inside and a == agg) for agg in area_expected}


# --- territory and roles ------------------------------------------------------------------------------------


def test_an_embedded_ldc_cannot_publish_on_a_host_only_feeder(database) -> None:  # type: ignore[no-untyped-def]
    ldc, embedded = who(database, "ldc"), who(database, "ldc-embedded")
    host_feeder = ldc_feeder_with_aggregators(database, ldc)
    with pytest.raises(AccessDenied, match="outside"):
        publish(database, embedded, Location(feeder_id=host_feeder.id))
    with database.session() as s:
        own = s.scalar(select(Feeder.id).where(Feeder.ldc_id == embedded.organisation_id).order_by(Feeder.id))
        far_zone = s.scalar(select(Station.zone).where(Station.zone != "Toronto").limit(1))
    assert publish(database, embedded, Location(feeder_id=own)).status is NoticeStatus.PUBLISHED
    with pytest.raises(AccessDenied, match="zone"):
        publish(database, ldc, Location(zone=far_zone))
    nowhere = {"type": "Polygon", "coordinates": [[[-90, 50], [-89.9, 50], [-89.9, 50.1], [-90, 50]]]}
    with pytest.raises(AccessDenied, match="area"):
        publish(database, ldc, Location(area=nowhere))
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 1


@pytest.mark.parametrize("username", ["aggregator", "ieso", "admin", "owner", "manager"])
def test_only_dso_operators_publish(database, username) -> None:  # type: ignore[no-untyped-def]
    feeder = ldc_feeder_with_aggregators(database, who(database, "ldc"))
    with pytest.raises(AccessDenied):
        publish(database, who(database, username), Location(feeder_id=feeder.id))


def test_unknown_locations_and_bad_values_are_refused_and_nothing_is_saved(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = ldc_feeder_with_aggregators(database, ldc)
    with pytest.raises(InvalidNotice, match="no feeder"):
        publish(database, ldc, Location(feeder_id=999_999))
    with pytest.raises(InvalidNotice) as err:
        publish(database, ldc, Location(feeder_id=feeder.id), size_mw=0, title="",
                response_deadline=start_at() + timedelta(hours=1), recurrence="fortnightly")
    assert {p.split(":")[0] for p in err.value.problems} == {"size", "title", "response deadline", "recurrence"}
    past = utcnow() - timedelta(days=2)
    with pytest.raises(InvalidNotice, match="already"):
        publish(database, ldc, Location(feeder_id=feeder.id), start=past, end=past + timedelta(hours=1),
                response_deadline=past - timedelta(hours=1))
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 0
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == ALERT_KIND)) == 0


# --- acknowledgements, amendments, lifecycle ----------------------------------------------------------------


def aggregator_feeder(db: Database, ldc: Principal, aggregator: Principal) -> Feeder:
    with db.session() as s:
        return s.scalars(select(Feeder).join(Der, Der.feeder_id == Feeder.id)
                         .where(Feeder.ldc_id == ldc.organisation_id,
                                Der.aggregator_org_id == aggregator.organisation_id).order_by(Feeder.id)).first()


def test_aggregator_acknowledges_and_amendment_resets_the_acknowledgements(database) -> None:  # type: ignore[no-untyped-def]
    ldc, aggregator = who(database, "ldc"), who(database, "aggregator")
    feeder = aggregator_feeder(database, ldc, aggregator)
    published = publish(database, ldc, Location(feeder_id=feeder.id))
    assert aggregator.organisation_id in published.recipient_org_ids
    now = utcnow()
    with database.session() as s:
        [pending] = [p for p in pending_acknowledgements(s, aggregator, now) if p.notice_id == published.notice_id]
        assert pending.severity is None  # the deadline is hours away
    with database.transaction() as s:
        acknowledge(s, aggregator, published.notice_id, response="  We can hold 1.2 MW in reserve\x00 ")
    with database.session() as s:
        row = s.scalar(select(NoticeRecipient).where(NoticeRecipient.notice_id == published.notice_id,
                                                     NoticeRecipient.organisation_id == aggregator.organisation_id))
        assert row.acknowledged_at is not None and row.response == "We can hold 1.2 MW in reserve"
        assert row.acknowledged_by_user_id == aggregator.user_id
        listed = notice_row(s, aggregator, published.notice_id)
        assert listed.mine_acknowledged_at is not None and listed.my_severity(now) is Severity.COMPLIANT
        assert listed.ack_text == f"1 of {len(published.recipient_org_ids)}"
        # the publisher sees everyone; the aggregator only its own row
        everyone = acknowledgements(s, ldc, published.notice_id, now)
        assert {a.organisation_id for a in everyone} == set(published.recipient_org_ids)
        assert [a.organisation_id for a in acknowledgements(s, aggregator, published.notice_id, now)] == [
            aggregator.organisation_id]
    with database.transaction() as s, pytest.raises(IllegalTransition, match="already acknowledged"):
        acknowledge(s, aggregator, published.notice_id)

    with database.transaction() as s:
        amended = amend_notice(s, ldc, published.notice_id, published.version,
                               draft(Location(feeder_id=feeder.id), size_mw=4.5), note="more needed")
    assert amended.status is NoticeStatus.AMENDED and amended.version == published.version + 1
    with database.session() as s:
        acks = s.scalars(select(NoticeRecipient.acknowledged_at).where(
            NoticeRecipient.notice_id == published.notice_id)).all()
        assert acks and all(a is None for a in acks)
    alerts = alerts_of(database, published.notice_id)
    assert len(alerts) == 2 * len(published.recipient_org_ids)
    assert "4.5 MW" in alerts[-1].text and "again" in alerts[-1].text
    with database.transaction() as s:  # the new version can be acknowledged again
        acknowledge(s, aggregator, published.notice_id, response=None)


def test_an_amendment_that_moves_the_notice_tells_those_no_longer_concerned(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = ldc_feeder_with_aggregators(database, ldc)
    published = publish(database, ldc, Location(feeder_id=feeder.id))
    with database.session() as s:
        empty = s.scalar(select(Feeder.id).where(Feeder.ldc_id == ldc.organisation_id,
                                                 Feeder.id.notin_(select(Der.feeder_id)),
                                                 Feeder.id.notin_(select(Station.supply_feeder_id).where(
                                                     Station.supply_feeder_id.is_not(None)))))
    with database.transaction() as s:
        moved = amend_notice(s, ldc, published.notice_id, published.version, draft(Location(feeder_id=empty)))
    assert moved.recipient_org_ids == () and set(moved.notified_org_ids) == set(published.recipient_org_ids)
    assert recipients_of(database, published.notice_id) == set()
    assert "no longer concerns" in alerts_of(database, published.notice_id)[-1].text


def test_stale_versions_are_refused(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = ldc_feeder_with_aggregators(database, ldc)
    published = publish(database, ldc, Location(feeder_id=feeder.id))
    with database.transaction() as s:
        amend_notice(s, ldc, published.notice_id, published.version, draft(Location(feeder_id=feeder.id), size_mw=5))
    for attempt in (lambda s: amend_notice(s, ldc, published.notice_id, published.version,
                                           draft(Location(feeder_id=feeder.id), size_mw=6)),
                    lambda s: close_notice(s, ldc, published.notice_id, published.version),
                    lambda s: cancel_notice(s, ldc, published.notice_id, published.version)):
        with database.transaction() as s, pytest.raises(StaleEdit, match="changed by someone else"):
            attempt(s)
    with database.session() as s:
        assert s.get(Notice, published.notice_id).size_mw == 5


def test_lifecycle_close_cancel_and_illegal_moves(database) -> None:  # type: ignore[no-untyped-def]
    ldc, aggregator = who(database, "ldc"), who(database, "aggregator")
    feeder = aggregator_feeder(database, ldc, aggregator)
    with database.transaction() as s:
        d = create_draft(s, ldc, draft(Location(feeder_id=feeder.id)))
    with database.session() as s:  # a draft is the publisher's alone, even the IESO does not see it
        assert notice_row(s, aggregator, d.notice_id) is None and notice_row(s, ldc, d.notice_id) is not None
        assert notice_row(s, who(database, "ieso"), d.notice_id) is None
    with database.transaction() as s, pytest.raises(IllegalTransition, match="draft cannot become closed"):
        close_notice(s, ldc, d.notice_id, d.version)
    with database.transaction() as s, pytest.raises(DomainError, match="was not sent"):
        acknowledge(s, aggregator, d.notice_id)
    with database.transaction() as s:
        cancelled = cancel_notice(s, ldc, d.notice_id, d.version, note="typed twice")
    assert cancelled.status is NoticeStatus.CANCELLED and cancelled.notified_org_ids == ()

    published = publish(database, ldc, Location(feeder_id=feeder.id))
    with database.transaction() as s, pytest.raises(InvalidNotice, match="changes nothing"):
        amend_notice(s, ldc, published.notice_id, published.version, draft(Location(feeder_id=feeder.id)))
    with database.transaction() as s, pytest.raises(DomainError, match="of your organisation"):
        close_notice(s, who(database, "ldc-embedded"), published.notice_id, published.version)
    with database.transaction() as s:
        closed = close_notice(s, ldc, published.notice_id, published.version, note="enough offers")
    assert closed.status is NoticeStatus.CLOSED and set(closed.notified_org_ids) == set(published.recipient_org_ids)
    assert "closed · enough offers" in alerts_of(database, published.notice_id)[-1].text
    with database.transaction() as s, pytest.raises(IllegalTransition, match="closed cannot become"):
        cancel_notice(s, ldc, published.notice_id, closed.version)
    with database.transaction() as s, pytest.raises(IllegalTransition, match="nothing to acknowledge"):
        acknowledge(s, aggregator, published.notice_id)
    with pytest.raises(AccessDenied), database.transaction() as s:
        acknowledge(s, ldc, published.notice_id)


def test_escalations_for_the_publisher(database) -> None:  # type: ignore[no-untyped-def]
    ldc = who(database, "ldc")
    feeder = ldc_feeder_with_aggregators(database, ldc)
    published = publish(database, ldc, Location(feeder_id=feeder.id))
    with database.session() as s:
        deadline = s.get(Notice, published.notice_id).response_deadline
        assert unacknowledged_escalations(s, ldc, deadline - timedelta(hours=3)) == []
        soon = unacknowledged_escalations(s, ldc, deadline - timedelta(hours=1))
        late = unacknowledged_escalations(s, ldc, deadline + timedelta(minutes=1))
        rows = acknowledgements(s, ldc, published.notice_id, deadline + timedelta(minutes=1))
    assert {e.severity for e in soon} == {Severity.ACTION} and len(soon) == len(published.recipient_org_ids)
    assert {e.severity for e in late} == {Severity.ALARM}
    assert {r.state for r in rows} == {"overdue"}


# --- the map, the home timeline and the list ----------------------------------------------------------------


def test_a_published_notice_is_on_the_home_map_timeline_and_the_recipients_list(database) -> None:  # type: ignore[no-untyped-def]
    ldc, aggregator, ieso = who(database, "ldc"), who(database, "aggregator"), who(database, "ieso")
    feeder = aggregator_feeder(database, ldc, aggregator)
    published = publish(database, ldc, Location(feeder_id=feeder.id), title="Standby on the lakeshore")
    start = start_at()
    with database.session() as s:
        for principal in (ldc, aggregator, ieso):
            assert any(a.label == "Standby on the lakeshore" and a.feeder_lines for a in needs_areas(s, principal))
            items = timeline_items(s, principal, start - timedelta(hours=1), start + timedelta(hours=5))
            assert any(i.kind == "notice" and i.item_id == published.notice_id for i in items)
            assert published.notice_id in [r.id for r in notices(s, principal)]
        others = s.scalar(select(User).join(Organisation, Organisation.id == User.organisation_id)
                          .where(Organisation.kind == "aggregator",
                                 Organisation.id.notin_(published.recipient_org_ids)))
        if others is not None:
            outsider = principal_for(s, others)
            assert published.notice_id not in [r.id for r in notices(s, outsider)]


# --- wholesale needs ----------------------------------------------------------------------------------------


def test_wholesale_needs_are_hourly_means_of_the_latest_readings(database) -> None:  # type: ignore[no-untyped-def]
    hour = datetime(2026, 7, 15, 17, tzinfo=UTC)
    five_min = [Observation("ONTARIO DEMAND", None, hour + timedelta(minutes=5 * i), 300, 18_000 + 10 * i, "MW")
                for i in range(12)]
    hourly = [Observation("ONTARIO DEMAND", None, hour, 3600, 18_100.0, "MW"),
              Observation("ONTARIO DEMAND", None, hour + timedelta(hours=1), 3600, 19_000.0, "MW"),
              Observation("ZONAL DEMAND", "Toronto", hour, 3600, 5_000.0, "MW"),
              Observation("ONTARIO DEMAND", None, hour + timedelta(hours=9), 3600, 1.0, "MW")]  # outside
    forecast = [Observation("SOLAR EMBEDDED FORECAST", None, hour, 3600, 1_200.0, "MW"),
                Observation("SOLAR EMBEDDED FORECAST", "Toronto", hour + timedelta(hours=1), 3600, 300.0, "MW"),
                Observation("SOLAR EMBEDDED FORECAST", "East", hour + timedelta(hours=1), 3600, 200.0, "MW"),
                Observation("WIND EMBEDDED FORECAST", None, hour, 3600, None, "MW")]
    with database.transaction() as s:
        upsert_observations(s, five_min, "RealtimeTotals")
        upsert_observations(s, hourly, "Demand")
        upsert_observations(s, forecast, "VGForecastSummary")
        upsert_observations(s, [Observation("SOLAR EMBEDDED FORECAST", None, hour, 3600, 1_250.0, "MW")],
                            "VGForecastSummary")  # a restated forecast replaces the older value
    with database.session() as s:
        needs = wholesale_needs(s, who(database, "aggregator"), hour - timedelta(hours=1), hour + timedelta(hours=3))
        assert wholesale_needs(s, principal_for(s, s.scalar(select(User).where(User.username == "ldc"))),
                               hour, hour).empty
    # 5-minute mean 18,055 and hourly 18,100: the two sources averaged
    assert needs.ontario_demand == {hour: pytest.approx((18_055 + 18_100) / 2),
                                    hour + timedelta(hours=1): pytest.approx(19_000)}
    assert needs.zonal_demand == {"Toronto": {hour: pytest.approx(5_000)}}
    assert needs.solar_embedded == {hour: pytest.approx(1_250), hour + timedelta(hours=1): pytest.approx(500)}
    assert needs.wind_embedded == {}
