"""The demo generator: a realistic, consistent Ontario grid, the same rows for the same seed."""
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.db import Database
from data.demo.generator import DEMO_USERNAMES, DemoNotEmptyError, ensure_demo, load_demo
from data.demo.geo import distance_km
from data.domain.enums import DerStatus, IesoZone, OrgKind, Role, StationKind
from data.domain.identifiers import DER_ID_PATTERN
from data.models import Der, Feeder, Organisation, Resource, Station, User

AS_OF = date(2026, 11, 30)
DERS = 600
SEED = 7


def _migrated(url: str, lock_dir: Path) -> Database:
    db = Database.connect(url)
    db.migrate(lock_dir)
    return db


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('demo')}/t.db"


@pytest.fixture(scope="module")
def loaded(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = _migrated(database_url, tmp_path_factory.mktemp("lock"))
    summary = load_demo(db, ders=DERS, seed=SEED, password="pw", as_of=AS_OF)
    assert summary.ders == DERS
    return db


def test_grid_meets_the_minimums(loaded: Database):
    with loaded.session() as s:
        zones = set(s.scalars(select(Station.zone).distinct()))
        ldcs = s.scalars(select(Organisation).where(Organisation.kind == OrgKind.LDC)).all()
        stations = s.scalar(select(func.count()).select_from(Station))
        feeders = s.scalar(select(func.count()).select_from(Feeder))
        kinds = dict(s.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    assert zones == {z.value for z in IesoZone}
    assert len(ldcs) >= 8
    embedded = [o for o in ldcs if o.host_ldc_id is not None]
    assert len(embedded) == 2 and len({o.host_ldc_id for o in embedded}) == 1
    assert stations >= 40 and feeders >= 300
    assert kinds[OrgKind.ISO] == 1 and kinds[OrgKind.PLATFORM] == 1 and kinds[OrgKind.TRANSMITTER] == 1
    assert kinds[OrgKind.AGGREGATOR] >= 4 and kinds[OrgKind.DER_OWNER] >= 30


def test_every_station_reaches_a_ts(loaded: Database):
    with loaded.session() as s:
        stations = {st.id: st for st in s.scalars(select(Station))}
    for st in stations.values():
        top = stations[st.connection_point_id]
        assert top.kind == StationKind.TS and top.is_connection_point
        if st.kind == StationKind.TS:
            assert st.connection_point_id == st.id and st.owner_org_id == top.owner_org_id


def test_embedded_stations_hang_from_a_host_feeder(loaded: Database):
    with loaded.session() as s:
        rows = s.execute(
            select(Station, Organisation, Feeder)
            .join(Organisation, Station.owner_org_id == Organisation.id)
            .join(Feeder, Station.supply_feeder_id == Feeder.id)
        ).all()
    assert rows
    for _station, owner, host_feeder in rows:
        assert owner.host_ldc_id == host_feeder.ldc_id


def test_every_der_sits_on_its_station_s_feeder_near_the_station(loaded: Database):
    with loaded.session() as s:
        rows = s.execute(
            select(Der.station_id, Der.lat, Der.lon, Der.ldc_id, Feeder.station_id, Feeder.ldc_id,
                   Station.lat, Station.lon)
            .join(Feeder, Der.feeder_id == Feeder.id)
            .join(Station, Der.station_id == Station.id)
        ).all()
    assert len(rows) == DERS
    for der_station, lat, lon, der_ldc, feeder_station, feeder_ldc, st_lat, st_lon in rows:
        assert der_station == feeder_station and der_ldc == feeder_ldc
        assert distance_km(lat, lon, st_lat, st_lon) < 20.0


def test_der_lifecycle_fields_are_consistent(loaded: Database):
    with loaded.session() as s:
        ders = s.scalars(select(Der)).all()
    for der in ders:
        if der.status == DerStatus.PENDING:
            assert der.platform_id is None and der.approved_at is None
        else:
            assert der.platform_id and DER_ID_PATTERN.match(der.platform_id)
            assert der.created_at < der.approved_at and der.activation_date <= AS_OF
        if der.resource_id is not None:
            assert der.aggregator_org_id is not None
    aggregated = sum(d.aggregator_org_id is not None for d in ders) / len(ders)
    assert 0.55 <= aggregated <= 0.75
    assert any(d.capacity_kw >= 10_000 for d in ders)
    assert any(d.connection_assessment_ref is None for d in ders)


def test_demo_users_have_their_roles_and_organisations(loaded: Database):
    with loaded.session() as s:
        users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(DEMO_USERNAMES)))}
        orgs = {o.id: o for o in s.scalars(select(Organisation))}
        owner_ders = s.scalars(select(Der).where(Der.owner_org_id == users["owner"].organisation_id)).all()
        resources = s.scalars(select(Resource)).all()
    assert set(users) == set(DEMO_USERNAMES)
    expected = {
        "admin": (Role.ADMIN, OrgKind.PLATFORM), "ieso": (Role.TSO_OPERATOR, OrgKind.ISO),
        "ldc": (Role.DSO_OPERATOR, OrgKind.LDC), "ldc-embedded": (Role.DSO_OPERATOR, OrgKind.LDC),
        "aggregator": (Role.AGGREGATOR, OrgKind.AGGREGATOR), "owner": (Role.DER_OWNER, OrgKind.DER_OWNER),
        "manager": (Role.MANAGER, OrgKind.AGGREGATOR),
    }
    for name, (role, kind) in expected.items():
        assert users[name].role == role and orgs[users[name].organisation_id].kind == kind
    assert orgs[users["ldc"].organisation_id].host_ldc_id is None
    assert orgs[users["ldc-embedded"].organisation_id].host_ldc_id == users["ldc"].organisation_id
    assert users["manager"].organisation_id == users["aggregator"].organisation_id
    assert 5 <= len(owner_ders) <= 20
    assert any(d.aggregator_org_id == users["aggregator"].organisation_id for d in owner_ders)
    assert any(r.aggregator_org_id == users["aggregator"].organisation_id for r in resources)


def test_same_seed_gives_identical_rows(loaded: Database, tmp_path: Path):
    again = _migrated(f"sqlite:///{tmp_path}/again.db", tmp_path)
    load_demo(again, ders=DERS, seed=SEED, password="other", as_of=AS_OF)
    other = _migrated(f"sqlite:///{tmp_path}/other.db", tmp_path)
    load_demo(other, ders=DERS, seed=SEED + 1, password="pw", as_of=AS_OF)

    def rows(db: Database, table) -> list[tuple]:  # type: ignore[no-untyped-def]
        with db.session() as s:
            return [tuple(r) for r in s.execute(select(table.__table__).order_by(table.id))]

    for table in (Der, Station, Feeder, Resource):
        assert rows(again, table) == rows(loaded, table)
    assert rows(other, Der) != rows(loaded, Der)


def test_ensure_demo_leaves_a_loaded_database_alone(loaded: Database):
    with loaded.session() as s:
        before = s.scalar(select(func.count()).select_from(Der))
    assert ensure_demo(loaded, ders=50_000, seed=1, password="x") is None
    with pytest.raises(DemoNotEmptyError):
        load_demo(loaded, ders=DERS, seed=SEED)
    with loaded.session() as s:
        assert s.scalar(select(func.count()).select_from(Der)) == before


def test_ensure_demo_loads_an_empty_database(tmp_path: Path):
    db = _migrated(f"sqlite:///{tmp_path}/fresh.db", tmp_path)
    summary = ensure_demo(db, ders=200, seed=3, password="pw", as_of=AS_OF)
    assert summary is not None and summary.ders == 200 and summary.zones == len(IesoZone)
