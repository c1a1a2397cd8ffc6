"""Map queries return exactly what each role may see (DESIGN.md, roles and scope)."""
from __future__ import annotations

from sqlalchemy import func, select

from data.access import GUEST, Principal
from data.db import Database
from data.domain.enums import DerStatus, Technology
from data.models import Der, Station, User
from data.queries import drilldown as dq
from data.queries.map import MapFilters, der_aggregates, ders_in_view, feeders, filter_options, stations
from data.services.accounts import principal_for

ALL = MapFilters()
ONTARIO = (41.0, -96.0, 57.0, -73.0)


def principal(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def count(db: Database, *conditions) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalar(select(func.count(Der.id)).where(*conditions))


def test_ieso_sees_every_der(database: Database) -> None:
    p = principal(database, "ieso")
    with database.session() as s:
        total = sum(a.der_count for a in der_aggregates(s, p, ALL))
        assert len(stations(s, p, ALL)) == s.scalar(select(func.count(Station.id)))
    assert total == count(database)


def test_host_ldc_sees_its_territory_including_embedded(database: Database) -> None:
    host = principal(database, "ldc")
    embedded = principal(database, "ldc-embedded")
    with database.session() as s:
        host_total = sum(a.der_count for a in der_aggregates(s, host, ALL))
        emb_total = sum(a.der_count for a in der_aggregates(s, embedded, ALL))
        host_feeders = {f.id for f in feeders(s, host, ALL)}
        emb_feeders = {f.id for f in feeders(s, embedded, ALL)}
    assert host_total == count(database, Der.ldc_id.in_(host.territory_ldc_ids))
    assert emb_total == count(database, Der.ldc_id == embedded.organisation_id) > 0
    assert emb_feeders < host_feeders  # the host sees the embedded LDC's feeders, not the reverse


def test_embedded_ldc_sees_the_connection_point_that_supplies_it(database: Database) -> None:
    embedded = principal(database, "ldc-embedded")
    with database.session() as s:
        seen = stations(s, embedded, ALL)
        own = [st for st in seen if st.kind != "TS"]
        cps = {s.get(Station, st.id).connection_point_id for st in own}
    assert cps <= {st.id for st in seen}


def test_aggregator_sees_only_its_portfolio(database: Database) -> None:
    p = principal(database, "aggregator")
    with database.session() as s:
        total = sum(a.der_count for a in der_aggregates(s, p, ALL))
        points, _ = ders_in_view(s, p, ALL, ONTARIO, limit=100_000)
    expected = count(database, Der.aggregator_org_id == p.organisation_id)
    assert total == expected == len(points) > 0


def test_owner_sees_only_its_own_ders(database: Database) -> None:
    p = principal(database, "owner")
    with database.session() as s:
        points, _ = ders_in_view(s, p, ALL, ONTARIO, limit=100_000)
    assert len(points) == count(database, Der.owner_org_id == p.organisation_id) > 0


def test_guest_gets_no_individual_der_and_no_small_group(database: Database) -> None:
    with database.session() as s:
        points, _ = ders_in_view(s, GUEST, ALL, ONTARIO, limit=100_000)
        aggs = [a for tier in ("zone", "station", "feeder") for a in der_aggregates(s, GUEST, ALL, by=tier)]
        options = filter_options(s, GUEST)
        rows = stations(s, GUEST, ALL)
    assert points == []
    assert aggs and all(a.der_count >= 5 for a in aggs)
    assert all(n >= 5 for a in aggs for _, n, _ in a.by_technology)
    assert options.aggregators == []
    assert all(r.der_count == 0 or r.der_count >= 5 for r in rows)


def test_every_tier_sums_to_the_same_total(database: Database) -> None:
    p = principal(database, "ldc")
    with database.session() as s:
        totals = {tier: sum(a.der_count for a in der_aggregates(s, p, ALL, by=tier))
                  for tier in ("zone", "station", "feeder")}
    assert len(set(totals.values())) == 1 and totals["zone"] > 0


def test_technology_filter(database: Database) -> None:
    p = principal(database, "ieso")
    only_pv = MapFilters(technologies=(Technology.SOLAR_PV.value,))
    with database.session() as s:
        total = sum(a.der_count for a in der_aggregates(s, p, only_pv))
    assert total == count(database, Der.technology == Technology.SOLAR_PV) < count(database)


def test_status_filter(database: Database) -> None:
    p = principal(database, "ieso")
    pending = MapFilters(statuses=(DerStatus.PENDING.value,))
    with database.session() as s:
        total = sum(a.der_count for a in der_aggregates(s, p, pending))
    assert total == count(database, Der.status == DerStatus.PENDING)


def test_viewport_limit_reports_truncation(database: Database) -> None:
    p = principal(database, "ieso")
    with database.session() as s:
        points, truncated = ders_in_view(s, p, ALL, ONTARIO, limit=10)
    assert len(points) == 10 and truncated


def test_search_by_platform_or_meter_id_within_scope(database: Database) -> None:
    agg = principal(database, "aggregator")
    with database.session() as s:
        mine = s.execute(select(Der.platform_id, Der.meter_id).where(
            Der.aggregator_org_id == agg.organisation_id, Der.platform_id.is_not(None), Der.meter_id.is_not(None))
        ).first()
        other = s.scalar(select(Der.platform_id).where(Der.aggregator_org_id != agg.organisation_id,
                                                        Der.platform_id.is_not(None)))
        assert dq.find_der(s, agg, mine.platform_id.lower()).platform_id == mine.platform_id
        assert dq.find_der(s, agg, f"  {mine.meter_id} ").platform_id == mine.platform_id
        assert dq.find_der(s, agg, other) is None
        assert dq.find_der(s, GUEST, mine.platform_id) is None


def test_station_detail_numbers_and_scope(database: Database) -> None:
    ieso = principal(database, "ieso")
    agg = principal(database, "aggregator")
    with database.session() as s:
        st = s.scalar(select(Station).where(Station.kind == "TS").order_by(Station.id))
        detail = dq.station_detail(s, ieso, st.id)
        n = s.scalar(select(func.count(Der.id)).where(Der.station_id == st.id))
        assert detail is not None and detail.is_connection_point
        assert sum(t.count for t in detail.technologies) == n
        unseen = s.scalar(select(Station.id).where(
            Station.id.not_in(select(Der.station_id).where(Der.aggregator_org_id == agg.organisation_id))))
        assert dq.station_detail(s, agg, unseen) is None
